package rendicion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/tarjetas"
)

// Store reads and writes rendiciones, their items and audit trail.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

// Caller is who acts, as the store needs it.
type Caller struct {
	Tenant  uuid.UUID
	User    uuid.UUID
	Revisor bool // aprobador or admin
}

func (c Caller) rol(r row) Rol { return Rol{Dueno: r.UsuarioID == c.User, Revisor: c.Revisor} }

type row struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	UsuarioID   uuid.UUID
	Titulo      string
	Tipo        string
	TarjetaID   *uuid.UUID
	Periodo     *string
	Estado      string
	EnviadaAt   *time.Time
	ResueltaAt  *time.Time
	ResueltaPor *uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (row) TableName() string { return "rendiciones.rendiciones" }

func (r row) view() Rendicion {
	return Rendicion{ID: r.ID, UsuarioID: r.UsuarioID, Titulo: r.Titulo, Tipo: r.Tipo, TarjetaID: r.TarjetaID,
		Periodo: r.Periodo, Estado: r.Estado, Totales: map[string]decimal.Decimal{}, EnviadaAt: r.EnviadaAt,
		ResueltaAt: r.ResueltaAt, ResueltaPor: r.ResueltaPor, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// fail keeps domain errors and wraps the rest.
func fail(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	return apperr.Wrap(err, what)
}

// get loads a rendición the caller may see (404 otherwise, also for another
// tenant's). lock takes the row lock for a change.
func get(ctx context.Context, tx *gorm.DB, cl Caller, id uuid.UUID, lock bool) (row, error) {
	var r row
	q := tx.WithContext(ctx)
	if lock {
		q = q.Clauses(db.ForUpdate)
	}
	err := q.Take(&r, "id = ? AND tenant_id = ?", id, cl.Tenant).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row{}, apperr.NotFound("rendición")
	}
	if err != nil {
		return row{}, apperr.Wrap(err, "leer rendición")
	}
	if !cl.rol(r).Sees() {
		return row{}, apperr.NotFound("rendición")
	}
	return r, nil
}

// Create inserts a borrador owned by the caller. A tarjeta rendición needs
// a card the caller may use: any of the tenant's for an admin, else one
// the caller holds.
func (s *Store) Create(ctx context.Context, cl Caller, admin bool, in CreateInput) (Rendicion, error) {
	now := db.Now()
	r := row{ID: db.NewID(), TenantID: cl.Tenant, UsuarioID: cl.User, Titulo: *in.Titulo, Tipo: *in.Tipo,
		TarjetaID: in.TarjetaID.ptr(), Periodo: in.Periodo, Estado: Borrador, CreatedAt: now, UpdatedAt: now}
	if r.TarjetaID != nil {
		var titular struct{ TitularID *uuid.UUID }
		err := s.db.WithContext(ctx).Raw(`SELECT titular_id FROM rendiciones.tarjetas WHERE id = ? AND tenant_id = ?`,
			*r.TarjetaID, cl.Tenant).Take(&titular).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !admin && (titular.TitularID == nil || *titular.TitularID != cl.User)) {
			return Rendicion{}, apperr.Invalid("tarjeta_id", "no existe o usted no es su titular")
		}
		if err != nil {
			return Rendicion{}, apperr.Wrap(err, "leer tarjeta")
		}
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return Rendicion{}, apperr.Wrap(err, "crear rendición")
	}
	return r.view(), nil
}

// Filter narrows List.
type Filter struct {
	Estado    string
	Tipo      string
	UsuarioID *uuid.UUID
	TarjetaID *uuid.UUID
}

// List returns a page of the rendiciones the caller sees: their own, or all
// of the tenant's for a reviewer; newest first.
func (s *Store) List(ctx context.Context, cl Caller, f Filter, p httpx.Page) ([]Rendicion, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{}).Where("tenant_id = ?", cl.Tenant)
	if !cl.Revisor {
		q = q.Where("usuario_id = ?", cl.User)
	}
	if f.UsuarioID != nil {
		q = q.Where("usuario_id = ?", *f.UsuarioID)
	}
	if f.Estado != "" {
		q = q.Where("estado = ?", f.Estado)
	}
	if f.Tipo != "" {
		q = q.Where("tipo = ?", f.Tipo)
	}
	if f.TarjetaID != nil {
		q = q.Where("tarjeta_id = ?", *f.TarjetaID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "contar rendiciones")
	}
	var rows []row
	if err := q.Order("created_at DESC, id DESC").Limit(p.Size).Offset(p.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, apperr.Wrap(err, "listar rendiciones")
	}
	out := make([]Rendicion, len(rows))
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		out[i] = r.view()
		ids[i] = r.ID
	}
	if err := s.addTotals(ctx, s.db, out, ids); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// addTotals fills Totales and the item count, summing NUMERIC in Postgres
