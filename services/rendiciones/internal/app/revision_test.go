package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/auth"
	"ecosystem/services/rendiciones/internal/muestras"
)

func hasPrefix(list []string, prefix string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func TestCorrection(t *testing.T) {
	h := newHarness(t)
	tenant := h.core.Tenant("Revisión SpA")
	u, admin := h.user(tenant), h.user(tenant, auth.RoleAdmin)
	m := muestras.Factura()
	d := u.esperar(decodeDoc(u.subir("f.pdf", m.PDF).Want(201)).ID)
	base := "/api/documentos/" + d.ID

	t.Run("valida y nombra cada campo", func(t *testing.T) {
		for field, body := range map[string]map[string]any{
			"rut_emisor":           {"rut_emisor": "12.345.678-9"},
			"fecha_emision":        {"fecha_emision": "03/04/2026"},
			"monto_total":          {"monto_total": "1.234,5"},
			"monto_neto":           {"monto_neto": -5},
			"monto_iva":            {"monto_iva": "1.23456"},
			"moneda":               {"moneda": "EUR"},
			"tipo_documento":       {"tipo_documento": "recibo"},
			"items[0].monto":       {"items": []any{map[string]any{"descripcion": "x", "monto": "abc"}}},
			"items[1].descripcion": {"items": []any{map[string]any{"descripcion": "x"}, map[string]any{"monto": "1"}}},
			"color":                {"color": "rojo"},
			"folio":                {"folio": true},
		} {
			u.Patch(base, body).Field(400, field)
		}
		if got := decodeDoc(u.Get(base).Want(200)); got.Estado != "procesado" {
			t.Fatalf("a rejected correction changed the document: %s", got.Estado)
		}
	})

	t.Run("corrige, guarda el original y recalcula advertencias", func(t *testing.T) {
		got := decodeDoc(u.Patch(base, map[string]any{
			"razon_social_emisor": "Ferretería El Canelo SpA",
			"monto_total":         199999, // a number is read exactly, never as a float
			"items":               []any{map[string]any{"codigo": "CEM-25", "descripcion": "Cemento", "cantidad": "20", "monto": "91800.00"}},
		}).Want(200))
		if got.Estado != "revisado" || got.RevisadoPor == nil || *got.RevisadoPor != u.ID {
			t.Fatalf("%+v", got)
		}
		ex, orig := got.Extraccion, got.ExtraccionOriginal
		if orig == nil || orig.RazonSocialEmisor != "FERRETERÍA EL CANELO SPA" || !orig.MontoTotal.Decimal.Equal(decimal.NewFromInt(199920)) {
			t.Fatalf("original: %+v", orig)
		}
		if ex.RazonSocialEmisor != "Ferretería El Canelo SpA" || ex.MontoTotal.Decimal.String() != "199999" ||
			len(ex.Items) != 1 || ex.Items[0].Monto.Decimal.String() != "91800" || ex.Folio != "20871" || ex.Motor != "local" {
			t.Fatalf("corrected: %+v", ex)
		}
		if !hasPrefix(ex.Advertencias, "neto + IVA + exento") {
			t.Fatalf("the sum no longer matches the total, a warning is due: %v", ex.Advertencias)
		}
		var total string
		h.db.Raw("SELECT monto_total::text FROM rendiciones.documentos_procesados WHERE id = ?", d.ID).Scan(&total)
		if total != "199999.0000" {
			t.Fatalf("denormalized total %s", total)
		}
	})
	t.Run("una segunda corrección conserva el original del motor", func(t *testing.T) {
		got := decodeDoc(admin.Patch(base, map[string]any{"monto_total": "199920", "rut_receptor": nil}).Want(200))
		if got.ExtraccionOriginal.RazonSocialEmisor != "FERRETERÍA EL CANELO SPA" || got.Extraccion.RutReceptor != "" ||
			len(got.Extraccion.Advertencias) != 0 || *got.RevisadoPor != admin.ID {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("un cuerpo vacío confirma", func(t *testing.T) {
		got := decodeDoc(u.Patch(base, map[string]any{}).Want(200))
		if got.Estado != "revisado" {
			t.Fatal(got.Estado)
		}
	})
	t.Run("reprocesar: revisado, en cola, error", func(t *testing.T) {
		u.Post(base+"/reprocesar", nil).Err(409, "estado_invalido")
		e := decodeDoc(u.subir("escaneo.pdf", muestras.SinTexto()).Want(201))
		done := u.esperar(e.ID)
		if done.codigo() != "sin_texto" {
			t.Fatal(done.codigo())
		}
		again := decodeDoc(u.Post("/api/documentos/"+e.ID+"/reprocesar", nil).Want(200))
		if again.Estado != "pendiente" || again.ErrorCodigo != nil || again.Intentos != 0 {
			t.Fatalf("%+v", again)
		}
		u.Post("/api/documentos/"+e.ID+"/reprocesar", nil).Err(409, "estado_invalido")
		if final := u.esperar(e.ID); final.codigo() != "sin_texto" || final.Intentos != 1 {
			t.Fatalf("%+v", final)
		}
		if n := h.count("SELECT count(*) FROM rendiciones.jobs WHERE key = ?", e.ID); n != 2 {
			t.Fatalf("jobs for the document: %d", n)
		}
		// A document left procesando with no live job (its last attempt
		// could not record the outcome) can be requeued.
		h.db.Exec("UPDATE rendiciones.documentos_procesados SET estado = 'procesando' WHERE id = ?", e.ID)
		decodeDoc(u.Post("/api/documentos/"+e.ID+"/reprocesar", nil).Want(200))
		if final := u.esperar(e.ID); final.codigo() != "sin_texto" {
			t.Fatalf("%+v", final)
		}
		// A person fills in a document the engine could not read.
		got := decodeDoc(u.Patch("/api/documentos/"+e.ID, map[string]any{
			"tipo_documento": "boleta", "rut_emisor": muestras.RUT(77123450), "razon_social_emisor": "Cafetería Don Tito SpA",
			"folio": "00558901", "fecha_emision": "2026-04-08", "monto_iva": "942", "monto_total": "5900",
		}).Want(200))
		if got.Estado != "revisado" || got.ErrorCodigo != nil || got.ExtraccionOriginal != nil || got.Extraccion.Folio != "558901" ||
			got.Extraccion.RutEmisor != muestras.RUT(77123450) || len(got.Extraccion.Advertencias) != 0 {
			t.Fatalf("%+v %v", got, got.Extraccion)
		}
	})
}

// Duplicates beyond the file hash: same issuer, type and folio is flagged;
// same issuer, total and date is a warning; an aprobador may overrule.
func TestDuplicateDocuments(t *testing.T) {
	h := newHarness(t)
	tenant, otro := h.core.Tenant("Duplicados SpA"), h.core.Tenant("Otro SpA")
	u, aprobador := h.user(tenant), h.user(tenant, auth.RoleAprobador)
	m := muestras.Boleta()
	first := u.esperar(decodeDoc(u.subir("boleta.pdf", m.PDF).Want(201)).ID)
	if first.DuplicadoDe != nil {
		t.Fatalf("the first one is not a duplicate: %+v", first)
	}
	second := u.esperar(decodeDoc(u.subir("boleta-copia.pdf", muestras.Copia(m, 1).PDF).Want(201)).ID)
	if second.Estado != "procesado" || second.DuplicadoDe == nil || *second.DuplicadoDe != first.ID ||
		*second.DuplicadoTipo != "folio" || !hasPrefix(second.Extraccion.Advertencias, "posible duplicado:") {
		t.Fatalf("folio duplicate: %+v", second)
	}
	// Re-checking the original does not flag it as a copy of its copy.
	if again := decodeDoc(u.Patch("/api/documentos/"+first.ID, map[string]any{}).Want(200)); again.DuplicadoDe != nil {
		t.Fatalf("the original got flagged: %+v", again)
	}
	// Another tenant's copy is nobody's duplicate.
	ob := h.user(otro)
	if d := ob.esperar(decodeDoc(ob.subir("boleta.pdf", muestras.Copia(m, 2).PDF).Want(201)).ID); d.DuplicadoDe != nil {
		t.Fatalf("cross-tenant duplicate: %+v", d)
	}

	base := "/api/documentos/" + second.ID + "/no-duplicado"
	aprobador.Post(base, map[string]any{}).Field(400, "motivo")
	aprobador.Post(base, map[string]any{"motivo": "  "}).Field(400, "motivo")
	aprobador.Post("/api/documentos/"+first.ID+"/no-duplicado", map[string]any{"motivo": "x"}).Err(409, "no_es_duplicado")
	ok := decodeDoc(aprobador.Post(base, map[string]any{"motivo": "Dos compras el mismo día; el folio se reimprimió"}).Want(200))
	if !ok.NoDuplicado || *ok.NoDuplicadoPor != aprobador.ID || ok.NoDuplicadoAt == nil || *ok.NoDuplicadoMotivo == "" ||
		hasPrefix(ok.Extraccion.Advertencias, "posible duplicado:") || *ok.DuplicadoDe != first.ID {
		t.Fatalf("overruled: %+v", ok)
	}
	again := decodeDoc(aprobador.Post(base, map[string]any{"motivo": "otra vez"}).Want(200))
	if *again.NoDuplicadoMotivo != *ok.NoDuplicadoMotivo {
		t.Fatal("repeating it changed the record")
	}
	// A correction that keeps the same match keeps the overrule.
	kept := decodeDoc(u.Patch("/api/documentos/"+second.ID, map[string]any{"razon_social_emisor": "Don Tito"}).Want(200))
	if !kept.NoDuplicado || hasPrefix(kept.Extraccion.Advertencias, "posible duplicado:") {
		t.Fatalf("overrule lost: %+v", kept)
	}

	// Another folio with the same issuer, total and date: a warning.
	mf := decodeDoc(u.Patch("/api/documentos/"+second.ID, map[string]any{"folio": "558999"}).Want(200))
	if mf.DuplicadoDe == nil || *mf.DuplicadoDe != first.ID || *mf.DuplicadoTipo != "monto_fecha" || mf.NoDuplicado ||
		!hasPrefix(mf.Extraccion.Advertencias, "posible duplicado:") {
		t.Fatalf("monto_fecha: %+v", mf)
	}
	// Another total: no longer a duplicate of anything.
	clean := decodeDoc(u.Patch("/api/documentos/"+second.ID, map[string]any{"monto_total": "6000"}).Want(200))
	if clean.DuplicadoDe != nil || clean.DuplicadoTipo != nil || hasPrefix(clean.Extraccion.Advertencias, "posible duplicado:") {
		t.Fatalf("still flagged: %+v", clean)
	}
}

// A document still waiting for extraction cannot be corrected (no worker
// runs here, so it stays pendiente for as long as the test needs).
func TestCorreccionEsperaLaExtraccion(t *testing.T) {
	h := newHarness(t, withoutWorker)
	u := h.user(h.core.Tenant("Espera SpA"))
	e := decodeDoc(u.subir("escaneo.pdf", muestras.SinTexto()).Want(201))
	u.Patch("/api/documentos/"+e.ID, map[string]any{"folio": "1"}).Err(409, "estado_invalido")
}
