package app

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/testkit"
)

func withKey(c *testkit.Client, key string) *testkit.Client {
	cc := *c
	cc.Header = map[string][]string{"Idempotency-Key": {key}}
	return &cc
}

func TestIdempotencia(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Idempotencia A")
	b := h.tenant("Idempotencia B")
	prod := a.producto("IDK-1")
	bod := a.principal()
	entrada := map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "5", "costo_unitario": "10"}

	t.Run("misma clave y mismo cuerpo: la primera respuesta, aplicada una vez", func(t *testing.T) {
		c := withKey(a.Bodega, "k-entrada-1")
		first := c.Post("/api/stock/movimientos", entrada).Want(201)
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("first answer marked as replayed")
		}
		// Same request written differently: numbers instead of strings, more zeros.
		again := c.Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": 5.0, "costo_unitario": "10.000"}).Want(201)
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if q := balance(t, a.ID, prod, bod); q != "5.0000" {
			t.Fatalf("balance %s, want 5 (applied once)", q)
		}
	})
	t.Run("misma clave y otro cuerpo: 422", func(t *testing.T) {
		c := withKey(a.Bodega, "k-entrada-1")
		otro := map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "6", "costo_unitario": "10"}
		c.Post("/api/stock/movimientos", otro).Err(422, "idempotency_key_reused")
		m := a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "1"}).Want(201).Map()
		withKey(a.Bodega, "k-entrada-1").Post("/api/stock/movimientos/"+m["id"].(string)+"/reversar", nil).Err(422, "idempotency_key_reused")
	})
	t.Run("las claves son de cada tenant", func(t *testing.T) {
		bp := b.producto("IDK-B")
		withKey(b.Bodega, "k-entrada-1").Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": bp, "bodega_id": b.principal(), "cantidad": "1", "costo_unitario": "1"}).Want(201)
	})
	t.Run("un 409 se guarda y se repite; un 400 no se guarda", func(t *testing.T) {
		c := withKey(a.Bodega, "k-salida-grande")
		salida := map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "50"}
		first := c.Post("/api/stock/movimientos", salida)
		first.Err(409, "stock_insuficiente")
		a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "100", "costo_unitario": "10"})
		again := c.Post("/api/stock/movimientos", salida)
		again.Err(409, "stock_insuficiente")
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("stored 409 not replayed: %s %q\n%s", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
		}

		v := withKey(a.Bodega, "k-invalida")
		v.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "-1"}).Field(400, "cantidad")
		v.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": bod, "cantidad": "1"}).Want(201)
	})
	t.Run("clave inválida", func(t *testing.T) {
		withKey(a.Bodega, strings.Repeat("k", 256)).Post("/api/stock/movimientos", entrada).Field(400, "Idempotency-Key")
		withKey(a.Bodega, "ñandú").Post("/api/stock/movimientos", entrada).Field(400, "Idempotency-Key")
	})
	t.Run("reverso con clave", func(t *testing.T) {
		m := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": bod, "cantidad": "2", "costo_unitario": "10"})
		c := withKey(a.Bodega, "k-reverso")
		first := c.Post("/api/stock/movimientos/"+m.ID+"/reversar", map[string]any{"motivo": "error"}).Want(201)
		again := c.Post("/api/stock/movimientos/"+m.ID+"/reversar", map[string]any{"motivo": "error"}).Want(201)
		if string(first.Body) != string(again.Body) {
			t.Fatal("reversal not replayed")
		}
		c.Post("/api/stock/movimientos/"+m.ID+"/reversar", map[string]any{"motivo": "otro"}).Err(422, "idempotency_key_reused")
	})
	t.Run("las claves viejas se podan y vuelven a ser nuevas", func(t *testing.T) {
		c := withKey(a.Bodega, "k-vieja")
		c.Post("/api/stock/movimientos", entrada).Want(201)
		testDB.Exec("UPDATE inventario.idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = ? AND key = 'k-vieja'", a.ID)
		n, err := h.srv.Stock.PruneKeys(context.Background())
		if err != nil || n < 1 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		if r := c.Post("/api/stock/movimientos", entrada).Want(201); r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatal("a pruned key was replayed")
		}
	})
	t.Run("API Go: EntradaPrincipal por SKU con clave, para el consumidor de eventos", func(t *testing.T) {
		tenant := uuid.MustParse(a.ID)
		ctx := context.Background()
		key := "evt-0190f3c2/linea-1"
		m1, err := h.srv.Stock.EntradaPrincipal(ctx, tenant, "idk-1", decimal.RequireFromString("3"), decimal.RequireFromString("12.5"), "FAC-77", key)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := h.srv.Stock.EntradaPrincipal(ctx, tenant, "IDK-1", decimal.RequireFromString("3"), decimal.RequireFromString("12.5"), "FAC-77", key)
		if err != nil {
			t.Fatal(err)
		}
		if m1.ID != m2.ID || m1.BodegaID.String() != bod || m1.UsuarioID != nil || m1.Referencia != "FAC-77" || m2.Saldo.Cantidad.String() != m1.Saldo.Cantidad.String() {
			t.Fatalf("entradas %+v / %+v", m1, m2)
		}
		_, err = h.srv.Stock.EntradaPrincipal(ctx, tenant, "NO-EXISTE", decimal.RequireFromString("1"), decimal.Zero, "", "")
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("unknown SKU: %v", err)
		}
		_, err = h.srv.Stock.EntradaPrincipal(ctx, tenant, "IDK-1", decimal.RequireFromString("-1"), decimal.Zero, "", "")
		if !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("negative quantity: %v", err)
		}
	})
}