// so no amount passes through a float.
func (s *Store) addTotals(ctx context.Context, tx *gorm.DB, rs []Rendicion, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	var sums []struct {
		RendicionID uuid.UUID
		Moneda      string
		Total       decimal.Decimal
		N           int
	}
	err := tx.WithContext(ctx).Raw(`SELECT rendicion_id, moneda, sum(monto) AS total, count(*) AS n
		FROM rendiciones.rendicion_items WHERE rendicion_id IN ? GROUP BY rendicion_id, moneda`, ids).Scan(&sums).Error
	if err != nil {
		return apperr.Wrap(err, "sumar rendiciones")
	}
	idx := make(map[uuid.UUID]int, len(rs))
	for i, r := range rs {
		idx[r.ID] = i
	}
	for _, s := range sums {
		r := &rs[idx[s.RendicionID]]
		r.Totales[s.Moneda] = s.Total
		r.Items += s.N
	}
	return nil
}

// Detail returns one rendición with items, history and changes.
func (s *Store) Detail(ctx context.Context, cl Caller, id uuid.UUID) (Detalle, error) {
	return s.detail(ctx, s.db, cl, id)
}

func (s *Store) detail(ctx context.Context, tx *gorm.DB, cl Caller, id uuid.UUID) (Detalle, error) {
	r, err := get(ctx, tx, cl, id, false)
	if err != nil {
		return Detalle{}, err
	}
	rs := []Rendicion{r.view()}
	if err := s.addTotals(ctx, tx, rs, []uuid.UUID{r.ID}); err != nil {
		return Detalle{}, err
	}
	d := Detalle{Rendicion: rs[0], Historial: []Transicion{}, Cambios: []Cambio{}}
	if d.Lineas, err = loadItems(ctx, tx, cl.Tenant, r.ID); err != nil {
		return Detalle{}, err
	}
	if err := tx.WithContext(ctx).Raw(`SELECT id, usuario_id, de, a, motivo, created_at FROM rendiciones.rendicion_historial
		WHERE rendicion_id = ? AND tenant_id = ? ORDER BY created_at, id`, r.ID, cl.Tenant).Scan(&d.Historial).Error; err != nil {
		return Detalle{}, apperr.Wrap(err, "leer historial")
	}
	if err := tx.WithContext(ctx).Raw(`SELECT id, item_id, campo, valor_anterior, valor_nuevo, usuario_id, created_at
		FROM rendiciones.rendicion_cambios WHERE rendicion_id = ? AND tenant_id = ? ORDER BY created_at, id`, r.ID, cl.Tenant).
		Scan(&d.Cambios).Error; err != nil {
		return Detalle{}, apperr.Wrap(err, "leer cambios")
	}
	return d, nil
}

type itemRow struct {
	ID            uuid.UUID
	DocumentoID   *uuid.UUID
	TarjetaItemID *uuid.UUID
	Fecha         time.Time
	Descripcion   string
	Monto         decimal.Decimal
	Moneda        string
	Categoria     string
	CentroCosto   *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// From the document, when there is one.
	TipoDocumento     *string
	RutEmisor         *string
	RazonSocialEmisor *string
	Folio             *string
	FechaEmision      *time.Time
	MontoNeto         *string
	MontoIva          *string
	MontoExento       *string
	MontoTotal        decimal.NullDecimal
}

