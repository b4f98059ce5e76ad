package stock

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/inventario/internal/num"
)

// reflected has Movimiento's fields and tags but not its MarshalJSON, so
// encoding/json encodes it the slow, reference way.
type reflected Movimiento

func TestMovimientoJSONMatchesEncodingJSON(t *testing.T) {
	dest := uuid.New()
	user := "usuario-<1>"
	tests := []struct {
		name string
		m    Movimiento
	}{
		{"salida simple", sampleMovimiento()},
		{"vacío", Movimiento{}},
		{"transferencia con textos que escapar", func() Movimiento {
			m := sampleMovimiento()
			m.Tipo, m.BodegaDestinoID, m.UsuarioID = Transferencia, &dest, &user
			m.Motivo, m.Referencia = "devolución \"urgente\" & <rápida>\n\u2028", `C:\ruta`
			m.ReversoDe, m.ReversadoPor = &dest, &dest
			m.Valor = num.M(decimal.RequireFromString("-1234.565"))
			m.SaldoDestino = &Saldo{ProductoID: m.ProductoID, BodegaID: dest, Cantidad: num.C(decimal.RequireFromString("0.0001")),
				CostoPromedio: num.K(decimal.RequireFromString("1.666667")), Valor: num.M(decimal.Zero)}
			m.CreatedAt = time.Date(2026, 11, 28, 7, 0, 0, 123456000, time.UTC)
			return m
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(reflected(tc.m))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := tc.m.MarshalJSON()
			if !bytes.Equal(got, want) {
				t.Fatalf("appendJSON:\n%s\nencoding/json:\n%s", got, want)
			}
			var back Movimiento
			if err := json.Unmarshal(got, &back); err != nil || back.ID != tc.m.ID || !back.Cantidad.Equal(tc.m.Cantidad.Decimal) {
				t.Fatalf("round trip: %v %+v", err, back)
			}
		})
	}
}

func TestEnvelopeJSONMatchesEncodingJSON(t *testing.T) {
	data, _ := sampleMovimiento().MarshalJSON()
	for _, rid := range []string{"", "req-1", `raro"<id>`} {
		env := events.Envelope{ID: uuid.NewString(), Event: events.EventStockMovement, TenantID: uuid.NewString(),
			OccurredAt: time.Now().UTC().Truncate(time.Microsecond), RequestID: rid, Version: 1, Data: data}
		want, _ := json.Marshal(env)
		if got := envelopeJSON(env); !bytes.Equal(got, want) {
			t.Fatalf("envelopeJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

type (
	reflectedRow   StockRow
	reflectedLinea LineaKardex
)

// reflectedKardex is Kardex with its lines encoded the reference way.
type reflectedKardex struct {
	ProductoID uuid.UUID        `json:"producto_id"`
	SKU        string           `json:"sku"`
	Nombre     string           `json:"nombre"`
	BodegaID   *uuid.UUID       `json:"bodega_id"`
	Data       []reflectedLinea `json:"data"`
	Page       int              `json:"page"`
	PageSize   int              `json:"page_size"`
	Total      int64            `json:"total"`
}

func TestListsJSONMatchEncodingJSON(t *testing.T) {
	rows := []StockRow{
		{ProductoID: uuid.New(), SKU: "TOR-M8", Nombre: "Tornillo <M8> & \"zincado\"", BodegaID: uuid.New(), BodegaCodigo: "PRINCIPAL",
			Cantidad: num.C(d("4")), CostoPromedio: num.K(d("110")), Valor: num.M(d("440")), StockMinimo: num.C(d("5")), BajoMinimo: true},
		{},
	}
	p := httpx.Page{Page: 2, Size: 50}
	refRows := make([]reflectedRow, len(rows))
	for i, r := range rows {
		refRows[i] = reflectedRow(r)
	}
	want, _ := json.Marshal(httpx.NewList(refRows, p, 51))
	if got := appendList(nil, rows, StockRow.appendJSON, p, 51); !bytes.Equal(got, want) {
		t.Fatalf("stock list:\n%s\nencoding/json:\n%s", got, want)
	}
	want, _ = json.Marshal(httpx.NewList([]reflectedRow{}, p, 0))
	if got := appendList(nil, []StockRow{}, StockRow.appendJSON, p, 0); !bytes.Equal(got, want) {
		t.Fatalf("empty list:\n%s\nencoding/json:\n%s", got, want)
	}

	rev := uuid.New()
	k := Kardex{ProductoID: uuid.New(), SKU: "X", Nombre: "ñandú", Page: 1, PageSize: 50, Total: 2, Data: []LineaKardex{
		{MovimientoID: uuid.New(), Fecha: time.Now().UTC(), Tipo: Entrada, BodegaID: uuid.New(), Cantidad: num.C(d("10")),
			CostoUnitario: num.K(d("100")), Valor: num.M(d("1000")), SaldoCantidad: num.C(d("10")), CostoPromedio: num.K(d("100")),
			SaldoValor: num.M(d("1000")), Motivo: "compra", Referencia: "FAC-1"},
		{MovimientoID: uuid.New(), Tipo: Salida, ReversoDe: &rev},
	}}
	ref := reflectedKardex{ProductoID: k.ProductoID, SKU: k.SKU, Nombre: k.Nombre, Page: 1, PageSize: 50, Total: 2}
	for _, l := range k.Data {
		ref.Data = append(ref.Data, reflectedLinea(l))
	}
	want, _ = json.Marshal(ref)
	if got, _ := k.MarshalJSON(); !bytes.Equal(got, want) {
		t.Fatalf("kardex:\n%s\nencoding/json:\n%s", got, want)
	}
}

func TestAppendFixedMatchesStringFixed(t *testing.T) {
	values := []string{"0", "1", "-1", "0.5", "-0.5", "0.0001", "-0.0001", "123456.789", "99999999999999.9999",
		"1e20", "0.123456789", "-1234.565", "7", "100"}
	for _, v := range values {
		for _, scale := range []int32{0, 2, 4, 6} {
			for _, d := range []decimal.Decimal{decimal.RequireFromString(v), decimal.RequireFromString(v).Round(scale)} {
				want := `"` + d.StringFixed(scale) + `"`
				if got := string(appendFixed(nil, d, scale)); got != want {
					t.Errorf("appendFixed(%s, %d) = %s, want %s", d, scale, got, want)
				}
			}
		}
	}
}
