package app

import (
	"encoding/json"
	"testing"
	"time"

	"ecosystem/pkg/shared/events"
)

// written counts what a tenant has in the ledger, the balances and the outbox.
func written(t *testing.T, tenant string) [3]int64 {
	t.Helper()
	var n [3]int64
	testDB.Raw("SELECT count(*) FROM inventario.movimientos WHERE tenant_id = ?", tenant).Scan(&n[0])
	testDB.Raw("SELECT count(*) FROM inventario.stock WHERE tenant_id = ?", tenant).Scan(&n[1])
	testDB.Raw("SELECT count(*) FROM inventario.outbox WHERE payload->>'tenant_id' = ?", tenant).Scan(&n[2])
	return n
}

func TestMovimientos(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Movimientos A")
	b := h.tenant("Movimientos B")
	prod := a.producto("MOV-1", map[string]any{"stock_minimo": "5"})
	principal := a.principal()
	sucursal := a.bodega("SUC")

	t.Run("entrada, entrada y salida al costo promedio", func(t *testing.T) {
		m := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "100", "referencia": "FAC-1"})
		if m.Saldo.Cantidad != "10.0000" || m.Saldo.CostoPromedio != "100.000000" || m.Valor != "1000.00" || m.Variacion != "10.0000" {
			t.Fatalf("entrada 1: %+v", m)
		}
		m = a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": 10, "costo_unitario": 120})
		if m.Saldo.Cantidad != "20.0000" || m.Saldo.CostoPromedio != "110.000000" || m.Saldo.Valor != "2200.00" {
			t.Fatalf("entrada 2 (10@100 + 10@120 = 110): %+v", m.Saldo)
		}
		m = a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "5", "motivo": "venta"})
		if m.Saldo.Cantidad != "15.0000" || m.Saldo.CostoPromedio != "110.000000" || m.CostoUnitario != "110.000000" || m.Valor != "-550.00" || m.Variacion != "-5.0000" {
			t.Fatalf("salida: %+v", m)
		}
		if m.UsuarioID == nil || m.SaldoDestino != nil || m.BodegaDestinoID != nil {
			t.Fatalf("salida fields: %+v", m)
		}
	})

	t.Run("salida sin stock suficiente: 409 con disponible y nada escrito", func(t *testing.T) {
		before := written(t, a.ID)
		e := a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "15.0001"}).Err(409, "stock_insuficiente")
		if e.Details["disponible"] != "15.0000" {
			t.Fatalf("disponible: %v", e.Details)
		}
		// A bodega that never held the product has nothing.
		e = a.Bodega.Post("/api/stock/movimientos", map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": sucursal, "cantidad": 1}).Err(409, "stock_insuficiente")
		if e.Details["disponible"] != "0.0000" {
			t.Fatalf("disponible en bodega vacía: %v", e.Details)
		}
		if after := written(t, a.ID); after != before {
			t.Fatalf("written %v → %v", before, after)
		}
	})

	t.Run("transferencia: un par atómico al costo de origen", func(t *testing.T) {
		a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": sucursal, "cantidad": "5", "costo_unitario": "80"})
		m := a.mov(map[string]any{"tipo": "transferencia", "producto_id": prod, "bodega_id": principal, "bodega_destino_id": sucursal, "cantidad": "5"})
		if m.Saldo.Cantidad != "10.0000" || m.SaldoDestino == nil || m.SaldoDestino.Cantidad != "10.0000" ||
			m.SaldoDestino.CostoPromedio != "95.000000" || m.CostoUnitario != "110.000000" || m.Valor != "-550.00" {
			t.Fatalf("transferencia (5@80 + 5@110 = 95): %+v %+v", m, m.SaldoDestino)
		}
		if *m.BodegaDestinoID != sucursal {
			t.Fatalf("destino %v", m.BodegaDestinoID)
		}
	})

	t.Run("ajuste a la cantidad contada", func(t *testing.T) {
		m := a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": sucursal, "cantidad": "7", "motivo": "conteo"})
		if m.Cantidad != "7.0000" || m.Variacion != "-3.0000" || m.Saldo.Cantidad != "7.0000" || m.Saldo.CostoPromedio != "95.000000" || m.Valor != "-285.00" {
			t.Fatalf("ajuste a la baja: %+v", m)
		}
		m = a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": sucursal, "cantidad": "9"})
		if m.Variacion != "2.0000" || m.Saldo.CostoPromedio != "95.000000" || m.CostoUnitario != "95.000000" {
			t.Fatalf("ajuste al alza sin costo (al promedio): %+v", m)
		}
		m = a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": sucursal, "cantidad": "10", "costo_unitario": "5"})
		if m.Variacion != "1.0000" || m.Saldo.CostoPromedio != "86.000000" {
			t.Fatalf("ajuste al alza con costo (9@95 + 1@5 = 86): %+v", m)
		}
		m = a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": sucursal, "cantidad": 0})
		if m.Saldo.Cantidad != "0.0000" || m.Variacion != "-10.0000" {
			t.Fatalf("ajuste a cero: %+v", m)
		}
		m = a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": sucursal, "cantidad": "1", "costo_unitario": "3.5"})
		if m.Saldo.CostoPromedio != "3.500000" {
			t.Fatalf("entrada sobre saldo vacío toma su costo: %+v", m.Saldo)
		}
	})

	t.Run("redondeo del promedio: medio hacia arriba a 6 decimales", func(t *testing.T) {
		p := a.producto("REDONDEO")
		a.mov(map[string]any{"tipo": "entrada", "producto_id": p, "bodega_id": principal, "cantidad": "1", "costo_unitario": "1"})
		m := a.mov(map[string]any{"tipo": "entrada", "producto_id": p, "bodega_id": principal, "cantidad": "2", "costo_unitario": "2"})
		if m.Saldo.CostoPromedio != "1.666667" || m.Saldo.Valor != "5.00" {
			t.Fatalf("(1 + 4) / 3: %+v", m.Saldo)
		}
		m = a.mov(map[string]any{"tipo": "entrada", "producto_id": p, "bodega_id": principal, "cantidad": "0.0001", "costo_unitario": "0.000001"})
		if m.Saldo.Cantidad != "3.0001" || m.Valor != "0.00" {
			t.Fatalf("tiny entrada: %+v", m)
		}
	})

	t.Run("entradas malas: 4xx que nombra el campo y nada escrito", func(t *testing.T) {
		otroTenantProd := b.producto("DE-B")
		otroTenantBod := b.principal()
		base := func(kv ...any) map[string]any {
			m := map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "1"}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
					continue
				}
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		tests := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"cantidad cero", base("cantidad", 0), 400, "cantidad"},
			{"cantidad negativa", base("cantidad", "-1"), 400, "cantidad"},
			{"cantidad con cinco decimales", base("cantidad", "1.00001"), 400, "cantidad"},
			{"cantidad no numérica", base("cantidad", "uno"), 400, "cantidad"},
			{"cantidad booleana", base("cantidad", true), 400, "cantidad"},
			{"cantidad enorme", base("cantidad", "1e15"), 400, "cantidad"},
			{"sin cantidad", base("cantidad", nil), 400, "cantidad"},
			{"ajuste negativo", base("tipo", "ajuste", "cantidad", -1), 400, "cantidad"},
			{"tipo desconocido", base("tipo", "regalo"), 400, "tipo"},
			{"sin tipo", base("tipo", nil), 400, "tipo"},
			{"producto_id mal formado", base("producto_id", "123"), 400, "producto_id"},
			{"sin bodega", base("bodega_id", nil), 400, "bodega_id"},
			{"entrada sin costo", base("tipo", "entrada"), 400, "costo_unitario"},
			{"entrada con costo negativo", base("tipo", "entrada", "costo_unitario", -1), 400, "costo_unitario"},
			{"costo con siete decimales", base("tipo", "entrada", "costo_unitario", "0.0000001"), 400, "costo_unitario"},
			{"salida con costo", base("costo_unitario", 10), 400, "costo_unitario"},
			{"transferencia a la misma bodega", base("tipo", "transferencia", "bodega_destino_id", principal), 400, "bodega_destino_id"},
			{"transferencia sin destino", base("tipo", "transferencia"), 400, "bodega_destino_id"},
			{"destino en una salida", base("bodega_destino_id", sucursal), 400, "bodega_destino_id"},
			{"campo desconocido", base("precio", 1), 400, "precio"},
			{"producto desconocido", base("producto_id", "0190f3c2-5b7e-7c1a-9f00-000000000001"), 404, "producto_id"},
			{"producto de otro tenant", base("producto_id", otroTenantProd), 404, "producto_id"},
			{"bodega de otro tenant", base("bodega_id", otroTenantBod), 404, "bodega_id"},
			{"destino de otro tenant", base("tipo", "transferencia", "bodega_destino_id", otroTenantBod), 404, "bodega_destino_id"},
		}
		before := written(t, a.ID)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				a.Bodega.Post("/api/stock/movimientos", tc.body).Field(tc.status, tc.field)
			})
		}
		a.Bodega.Post("/api/stock/movimientos", "{").Err(400, "bad_request")
		a.Bodega.Post("/api/stock/movimientos", "").Err(400, "bad_request")
		if after := written(t, a.ID); after != before {
			t.Fatalf("written %v → %v", before, after)
		}
	})

	t.Run("solo bodega o admin registran movimientos", func(t *testing.T) {
		a.Usuario.Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": 1, "costo_unitario": 1}).Err(403, "forbidden")
		a.Admin.Post("/api/stock/movimientos", map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": 1, "costo_unitario": 110}).Want(201)
	})

	t.Run("el ledger es inmutable", func(t *testing.T) {
		if err := testDB.Exec("UPDATE inventario.movimientos SET cantidad = 0 WHERE tenant_id = ?", a.ID).Error; err == nil {
			t.Fatal("UPDATE on the ledger succeeded")
		}
		if err := testDB.Exec("DELETE FROM inventario.movimientos WHERE tenant_id = ?", a.ID).Error; err == nil {
			t.Fatal("DELETE on the ledger succeeded")
		}
		if err := testDB.Exec("UPDATE inventario.stock SET cantidad = -1 WHERE tenant_id = ?", a.ID).Error; err == nil {
			t.Fatal("a negative balance passed the CHECK")
		}
	})
}

