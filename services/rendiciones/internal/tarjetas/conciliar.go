package tarjetas

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/services/rendiciones/internal/conciliacion"
)

// Conciliacion is the answer of POST /api/tarjetas/:id/conciliar: every
// item of the card that has its document (those linked by this run marked
// nuevo) and the charges still without one.
type Conciliacion struct {
	Nuevos       int     `json:"nuevos"`
	Conciliados  []Match `json:"conciliados"`
	SinDocumento []Item  `json:"sin_documento"`
	Regla        string  `json:"regla"`
}

// Match is an item with the document that backs it.
type Match struct {
	Item      Item             `json:"item"`
	Documento DocumentoResumen `json:"documento"`
	Nuevo     bool             `json:"nuevo"`
}

// DocumentoResumen is what a match shows of a document.
type DocumentoResumen struct {
	ID                uuid.UUID           `json:"id"`
	TipoDocumento     *string             `json:"tipo_documento"`
	RutEmisor         *string             `json:"rut_emisor"`
	RazonSocialEmisor *string             `json:"razon_social_emisor"`
	Folio             *string             `json:"folio"`
	FechaEmision      *string             `json:"fecha_emision"`
	Moneda            *string             `json:"moneda"`
	MontoTotal        decimal.NullDecimal `json:"monto_total"`
}

const regla = "mismo monto exacto y moneda, y (razón social parecida a la glosa, hasta 31 días de diferencia, o fecha a ±3 días); un documento por movimiento"

// LockDocumentos serializes, within a tenant, everything that assigns
// documents to card items or rendición items (conciliation, manual links,
// rendición items). The unique keys already forbid a document in two
// places; the lock makes the second writer see the first one's choice
// instead of failing on the key.
func LockDocumentos(tx *gorm.DB, tenant uuid.UUID) error {
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "rendiciones.documentos:"+tenant.String()).Error
}

// usableDocs is the condition for a document that may back a charge: the
// tenant's, extracted (or corrected by a person), with an amount, not a
// flagged folio duplicate, and not already used by an item or a rendición.
const usableDocs = `d.tenant_id = ? AND d.estado IN ('procesado', 'revisado')
	AND d.monto_total IS NOT NULL AND d.moneda IS NOT NULL
	AND NOT (coalesce(d.duplicado_tipo, '') = 'folio' AND NOT d.no_duplicado)
	AND NOT EXISTS (SELECT 1 FROM rendiciones.rendicion_tarjeta_items ti WHERE ti.tenant_id = d.tenant_id AND ti.documento_id = d.id)
	AND NOT EXISTS (SELECT 1 FROM rendiciones.rendicion_items ri WHERE ri.tenant_id = d.tenant_id AND ri.documento_id = d.id)`