// loadItems reads a rendición's items with their documents. Neto, IVA and
// exento come from the extraction JSON, where an engine may have written a
// number or a string; anything that is not an exact decimal reads as null.
func loadItems(ctx context.Context, tx *gorm.DB, tenant, rendicion uuid.UUID) ([]Item, error) {
	var rows []itemRow
	err := tx.WithContext(ctx).Raw(`SELECT i.id, i.documento_id, i.tarjeta_item_id, i.fecha, i.descripcion, i.monto, i.moneda,
			i.categoria, i.centro_costo, i.created_at, i.updated_at,
			d.tipo_documento, d.rut_emisor, d.razon_social_emisor, d.folio, d.fecha_emision,
			d.extraccion->>'monto_neto' AS monto_neto, d.extraccion->>'monto_iva' AS monto_iva,
			d.extraccion->>'monto_exento' AS monto_exento, d.monto_total
		FROM rendiciones.rendicion_items i
		LEFT JOIN rendiciones.documentos_procesados d ON d.tenant_id = i.tenant_id AND d.id = i.documento_id
		WHERE i.rendicion_id = ? AND i.tenant_id = ?
		ORDER BY i.fecha, i.created_at, i.id`, rendicion, tenant).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err, "leer items")
	}
	out := make([]Item, len(rows))
	for i, r := range rows {
		it := Item{ID: r.ID, DocumentoID: r.DocumentoID, TarjetaItemID: r.TarjetaItemID, Fecha: r.Fecha.Format(time.DateOnly),
			Descripcion: r.Descripcion, Monto: r.Monto, Moneda: r.Moneda, Categoria: r.Categoria, CentroCosto: r.CentroCosto,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if r.DocumentoID != nil {
			d := &Documento{TipoDocumento: r.TipoDocumento, RutEmisor: r.RutEmisor, RazonSocialEmisor: r.RazonSocialEmisor,
				Folio: r.Folio, MontoNeto: nullDec(r.MontoNeto), MontoIVA: nullDec(r.MontoIva),
				MontoExento: nullDec(r.MontoExento), MontoTotal: r.MontoTotal}
			if r.FechaEmision != nil {
				f := r.FechaEmision.Format(time.DateOnly)
				d.FechaEmision = &f
			}
			it.Documento = d
		}
		out[i] = it
	}
	return out, nil
}

func nullDec(s *string) decimal.NullDecimal {
	if s == nil {
		return decimal.NullDecimal{}
	}
	d, err := decimal.NewFromString(strings.TrimSpace(*s))
	if err != nil {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}
}

