package extraccion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"google.golang.org/genai"
)

// Defaults of GeminiConfig.
const (
	DefaultGeminiModel    = "gemini-2.5-flash"
	DefaultCallTimeout    = 90 * time.Second
	DefaultMaxAttempts    = 3
	DefaultBaseDelay      = 2 * time.Second
	DefaultMaxDelay       = 30 * time.Second
	DefaultMaxInlineBytes = 14 << 20 // the request limit is 20 MB after base64 (×4/3)
)

// GeminiConfig configures the Gemini engine. Zero fields take the defaults.
type GeminiConfig struct {
	APIKey     string
	Model      string       // default DefaultGeminiModel; a prompt's Modelo overrides it
	BaseURL    string       // API endpoint override (tests, proxies)
	HTTPClient *http.Client // default: the SDK's

	CallTimeout time.Duration // per HTTP call
	MaxAttempts int           // calls per Extract on 429/5xx/timeouts, including the first
	BaseDelay   time.Duration // first backoff; doubles per attempt, plus jitter
	MaxDelay    time.Duration // backoff cap; a longer server Retry-After ends the call early
	// MalformedRetries is how many times an answer that is not the expected
	// JSON is asked for again (default 1; -1 for none) before giving up with
	// the permanent gemini_respuesta_invalida.
	MalformedRetries int
	MaxInlineBytes   int64 // larger files fail with archivo_demasiado_grande

	Prompts PromptSource // nil: always PromptPorDefecto
}

// Gemini is the engine backed by Google's Gemini API through the official
// Go Gen AI SDK (motor "gemini"). It reads PDFs and images.
type Gemini struct {
	cfg    GeminiConfig
	client *genai.Client
}

// NewGemini builds the engine; it does not call the API.
func NewGemini(ctx context.Context, cfg GeminiConfig) (*Gemini, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, permanente(CodeConfiguracion, "falta la clave de la API de Gemini", nil)
	}
	if cfg.Model == "" {
		cfg.Model = DefaultGeminiModel
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = DefaultBaseDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	switch {
	case cfg.MalformedRetries == 0:
		cfg.MalformedRetries = 1
	case cfg.MalformedRetries < 0:
		cfg.MalformedRetries = 0
	}
	if cfg.MaxInlineBytes <= 0 {
		cfg.MaxInlineBytes = DefaultMaxInlineBytes
	}
	cc := &genai.ClientConfig{
		APIKey:      cfg.APIKey,
		Backend:     genai.BackendGeminiAPI,
		HTTPClient:  cfg.HTTPClient,
		HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL},
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return nil, permanente(CodeConfiguracion, "no se pudo crear el cliente de Gemini", err)
	}
	return &Gemini{cfg: cfg, client: client}, nil
}

// Name returns "gemini".
func (g *Gemini) Name() string { return MotorGemini }

