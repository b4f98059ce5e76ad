// Package conciliacion is the rule that pairs card statement items with the
// tax documents (boletas, facturas) that back them. It is pure: the caller
// loads the candidates and stores the pairs.
//
// The rule is conservative, after Ramp's: an item and a document match when
// the amount is exactly the same in the same currency AND either the issuer's
// name resembles the card descriptor (documents up to MaxDiasNombre apart) or
// the document date is within ±3 days of the charge. Each item gets at most one document and each document backs
// at most one item. When several pairs compete, the better pair wins (both
// criteria over one, then the closer date, then the closer name); remaining
// ties go to the earlier item and the earlier document, so a run is
// deterministic.
package conciliacion

import (
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"golang.org/x/text/unicode/norm"
)

// MaxDias is how far apart, in days, a charge and its document date may be
// when the names do not resemble each other: card charges post a day or
// two after the purchase, and hotels and rentals bill at check-out.
const MaxDias = 3

// MaxDiasNombre bounds a match made on the name alone: a monthly
// subscription (same merchant, same amount every month) must not pair March's
// charge with January's boleta. A document without a date is not bounded.
const MaxDiasNombre = 31

// Item is a card charge waiting for its document.
type Item struct {
	ID          uuid.UUID
	Fecha       time.Time
	Descripcion string
	Monto       decimal.Decimal
	Moneda      string
}

// Documento is a processed document that backs no charge yet.
type Documento struct {
	ID          uuid.UUID
	Fecha       *time.Time // fecha_emision; nil when extraction did not find it
	RazonSocial string
	Monto       decimal.Decimal
	Moneda      string
}

// Par is one match and why it was made.
type Par struct {
	ItemID      uuid.UUID
	DocumentoID uuid.UUID
	PorNombre   bool // the issuer name resembles the descriptor
	PorFecha    bool // the dates are within MaxDias
	Dias        int  // |document date − charge date|, -1 when the document has none
}

// Conciliar pairs items with documents under the rule above.
func Conciliar(items []Item, docs []Documento) []Par {
	type cand struct {
		par   Par
		score int // 2 both criteria, 1 one
		sim   float64
		ii    int // item index, for tie-breaks
		di    int
	}
	var cands []cand
	for ii, it := range items {
		for di, d := range docs {
			if it.Moneda != d.Moneda || !it.Monto.Equal(d.Monto) {
				continue
			}
			p := Par{ItemID: it.ID, DocumentoID: d.ID, Dias: -1}
			if d.Fecha != nil {
				p.Dias = diasEntre(it.Fecha, *d.Fecha)
				p.PorFecha = p.Dias <= MaxDias
			}
			sim := Similitud(it.Descripcion, d.RazonSocial)
			p.PorNombre = sim >= umbralNombre && p.Dias <= MaxDiasNombre
			if !p.PorNombre && !p.PorFecha {
				continue
			}
			score := 1
			if p.PorNombre && p.PorFecha {
				score = 2
			}
			cands = append(cands, cand{par: p, score: score, sim: sim, ii: ii, di: di})
		}
	}
	sort.SliceStable(cands, func(a, b int) bool {
		x, y := cands[a], cands[b]
		if x.score != y.score {
			return x.score > y.score
		}
		if dx, dy := dias(x.par), dias(y.par); dx != dy {
			return dx < dy
		}
		if x.sim != y.sim {
			return x.sim > y.sim
		}
		if x.ii != y.ii {
			return x.ii < y.ii
		}
		return x.di < y.di
	})
	itemTaken := make([]bool, len(items))
	docTaken := make([]bool, len(docs))
	var out []Par
	for _, c := range cands {
		if itemTaken[c.ii] || docTaken[c.di] {
			continue
		}
		itemTaken[c.ii], docTaken[c.di] = true, true
		out = append(out, c.par)
	}
	// Report in the items' order, as a statement is read.
	sort.SliceStable(out, func(a, b int) bool { return indexOf(items, out[a].ItemID) < indexOf(items, out[b].ItemID) })
	return out
}

// dias sorts a document without a date after every dated one.
func dias(p Par) int {
	if p.Dias < 0 {
		return 1 << 30
	}
	return p.Dias
}

func indexOf(items []Item, id uuid.UUID) int {
	for i, it := range items {
		if it.ID == id {
			return i
		}
	}
	return len(items)
}

func diasEntre(a, b time.Time) int {
	a = time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	b = time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	d := int(a.Sub(b).Hours() / 24)
	if d < 0 {
		d = -d
	}
	return d
}

// umbralNombre is the Similitud from which two names count as the same
// merchant: one distinctive word in common, or the shorter name glued inside
// the longer.
const umbralNombre = 0.5

// Similitud compares a card descriptor ("MERPAGO*CAFE CENTRAL", "FARMACIAS
// AHUM") with a razón social ("Café Central SpA", "Farmacias Ahumada S.A."),
// from 0 (nothing in common) to 1. Case, accents, punctuation and legal
// suffixes (S.A., SpA, Ltda.) do not count; a word cut short by the card
// network's 20-odd character limit matches the full word when at least 4
// letters remain. Generic words (restaurant, comercial, servicios…) count
// for nothing on their own, so two restaurants are not one.
func Similitud(descriptor, razonSocial string) float64 {
	a, b := palabras(descriptor), palabras(razonSocial)
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	// Glued forms: "CAFECENTRAL" in a descriptor, "cafe central" in the name.
	ja, jb := strings.Join(a, ""), strings.Join(b, "")
	if min(len(ja), len(jb)) >= 5 && (strings.Contains(ja, jb) || strings.Contains(jb, ja)) {
		return 1
	}
	shared := 0
	for _, x := range a {
		for _, y := range b {
			if mismaPalabra(x, y) {
				shared++
				break
			}
		}
	}
	if shared == 0 {
		return 0
	}
	// The share of the shorter name's words found in the other one; any
	// distinctive word in common is already enough to pass the threshold.
	return max(umbralNombre, float64(shared)/float64(min(len(a), len(b))))
}

func mismaPalabra(x, y string) bool {
	if x == y {
		return true
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	return len(x) >= 4 && strings.HasPrefix(y, x)
}

// palabras folds s and keeps its distinctive words.
func palabras(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r): // accents
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	var out []string
	for _, w := range strings.Fields(b.String()) {
		if len(w) < 3 || genericas[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// genericas are legal forms, connectors, payment gateways and trade words
// that say nothing about which merchant it is.
var genericas = map[string]bool{
	// legal forms and connectors ("S.A." folds to "s a", dropped by length)
	"spa": true, "ltda": true, "limitada": true, "eirl": true, "cia": true, "compania": true,
	"sociedad": true, "anonima": true, "los": true, "las": true, "del": true, "por": true,
	"and": true, "the": true, "inc": true, "llc": true, "ltd": true, "chile": true,
	// payment gateways that prefix descriptors
	"merpago": true, "mercadopago": true, "mercado": true, "pago": true, "paypal": true,
	"transbank": true, "webpay": true, "sumup": true, "flow": true, "khipu": true, "klap": true,
	// trade words
	"comercial": true, "comercializadora": true, "inversiones": true, "servicios": true,
	"empresa": true, "empresas": true, "distribuidora": true, "importadora": true,
	"restaurant": true, "restaurante": true, "tienda": true, "local": true, "sucursal": true,
	"compra": true, "compras": true, "internet": true, "online": true,
}
