package stock

import (
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/apperr"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestPromedioPonderado(t *testing.T) {
	tests := []struct {
		name          string
		antes         saldo
		q, c          string
		cantidad, avg string
	}{
		{"ejemplo de ERPNext: 10@100 + 10@120 = 110", saldo{d("10"), d("100")}, "10", "120", "20", "110"},
		{"saldo vacío toma el costo de la entrada", saldo{d("0"), d("55")}, "3", "7.25", "3", "7.25"},
		{"redondeo medio hacia arriba a 6 decimales", saldo{d("1"), d("1")}, "2", "2", "3", "1.666667"},
		{"hacia abajo cuando corresponde", saldo{d("2"), d("1")}, "1", "2", "3", "1.333333"},
		{"costo cero baja el promedio", saldo{d("4"), d("10")}, "1", "0", "5", "8"},
		{"cantidades de cuatro decimales", saldo{d("0.0001"), d("999999.999999")}, "9999.9999", "0.000001", "10000", "0.010001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.antes.entra(d(tc.q), d(tc.c))
			if !n.cantidad.Equal(d(tc.cantidad)) || !n.promedio.Equal(d(tc.avg)) {
				t.Fatalf("got %s @ %s, want %s @ %s", n.cantidad, n.promedio, tc.cantidad, tc.avg)
			}
		})
	}
	s := saldo{d("20"), d("110")}.sale(d("5"))
	if !s.cantidad.Equal(d("15")) || !s.promedio.Equal(d("110")) || s.valor().String() != "1650" {
		t.Fatalf("salida: %+v", s)
	}
}

func TestAplicarRechaza(t *testing.T) {
	prod, bod, dest := uuid.New(), uuid.New(), uuid.New()
	base := func(bodegaActiva, productoActivo bool) *lectura {
		l := &lectura{producto: &infoProducto{activo: productoActivo}}
		l.addBodega(infoBodega{id: bod, activa: bodegaActiva})
		l.addBodega(infoBodega{id: dest, activa: true})
		l.addSaldo(bod, saldo{d("2"), d("10")})
		return l
	}
	tests := []struct {
		name string
		p    pedido
		l    func() *lectura
		code string
	}{
		{"salida mayor que el saldo", pedido{tipo: Salida, producto: prod, bodega: bod, cantidad: d("2.0001")}, nil, "stock_insuficiente"},
		{"transferencia mayor que el saldo", pedido{tipo: Transferencia, producto: prod, bodega: bod, destino: dest, cantidad: d("3")}, nil, "stock_insuficiente"},
		{"reverso de ajuste que dejaría negativo", pedido{tipo: Ajuste, producto: prod, bodega: bod, variacion: ptr(d("-3"))}, nil, "stock_insuficiente"},
		{"producto desconocido", pedido{tipo: Salida, producto: prod, bodega: bod, cantidad: d("1")}, func() *lectura { l := base(true, true); l.producto = nil; return l }, "not_found"},
		{"producto inactivo", pedido{tipo: Salida, producto: prod, bodega: bod, cantidad: d("1")}, func() *lectura { return base(true, false) }, "producto_inactivo"},
		{"destino desconocido", pedido{tipo: Transferencia, producto: prod, bodega: bod, destino: uuid.New(), cantidad: d("1")}, nil, "not_found"},
		{"bodega inactiva", pedido{tipo: Salida, producto: prod, bodega: bod, cantidad: d("1")}, func() *lectura { return base(false, true) }, "bodega_inactiva"},
		{"ya reversado", pedido{tipo: Salida, producto: prod, bodega: bod, cantidad: d("1"), reversoDe: uuid.New()}, func() *lectura { l := base(true, true); l.reversado = true; return l }, "movimiento_ya_reversado"},
		{"saldo fuera de rango", pedido{tipo: Entrada, producto: prod, bodega: bod, cantidad: d("99999999999999"), costo: ptr(d("1"))}, nil, "saldo_fuera_de_rango"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := base(true, true)
			if tc.l != nil {
				l = tc.l()
			}
			_, err := tc.p.aplicar(l)
			if !apperr.Is(err, tc.code) {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestEscritura(t *testing.T) {
	w := &escritura{}
	w.add(nuevaPlantilla("UPDATE a SET x = ? WHERE id = ?"), 1, 2)
	w.add(nuevaPlantilla("INSERT INTO b VALUES (?)"), 3)
	w.add(nuevaPlantilla("INSERT INTO c VALUES (?, ?)"), 4, 5)
	want := "WITH w0 AS (UPDATE a SET x = $1 WHERE id = $2), w1 AS (INSERT INTO b VALUES ($3)) INSERT INTO c VALUES ($4, $5)"
	if got := w.statement(); got != want || len(w.args) != 5 {
		t.Fatalf("statement:\n%s\nwant\n%s", got, want)
	}
	one := &escritura{}
	one.add(nuevaPlantilla("INSERT INTO b VALUES (?)"), 1)
	if got := one.statement(); got != "INSERT INTO b VALUES ($1)" {
		t.Fatalf("single statement: %s", got)
	}
}
