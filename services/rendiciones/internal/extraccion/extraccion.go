package extraccion

import (
	"context"
	"io"

	"github.com/shopspring/decimal"
)

// TipoDocumento is the kind of tax document (DESIGN §6 `tipo_documento`).
type TipoDocumento string

// Document types; SII DTE codes in parentheses.
const (
	TipoFactura       TipoDocumento = "factura"        // 33, 30, 46, 110
	TipoFacturaExenta TipoDocumento = "factura_exenta" // 34, 32
	TipoBoleta        TipoDocumento = "boleta"         // 39, 41, 35, 38
	TipoNotaCredito   TipoDocumento = "nota_credito"   // 61, 60, 112
	TipoNotaDebito    TipoDocumento = "nota_debito"    // 56, 55, 111
	TipoGuiaDespacho  TipoDocumento = "guia_despacho"  // 52, 50
	TipoTicket        TipoDocumento = "ticket"         // store voucher, not a DTE
	TipoOtro          TipoDocumento = "otro"
)

// Valid reports whether t is one of the types of DESIGN §6.
func (t TipoDocumento) Valid() bool {
	switch t {
	case TipoFactura, TipoFacturaExenta, TipoBoleta, TipoNotaCredito, TipoNotaDebito,
		TipoGuiaDespacho, TipoTicket, TipoOtro:
		return true
	}
	return false
}

// TipoPorCodigoSII maps an SII document code (33, 39, 61…) to its type.
func TipoPorCodigoSII(code int) (TipoDocumento, bool) {
	switch code {
	case 33, 30, 46, 45, 110, 43:
		return TipoFactura, true
	case 34, 32:
		return TipoFacturaExenta, true
	case 39, 41, 35, 38:
		return TipoBoleta, true
	case 61, 60, 112:
		return TipoNotaCredito, true
	case 56, 55, 111:
		return TipoNotaDebito, true
	case 52, 50:
		return TipoGuiaDespacho, true
	}
	return "", false
}

// Currencies (DESIGN §6 `moneda`).
const (
	MonedaCLP = "CLP"
	MonedaUSD = "USD"
)

// Engine names (DESIGN §6 `motor`).
const (
	MotorGemini = "gemini"
	MotorLocal  = "local"
)

// Supported input media types.
const (
	MIMEPDF  = "application/pdf"
	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
)

// Extraccion is the structured content of one document. Strings are empty
// and amounts null (decimal.NullDecimal) when a field was not found: an
// engine never invents a value.
type Extraccion struct {
	TipoDocumento       TipoDocumento       `json:"tipo_documento"`
	RutEmisor           string              `json:"rut_emisor"` // canonical "76123456-K"
	RazonSocialEmisor   string              `json:"razon_social_emisor"`
	RutReceptor         string              `json:"rut_receptor"`
	RazonSocialReceptor string              `json:"razon_social_receptor"`
	Folio               string              `json:"folio"`
	FechaEmision        string              `json:"fecha_emision"` // YYYY-MM-DD
	Moneda              string              `json:"moneda"`        // CLP or USD
	MontoNeto           decimal.NullDecimal `json:"monto_neto"`
	MontoIVA            decimal.NullDecimal `json:"monto_iva"`
	MontoExento         decimal.NullDecimal `json:"monto_exento"`
	MontoTotal          decimal.NullDecimal `json:"monto_total"`
	Items               []Item              `json:"items"`
	Advertencias        []string            `json:"advertencias"`
	Motor               string              `json:"motor"`
}

// Item is one detail line of the document.
type Item struct {
	Codigo         string              `json:"codigo"`
	Descripcion    string              `json:"descripcion"`
	Cantidad       decimal.NullDecimal `json:"cantidad"`
	PrecioUnitario decimal.NullDecimal `json:"precio_unitario"`
	Monto          decimal.NullDecimal `json:"monto"`
}

// Usage is the Gemini token count of one extraction (zero for the local engine).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CandidatesTokens int `json:"candidates_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (u *Usage) add(o Usage) {
	u.PromptTokens += o.PromptTokens
	u.CandidatesTokens += o.CandidatesTokens
	u.TotalTokens += o.TotalTokens
}

// Input is the document to extract. File is read through ReadAt so a large
// PDF is never loaded whole by the local engine.
type Input struct {
	File     io.ReaderAt
	Size     int64
	MIME     string // MIMEPDF, MIMEJPEG or MIMEPNG (sniffed at upload)
	TenantID string // selects the tenant's prompt for Gemini
}

// Result is a successful extraction plus the tokens it cost.
type Result struct {
	Extraccion Extraccion
	Usage      Usage
}

// Engine extracts a document. Implementations return validated results
// (Validate already applied) and *Error values for failures.
type Engine interface {
	Name() string
	Extract(ctx context.Context, in Input) (Result, error)
}

// nuevaExtraccion returns an Extraccion with non-nil slices so JSON carries
// [] instead of null.
func nuevaExtraccion(motor string) Extraccion {
	return Extraccion{Motor: motor, Moneda: MonedaCLP, TipoDocumento: TipoOtro, Items: []Item{}, Advertencias: []string{}}
}

func nullDec(d decimal.Decimal) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: d, Valid: true}
}