// Conciliate links the card's charges that have no document yet, and are in
// no rendición, to the tenant's usable documents under the conciliacion
// rule. Running it again only links what has become matchable since (new
// items or documents), so it is idempotent.
func (s *Store) Conciliate(ctx context.Context, tenant, tarjeta, user uuid.UUID) (Conciliacion, error) {
	out := Conciliacion{Regla: regla}
	nuevos := map[uuid.UUID]bool{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := getTarjeta(ctx, tx.Clauses(db.ForUpdate), tenant, tarjeta); err != nil {
			return err
		}
		if err := LockDocumentos(tx, tenant); err != nil {
			return apperr.Wrap(err, "bloquear documentos")
		}
		cands, _, err := items(ctx, tx, tenant, tarjeta, ItemFilter{SinDocumento: true, SinRendicion: true, OnlyPositives: true}, nil)
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			return nil
		}
		its := make([]conciliacion.Item, len(cands))
		for i, c := range cands {
			f, _ := time.Parse(time.DateOnly, c.Fecha)
			its[i] = conciliacion.Item{ID: c.ID, Fecha: f, Descripcion: c.Descripcion, Monto: c.Monto, Moneda: c.Moneda}
		}
		var docs []struct {
			ID           uuid.UUID
			FechaEmision *time.Time
			RazonSocial  string
			MontoTotal   decimal.Decimal
			Moneda       string
		}
		// Only documents whose amount some candidate charge has.
		err = tx.Raw(`SELECT d.id, d.fecha_emision, coalesce(d.razon_social_emisor, '') AS razon_social, d.monto_total, d.moneda
			FROM rendiciones.documentos_procesados d
			WHERE `+usableDocs+`
			AND (d.moneda, d.monto_total) IN (
				SELECT i.moneda, i.monto FROM rendiciones.rendicion_tarjeta_items i
				WHERE i.tenant_id = ? AND i.tarjeta_id = ? AND i.documento_id IS NULL AND i.monto > 0)
			ORDER BY d.fecha_emision NULLS LAST, d.created_at, d.id`, tenant, tenant, tarjeta).Scan(&docs).Error
		if err != nil {
			return apperr.Wrap(err, "leer documentos")
		}
		ds := make([]conciliacion.Documento, len(docs))
		for i, d := range docs {
			ds[i] = conciliacion.Documento{ID: d.ID, Fecha: d.FechaEmision, RazonSocial: d.RazonSocial, Monto: d.MontoTotal, Moneda: d.Moneda}
		}
		for _, p := range conciliacion.Conciliar(its, ds) {
			res := tx.Exec(`UPDATE rendiciones.rendicion_tarjeta_items
				SET documento_id = ?, conciliacion_criterio = ?, conciliado_at = now(), conciliado_por = ?
				WHERE id = ? AND tenant_id = ? AND documento_id IS NULL`, p.DocumentoID, criterio(p), user, p.ItemID, tenant)
			if res.Error != nil {
				return apperr.Wrap(res.Error, "vincular documento")
			}
			if res.RowsAffected == 1 {
				nuevos[p.ItemID] = true
			}
		}
		return nil
	})
	if err != nil {
		return Conciliacion{}, err
	}
	out.Nuevos = len(nuevos)
	g := s.db.WithContext(ctx)
	linked, _, err := items(ctx, g, tenant, tarjeta, ItemFilter{ConDocumento: true}, nil)
	if err != nil {
		return Conciliacion{}, err
	}
	docs, err := resumenes(ctx, g, tenant, linked)
	if err != nil {
		return Conciliacion{}, err
	}
	out.Conciliados = make([]Match, len(linked))
	for i, it := range linked {
		out.Conciliados[i] = Match{Item: it, Documento: docs[*it.DocumentoID], Nuevo: nuevos[it.ID]}
	}
	if out.SinDocumento, _, err = items(ctx, g, tenant, tarjeta, ItemFilter{SinDocumento: true, OnlyPositives: true}, nil); err != nil {
		return Conciliacion{}, err
	}
	return out, nil
}

func criterio(p conciliacion.Par) string {
	parts := []string{"monto"}
	if p.PorNombre {
		parts = append(parts, "nombre")
	}
	if p.PorFecha {
		parts = append(parts, "fecha")
	}
	return strings.Join(parts, "+")
}

// resumenes loads the documents the items point to.
func resumenes(ctx context.Context, g *gorm.DB, tenant uuid.UUID, its []Item) (map[uuid.UUID]DocumentoResumen, error) {
	ids := make([]uuid.UUID, 0, len(its))
	for _, it := range its {
		if it.DocumentoID != nil {
			ids = append(ids, *it.DocumentoID)
		}
	}
	out := make(map[uuid.UUID]DocumentoResumen, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID                uuid.UUID
		TipoDocumento     *string
		RutEmisor         *string
		RazonSocialEmisor *string
		Folio             *string
		FechaEmision      *time.Time
		Moneda            *string
		MontoTotal        decimal.NullDecimal
	}
	err := g.WithContext(ctx).Raw(`SELECT id, tipo_documento, rut_emisor, razon_social_emisor, folio, fecha_emision, moneda, monto_total
		FROM rendiciones.documentos_procesados WHERE tenant_id = ? AND id IN ?`, tenant, ids).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err, "leer documentos")
	}
	for _, r := range rows {
		d := DocumentoResumen{ID: r.ID, TipoDocumento: r.TipoDocumento, RutEmisor: r.RutEmisor, RazonSocialEmisor: r.RazonSocialEmisor,
			Folio: r.Folio, Moneda: r.Moneda, MontoTotal: r.MontoTotal}
		if r.FechaEmision != nil {
			f := r.FechaEmision.Format(time.DateOnly)
			d.FechaEmision = &f
		}
		out[r.ID] = d
	}
	return out, nil
}