// Extract sends the file inline with the tenant's prompt and a JSON response
// schema, retrying 429/5xx/timeouts with backoff. On error the Result still
// carries the tokens already spent.
func (g *Gemini) Extract(ctx context.Context, in Input) (Result, error) {
	var res Result
	if err := ctx.Err(); err != nil {
		return res, ctxError(err)
	}
	switch {
	case in.Size <= 0 || in.File == nil:
		return res, permanente(CodeArchivoVacio, "el archivo está vacío", nil)
	case in.MIME != MIMEPDF && in.MIME != MIMEJPEG && in.MIME != MIMEPNG:
		return res, permanente(CodeTipoNoSoportado, fmt.Sprintf("tipo de archivo no soportado: %q", in.MIME), nil)
	case in.Size > g.cfg.MaxInlineBytes:
		return res, permanente(CodeArchivoDemasiadoGrande,
			fmt.Sprintf("el archivo pesa %d bytes; Gemini acepta hasta %d en línea", in.Size, g.cfg.MaxInlineBytes), nil)
	}
	// Gemini needs the bytes inline: this is the one full read of the file.
	data := make([]byte, in.Size)
	if n, err := in.File.ReadAt(data, 0); n < len(data) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return res, reintentable(CodeLecturaArchivo, "no se pudo leer el archivo", err)
	}
	texto, modelo, err := g.prompt(ctx, in.TenantID)
	if err != nil {
		return res, err
	}
	contents := []*genai.Content{{
		Role:  string(genai.RoleUser),
		Parts: []*genai.Part{genai.NewPartFromBytes(data, in.MIME), genai.NewPartFromText(texto)},
	}}
	cfg := &genai.GenerateContentConfig{
		ResponseMIMEType: "application/json",
		ResponseSchema:   esquemaExtraccion(),
		Temperature:      genai.Ptr[float32](0),
		CandidateCount:   1,
	}

	malformadas := 0
	for intento := 1; ; intento++ {
		resp, err := g.llamar(ctx, modelo, contents, cfg)
		if err == nil {
			res.Usage.add(usoDe(resp))
			ex, ierr := interpretarRespuesta(resp)
			if ierr == nil {
				Validate(&ex)
				res.Extraccion = ex
				return res, nil
			}
			if ierr.Permanent && ierr.Code != CodeGeminiRespuestaInvalida {
				return res, ierr
			}
			// An unreadable answer is asked for once more right away: the
			// model is not deterministic. Past that it is permanent, so the
			// job does not keep paying for the same failure; the caller can
			// fall back to the local engine or let a person reprocess.
			malformadas++
			if malformadas > g.cfg.MalformedRetries {
				return res, ierr
			}
			intento--
			continue
		}
		e := clasificarErrorGemini(ctx, err)
		if e.Permanent || intento >= g.cfg.MaxAttempts || e.Code == CodeCancelado || e.Code == CodeTiempoAgotado {
			return res, e
		}
		espera := g.backoff(intento)
		if e.RetryAfter > 0 {
			if e.RetryAfter > g.cfg.MaxDelay {
				return res, e // the server asks for longer than we wait in-call; the job reschedules
			}
			espera = max(espera, e.RetryAfter)
		}
		t := time.NewTimer(espera)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, ctxError(ctx.Err())
		case <-t.C:
		}
	}
}

// prompt resolves the prompt text and model for a tenant.
func (g *Gemini) prompt(ctx context.Context, tenantID string) (texto, modelo string, err error) {
	modelo = g.cfg.Model
	if g.cfg.Prompts == nil {
		return PromptPorDefecto, modelo, nil
	}
	p, err := g.cfg.Prompts.PromptActivo(ctx, tenantID, ClavePrompt)
	switch {
	case errors.Is(err, ErrPromptNoEncontrado):
		return PromptPorDefecto, modelo, nil
	case err != nil:
		if ctx.Err() != nil {
			return "", "", ctxError(ctx.Err())
		}
		return "", "", reintentable(CodePromptNoDisponible, "no se pudo obtener el prompt de extracción desde core", err)
	}
	if strings.TrimSpace(p.Contenido) == "" {
		p.Contenido = PromptPorDefecto
	}
	if p.Modelo != "" {
		modelo = p.Modelo
	}
	return p.Contenido, modelo, nil
}

// llamar makes one call with its own timeout. SDK-level retries stay off:
// this engine retries itself so every attempt gets a fresh timeout and the
// errors are classified in one place.
func (g *Gemini) llamar(ctx context.Context, modelo string, contents []*genai.Content, cfg *genai.GenerateContentConfig) (*genai.GenerateContentResponse, error) {
	callCtx, cancel := context.WithTimeout(ctx, g.cfg.CallTimeout)
	defer cancel()
	resp, err := g.client.Models.GenerateContent(callCtx, modelo, contents, cfg)
	if err != nil && ctx.Err() == nil && callCtx.Err() != nil {
		return nil, errTimeoutLlamada{err}
	}
	return resp, err
}

type errTimeoutLlamada struct{ err error }

func (e errTimeoutLlamada) Error() string { return "tiempo de llamada agotado: " + e.err.Error() }
func (e errTimeoutLlamada) Unwrap() error { return e.err }

func (g *Gemini) backoff(intento int) time.Duration {
	d := g.cfg.BaseDelay << min(intento-1, 16)
	d += time.Duration(rand.Int64N(int64(g.cfg.BaseDelay)/2 + 1))
	return min(d, g.cfg.MaxDelay)
}

