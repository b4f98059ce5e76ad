package conciliacion

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestSimilitud(t *testing.T) {
	tests := []struct {
		descriptor, razonSocial string
		similar                 bool
	}{
		{"FARMACIAS AHUMADA", "Farmacias Ahumada S.A.", true},
		{"FARMACIAS AHUM", "Farmacias Ahumada S.A.", true}, // cut by the card network
		{"COPEC NUNOA", "Compañía de Petróleos de Chile COPEC S.A.", true},
		{"MERPAGO*CAFE CENTRAL", "Café Central SpA", true},
		{"CAFECENTRAL", "Café Central SpA", true}, // glued
		{"ESTACIÓN DE SERVICIO", "Estacion de Servicio Los Leones Ltda.", true},
		{"UBER *TRIP", "Uber Chile SpA", true},
		{"RESTAURANT EL ARBOL", "Restaurant La Piccola Italia", false}, // only a trade word in common
		{"MERPAGO*RESTO 123", "Inversiones Gastronómicas Ltda.", false},
		{"UBER TRIP", "Taxis Unidos SpA", false},
		{"SA", "S.A.", false},
		{"", "Café Central", false},
		{"LIDER EXPRESS", "Walmart Chile S.A.", false},
	}
	for _, tt := range tests {
		t.Run(tt.descriptor+" ~ "+tt.razonSocial, func(t *testing.T) {
			s := Similitud(tt.descriptor, tt.razonSocial)
			if (s >= umbralNombre) != tt.similar {
				t.Fatalf("Similitud = %v, want similar=%v", s, tt.similar)
			}
		})
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dayp(s string) *time.Time { t := day(s); return &t }

// ids gives readable uuids: it(1), doc(1).
func it(n int) uuid.UUID  { return uuid.MustParse(fmt.Sprintf("00000000-0000-7000-8000-%012d", n)) }
func doc(n int) uuid.UUID { return uuid.MustParse(fmt.Sprintf("00000000-0000-7000-9000-%012d", n)) }

func TestConciliar(t *testing.T) {
	m := decimal.RequireFromString
	type pair struct{ item, doc int }
	tests := []struct {
		name  string
		items []Item
		docs  []Documento
		want  []pair
	}{
		{
			name:  "monto y nombre, fechas lejanas",
			items: []Item{{ID: it(1), Fecha: day("2024-03-01"), Descripcion: "COPEC NUNOA", Monto: m("35990"), Moneda: "CLP"}},
			docs:  []Documento{{ID: doc(1), Fecha: dayp("2024-03-20"), RazonSocial: "Copec S.A.", Monto: m("35990.00"), Moneda: "CLP"}},
			want:  []pair{{1, 1}},
		},
		{
			name:  "monto y fecha a 3 días, nombre distinto",
			items: []Item{{ID: it(1), Fecha: day("2024-03-05"), Descripcion: "MERPAGO*RESTO", Monto: m("18500"), Moneda: "CLP"}},
			docs:  []Documento{{ID: doc(1), Fecha: dayp("2024-03-02"), RazonSocial: "Inversiones Gastronómicas", Monto: m("18500"), Moneda: "CLP"}},
			want:  []pair{{1, 1}},
		},
		{
			name:  "a 4 días y otro nombre: no",
			items: []Item{{ID: it(1), Fecha: day("2024-03-06"), Descripcion: "MERPAGO*RESTO", Monto: m("18500"), Moneda: "CLP"}},
			docs:  []Documento{{ID: doc(1), Fecha: dayp("2024-03-02"), RazonSocial: "Inversiones Gastronómicas", Monto: m("18500"), Moneda: "CLP"}},
		},
		{
			name:  "un peso de diferencia: no",
			items: []Item{{ID: it(1), Fecha: day("2024-03-02"), Descripcion: "FARMACIAS AHUMADA", Monto: m("12345"), Moneda: "CLP"}},
			docs:  []Documento{{ID: doc(1), Fecha: dayp("2024-03-02"), RazonSocial: "Farmacias Ahumada", Monto: m("12346"), Moneda: "CLP"}},
		},
		{
			name:  "otra moneda: no",
			items: []Item{{ID: it(1), Fecha: day("2024-03-02"), Descripcion: "NOTION LABS", Monto: m("10"), Moneda: "USD"}},
			docs:  []Documento{{ID: doc(1), Fecha: dayp("2024-03-02"), RazonSocial: "Notion Labs", Monto: m("10"), Moneda: "CLP"}},
		},
		{
			name: "suscripción mensual: el nombre solo no cruza meses",
			items: []Item{
				{ID: it(1), Fecha: day("2024-03-15"), Descripcion: "NETFLIX.COM", Monto: m("7990"), Moneda: "CLP"},
			},
			docs: []Documento{
				{ID: doc(1), Fecha: dayp("2024-01-15"), RazonSocial: "Netflix Chile", Monto: m("7990"), Moneda: "CLP"},
			},
		},
		{
			name: "dos cafés iguales, un documento: uno solo",
			items: []Item{
				{ID: it(1), Fecha: day("2024-03-08"), Descripcion: "CAFE CENTRAL", Monto: m("2500"), Moneda: "CLP"},
				{ID: it(2), Fecha: day("2024-03-08"), Descripcion: "CAFE CENTRAL", Monto: m("2500"), Moneda: "CLP"},
			},
			docs: []Documento{{ID: doc(1), Fecha: dayp("2024-03-08"), RazonSocial: "Café Central SpA", Monto: m("2500"), Moneda: "CLP"}},
			want: []pair{{1, 1}},
		},
		{
			name: "gana el par con ambos criterios",
			items: []Item{
				{ID: it(1), Fecha: day("2024-03-01"), Descripcion: "SHELL LAS CONDES", Monto: m("20000"), Moneda: "CLP"},
				{ID: it(2), Fecha: day("2024-03-10"), Descripcion: "COPEC NUNOA", Monto: m("20000"), Moneda: "CLP"},
			},
			docs: []Documento{
				// doc 1 matches item 1 by date and item 2 by name.
				{ID: doc(1), Fecha: dayp("2024-03-02"), RazonSocial: "Copec S.A.", Monto: m("20000"), Moneda: "CLP"},
				{ID: doc(2), Fecha: dayp("2024-03-10"), RazonSocial: "Copec S.A.", Monto: m("20000"), Moneda: "CLP"},
			},
			// doc2 ↔ item2 has both criteria; then doc1 ↔ item1 by date.
			want: []pair{{1, 1}, {2, 2}},
		},
		{
			name: "la fecha más cercana gana entre candidatos iguales",
			items: []Item{
				{ID: it(1), Fecha: day("2024-03-10"), Descripcion: "PEAJE", Monto: m("3200"), Moneda: "CLP"},
			},
			docs: []Documento{
				{ID: doc(1), Fecha: dayp("2024-03-07"), RazonSocial: "Autopista Central", Monto: m("3200"), Moneda: "CLP"},
				{ID: doc(2), Fecha: dayp("2024-03-09"), RazonSocial: "Autopista Central", Monto: m("3200"), Moneda: "CLP"},
			},
			want: []pair{{1, 2}},
		},
		{
			name:  "documento sin fecha: solo por nombre",
			items: []Item{{ID: it(1), Fecha: day("2024-03-10"), Descripcion: "LIBRERIA NACIONAL", Monto: m("4990"), Moneda: "CLP"}},
			docs: []Documento{
				{ID: doc(1), RazonSocial: "Librería Nacional Ltda.", Monto: m("4990"), Moneda: "CLP"},
				{ID: doc(2), RazonSocial: "Otra Cosa", Monto: m("4990"), Moneda: "CLP"},
			},
			want: []pair{{1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Conciliar(tt.items, tt.docs)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d pairs %+v, want %v", len(got), got, tt.want)
			}
			for i, w := range tt.want {
				if got[i].ItemID != it(w.item) || got[i].DocumentoID != doc(w.doc) {
					t.Fatalf("pair %d = %+v, want item %d doc %d", i, got[i], w.item, w.doc)
				}
				if !got[i].PorNombre && !got[i].PorFecha {
					t.Fatalf("pair without a criterion: %+v", got[i])
				}
			}
		})
	}
}

// TestConciliarUnoAUno: whatever the input, no item or document is used twice.
func TestConciliarUnoAUno(t *testing.T) {
	var items []Item
	var docs []Documento
	for i := 1; i <= 30; i++ {
		items = append(items, Item{ID: it(i), Fecha: day("2024-03-01").AddDate(0, 0, i%5), Descripcion: "CAFE CENTRAL", Monto: decimal.NewFromInt(int64(1000 * (i % 3))), Moneda: "CLP"})
		docs = append(docs, Documento{ID: doc(i), Fecha: dayp("2024-03-03"), RazonSocial: "Café Central", Monto: decimal.NewFromInt(int64(1000 * (i % 4))), Moneda: "CLP"})
	}
	seenI, seenD := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for _, p := range Conciliar(items, docs) {
		if seenI[p.ItemID] || seenD[p.DocumentoID] {
			t.Fatalf("reused in %+v", p)
		}
		seenI[p.ItemID], seenD[p.DocumentoID] = true, true
	}
	if len(seenI) == 0 {
		t.Fatal("nothing matched")
	}
}