// record appends field changes once the rendición has been submitted:
// before that it is the owner's draft and nobody has relied on it.
func record(tx *gorm.DB, r row, cl Caller, item *uuid.UUID, campo string, antes, despues *string) error {
	if r.EnviadaAt == nil || eq(antes, despues) {
		return nil
	}
	return tx.Exec(`INSERT INTO rendiciones.rendicion_cambios
		(id, tenant_id, rendicion_id, item_id, campo, valor_anterior, valor_nuevo, usuario_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, db.NewID(), cl.Tenant, r.ID, item, campo, antes, despues, cl.User).Error
}

func eq(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sp(s string) *string { return &s }

func touch(tx *gorm.DB, id uuid.UUID) error {
	return tx.Exec(`UPDATE rendiciones.rendiciones SET updated_at = now() WHERE id = ?`, id).Error
}

// Update changes titulo or periodo: the owner in a borrador, or a reviewer
// correcting an enviada (recorded).
func (s *Store) Update(ctx context.Context, cl Caller, id uuid.UUID, in UpdateInput) (Detalle, error) {
	var out Detalle
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		if _, err := CanEdit(r.Estado, cl.rol(r)); err != nil {
			return err
		}
		if in.Titulo != nil {
			if err := record(tx, r, cl, nil, "titulo", &r.Titulo, in.Titulo); err != nil {
				return err
			}
			r.Titulo = *in.Titulo
		}
		if in.Periodo != nil {
			if err := record(tx, r, cl, nil, "periodo", r.Periodo, in.Periodo); err != nil {
				return err
			}
			r.Periodo = in.Periodo
		}
		r.UpdatedAt = db.Now()
		if err := tx.Save(&r).Error; err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, cl, id)
		return err
	})
	return out, fail(err, "actualizar rendición")
}

// Delete removes a borrador that was never submitted. Once submitted a
// rendición has history, which is kept: the owner may leave it in borrador.
func (s *Store) Delete(ctx context.Context, cl Caller, id uuid.UUID) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		if _, err := CanEdit(r.Estado, cl.rol(r)); err != nil {
			return err
		}
		if r.EnviadaAt != nil {
			return apperr.Conflict("rendicion_con_historial", "la rendición ya fue enviada alguna vez y su historial se conserva; no se puede borrar")
		}
		return tx.Exec(`DELETE FROM rendiciones.rendiciones WHERE id = ? AND tenant_id = ?`, id, cl.Tenant).Error
	})
	return fail(err, "borrar rendición")
}

// Transition applies an action under the row lock, appends it to the
// history and, on approval, marks the card items rendido.
func (s *Store) Transition(ctx context.Context, cl Caller, id uuid.UUID, a Accion, motivo *string) (Detalle, error) {
	var out Detalle
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		nuevo, err := Check(r.Estado, a, cl.rol(r))
		if err != nil {
			return err
		}
		switch a {
		case Enviar:
			var n int64
			if err := tx.Raw(`SELECT count(*) FROM rendiciones.rendicion_items WHERE rendicion_id = ?`, r.ID).Scan(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.Conflict("rendicion_sin_items", "la rendición no tiene items")
			}
			err = tx.Exec(`UPDATE rendiciones.rendiciones SET estado = ?, enviada_at = now(), updated_at = now() WHERE id = ?`, nuevo, r.ID).Error
		case Aprobar, Rechazar:
			err = tx.Exec(`UPDATE rendiciones.rendiciones SET estado = ?, resuelta_at = now(), resuelta_por = ?, updated_at = now() WHERE id = ?`,
				nuevo, cl.User, r.ID).Error
			if err == nil && a == Aprobar {
				err = tx.Exec(`UPDATE rendiciones.rendicion_tarjeta_items SET estado = 'rendido'
					WHERE tenant_id = ? AND id IN (SELECT tarjeta_item_id FROM rendiciones.rendicion_items
						WHERE rendicion_id = ? AND tarjeta_item_id IS NOT NULL)`, cl.Tenant, r.ID).Error
			}
		case Reabrir:
			err = tx.Exec(`UPDATE rendiciones.rendiciones SET estado = ?, resuelta_at = NULL, resuelta_por = NULL, updated_at = now() WHERE id = ?`,
				nuevo, r.ID).Error
		}
		if err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO rendiciones.rendicion_historial (id, tenant_id, rendicion_id, usuario_id, de, a, motivo)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, db.NewID(), cl.Tenant, r.ID, cl.User, r.Estado, nuevo, motivo).Error; err != nil {
			return err
		}
		out, err = s.detail(ctx, tx, cl, id)
		return err
	})
	return out, fail(err, "cambiar estado")
}

// source is what a card item or document fixes on a line.
type source struct {
	fecha       *time.Time
	monto       *decimal.Decimal
	moneda      *string
	descripcion string
}

// agree checks that a value the client gave matches the source's.
func agree(fe map[string]string, field, from string, given, fixed any) {
	switch g := given.(type) {
	case *time.Time:
		if f := fixed.(*time.Time); g != nil && f != nil && !g.Equal(*f) {
			fe[field] = "viene del " + from + " (" + f.Format(time.DateOnly) + ")"
		}
	case *decimal.Decimal:
		if f := fixed.(*decimal.Decimal); g != nil && f != nil && !g.Equal(*f) {
			fe[field] = "viene del " + from + " (" + f.String() + ")"
		}
	case *string:
		if f := fixed.(*string); g != nil && f != nil && *g != *f {
			fe[field] = "viene del " + from + " (" + *f + ")"
		}
	}
}

// AddItem adds a line to a borrador of the caller. A card item must be of
// the rendición's card and in no other rendición; a document must be
// processed and in no other rendición or card item (a plain usuario may
// only use documents they uploaded, or the one conciliated with the card
// item they add). The unique keys on documento_id and tarjeta_item_id back
// these checks against races.
func (s *Store) AddItem(ctx context.Context, cl Caller, id uuid.UUID, in ItemInput) (Item, error) {
	var out Item
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		if ed, err := CanEdit(r.Estado, cl.rol(r)); err != nil {
			return err
		} else if ed != EdicionDueno {
			return apperr.Forbidden("solo quien creó la rendición agrega items")
		}
		if err := tarjetas.LockDocumentos(tx, cl.Tenant); err != nil {
			return err
		}
		it := itemRow{ID: db.NewID(), Categoria: *in.Categoria, CentroCosto: in.CentroCosto}
		docID := in.DocumentoID.ptr()
		cardItem := in.TarjetaItemID.ptr()
		var src *source
		from := ""
		fe := map[string]string{}

		switch {
		case cardItem != nil && r.Tipo != TipoTarjeta:
			return apperr.Invalid("tarjeta_item_id", "solo va en una rendición de tipo tarjeta")
		case cardItem == nil && r.Tipo == TipoTarjeta:
			return apperr.Invalid("tarjeta_item_id", "es obligatorio en una rendición de tipo tarjeta")
		}
		if cardItem != nil {
			var ti struct {
				TarjetaID   uuid.UUID
				Fecha       time.Time
				Descripcion string
				Monto       decimal.Decimal
				Moneda      string
				DocumentoID *uuid.UUID
				RendicionID *uuid.UUID
			}
			err := tx.Raw(`SELECT ti.tarjeta_id, ti.fecha, ti.descripcion, ti.monto, ti.moneda, ti.documento_id,
					(SELECT ri.rendicion_id FROM rendiciones.rendicion_items ri WHERE ri.tenant_id = ti.tenant_id AND ri.tarjeta_item_id = ti.id) AS rendicion_id
				FROM rendiciones.rendicion_tarjeta_items ti WHERE ti.id = ? AND ti.tenant_id = ? FOR UPDATE OF ti`, *cardItem, cl.Tenant).Take(&ti).Error
			if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && ti.TarjetaID != *r.TarjetaID) {
				return apperr.Invalid("tarjeta_item_id", "no es un movimiento de la tarjeta de esta rendición")
			}
			if err != nil {
				return err
			}
			if ti.RendicionID != nil {
				return apperr.Conflict("tarjeta_item_en_uso", "el movimiento ya está en una rendición").
					With("rendicion_id", ti.RendicionID.String())
			}
			switch {
			case docID == nil:
				docID = ti.DocumentoID
			case ti.DocumentoID != nil && *ti.DocumentoID != *docID:
				return apperr.Conflict("movimiento_conciliado", "el movimiento ya está conciliado con otro documento").
					With("documento_id", ti.DocumentoID.String())
			}
			src = &source{fecha: &ti.Fecha, monto: &ti.Monto, moneda: &ti.Moneda, descripcion: ti.Descripcion}
			from = "movimiento de tarjeta"
			if docID != nil && ti.DocumentoID == nil {
				// Choosing the document for an unconciliated charge is a
				// manual conciliation: record it on the card item too.
				if err := tarjetas.CheckDocumento(ctx, tx, cl.Tenant, *docID, *cardItem); err != nil {
					return err
				}
				if err := s.checkOwnDocument(tx, cl, *docID); err != nil {
					return err
				}
				if err := tx.Exec(`UPDATE rendiciones.rendicion_tarjeta_items
					SET documento_id = ?, conciliacion_criterio = 'manual', conciliado_at = now(), conciliado_por = ?
					WHERE id = ?`, *docID, cl.User, *cardItem).Error; err != nil {
					return err
				}
			}
		} else if docID != nil {
			if err := tarjetas.CheckDocumento(ctx, tx, cl.Tenant, *docID, uuid.Nil); err != nil {
				return err
			}
			if err := s.checkOwnDocument(tx, cl, *docID); err != nil {
				return err
			}
			var d struct {
				FechaEmision      *time.Time
				MontoTotal        *decimal.Decimal
				Moneda            *string
				RazonSocialEmisor *string
			}
			if err := tx.Raw(`SELECT fecha_emision, monto_total, moneda, razon_social_emisor FROM rendiciones.documentos_procesados
				WHERE id = ? AND tenant_id = ?`, *docID, cl.Tenant).Take(&d).Error; err != nil {
				return err
			}
			src = &source{fecha: d.FechaEmision, monto: d.MontoTotal, moneda: d.Moneda}
			if d.RazonSocialEmisor != nil {
				src.descripcion = *d.RazonSocialEmisor
			}
			from = "documento"
		}

		if src != nil {
			agree(fe, "fecha", from, in.fecha, src.fecha)
			agree(fe, "monto", from, in.monto, src.monto)
			agree(fe, "moneda", from, in.Moneda, src.moneda)
			// What the source lacks (an extraction without a date) the
			// client may supply.
			it.Fecha, it.Monto, it.Moneda = pick(src.fecha, in.fecha), pickDec(src.monto, in.monto), pickStr(src.moneda, in.Moneda)
			if in.Descripcion != nil && *in.Descripcion != "" {
				it.Descripcion = *in.Descripcion
			} else {
				it.Descripcion = src.descripcion
			}
			for f, missing := range map[string]bool{"fecha": it.Fecha.IsZero(), "monto": it.Monto.IsZero() && src.monto == nil, "moneda": it.Moneda == ""} {
				if missing && fe[f] == "" {
					fe[f] = "el " + from + " no lo trae; indíquelo"
				}
			}
		} else {
			it.Fecha, it.Monto, it.Moneda, it.Descripcion = *in.fecha, *in.monto, *in.Moneda, *in.Descripcion
		}
		if err := apperr.Fields(fe); err != nil {
			return err
		}
		if it.Moneda != "CLP" && it.Moneda != "USD" {
			return apperr.Invalid("moneda", "el "+from+" está en "+it.Moneda+"; solo se rinden CLP y USD")
		}
		err = tx.Exec(`INSERT INTO rendiciones.rendicion_items
			(id, tenant_id, rendicion_id, documento_id, tarjeta_item_id, fecha, descripcion, monto, moneda, categoria, centro_costo)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.ID, cl.Tenant, r.ID, docID, cardItem, it.Fecha.Format(time.DateOnly),
			it.Descripcion, it.Monto, it.Moneda, it.Categoria, it.CentroCosto).Error
		switch {
		case db.IsUniqueViolation(err, "rendicion_items_documento_key"):
			return apperr.Conflict("documento_en_uso", "el documento ya está en una rendición")
		case db.IsUniqueViolation(err, "rendicion_items_tarjeta_item_key"):
			return apperr.Conflict("tarjeta_item_en_uso", "el movimiento ya está en una rendición")
		case err != nil:
			return err
		}
		if err := record(tx, r, cl, &it.ID, "item", nil, sp(itemSummary(it))); err != nil {
			return err
		}
		if err := touch(tx, r.ID); err != nil {
			return err
		}
		items, err := loadItems(ctx, tx, cl.Tenant, r.ID)
		if err != nil {
			return err
		}
		for _, x := range items {
			if x.ID == it.ID {
				out = x
			}
		}
		return nil
	})
	return out, fail(err, "agregar item")
}