// clasificarErrorGemini maps SDK and transport errors to codes: 429 and
// 5xx and timeouts are retryable; other 4xx are permanent.
func clasificarErrorGemini(ctx context.Context, err error) *Error {
	if ctx.Err() != nil {
		return ctxError(ctx.Err())
	}
	var to errTimeoutLlamada
	if errors.As(err, &to) || errors.Is(err, context.DeadlineExceeded) {
		return reintentable(CodeGeminiTimeout, "Gemini no respondió a tiempo", err)
	}
	var api genai.APIError
	var apiPtr *genai.APIError
	switch {
	case errors.As(err, &api):
	case errors.As(err, &apiPtr) && apiPtr != nil:
		api = *apiPtr
	default:
		return reintentable(CodeGeminiNoDisponible, "no se pudo contactar a Gemini", err)
	}
	switch c := api.Code; {
	case c == http.StatusTooManyRequests:
		e := reintentable(CodeGeminiLimite, "Gemini limitó las solicitudes (429)", err)
		e.RetryAfter = retryDelay(api)
		return e
	case c == http.StatusRequestTimeout || c >= 500:
		return reintentable(CodeGeminiNoDisponible, fmt.Sprintf("Gemini no está disponible (%d)", c), err)
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return permanente(CodeGeminiCredenciales, "Gemini rechazó la clave de API", err)
	default:
		return permanente(CodeGeminiSolicitud, fmt.Sprintf("Gemini rechazó la solicitud (%d)", c), err)
	}
}

// retryDelay reads google.rpc.RetryInfo from an error's details ("31s").
func retryDelay(api genai.APIError) time.Duration {
	for _, d := range api.Details {
		if t, _ := d["@type"].(string); !strings.HasSuffix(t, "google.rpc.RetryInfo") {
			continue
		}
		if s, ok := d["retryDelay"].(string); ok {
			if v, err := time.ParseDuration(s); err == nil && v > 0 {
				return v
			}
		}
	}
	return 0
}

func usoDe(resp *genai.GenerateContentResponse) Usage {
	if resp == nil || resp.UsageMetadata == nil {
		return Usage{}
	}
	m := resp.UsageMetadata
	return Usage{PromptTokens: int(m.PromptTokenCount), CandidatesTokens: int(m.CandidatesTokenCount), TotalTokens: int(m.TotalTokenCount)}
}

// esquemaExtraccion is the response schema: the fields of Extraccion, with
// amounts as strings so no float ever carries money.
func esquemaExtraccion() *genai.Schema {
	texto := func(desc string) *genai.Schema {
		return &genai.Schema{Type: genai.TypeString, Description: desc, Nullable: genai.Ptr(true)}
	}
	monto := func(desc string) *genai.Schema {
		return texto(desc + `; solo dígitos y punto decimal, sin separador de miles, ej. "119000" o "1234.50"`)
	}
	item := &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"codigo":          texto("código o SKU del producto, si aparece"),
			"descripcion":     texto("descripción de la línea"),
			"cantidad":        monto("cantidad"),
			"precio_unitario": monto("precio unitario"),
			"monto":           monto("monto de la línea"),
		},
		PropertyOrdering: []string{"codigo", "descripcion", "cantidad", "precio_unitario", "monto"},
	}
	tipos := []string{string(TipoFactura), string(TipoFacturaExenta), string(TipoBoleta), string(TipoNotaCredito),
		string(TipoNotaDebito), string(TipoGuiaDespacho), string(TipoTicket), string(TipoOtro)}
	orden := []string{"tipo_documento", "rut_emisor", "razon_social_emisor", "rut_receptor", "razon_social_receptor",
		"folio", "fecha_emision", "moneda", "monto_neto", "monto_iva", "monto_exento", "monto_total", "items"}
	return &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"tipo_documento":        {Type: genai.TypeString, Enum: tipos, Description: "tipo de documento"},
			"rut_emisor":            texto(`RUT del emisor, formato "76123456-K"`),
			"razon_social_emisor":   texto("razón social del emisor"),
			"rut_receptor":          texto(`RUT del receptor, formato "76123456-K"`),
			"razon_social_receptor": texto("razón social del receptor"),
			"folio":                 texto("folio o número del documento"),
			"fecha_emision":         texto("fecha de emisión, AAAA-MM-DD"),
			"moneda":                {Type: genai.TypeString, Enum: []string{MonedaCLP, MonedaUSD}},
			"monto_neto":            monto("monto neto"),
			"monto_iva":             monto("IVA"),
			"monto_exento":          monto("monto exento"),
			"monto_total":           monto("monto total"),
			"items":                 {Type: genai.TypeArray, Items: item},
		},
		Required:         []string{"tipo_documento", "moneda", "items"},
		PropertyOrdering: orden,
	}
}

