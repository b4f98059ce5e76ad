package e2e

import (
	"fmt"
	"testing"
	"time"

	"ecosystem/pkg/shared/testkit"
)

// system is the three services on one host, as make run-all runs them.
type system struct {
	exchange        string
	core, rend, inv *Proc
	Core, Rend, Inv *testkit.Client // as the tenant's admin
	Super           *testkit.Client
	Tenant          string
}

func startSystem(t *testing.T) *system {
	c := newCluster(t)
	s := &system{exchange: c.Exchange}
	s.core = c.Start("core", "core", "127.0.0.1", freePort(t, "127.0.0.1"), coreEnv)
	env := map[string]string{"CORE_API_URL": s.core.URL()}
	s.rend = c.Start("rendiciones", "rendiciones", "127.0.0.1", freePort(t, "127.0.0.1"), env)
	s.inv = c.Start("inventario", "inventario", "127.0.0.1", freePort(t, "127.0.0.1"), env)
	base := &testkit.Client{T: t, BaseURL: s.core.URL()}
	var tok string
	s.Tenant, tok = tenantSetup(t, base, "Eventos SpA", "76.543.210-3")
	s.Core = base.As(tok)
	s.Rend = (&testkit.Client{T: t, BaseURL: s.rend.URL()}).As(tok)
	s.Inv = (&testkit.Client{T: t, BaseURL: s.inv.URL()}).As(tok)
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	base.Post("/api/auth/login", map[string]string{"email": "root@e2e.test", "password": "root-e2e-12345"}).Want(200).JSON(&tp)
	s.Super = base.As(tp.AccessToken)
	return s
}

func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stockOf(s *system, producto string) string {
	var l struct {
		Data []struct{ Cantidad string }
	}
	s.Inv.Get("/api/stock?producto_id=" + producto).Want(200).JSON(&l)
	if len(l.Data) == 0 {
		return "0"
	}
	return l.Data[0].Cantidad
}

// TestFacturaDeCompraIngresaStock: a purchase invoice uploaded to
// rendiciones, extracted by the local engine, reaches inventario through
// the outbox and RabbitMQ and books one entrada per line whose code is a
// SKU — once, also when the document is reprocessed.
func TestFacturaDeCompraIngresaStock(t *testing.T) {
	s := startSystem(t)
	prod := map[string]string{}
	for _, sku := range []string{"CEM-25", "FIE-10"} {
		var p struct{ ID string }
		s.Inv.Post("/api/productos", map[string]any{"sku": sku, "nombre": "Producto " + sku, "unidad": "un"}).Want(201).JSON(&p)
		prod[sku] = p.ID
	}
	pdf := facturaCompra(t, 20871, []linea{
		{"CEM-25", "Cemento saco 25 kg", 20, 4590},
		{"FIE-10", "Fierro estriado 10 mm", 12, 6350},
		{"ZZZ-99", "Producto sin ficha", 3, 1000},
	})
	var doc struct{ ID string }
	s.Rend.Post("/api/documentos", testkit.File("archivo", "factura-20871.pdf", pdf)).Want(201).JSON(&doc)

	eventually(t, 20*time.Second, "stock from the invoice", func() bool {
		return stockOf(s, prod["CEM-25"]) == "20.0000" && stockOf(s, prod["FIE-10"]) == "12.0000"
	})
	var d struct {
		Estado     string
		Extraccion struct {
			TipoDocumento string `json:"tipo_documento"`
			Items         []struct{ Codigo string }
		}
	}
	s.Rend.Get("/api/documentos/" + doc.ID).Want(200).JSON(&d)
	if d.Estado != "procesado" || d.Extraccion.TipoDocumento != "factura" || len(d.Extraccion.Items) != 3 {
		t.Fatalf("extraction: %+v", d)
	}
	var pend struct {
		Data  []struct{ Codigo, Motivo string }
		Total int
	}
	eventually(t, 5*time.Second, "the unknown SKU listed as pending", func() bool {
		s.Inv.Get("/api/stock/entradas-pendientes?documento_id=" + doc.ID).Want(200).JSON(&pend)
		return pend.Total == 1 && pend.Data[0].Codigo == "ZZZ-99"
	})

	// Reprocessing extracts the document again and publishes a new event:
	// nothing is booked twice.
	s.Rend.Post("/api/documentos/"+doc.ID+"/reprocesar", nil).Want(200)
	eventually(t, 20*time.Second, "the reprocessed document", func() bool {
		s.Rend.Get("/api/documentos/" + doc.ID).Want(200).JSON(&d)
		return d.Estado == "procesado"
	})
	var consumed float64
	eventually(t, 10*time.Second, "inventario to consume the second event", func() bool {
		consumed = metric(t, s.inv.URL(), `events_consumed_total{queue="`+s.exchange+`.inventario-events",result="applied",service="inventario"}`)
		return consumed >= 3 // documento.creado, documento.procesado ×2
	})
	if a, b := stockOf(s, prod["CEM-25"]), stockOf(s, prod["FIE-10"]); a != "20.0000" || b != "12.0000" {
		t.Fatalf("after reprocessing: CEM-25 %s, FIE-10 %s (want 20 and 12)", a, b)
	}
}

// TestTenantDesactivadoSeRechazaEnUnSegundo: a tenant deactivated in core is
// refused by inventario within a second, through tenants.updated, not when
// its cache entry (30 s) expires.
func TestTenantDesactivadoSeRechazaEnUnSegundo(t *testing.T) {
	s := startSystem(t)
	s.Inv.Get("/api/productos").Want(200) // cached as active now
	s.Rend.Get("/api/documentos").Want(200)
	s.Super.Delete("/api/tenants/" + s.Tenant).Want(204)
	start := time.Now()
	eventually(t, time.Second, "inventario to refuse the tenant", func() bool {
		return s.Inv.Get("/api/productos").Status == 403
	})
	s.Inv.Get("/api/productos").Err(403, "tenant_inactivo")
	eventually(t, time.Second, "rendiciones to refuse the tenant", func() bool {
		return s.Rend.Get("/api/documentos").Status == 403
	})
	t.Logf("refused %s after the deactivation", time.Since(start).Round(time.Millisecond))
}

// metric reads one sample from a service's /metrics.
func metric(t *testing.T, base, series string) float64 {
	body := (&testkit.Client{T: t, BaseURL: base}).Get("/metrics").Want(200).Body
	for _, line := range splitLines(string(body)) {
		var v float64
		if len(line) > len(series) && line[:len(series)] == series {
			if _, err := fmt.Sscanf(line[len(series):], " %g", &v); err == nil {
				return v
			}
		}
	}
	return 0
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