func itemSummary(it itemRow) string {
	return fmt.Sprintf("%s %s %s %s", it.Fecha.Format(time.DateOnly), it.Descripcion, it.Monto.String(), it.Moneda)
}

func pick(a, b *time.Time) time.Time {
	if a != nil {
		return *a
	}
	if b != nil {
		return *b
	}
	return time.Time{}
}

func pickDec(a, b *decimal.Decimal) decimal.Decimal {
	if a != nil {
		return *a
	}
	if b != nil {
		return *b
	}
	return decimal.Zero
}

func pickStr(a, b *string) string {
	if a != nil {
		return *a
	}
	if b != nil {
		return *b
	}
	return ""
}

// checkOwnDocument keeps a plain usuario to the documents they uploaded;
// reviewers may use any document of the tenant.
func (s *Store) checkOwnDocument(tx *gorm.DB, cl Caller, doc uuid.UUID) error {
	if cl.Revisor {
		return nil
	}
	var n int64
	if err := tx.Raw(`SELECT count(*) FROM rendiciones.documentos_procesados WHERE id = ? AND tenant_id = ? AND subido_por = ?`,
		doc, cl.Tenant, cl.User).Scan(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid("documento_id", "no existe o no lo subió usted")
	}
	return nil
}

// getItem locks one item of rendición r.
func getItem(tx *gorm.DB, tenant, rendicion, item uuid.UUID) (itemRow, error) {
	var it itemRow
	err := tx.Raw(`SELECT id, documento_id, tarjeta_item_id, fecha, descripcion, monto, moneda, categoria, centro_costo, created_at, updated_at
		FROM rendiciones.rendicion_items WHERE id = ? AND rendicion_id = ? AND tenant_id = ? FOR UPDATE`, item, rendicion, tenant).Take(&it).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return itemRow{}, apperr.NotFound("item")
	}
	return it, err
}

