package documentos

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/services/rendiciones/internal/extraccion"
)

// prefijoDuplicado starts the warnings this file adds, so a later check (or
// a person's "no es duplicado") can find and replace them.
const prefijoDuplicado = "posible duplicado:"

// duplicado is the outcome of the check for one document.
type duplicado struct {
	de   *uuid.UUID
	tipo *string
	// overruled: a person already said this very match is not a duplicate.
	overruled bool
}

// detectarDuplicado looks for an earlier document of the tenant that is the
// same expense under another file (DESIGN §6, issue "duplicate documents"):
//   - same issuer RUT, document type and folio: the SII key of a tax
//     document, so it is flagged (duplicado_tipo "folio");
//   - else same issuer, total (and currency) and issue date: likely, not
//     certain (two equal lunches), so only a warning ("monto_fecha").
//
// Only processed or reviewed documents count. The check takes a transaction
// advisory lock on (tenant, issuer) first: two copies processed at the same
// moment by two workers are then checked one after the other, and the second
// sees the first. ex gets the warning (unless a person already overruled
// this same match).
func detectarDuplicado(ctx context.Context, tx *gorm.DB, cur *row, ex *extraccion.Extraccion) (duplicado, error) {
	ex.Advertencias = sinAdvertenciaDuplicado(ex.Advertencias)
	var d duplicado
	if ex.RutEmisor == "" {
		return d, nil
	}
	if err := tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
		"documentos:duplicados:"+cur.TenantID.String()+":"+ex.RutEmisor).Error; err != nil {
		return d, err
	}
	base := func() *gorm.DB {
		// A document already flagged as a copy of this one is not its
		// original: re-checking the original must not flag both.
		return tx.WithContext(ctx).Model(&row{}).
			Where("tenant_id = ? AND id <> ? AND rut_emisor = ? AND estado IN ?", cur.TenantID, cur.ID, ex.RutEmisor,
				[]string{EstadoProcesado, EstadoRevisado}).
			Where("duplicado_de IS DISTINCT FROM ?", cur.ID).
			Order("created_at, id").Limit(1)
	}
	var ids []uuid.UUID
	var msg string
	if ex.Folio != "" && ex.TipoDocumento != "" && ex.TipoDocumento != extraccion.TipoOtro {
		if err := base().Where("tipo_documento = ? AND folio = ?", string(ex.TipoDocumento), ex.Folio).Pluck("id", &ids).Error; err != nil {
			return d, err
		}
		if len(ids) > 0 {
			d.de, d.tipo = &ids[0], ptr(DuplicadoFolio)
			msg = fmt.Sprintf("%s el documento %s tiene el mismo emisor, tipo y folio (%s %s)", prefijoDuplicado, ids[0], ex.TipoDocumento, ex.Folio)
		}
	}
	if d.de == nil && ex.MontoTotal.Valid && ex.FechaEmision != "" {
		f := camposDe(ex)
		if f["monto_total"] != nil && f["fecha_emision"] != nil {
			if err := base().Where("monto_total = ? AND fecha_emision = ? AND moneda IS NOT DISTINCT FROM ?",
				f["monto_total"], f["fecha_emision"], f["moneda"]).Pluck("id", &ids).Error; err != nil {
				return d, err
			}
			if len(ids) > 0 {
				d.de, d.tipo = &ids[0], ptr(DuplicadoMontoFecha)
				msg = fmt.Sprintf("%s el documento %s tiene el mismo emisor, monto total y fecha de emisión", prefijoDuplicado, ids[0])
			}
		}
	}
	if d.de == nil {
		return d, nil
	}
	d.overruled = cur.NoDuplicado && cur.DuplicadoDe != nil && *cur.DuplicadoDe == *d.de &&
		cur.DuplicadoTipo != nil && *cur.DuplicadoTipo == *d.tipo
	if !d.overruled {
		ex.Advertencias = append(ex.Advertencias, msg)
	}
	return d, nil
}

// aplicar writes the outcome into an update; a person's overrule survives
// only while the match it was about stays the same.
func (d duplicado) aplicar(set map[string]any) {
	set["duplicado_de"], set["duplicado_tipo"] = d.de, d.tipo
	if !d.overruled {
		set["no_duplicado"], set["no_duplicado_por"], set["no_duplicado_at"], set["no_duplicado_motivo"] = false, nil, nil, nil
	}
}

func sinAdvertenciaDuplicado(adv []string) []string {
	out := make([]string, 0, len(adv))
	for _, a := range adv {
		if !strings.HasPrefix(a, prefijoDuplicado) {
			out = append(out, a)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
