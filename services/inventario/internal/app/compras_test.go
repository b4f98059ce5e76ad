package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/events"
	"ecosystem/services/inventario/internal/compras"
)

// procesado builds a documento.procesado envelope for a tenant's document.
func procesado(tenant, documento, tipo string, duplicado *string, items ...map[string]any) events.Envelope {
	data, _ := json.Marshal(map[string]any{
		"id": documento, "tenant_id": tenant, "estado": "procesado", "duplicado_tipo": duplicado,
		"extraccion": map[string]any{"tipo_documento": tipo, "rut_emisor": "76354771-K", "folio": "20871", "items": items},
	})
	return events.Envelope{ID: uuid.NewString(), Event: events.EventDocumentoProcesad, TenantID: tenant, Version: 1, Data: data}
}

func item(codigo, cantidad, precio string) map[string]any {
	return map[string]any{"codigo": codigo, "descripcion": "línea " + codigo, "cantidad": cantidad, "precio_unitario": precio}
}

// deliver runs the consumer's handler as the consumer does: in one
// transaction with the inbox row.
func deliver(t *testing.T, c *compras.Consumer, env events.Envelope) {
	t.Helper()
	err := testDB.Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("INSERT INTO inventario.inbox (event_id, event) VALUES (?, ?) ON CONFLICT DO NOTHING", env.ID, env.Event)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return c.Handle(context.Background(), tx, env)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func cantidad(t *testing.T, f tenantFixture, producto string) string {
	var l struct {
		Data []struct{ Cantidad string }
	}
	f.Usuario.Get("/api/stock?producto_id=" + producto).Want(200).JSON(&l)
	if len(l.Data) == 0 {
		return "0"
	}
	return l.Data[0].Cantidad
}

func TestComprasDesdeFacturas(t *testing.T) {
	h := newHarness(t)
	c := compras.NewConsumer(h.srv.Stock, slog.New(slog.NewJSONHandler(io.Discard, nil)), nil)
	f := h.tenant("Compras SpA")
	cem := f.producto("CEM-25")
	fie := f.producto("fie-10") // SKUs match regardless of case
	doc := uuid.NewString()
	env := procesado(f.ID, doc, "factura", nil, item("CEM-25", "20", "4590"), item("FIE-10", "12", "6350"), item("XYZ-1", "1", "100"), map[string]any{"descripcion": "flete"})

	deliver(t, c, env)
	if got := cantidad(t, f, cem); got != "20.0000" {
		t.Fatalf("CEM-25 = %s, want 20", got)
	}
	if got := cantidad(t, f, fie); got != "12.0000" {
		t.Fatalf("FIE-10 = %s, want 12", got)
	}
	var k struct {
		Data []struct {
			CostoPromedio string `json:"costo_promedio"`
		}
	}
	f.Usuario.Get("/api/stock/kardex?producto_id=" + cem).Want(200).JSON(&k)
	if len(k.Data) != 1 || k.Data[0].CostoPromedio != "4590.000000" {
		t.Fatalf("kardex: %+v", k.Data)
	}

	t.Run("las líneas sin SKU o sin código quedan pendientes", func(t *testing.T) {
		var l struct {
			Data []struct {
				Linea  int
				Codigo string
				Motivo string
			}
			Total int
		}
		f.Usuario.Get("/api/stock/entradas-pendientes?documento_id=" + doc).Want(200).JSON(&l)
		if l.Total != 2 || l.Data[0].Codigo == "" && l.Data[1].Codigo == "" {
			t.Fatalf("pending: %+v", l)
		}
		otro := h.tenant("Otro")
		otro.Usuario.Get("/api/stock/entradas-pendientes").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("another tenant sees %d pending lines", l.Total)
		}
		f.Usuario.Get("/api/stock/entradas-pendientes?documento_id=x").Field(400, "documento_id")
	})
	t.Run("el mismo evento otra vez no reserva nada", func(t *testing.T) {
		deliver(t, c, env)
		if got := cantidad(t, f, cem); got != "20.0000" {
			t.Fatalf("after redelivery CEM-25 = %s", got)
		}
	})
	t.Run("reprocesar el documento (evento nuevo) no vuelve a ingresar", func(t *testing.T) {
		deliver(t, c, procesado(f.ID, doc, "factura", nil, item("CEM-25", "20", "4590"), item("FIE-10", "12", "6350")))
		if got := cantidad(t, f, cem); got != "20.0000" {
			t.Fatalf("after reprocessing CEM-25 = %s", got)
		}
	})
	t.Run("dos eventos del mismo documento a la vez ingresan una vez", func(t *testing.T) {
		doc2 := uuid.NewString()
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				deliver(t, c, procesado(f.ID, doc2, "factura", nil, item("CEM-25", "5", "5000")))
			}()
		}
		wg.Wait()
		if got := cantidad(t, f, cem); got != "25.0000" {
			t.Fatalf("after 4 concurrent events CEM-25 = %s, want 25", got)
		}
	})
	t.Run("boletas, duplicados y documentos con error no ingresan", func(t *testing.T) {
		folio := "folio"
		deliver(t, c, procesado(f.ID, uuid.NewString(), "boleta", nil, item("CEM-25", "1", "1")))
		deliver(t, c, procesado(f.ID, uuid.NewString(), "factura", &folio, item("CEM-25", "1", "1")))
		errEnv := procesado(f.ID, uuid.NewString(), "factura", nil, item("CEM-25", "1", "1"))
		errEnv.Data = json.RawMessage(`{"id":"` + uuid.NewString() + `","estado":"error","error_codigo":"sin_texto"}`)
		deliver(t, c, errEnv)
		if got := cantidad(t, f, cem); got != "25.0000" {
			t.Fatalf("CEM-25 = %s, want 25", got)
		}
	})
	t.Run("datos malformados son un error permanente", func(t *testing.T) {
		bad := events.Envelope{ID: uuid.NewString(), Event: events.EventDocumentoProcesad, TenantID: f.ID, Data: json.RawMessage(`{"items":"x"`)}
		err := c.Handle(context.Background(), testDB, bad)
		var pe *events.PermanentError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want permanent", err)
		}
	})
}