func TestReversos(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Reversos A")
	b := h.tenant("Reversos B")
	prod := a.producto("REV-1")
	principal := a.principal()
	sucursal := a.bodega("SUC")

	entrada := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "100"})
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "200"})

	t.Run("reversar una entrada: salida al promedio vigente, una sola vez", func(t *testing.T) {
		var r movimiento
		a.Bodega.Post("/api/stock/movimientos/"+entrada.ID+"/reversar", map[string]any{"motivo": "factura anulada"}).Want(201).JSON(&r)
		if r.Tipo != "salida" || r.Variacion != "-10.0000" || r.CostoUnitario != "150.000000" || r.Saldo.Cantidad != "10.0000" ||
			r.ReversoDe == nil || *r.ReversoDe != entrada.ID || r.Motivo != "factura anulada" {
			t.Fatalf("reverso: %+v", r)
		}
		a.Bodega.Post("/api/stock/movimientos/"+entrada.ID+"/reversar", nil).Err(409, "movimiento_ya_reversado")
		a.Bodega.Post("/api/stock/movimientos/"+r.ID+"/reversar", nil).Err(409, "movimiento_es_reverso")
		var l struct{ Data []movimiento }
		a.Usuario.Get("/api/stock/movimientos?producto_id=" + prod).Want(200).JSON(&l)
		for _, m := range l.Data {
			if m.ID == entrada.ID && (m.ReversadoPor == nil || *m.ReversadoPor != r.ID) {
				t.Fatalf("list does not show reversado_por: %+v", m)
			}
		}
	})
	t.Run("reversar una salida devuelve las unidades a su costo de salida", func(t *testing.T) {
		s := a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "4"})
		a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "6", "costo_unitario": "50"})
		var r movimiento
		a.Bodega.Post("/api/stock/movimientos/"+s.ID+"/reversar", nil).Want(201).JSON(&r)
		// 6@150 + 6@50 = 12@100; +4@150 → 16@112.5
		if r.Tipo != "entrada" || r.CostoUnitario != "150.000000" || r.Saldo.Cantidad != "16.0000" || r.Saldo.CostoPromedio != "112.500000" {
			t.Fatalf("reverso de salida: %+v", r)
		}
	})
	t.Run("reversar una transferencia la devuelve", func(t *testing.T) {
		tr := a.mov(map[string]any{"tipo": "transferencia", "producto_id": prod, "bodega_id": principal, "bodega_destino_id": sucursal, "cantidad": "6"})
		var r movimiento
		a.Bodega.Post("/api/stock/movimientos/"+tr.ID+"/reversar", nil).Want(201).JSON(&r)
		if r.Tipo != "transferencia" || r.BodegaID != sucursal || *r.BodegaDestinoID != principal || r.Saldo.Cantidad != "0.0000" || r.SaldoDestino.Cantidad != "16.0000" {
			t.Fatalf("reverso de transferencia: %+v %+v", r, r.SaldoDestino)
		}
	})
	t.Run("reversar un ajuste aplica la diferencia opuesta", func(t *testing.T) {
		aj := a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": principal, "cantidad": "13"})
		var r movimiento
		a.Bodega.Post("/api/stock/movimientos/"+aj.ID+"/reversar", nil).Want(201).JSON(&r)
		if r.Tipo != "ajuste" || r.Variacion != "3.0000" || r.Saldo.Cantidad != "16.0000" || r.Saldo.CostoPromedio != "112.500000" {
			t.Fatalf("reverso de ajuste: %+v", r)
		}
		cero := a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": principal, "cantidad": "16"})
		a.Bodega.Post("/api/stock/movimientos/"+cero.ID+"/reversar", nil).Err(409, "reverso_sin_efecto")
	})
	t.Run("reversar sin stock suficiente es 409", func(t *testing.T) {
		e := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": sucursal, "cantidad": "5", "costo_unitario": "1"})
		a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": sucursal, "cantidad": "3"})
		a.Bodega.Post("/api/stock/movimientos/"+e.ID+"/reversar", nil).Err(409, "stock_insuficiente")
	})
	t.Run("reversos concurrentes del mismo movimiento: uno gana", func(t *testing.T) {
		e := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "1", "costo_unitario": "1"})
		codes := parallel(10, func(int) int {
			return a.Bodega.Post("/api/stock/movimientos/"+e.ID+"/reversar", nil).Status
		})
		if codes[201] != 1 || codes[409] != 9 {
			t.Fatalf("statuses %v", codes)
		}
	})
	t.Run("entradas malas y aislamiento", func(t *testing.T) {
		a.Bodega.Post("/api/stock/movimientos/"+entrada.ID+"/reversar", map[string]any{"motivo": 1}).Field(400, "motivo")
		a.Bodega.Post("/api/stock/movimientos/"+entrada.ID+"/reversar", map[string]any{"cantidad": 1}).Field(400, "cantidad")
		a.Bodega.Post("/api/stock/movimientos/0190f3c2-5b7e-7c1a-9f00-000000000001/reversar", nil).Err(404, "not_found")
		a.Bodega.Post("/api/stock/movimientos/nada/reversar", nil).Err(404, "not_found")
		a.Usuario.Post("/api/stock/movimientos/"+entrada.ID+"/reversar", nil).Err(403, "forbidden")
		otro := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "1", "costo_unitario": "1"})
		b.Admin.Post("/api/stock/movimientos/"+otro.ID+"/reversar", nil).Err(404, "not_found")
	})
}