// montoJSON reads an amount the model wrote as a JSON number or string,
// exactly: numbers go through json.Number, strings through parseMonto
// (which also understands "$ 119.000" if the model ignored the format).
type montoJSON struct {
	v   decimal.NullDecimal
	raw string // set when present but unreadable
}

func (m *montoJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" || strings.EqualFold(s, "null") {
			return nil
		}
		if d, err := parseMonto(s); err == nil {
			m.v = nullDec(d)
		} else if d, err := decimal.NewFromString(s); err == nil {
			m.v = nullDec(d)
		} else {
			m.raw = s
		}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	d, err := decimal.NewFromString(n.String())
	if err != nil {
		m.raw = n.String()
		return nil
	}
	m.v = nullDec(d)
	return nil
}

type respuestaGemini struct {
	TipoDocumento       string       `json:"tipo_documento"`
	RutEmisor           string       `json:"rut_emisor"`
	RazonSocialEmisor   string       `json:"razon_social_emisor"`
	RutReceptor         string       `json:"rut_receptor"`
	RazonSocialReceptor string       `json:"razon_social_receptor"`
	Folio               textoJSON    `json:"folio"`
	FechaEmision        string       `json:"fecha_emision"`
	Moneda              string       `json:"moneda"`
	MontoNeto           montoJSON    `json:"monto_neto"`
	MontoIVA            montoJSON    `json:"monto_iva"`
	MontoExento         montoJSON    `json:"monto_exento"`
	MontoTotal          montoJSON    `json:"monto_total"`
	Items               []itemGemini `json:"items"`
}

// textoJSON accepts a string or a number (a folio may come either way).
type textoJSON string

func (t *textoJSON) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = textoJSON(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = textoJSON(n.String())
	}
	return nil
}

type itemGemini struct {
	Codigo         string    `json:"codigo"`
	Descripcion    string    `json:"descripcion"`
	Cantidad       montoJSON `json:"cantidad"`
	PrecioUnitario montoJSON `json:"precio_unitario"`
	Monto          montoJSON `json:"monto"`
}

// textoRespuesta joins the text parts of the first candidate, skipping
// thoughts.
func textoRespuesta(resp *genai.GenerateContentResponse) string {
	c := resp.Candidates[0]
	if c.Content == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range c.Content.Parts {
		if p != nil && !p.Thought {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// interpretarRespuesta turns the model's answer into an Extraccion. A
// blocked answer is gemini_bloqueado; anything that is not the expected JSON
// object is gemini_respuesta_invalida.
func interpretarRespuesta(resp *genai.GenerateContentResponse) (Extraccion, *Error) {
	if resp == nil {
		return Extraccion{}, permanente(CodeGeminiRespuestaInvalida, "Gemini devolvió una respuesta vacía", nil)
	}
	if pf := resp.PromptFeedback; pf != nil && pf.BlockReason != "" && pf.BlockReason != genai.BlockedReasonUnspecified {
		return Extraccion{}, permanente(CodeGeminiBloqueado, fmt.Sprintf("Gemini bloqueó el documento (%s)", pf.BlockReason), nil)
	}
	if len(resp.Candidates) == 0 || resp.Candidates[0] == nil {
		return Extraccion{}, permanente(CodeGeminiRespuestaInvalida, "Gemini no devolvió candidatos", nil)
	}
	switch fr := resp.Candidates[0].FinishReason; fr {
	case genai.FinishReasonSafety, genai.FinishReasonProhibitedContent, genai.FinishReasonBlocklist, genai.FinishReasonSPII:
		return Extraccion{}, permanente(CodeGeminiBloqueado, fmt.Sprintf("Gemini bloqueó el documento (%s)", fr), nil)
	}
	txt := strings.TrimSpace(textoRespuesta(resp))
	// The schema asks for bare JSON, but models sometimes fence it anyway.
	if strings.HasPrefix(txt, "```") {
		txt = strings.TrimPrefix(strings.TrimPrefix(txt, "```json"), "```")
		txt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(txt), "```"))
	}
	if !strings.HasPrefix(txt, "{") {
		return Extraccion{}, permanente(CodeGeminiRespuestaInvalida, "Gemini no devolvió un objeto JSON", nil)
	}
	var r respuestaGemini
	dec := json.NewDecoder(strings.NewReader(txt))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		msg := "Gemini devolvió un JSON ilegible"
		if resp.Candidates[0].FinishReason == genai.FinishReasonMaxTokens {
			msg = "la respuesta de Gemini quedó truncada"
		}
		return Extraccion{}, permanente(CodeGeminiRespuestaInvalida, msg, err)
	}
	if dec.More() {
		return Extraccion{}, permanente(CodeGeminiRespuestaInvalida, "Gemini devolvió texto extra después del JSON", nil)
	}
	return r.extraccion(), nil
}

