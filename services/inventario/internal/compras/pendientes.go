package compras

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
)

// OpenAPI documents the routes of this package.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Pendiente is an invoice line that could not be booked.
type Pendiente struct {
	DocumentoID    uuid.UUID           `json:"documento_id"`
	Linea          int                 `json:"linea"`
	Codigo         string              `json:"codigo"`
	Descripcion    string              `json:"descripcion"`
	Cantidad       decimal.NullDecimal `json:"cantidad"`
	PrecioUnitario decimal.NullDecimal `json:"precio_unitario"`
	TipoDocumento  string              `json:"tipo_documento"`
	Folio          string              `json:"folio"`
	RutEmisor      string              `json:"rut_emisor"`
	Motivo         string              `json:"motivo"`
	CreatedAt      time.Time           `json:"created_at"`
}

// Handler serves GET /api/stock/entradas-pendientes.
type Handler struct{ DB *gorm.DB }

// Pendientes lists the tenant's pending invoice lines, newest first
// (?documento_id= narrows to one document).
func (h Handler) Pendientes(c echo.Context) error {
	tenant := auth.From(c).Tenant
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	doc, err := httpx.QueryUUID(c, "documento_id")
	if err != nil {
		return err
	}
	q := h.DB.WithContext(c.Request().Context()).Table("inventario.documento_lineas").
		Where("tenant_id = ? AND estado = 'pendiente'", tenant)
	if doc != nil {
		q = q.Where("documento_id = ?", *doc)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return apperr.Wrap(err, "contar entradas pendientes")
	}
	var rows []Pendiente
	err = q.Select("documento_id, linea, codigo, descripcion, cantidad, precio_unitario, tipo_documento, folio, rut_emisor, motivo, created_at").
		Order("created_at DESC, documento_id, linea").Limit(p.Size).Offset(p.Offset()).Scan(&rows).Error
	if err != nil {
		return apperr.Wrap(err, "listar entradas pendientes")
	}
	return c.JSON(http.StatusOK, httpx.NewList(rows, p, total))
}