func TestConsultas(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Consultas A")
	b := h.tenant("Consultas B")
	prod := a.producto("KDX-1", map[string]any{"stock_minimo": "8"})
	otro := a.producto("KDX-2")
	principal := a.principal()
	sucursal := a.bodega("SUC")

	e1 := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "100"})
	a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "130"})
	a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "4"})
	tr := a.mov(map[string]any{"tipo": "transferencia", "producto_id": prod, "bodega_id": principal, "bodega_destino_id": sucursal, "cantidad": "6"})
	a.mov(map[string]any{"tipo": "entrada", "producto_id": otro, "bodega_id": sucursal, "cantidad": "1", "costo_unitario": "9.99"})

	t.Run("kardex de una bodega con saldo corrido", func(t *testing.T) {
		var k struct {
			SKU  string
			Data []struct {
				MovimientoID  string `json:"movimiento_id"`
				Tipo          string
				Cantidad      string
				CostoUnitario string `json:"costo_unitario"`
				Valor         string
				SaldoCantidad string `json:"saldo_cantidad"`
				CostoPromedio string `json:"costo_promedio"`
				SaldoValor    string `json:"saldo_valor"`
			}
			Total int
		}
		a.Usuario.Get("/api/stock/kardex?producto_id=" + prod + "&bodega_id=" + principal).Want(200).JSON(&k)
		want := [][5]string{
			{"entrada", "10.0000", "1000.00", "10.0000", "100.000000"},
			{"entrada", "10.0000", "1300.00", "20.0000", "115.000000"},
			{"salida", "-4.0000", "-460.00", "16.0000", "115.000000"},
			{"transferencia", "-6.0000", "-690.00", "10.0000", "115.000000"},
		}
		if k.SKU != "KDX-1" || k.Total != len(want) || len(k.Data) != len(want) || k.Data[0].MovimientoID != e1.ID {
			t.Fatalf("kardex: %+v", k)
		}
		for i, w := range want {
			d := k.Data[i]
			if got := [5]string{d.Tipo, d.Cantidad, d.Valor, d.SaldoCantidad, d.CostoPromedio}; got != w {
				t.Errorf("line %d: %v, want %v", i, got, w)
			}
		}
		if k.Data[3].SaldoValor != "1150.00" {
			t.Errorf("saldo_valor %s", k.Data[3].SaldoValor)
		}
	})
	t.Run("kardex de todas las bodegas muestra la transferencia dos veces", func(t *testing.T) {
		var k struct {
			Data []struct {
				MovimientoID  string `json:"movimiento_id"`
				BodegaID      string `json:"bodega_id"`
				Cantidad      string
				SaldoCantidad string `json:"saldo_cantidad"`
				CostoPromedio string `json:"costo_promedio"`
			}
		}
		a.Usuario.Get("/api/stock/kardex?producto_id=" + prod).Want(200).JSON(&k)
		if len(k.Data) != 5 || k.Data[3].MovimientoID != tr.ID || k.Data[4].MovimientoID != tr.ID ||
			k.Data[4].BodegaID != sucursal || k.Data[4].Cantidad != "6.0000" || k.Data[4].SaldoCantidad != "6.0000" || k.Data[4].CostoPromedio != "115.000000" {
			t.Fatalf("kardex: %+v", k.Data)
		}
	})
	t.Run("kardex: validación y aislamiento", func(t *testing.T) {
		a.Usuario.Get("/api/stock/kardex").Field(400, "producto_id")
		a.Usuario.Get("/api/stock/kardex?producto_id=x").Field(400, "producto_id")
		a.Usuario.Get("/api/stock/kardex?producto_id=0190f3c2-5b7e-7c1a-9f00-000000000001").Err(404, "not_found")
		a.Usuario.Get("/api/stock/kardex?producto_id="+prod+"&bodega_id=0190f3c2-5b7e-7c1a-9f00-000000000001").Field(404, "bodega_id")
		b.Admin.Get("/api/stock/kardex?producto_id="+prod).Err(404, "not_found")
		bp := b.producto("B-1")
		b.Admin.Get("/api/stock/kardex?producto_id="+bp+"&bodega_id="+principal).Field(404, "bodega_id")
	})
	t.Run("stock por producto y bodega, y bajo mínimo", func(t *testing.T) {
		type row struct {
			ProductoID    string `json:"producto_id"`
			SKU           string
			BodegaID      string `json:"bodega_id"`
			Cantidad      string
			CostoPromedio string `json:"costo_promedio"`
			Valor         string
			BajoMinimo    bool `json:"bajo_minimo"`
		}
		var l struct {
			Data  []row
			Total int
		}
		a.Usuario.Get("/api/stock").Want(200).JSON(&l)
		if l.Total != 3 {
			t.Fatalf("stock rows: %+v", l)
		}
		a.Usuario.Get("/api/stock?producto_id=" + prod + "&bodega_id=" + sucursal).Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0].Cantidad != "6.0000" || l.Data[0].Valor != "690.00" || !l.Data[0].BajoMinimo {
			t.Fatalf("filtered: %+v", l)
		}
		a.Usuario.Get("/api/stock?bajo_minimo=true").Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0].BodegaID != sucursal || l.Data[0].SKU != "KDX-1" {
			t.Fatalf("bajo_minimo: %+v", l)
		}
		a.Usuario.Get("/api/stock?page=2&page_size=2").Want(200).JSON(&l)
		if l.Total != 3 || len(l.Data) != 1 {
			t.Fatalf("page 2: %+v", l)
		}
		a.Usuario.Get("/api/stock?page=9").Want(200).JSON(&l)
		if l.Total != 3 || len(l.Data) != 0 {
			t.Fatalf("page 9: %+v", l)
		}
		a.Usuario.Get("/api/stock?bajo_minimo=quizas").Field(400, "bajo_minimo")
		a.Usuario.Get("/api/stock?bodega_id=x").Field(400, "bodega_id")
		b.Admin.Get("/api/stock").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("tenant B sees %d balances", l.Total)
		}
		b.Admin.Get("/api/stock?producto_id=" + prod).Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatal("tenant B sees A's product balance")
		}
	})
	t.Run("movimientos con filtros", func(t *testing.T) {
		var l struct {
			Data  []movimiento
			Total int
		}
		a.Usuario.Get("/api/stock/movimientos").Want(200).JSON(&l)
		if l.Total != 5 || l.Data[0].ProductoID != otro {
			t.Fatalf("all, newest first: %d %+v", l.Total, l.Data[0])
		}
		a.Usuario.Get("/api/stock/movimientos?bodega_id=" + sucursal).Want(200).JSON(&l)
		if l.Total != 2 {
			t.Fatalf("by bodega (origin or destination): %d", l.Total)
		}
		a.Usuario.Get("/api/stock/movimientos?producto_id=" + prod + "&tipo=entrada").Want(200).JSON(&l)
		if l.Total != 2 {
			t.Fatalf("by product and tipo: %d", l.Total)
		}
		hoy := time.Now().UTC().Format(time.DateOnly)
		manana := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		a.Usuario.Get("/api/stock/movimientos?desde=" + hoy + "&hasta=" + hoy).Want(200).JSON(&l)
		if l.Total != 5 {
			t.Fatalf("today: %d", l.Total)
		}
		a.Usuario.Get("/api/stock/movimientos?desde=" + manana).Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("tomorrow: %d", l.Total)
		}
		a.Usuario.Get("/api/stock/movimientos?hasta=" + e1.CreatedAt).Want(200).JSON(&l)
		if l.Total != 1 || l.Data[0].ID != e1.ID {
			t.Fatalf("hasta an instant (inclusive): %+v", l)
		}
		a.Usuario.Get("/api/stock/movimientos?desde=ayer").Field(400, "desde")
		a.Usuario.Get("/api/stock/movimientos?tipo=regalo").Field(400, "tipo")
		a.Usuario.Get("/api/stock/movimientos?page_size=500").Field(400, "page_size")
		b.Admin.Get("/api/stock/movimientos").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("tenant B sees %d movements", l.Total)
		}
	})
}