// UpdateItem changes a line. The owner edits a borrador; a reviewer
// corrects categoria, centro_costo and descripcion of an enviada. Fecha,
// monto and moneda of a line with a document or card item come from it and
// do not change. Every change after the first submission is recorded.
func (s *Store) UpdateItem(ctx context.Context, cl Caller, id, itemID uuid.UUID, in ItemPatch) (Item, error) {
	var out Item
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		ed, err := CanEdit(r.Estado, cl.rol(r))
		if err != nil {
			return err
		}
		it, err := getItem(tx, cl.Tenant, r.ID, itemID)
		if err != nil {
			return err
		}
		if fs := in.changesAmounts(); len(fs) > 0 {
			fe := map[string]string{}
			for _, f := range fs {
				switch {
				case ed == EdicionRevisor:
					fe[f] = "un aprobador corrige categoria, centro_costo y descripcion, no montos ni fechas"
				case it.DocumentoID != nil || it.TarjetaItemID != nil:
					fe[f] = "viene del documento o movimiento de tarjeta y no se cambia"
				}
			}
			if err := apperr.Fields(fe); err != nil {
				return err
			}
		}
		type change struct {
			campo         string
			antes, despue *string
		}
		var cs []change
		if in.fecha != nil {
			cs = append(cs, change{"fecha", sp(it.Fecha.Format(time.DateOnly)), sp(in.fecha.Format(time.DateOnly))})
			it.Fecha = *in.fecha
		}
		if in.monto != nil {
			cs = append(cs, change{"monto", sp(it.Monto.String()), sp(in.monto.String())})
			it.Monto = *in.monto
		}
		if in.Moneda != nil {
			cs = append(cs, change{"moneda", &it.Moneda, in.Moneda})
			it.Moneda = *in.Moneda
		}
		if in.Descripcion != nil {
			cs = append(cs, change{"descripcion", sp(it.Descripcion), in.Descripcion})
			it.Descripcion = *in.Descripcion
		}
		if in.Categoria != nil {
			cs = append(cs, change{"categoria", sp(it.Categoria), in.Categoria})
			it.Categoria = *in.Categoria
		}
		if in.centroSet {
			cs = append(cs, change{"centro_costo", it.CentroCosto, in.centroCosto})
			it.CentroCosto = in.centroCosto
		}
		for _, c := range cs {
			if err := record(tx, r, cl, &it.ID, c.campo, c.antes, c.despue); err != nil {
				return err
			}
		}
		if err := tx.Exec(`UPDATE rendiciones.rendicion_items SET fecha = ?, descripcion = ?, monto = ?, moneda = ?, categoria = ?,
			centro_costo = ?, updated_at = now() WHERE id = ?`, it.Fecha.Format(time.DateOnly), it.Descripcion, it.Monto, it.Moneda,
			it.Categoria, it.CentroCosto, it.ID).Error; err != nil {
			return err
		}
		if err := touch(tx, r.ID); err != nil {
			return err
		}
		items, err := loadItems(ctx, tx, cl.Tenant, r.ID)
		if err != nil {
			return err
		}
		for _, x := range items {
			if x.ID == it.ID {
				out = x
			}
		}
		return nil
	})
	return out, fail(err, "actualizar item")
}

// DeleteItem removes a line from the owner's borrador, which frees its
// document and card item for another rendición.
func (s *Store) DeleteItem(ctx context.Context, cl Caller, id, itemID uuid.UUID) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := get(ctx, tx, cl, id, true)
		if err != nil {
			return err
		}
		if ed, err := CanEdit(r.Estado, cl.rol(r)); err != nil {
			return err
		} else if ed != EdicionDueno {
			return apperr.Forbidden("solo quien creó la rendición quita items")
		}
		it, err := getItem(tx, cl.Tenant, r.ID, itemID)
		if err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM rendiciones.rendicion_items WHERE id = ?`, it.ID).Error; err != nil {
			return err
		}
		if err := record(tx, r, cl, &it.ID, "item", sp(itemSummary(it)), nil); err != nil {
			return err
		}
		return touch(tx, r.ID)
	})
	return fail(err, "quitar item")
}
