package extraccion

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ClavePrompt is the key of the extraction prompt in core's ai-prompts.
const ClavePrompt = "extraccion_documento"

// ErrPromptNoEncontrado is returned (possibly wrapped) by a PromptSource when
// neither the tenant nor the platform has an active prompt for the key.
var ErrPromptNoEncontrado = errors.New("prompt no encontrado")

// Prompt is an AI prompt as core serves it (GET /api/ai-prompts/:clave/activo).
type Prompt struct {
	Clave     string
	Version   int
	Contenido string
	Modelo    string // optional: overrides the engine's default model
}

// PromptSource returns the active prompt of a tenant; the caller implements
// it over core's API (the tenant's prompt, else the global default).
type PromptSource interface {
	PromptActivo(ctx context.Context, tenantID, clave string) (Prompt, error)
}

// PromptCache wraps a PromptSource: answers are fresh for TTL, "not found"
// is cached too, concurrent misses for one key make a single call, and when
// the source fails a cached answer up to MaxStale old is served instead.
type PromptCache struct {
	src      PromptSource
	ttl      time.Duration
	maxStale time.Duration
	now      func() time.Time

	mu       sync.Mutex
	entries  map[string]promptEntry
	inflight map[string]*promptCall
}

type promptEntry struct {
	p     Prompt
	found bool
	at    time.Time
}

type promptCall struct {
	done chan struct{}
	e    promptEntry
	err  error
}

// NewPromptCache caches src for ttl (default 1 min) and serves stale answers
// up to maxStale (default 10 min) while src fails.
func NewPromptCache(src PromptSource, ttl, maxStale time.Duration) *PromptCache {
	if ttl <= 0 {
		ttl = time.Minute
	}
	if maxStale < ttl {
		maxStale = 10 * time.Minute
	}
	return &PromptCache{src: src, ttl: ttl, maxStale: maxStale, now: time.Now,
		entries: map[string]promptEntry{}, inflight: map[string]*promptCall{}}
}

// PromptActivo returns the cached prompt or fetches it.
func (c *PromptCache) PromptActivo(ctx context.Context, tenantID, clave string) (Prompt, error) {
	key := tenantID + "\x00" + clave
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && c.now().Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.result()
	}
	call, ok := c.inflight[key]
	if !ok {
		call = &promptCall{done: make(chan struct{})}
		c.inflight[key] = call
		go c.fetch(key, tenantID, clave, call)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
	case <-ctx.Done():
		return Prompt{}, ctx.Err()
	}
	if call.err == nil {
		return call.e.result()
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.maxStale {
		return e.result()
	}
	return Prompt{}, call.err
}

// fetch runs detached from the first caller's context so its cancellation
// does not fail the other waiters; the source is expected to time out.
func (c *PromptCache) fetch(key, tenantID, clave string, call *promptCall) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := c.src.PromptActivo(ctx, tenantID, clave)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		call.e = promptEntry{p: p, found: true, at: c.now()}
		c.entries[key] = call.e
	case errors.Is(err, ErrPromptNoEncontrado):
		call.e = promptEntry{at: c.now()}
		c.entries[key] = call.e
	default:
		call.err = err
	}
	delete(c.inflight, key)
	close(call.done)
}

func (e promptEntry) result() (Prompt, error) {
	if !e.found {
		return Prompt{}, ErrPromptNoEncontrado
	}
	return e.p, nil
}

// PromptPorDefecto is the built-in extraction prompt, used when the tenant
// and the platform have none. The response schema fixes the JSON shape; the
// prompt explains the Chilean conventions the schema cannot.
const PromptPorDefecto = `Eres un asistente contable chileno. Extrae los datos del documento tributario adjunto (factura, boleta, nota de crédito, nota de débito, guía de despacho o ticket de compra) y responde solo con el JSON del esquema.

Reglas:
- tipo_documento: factura (DTE 33), factura_exenta (34, "factura no afecta o exenta"), boleta (39 o 41), nota_credito (61), nota_debito (56), guia_despacho (52), ticket (comprobante o voucher de tienda que no es documento del SII) u otro.
- El EMISOR es quien emite el documento: su RUT está en el recuadro del SII junto al tipo y folio, o bajo la etiqueta "Emisor". No confundir con el RECEPTOR ("Señor(es)", "Cliente", "Receptor"), que también tiene RUT.
- RUT con guion y dígito verificador, sin puntos: "76123456-K". Copia el dígito tal como está impreso, aunque parezca incorrecto.
- folio: el número del documento (N°, Nº o Folio), sin ceros a la izquierda. No uses el número de resolución del SII ni el folio de documentos referenciados.
- fecha_emision en formato AAAA-MM-DD.
- moneda: "CLP" salvo que los montos estén en dólares (US$, USD), entonces "USD".
- Montos como texto con dígitos y punto decimal, sin separador de miles ni símbolo: "119000", "1234.50". Ojo: en Chile el punto separa miles ("$ 119.000" es 119000) y la coma separa decimales ("1.234,50" es 1234.50).
- monto_neto, monto_iva, monto_exento y monto_total tal como aparecen impresos; no los calcules. Si un dato no aparece o no se lee, usa null. Nunca inventes un total.
- items: una entrada por línea de detalle, con su código si lo tiene.`