func TestEventos(t *testing.T) {
	h := newHarness(t)
	a := h.tenant("Eventos A")
	prod := a.producto("EVT-1", map[string]any{"stock_minimo": "5"})
	principal := a.principal()

	type outboxRow struct {
		RoutingKey string
		Payload    []byte
	}
	eventsOf := func(key string) []events.Envelope {
		var rows []outboxRow
		testDB.Raw("SELECT routing_key, payload FROM inventario.outbox WHERE payload->>'tenant_id' = ? AND routing_key = ? ORDER BY id", a.ID, key).Scan(&rows)
		out := make([]events.Envelope, len(rows))
		for i, r := range rows {
			if err := json.Unmarshal(r.Payload, &out[i]); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}

	m := a.mov(map[string]any{"tipo": "entrada", "producto_id": prod, "bodega_id": principal, "cantidad": "10", "costo_unitario": "1"})
	a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "4"}) // 6: above
	a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "1"}) // 5: crosses
	a.mov(map[string]any{"tipo": "salida", "producto_id": prod, "bodega_id": principal, "cantidad": "1"}) // 4: already under
	a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": principal, "cantidad": "9"}) // back above
	a.mov(map[string]any{"tipo": "ajuste", "producto_id": prod, "bodega_id": principal, "cantidad": "2"}) // crosses again

	t.Run("stock.movement.created por cada movimiento, con el movimiento como dato", func(t *testing.T) {
		evs := eventsOf(events.KeyStockMovement)
		if len(evs) != 6 {
			t.Fatalf("%d movement events", len(evs))
		}
		var data movimiento
		if err := json.Unmarshal(evs[0].Data, &data); err != nil {
			t.Fatal(err)
		}
		if evs[0].Event != events.EventStockMovement || evs[0].Version != 1 || evs[0].RequestID == "" || data.ID != m.ID || data.Saldo.Cantidad != "10.0000" {
			t.Fatalf("envelope %+v data %+v", evs[0], data)
		}
	})
	t.Run("stock.below_minimum solo al cruzar el mínimo hacia abajo", func(t *testing.T) {
		evs := eventsOf(events.KeyStockBelowMinimum)
		if len(evs) != 2 {
			t.Fatalf("%d below-minimum events, want 2", len(evs))
		}
		var d struct {
			SKU         string
			Cantidad    string
			StockMinimo string `json:"stock_minimo"`
		}
		_ = json.Unmarshal(evs[0].Data, &d)
		if d.SKU != "EVT-1" || d.Cantidad != "5.0000" || d.StockMinimo != "5.0000" {
			t.Fatalf("data: %+v", d)
		}
	})
}