// Link sets (doc != nil) or clears the document of one item by hand. An item
// already in a rendición keeps what it has: the rendición copied it.
func (s *Store) Link(ctx context.Context, tenant, tarjeta, itemID uuid.UUID, doc *uuid.UUID, user uuid.UUID) (Item, error) {
	var out Item
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := LockDocumentos(tx, tenant); err != nil {
			return apperr.Wrap(err, "bloquear documentos")
		}
		var cur struct {
			DocumentoID *uuid.UUID
			EnRendicion bool
		}
		err := tx.Raw(`SELECT i.documento_id,
				EXISTS (SELECT 1 FROM rendiciones.rendicion_items ri WHERE ri.tenant_id = i.tenant_id AND ri.tarjeta_item_id = i.id) AS en_rendicion
			FROM rendiciones.rendicion_tarjeta_items i
			WHERE i.id = ? AND i.tenant_id = ? AND i.tarjeta_id = ? FOR UPDATE OF i`, itemID, tenant, tarjeta).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFound("movimiento")
		}
		if err != nil {
			return apperr.Wrap(err, "leer movimiento")
		}
		if cur.EnRendicion {
			return apperr.Conflict("movimiento_en_rendicion", "el movimiento ya está en una rendición; quítelo de ella para cambiar su documento")
		}
		switch {
		case doc == nil:
			err = tx.Exec(`UPDATE rendiciones.rendicion_tarjeta_items
				SET documento_id = NULL, conciliacion_criterio = NULL, conciliado_at = NULL, conciliado_por = NULL
				WHERE id = ? AND tenant_id = ?`, itemID, tenant).Error
		case cur.DocumentoID != nil && *cur.DocumentoID == *doc:
			// Already so.
		default:
			if err := CheckDocumento(ctx, tx, tenant, *doc, itemID); err != nil {
				return err
			}
			err = tx.Exec(`UPDATE rendiciones.rendicion_tarjeta_items
				SET documento_id = ?, conciliacion_criterio = 'manual', conciliado_at = now(), conciliado_por = ?
				WHERE id = ? AND tenant_id = ?`, *doc, user, itemID, tenant).Error
		}
		if err != nil {
			return apperr.Wrap(err, "vincular documento")
		}
		its, _, err := items(ctx, tx, tenant, tarjeta, ItemFilter{}, nil)
		if err != nil {
			return err
		}
		for _, it := range its {
			if it.ID == itemID {
				out = it
			}
		}
		return nil
	})
	return out, err
}

// CheckDocumento verifies that doc may be attached to a card item or a
// rendición item: it exists in the tenant (else 400 naming documento_id, as
// for an unknown id), its extraction is done, and nothing uses it yet
// (409) — except the card item forItem, which may already hold it (give
// uuid.Nil when there is none). Call it inside a transaction holding
// LockDocumentos.
func CheckDocumento(ctx context.Context, tx *gorm.DB, tenant, doc, forItem uuid.UUID) error {
	var d struct {
		Estado       string
		ItemID       *uuid.UUID
		RendicionID  *uuid.UUID
		DuplicadoDe  *uuid.UUID
		DuplicadoTip *string `gorm:"column:duplicado_tipo"`
		NoDuplicado  bool
	}
	err := tx.WithContext(ctx).Raw(`SELECT d.estado, d.duplicado_de, d.duplicado_tipo, d.no_duplicado,
			(SELECT ti.id FROM rendiciones.rendicion_tarjeta_items ti WHERE ti.tenant_id = d.tenant_id AND ti.documento_id = d.id) AS item_id,
			(SELECT ri.rendicion_id FROM rendiciones.rendicion_items ri WHERE ri.tenant_id = d.tenant_id AND ri.documento_id = d.id) AS rendicion_id
		FROM rendiciones.documentos_procesados d WHERE d.id = ? AND d.tenant_id = ?`, doc, tenant).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.Invalid("documento_id", "no existe")
	}
	if err != nil {
		return apperr.Wrap(err, "leer documento")
	}
	switch {
	case d.Estado != "procesado" && d.Estado != "revisado":
		return apperr.Conflict("documento_no_procesado", "el documento aún no está procesado (estado "+d.Estado+")").With("estado", d.Estado)
	case d.DuplicadoTip != nil && *d.DuplicadoTip == "folio" && !d.NoDuplicado && d.DuplicadoDe != nil:
		return apperr.Conflict("documento_duplicado", "el documento es un duplicado (mismo emisor, tipo y folio) de otro").
			With("duplicado_de", d.DuplicadoDe.String())
	case d.ItemID != nil && *d.ItemID != forItem:
		return apperr.Conflict("documento_conciliado", "el documento ya respalda otro movimiento de tarjeta").
			With("tarjeta_item_id", d.ItemID.String())
	case d.RendicionID != nil:
		return apperr.Conflict("documento_en_uso", "el documento ya está en una rendición").
			With("rendicion_id", d.RendicionID.String())
	}
	return nil
}