// extraccion normalises the model's answer: canonical RUTs and dates, known
// types and currencies, exact amounts. What cannot be normalised is dropped
// with a warning instead of being stored as the model wrote it.
func (r respuestaGemini) extraccion() Extraccion {
	ex := nuevaExtraccion(MotorGemini)
	adv := func(format string, args ...any) {
		ex.Advertencias = append(ex.Advertencias, fmt.Sprintf(format, args...))
	}

	tipo := TipoDocumento(strings.ToLower(strings.TrimSpace(r.TipoDocumento)))
	if tipo.Valid() {
		ex.TipoDocumento = tipo
	} else if tipo != "" {
		adv("Gemini devolvió un tipo de documento desconocido (%q)", r.TipoDocumento)
	}
	for _, c := range []struct {
		valor, quien string
		dst          *string
	}{{r.RutEmisor, "emisor", &ex.RutEmisor}, {r.RutReceptor, "receptor", &ex.RutReceptor}} {
		if strings.TrimSpace(c.valor) == "" {
			continue
		}
		if canon, _, ok := normalizarRUT(c.valor); ok {
			*c.dst = canon
		} else {
			adv("el RUT del %s leído (%q) no tiene formato de RUT", c.quien, c.valor)
		}
	}
	ex.RazonSocialEmisor = strings.TrimSpace(r.RazonSocialEmisor)
	ex.RazonSocialReceptor = strings.TrimSpace(r.RazonSocialReceptor)
	ex.Folio = normalizarFolio(string(r.Folio))
	if f := strings.TrimSpace(r.FechaEmision); f != "" {
		if canon, ok := normalizarFecha(f); ok {
			ex.FechaEmision = canon
		} else {
			adv("la fecha de emisión leída (%q) no es una fecha válida", f)
		}
	}
	switch m := strings.ToUpper(strings.TrimSpace(r.Moneda)); {
	case m == "" || m == "CLP" || m == "$" || strings.HasPrefix(m, "PESO"):
		ex.Moneda = MonedaCLP
	case m == "USD" || m == "US$" || strings.HasPrefix(m, "DOLAR") || strings.HasPrefix(m, "DÓLAR"):
		ex.Moneda = MonedaUSD
	default:
		ex.Moneda = MonedaCLP
		adv("moneda %q no soportada; se asumió CLP", r.Moneda)
	}
	montos := []struct {
		nombre string
		src    montoJSON
		dst    *decimal.NullDecimal
	}{
		{"neto", r.MontoNeto, &ex.MontoNeto}, {"IVA", r.MontoIVA, &ex.MontoIVA},
		{"exento", r.MontoExento, &ex.MontoExento}, {"total", r.MontoTotal, &ex.MontoTotal},
	}
	for _, m := range montos {
		*m.dst = m.src.v
		if m.src.raw != "" {
			adv("el monto %s leído (%q) no es un número", m.nombre, m.src.raw)
		}
	}
	for i, it := range r.Items {
		item := Item{
			Codigo: strings.TrimSpace(it.Codigo), Descripcion: strings.TrimSpace(it.Descripcion),
			Cantidad: it.Cantidad.v, PrecioUnitario: it.PrecioUnitario.v, Monto: it.Monto.v,
		}
		for _, raw := range []string{it.Cantidad.raw, it.PrecioUnitario.raw, it.Monto.raw} {
			if raw != "" {
				adv("el ítem %d tiene un valor ilegible (%q)", i+1, raw)
			}
		}
		if item == (Item{}) {
			continue
		}
		ex.Items = append(ex.Items, item)
	}
	return ex
}
