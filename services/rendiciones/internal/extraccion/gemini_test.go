package extraccion

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// geminiFalso imitates the Gemini API endpoint the SDK calls:
// POST /v1beta/models/{model}:generateContent with the API key in
// x-goog-api-key. Each call takes the next scripted answer (the last one
// repeats).
type geminiFalso struct {
	t          *testing.T
	respuestas []respuestaFalsa
	llamadas   atomic.Int32

	mu       sync.Mutex
	ultimo   map[string]any // last request body
	rutas    []string
	archivos []string // inline data received, decoded
}

type respuestaFalsa struct {
	status int
	body   string
	espera time.Duration // sleep before answering, cut short by the client
}

func (g *geminiFalso) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(g.llamadas.Add(1)) - 1
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/v1beta/models/") || !strings.HasSuffix(r.URL.Path, ":generateContent") {
		g.t.Errorf("ruta inesperada %s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("x-goog-api-key") != "clave-de-prueba" {
		g.t.Errorf("x-goog-api-key = %q", r.Header.Get("x-goog-api-key"))
	}
	var body map[string]any
	raw, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		g.t.Errorf("cuerpo no es JSON: %v", err)
	}
	g.mu.Lock()
	g.ultimo = body
	g.rutas = append(g.rutas, r.URL.Path)
	if data, ok := dig(body, "contents", 0, "parts", 0, "inlineData", "data").(string); ok {
		dec, _ := base64.StdEncoding.DecodeString(data)
		g.archivos = append(g.archivos, string(dec))
	}
	g.mu.Unlock()

	resp := g.respuestas[min(n, len(g.respuestas)-1)]
	if resp.espera > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(resp.espera):
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	w.WriteHeader(resp.status)
	io.WriteString(w, resp.body)
}

// dig walks decoded JSON by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// respuestaModelo wraps the model's text in a generateContent answer.
func respuestaModelo(texto string, finish string) string {
	b, _ := json.Marshal(map[string]any{
		"candidates": []any{map[string]any{
			"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": texto}}},
			"finishReason": finish,
		}},
		"usageMetadata": map[string]any{"promptTokenCount": 1200, "candidatesTokenCount": 150, "totalTokenCount": 1350},
		"modelVersion":  "gemini-2.5-flash",
	})
	return string(b)
}

func errorAPI(code int, status string, details string) string {
	if details == "" {
		details = "[]"
	}
	return fmt.Sprintf(`{"error":{"code":%d,"message":"falla simulada","status":%q,"details":%s}}`, code, status, details)
}

// jsonBueno is what the model answers for the classic factura: amounts as
// strings and numbers mixed, a RUT with dots, a padded folio.
const jsonBueno = `{
  "tipo_documento": "factura",
  "rut_emisor": "76.123.456-0",
  "razon_social_emisor": "COMERCIAL LOS ANDES SPA",
  "rut_receptor": "77654321-7",
  "razon_social_receptor": "CONSTRUCTORA DEL SUR LIMITADA",
  "folio": "0004567",
  "fecha_emision": "2026-03-15",
  "moneda": "CLP",
  "monto_neto": "100000",
  "monto_iva": 19000,
  "monto_exento": null,
  "monto_total": "$ 119.000",
  "items": [
    {"codigo": "ART-001", "descripcion": "Resma papel carta", "cantidad": 10, "precio_unitario": "3500", "monto": 35000},
    {"codigo": null, "descripcion": "Despacho", "cantidad": "1", "precio_unitario": "65000.00", "monto": "65000"}
  ]
}`

type fuentePrompts struct {
	p     Prompt
	err   error
	calls atomic.Int32
}

func (f *fuentePrompts) PromptActivo(ctx context.Context, tenantID, clave string) (Prompt, error) {
	f.calls.Add(1)
	if clave != ClavePrompt {
		return Prompt{}, fmt.Errorf("clave inesperada %q", clave)
	}
	return f.p, f.err
}

func nuevoGeminiDePrueba(t *testing.T, srv *httptest.Server, prompts PromptSource) *Gemini {
	t.Helper()
	g, err := NewGemini(context.Background(), GeminiConfig{
		APIKey: "clave-de-prueba", BaseURL: srv.URL, HTTPClient: srv.Client(),
		CallTimeout: 200 * time.Millisecond, MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond,
		Prompts: prompts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGeminiExtract(t *testing.T) {
	pdf := []byte("%PDF-1.4 contenido de prueba")
	casos := []struct {
		nombre     string
		respuestas []respuestaFalsa
		prompts    *fuentePrompts
		llamadas   int
		code       string // "" means success
		permanente bool
		tokens     int
		retryAfter time.Duration
		comprobar  func(t *testing.T, res Result, g *geminiFalso)
	}{
		{
			nombre:     "respuesta correcta",
			respuestas: []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}},
			llamadas:   1, tokens: 1350,
			comprobar: func(t *testing.T, res Result, g *geminiFalso) {
				want := Extraccion{
					TipoDocumento: TipoFactura, RutEmisor: "76123456-0", RazonSocialEmisor: "COMERCIAL LOS ANDES SPA",
					RutReceptor: "77654321-7", RazonSocialReceptor: "CONSTRUCTORA DEL SUR LIMITADA",
					Folio: "4567", FechaEmision: "2026-03-15", Moneda: MonedaCLP,
					MontoNeto: dec("100000"), MontoIVA: dec("19000"), MontoTotal: dec("119000"),
					Items: []Item{
						{Codigo: "ART-001", Descripcion: "Resma papel carta", Cantidad: dec("10"), PrecioUnitario: dec("3500"), Monto: dec("35000")},
						{Descripcion: "Despacho", Cantidad: dec("1"), PrecioUnitario: dec("65000"), Monto: dec("65000")},
					},
					Motor: MotorGemini,
				}
				compararExtraccion(t, res.Extraccion, want)
				if len(res.Extraccion.Advertencias) != 0 {
					t.Errorf("advertencias: %q", res.Extraccion.Advertencias)
				}
				if res.Usage != (Usage{PromptTokens: 1200, CandidatesTokens: 150, TotalTokens: 1350}) {
					t.Errorf("usage = %+v", res.Usage)
				}
				// What the SDK sent: the file inline, the default prompt, the schema.
				if got := dig(g.ultimo, "contents", 0, "parts", 0, "inlineData", "mimeType"); got != MIMEPDF {
					t.Errorf("mimeType = %v", got)
				}
				if len(g.archivos) != 1 || g.archivos[0] != string(pdf) {
					t.Errorf("archivo enviado = %q", g.archivos)
				}
				if got, _ := dig(g.ultimo, "contents", 0, "parts", 1, "text").(string); got != PromptPorDefecto {
					t.Errorf("prompt enviado = %.60q…", got)
				}
				if got := dig(g.ultimo, "generationConfig", "responseMimeType"); got != "application/json" {
					t.Errorf("responseMimeType = %v", got)
				}
				if got := dig(g.ultimo, "generationConfig", "responseSchema", "properties", "monto_total", "type"); got != "STRING" {
					t.Errorf("responseSchema.monto_total.type = %v", got)
				}
				if !strings.HasSuffix(g.rutas[0], "/models/"+DefaultGeminiModel+":generateContent") {
					t.Errorf("ruta = %s", g.rutas[0])
				}
			},
		},
		{
			nombre:     "JSON malformado en el texto del candidato",
			respuestas: []respuestaFalsa{{body: respuestaModelo(`{"tipo_documento": "factura", "monto_total": `, "STOP")}},
			llamadas:   2, code: CodeGeminiRespuestaInvalida, permanente: true, tokens: 2700,
		},
		{
			nombre:     "respuesta truncada por tokens",
			respuestas: []respuestaFalsa{{body: respuestaModelo(`{"tipo_documento": "fact`, "MAX_TOKENS")}},
			llamadas:   2, code: CodeGeminiRespuestaInvalida, permanente: true, tokens: 2700,
		},
		{
			nombre: "malformado y luego bien",
			respuestas: []respuestaFalsa{
				{body: respuestaModelo("no es json", "STOP")},
				{body: respuestaModelo(jsonBueno, "STOP")},
			},
			llamadas: 2, tokens: 2700,
		},
		{
			nombre: "429 y luego éxito",
			respuestas: []respuestaFalsa{
				{status: 429, body: errorAPI(429, "RESOURCE_EXHAUSTED", `[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.02s"}]`)},
				{body: respuestaModelo(jsonBueno, "STOP")},
			},
			llamadas: 2, tokens: 1350,
		},
		{
			nombre:     "429 insistente",
			respuestas: []respuestaFalsa{{status: 429, body: errorAPI(429, "RESOURCE_EXHAUSTED", "")}},
			llamadas:   3, code: CodeGeminiLimite, permanente: false,
		},
		{
			nombre:     "429 que pide esperar más de lo razonable",
			respuestas: []respuestaFalsa{{status: 429, body: errorAPI(429, "RESOURCE_EXHAUSTED", `[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"45s"}]`)}},
			llamadas:   1, code: CodeGeminiLimite, permanente: false, retryAfter: 45 * time.Second,
		},
		{
			nombre:     "timeout: el servidor tarda más que la llamada",
			respuestas: []respuestaFalsa{{espera: 3 * time.Second, body: respuestaModelo(jsonBueno, "STOP")}},
			llamadas:   3, code: CodeGeminiTimeout, permanente: false,
		},
		{
			nombre: "503 y luego éxito",
			respuestas: []respuestaFalsa{
				{status: 503, body: errorAPI(503, "UNAVAILABLE", "")},
				{body: respuestaModelo(jsonBueno, "STOP")},
			},
			llamadas: 2, tokens: 1350,
		},
		{
			nombre:     "500 insistente",
			respuestas: []respuestaFalsa{{status: 500, body: errorAPI(500, "INTERNAL", "")}},
			llamadas:   3, code: CodeGeminiNoDisponible, permanente: false,
		},
		{
			nombre:     "400 no se reintenta",
			respuestas: []respuestaFalsa{{status: 400, body: errorAPI(400, "INVALID_ARGUMENT", "")}},
			llamadas:   1, code: CodeGeminiSolicitud, permanente: true,
		},
		{
			nombre:     "clave rechazada",
			respuestas: []respuestaFalsa{{status: 403, body: errorAPI(403, "PERMISSION_DENIED", "")}},
			llamadas:   1, code: CodeGeminiCredenciales, permanente: true,
		},
		{
			nombre:     "documento bloqueado",
			respuestas: []respuestaFalsa{{body: `{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":10,"totalTokenCount":10}}`}},
			llamadas:   1, code: CodeGeminiBloqueado, permanente: true, tokens: 10,
		},
		{
			nombre:     "prompt y modelo del tenant",
			respuestas: []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}},
			prompts:    &fuentePrompts{p: Prompt{Clave: ClavePrompt, Version: 3, Contenido: "Prompt propio del tenant", Modelo: "gemini-2.5-pro"}},
			llamadas:   1, tokens: 1350,
			comprobar: func(t *testing.T, res Result, g *geminiFalso) {
				if got, _ := dig(g.ultimo, "contents", 0, "parts", 1, "text").(string); got != "Prompt propio del tenant" {
					t.Errorf("prompt enviado = %q", got)
				}
				if !strings.HasSuffix(g.rutas[0], "/models/gemini-2.5-pro:generateContent") {
					t.Errorf("ruta = %s", g.rutas[0])
				}
			},
		},
		{
			nombre:     "sin prompt en core usa el de fábrica",
			respuestas: []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}},
			prompts:    &fuentePrompts{err: fmt.Errorf("core: %w", ErrPromptNoEncontrado)},
			llamadas:   1, tokens: 1350,
			comprobar: func(t *testing.T, res Result, g *geminiFalso) {
				if got, _ := dig(g.ultimo, "contents", 0, "parts", 1, "text").(string); got != PromptPorDefecto {
					t.Errorf("prompt enviado = %.60q…", got)
				}
			},
		},
		{
			nombre:     "core caído",
			respuestas: []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}},
			prompts:    &fuentePrompts{err: fmt.Errorf("dial tcp: connection refused")},
			llamadas:   0, code: CodePromptNoDisponible, permanente: false,
		},
		{
			nombre: "valores ilegibles se descartan con advertencia",
			respuestas: []respuestaFalsa{{body: respuestaModelo(`{"tipo_documento":"boleta_rara","rut_emisor":"no sé","folio":123,
				"fecha_emision":"15 de marzo de 2026","moneda":"US$","monto_total":"mucho","items":[]}`, "STOP")}},
			llamadas: 1, tokens: 1350,
			comprobar: func(t *testing.T, res Result, g *geminiFalso) {
				ex := res.Extraccion
				if ex.TipoDocumento != TipoOtro || ex.RutEmisor != "" || ex.Folio != "123" ||
					ex.FechaEmision != "2026-03-15" || ex.Moneda != MonedaUSD || ex.MontoTotal.Valid {
					t.Errorf("extracción = %+v", ex)
				}
				for _, want := range []string{"tipo de documento desconocido", `no tiene formato de RUT`, `el monto total leído ("mucho")`, "no se encontró el monto total"} {
					if !contieneAdvertencia(ex.Advertencias, want) {
						t.Errorf("falta %q en %q", want, ex.Advertencias)
					}
				}
			},
		},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			falso := &geminiFalso{t: t, respuestas: c.respuestas}
			srv := httptest.NewServer(falso)
			defer srv.Close()
			var src PromptSource
			if c.prompts != nil {
				src = c.prompts
			}
			g := nuevoGeminiDePrueba(t, srv, src)
			inicio := time.Now()
			res, err := g.Extract(context.Background(), Input{File: bytes.NewReader(pdf), Size: int64(len(pdf)), MIME: MIMEPDF, TenantID: "t1"})
			if d := time.Since(inicio); d > 3*time.Second {
				t.Errorf("tardó %v: los reintentos deben respetar la configuración", d)
			}
			if c.code == "" && err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if c.code != "" {
				if Code(err) != c.code || IsPermanent(err) != c.permanente {
					t.Fatalf("err = %v: quiero code %q permanente %v (tengo %q %v)", err, c.code, c.permanente, Code(err), IsPermanent(err))
				}
			}
			if got := RetryAfter(err); got != c.retryAfter {
				t.Errorf("RetryAfter = %v, quiero %v", got, c.retryAfter)
			}
			if got := int(falso.llamadas.Load()); got != c.llamadas {
				t.Errorf("llamadas = %d, quiero %d", got, c.llamadas)
			}
			if res.Usage.TotalTokens != c.tokens {
				t.Errorf("tokens = %d, quiero %d", res.Usage.TotalTokens, c.tokens)
			}
			if c.code == "" && res.Extraccion.Motor != MotorGemini {
				t.Errorf("motor = %q", res.Extraccion.Motor)
			}
			if c.comprobar != nil {
				falso.mu.Lock()
				defer falso.mu.Unlock()
				c.comprobar(t, res, falso)
			}
		})
	}
}

func TestGeminiEntradas(t *testing.T) {
	falso := &geminiFalso{t: t, respuestas: []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}}}
	srv := httptest.NewServer(falso)
	defer srv.Close()
	g := nuevoGeminiDePrueba(t, srv, nil)
	g.cfg.MaxInlineBytes = 1000
	png := bytesPNG(t)
	casos := []struct {
		nombre string
		in     Input
		code   string
	}{
		{"imagen PNG se envía", Input{File: bytes.NewReader(png), Size: int64(len(png)), MIME: MIMEPNG}, ""},
		{"archivo vacío", Input{File: bytes.NewReader(nil), Size: 0, MIME: MIMEPDF}, CodeArchivoVacio},
		{"demasiado grande para enviar en línea", Input{File: bytes.NewReader(make([]byte, 2000)), Size: 2000, MIME: MIMEPDF}, CodeArchivoDemasiadoGrande},
		{"tipo no soportado", Input{File: strings.NewReader("x"), Size: 1, MIME: "text/html"}, CodeTipoNoSoportado},
		{"archivo más corto que su tamaño", Input{File: strings.NewReader("abc"), Size: 10, MIME: MIMEPDF}, CodeLecturaArchivo},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			_, err := g.Extract(context.Background(), c.in)
			if Code(err) != c.code {
				t.Errorf("Code = %q, quiero %q (%v)", Code(err), c.code, err)
			}
		})
	}
	if _, err := NewGemini(context.Background(), GeminiConfig{}); Code(err) != CodeConfiguracion {
		t.Errorf("sin clave: %v", err)
	}
}

func TestGeminiCanceladoDuranteLaEspera(t *testing.T) {
	falso := &geminiFalso{t: t, respuestas: []respuestaFalsa{{status: 503, body: errorAPI(503, "UNAVAILABLE", "")}}}
	srv := httptest.NewServer(falso)
	defer srv.Close()
	g := nuevoGeminiDePrueba(t, srv, nil)
	g.cfg.BaseDelay, g.cfg.MaxDelay = time.Second, 5*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := g.Extract(ctx, Input{File: strings.NewReader("%PDF"), Size: 4, MIME: MIMEPDF})
	if Code(err) != CodeTiempoAgotado || IsPermanent(err) {
		t.Errorf("err = %v (%q): quiero tiempo_agotado reintentable", err, Code(err))
	}
}

func TestPromptCache(t *testing.T) {
	ahora := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	src := &fuentePrompts{p: Prompt{Contenido: "v1"}}
	c := NewPromptCache(src, time.Minute, 10*time.Minute)
	c.now = func() time.Time { return ahora }
	ctx := context.Background()

	pedir := func() (Prompt, error) { return c.PromptActivo(ctx, "t1", ClavePrompt) }
	if p, err := pedir(); err != nil || p.Contenido != "v1" {
		t.Fatalf("primera = %+v %v", p, err)
	}
	if p, _ := pedir(); p.Contenido != "v1" || src.calls.Load() != 1 {
		t.Errorf("fresco: %+v, llamadas %d", p, src.calls.Load())
	}

	t.Run("vencido se vuelve a pedir", func(t *testing.T) {
		ahora = ahora.Add(2 * time.Minute)
		src.p = Prompt{Contenido: "v2"}
		if p, _ := pedir(); p.Contenido != "v2" || src.calls.Load() != 2 {
			t.Errorf("%+v, llamadas %d", p, src.calls.Load())
		}
	})
	t.Run("core caído sirve el vencido", func(t *testing.T) {
		ahora = ahora.Add(2 * time.Minute)
		src.err = fmt.Errorf("connection refused")
		if p, err := pedir(); err != nil || p.Contenido != "v2" {
			t.Errorf("%+v %v", p, err)
		}
	})
	t.Run("core caído y nada reciente falla", func(t *testing.T) {
		ahora = ahora.Add(20 * time.Minute)
		if _, err := pedir(); err == nil {
			t.Error("quiero error")
		}
	})
	t.Run("no encontrado también se guarda", func(t *testing.T) {
		src.err = ErrPromptNoEncontrado
		antes := src.calls.Load()
		for i := 0; i < 3; i++ {
			if _, err := c.PromptActivo(ctx, "t2", ClavePrompt); err != ErrPromptNoEncontrado {
				t.Fatalf("err = %v", err)
			}
		}
		if src.calls.Load() != antes+1 {
			t.Errorf("llamadas = %d, quiero %d", src.calls.Load(), antes+1)
		}
	})
	t.Run("pedidos simultáneos hacen una sola llamada", func(t *testing.T) {
		lento := &fuenteLenta{fuentePrompts: fuentePrompts{p: Prompt{Contenido: "x"}}, listo: make(chan struct{})}
		c := NewPromptCache(lento, time.Minute, 0)
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if p, err := c.PromptActivo(ctx, "t3", ClavePrompt); err != nil || p.Contenido != "x" {
					t.Errorf("%+v %v", p, err)
				}
			}()
		}
		time.Sleep(20 * time.Millisecond)
		close(lento.listo)
		wg.Wait()
		if lento.calls.Load() != 1 {
			t.Errorf("llamadas = %d, quiero 1", lento.calls.Load())
		}
	})
}

type fuenteLenta struct {
	fuentePrompts
	listo chan struct{}
}

func (f *fuenteLenta) PromptActivo(ctx context.Context, tenantID, clave string) (Prompt, error) {
	<-f.listo
	return f.fuentePrompts.PromptActivo(ctx, tenantID, clave)
}

func TestConRespaldo(t *testing.T) {
	factura := pdfFactura33(t)
	casos := []struct {
		nombre     string
		respuestas []respuestaFalsa
		data       []byte
		mime       string
		code       string // "" = success
		motor      string
		aviso      bool
	}{
		{"gemini responde", []respuestaFalsa{{body: respuestaModelo(jsonBueno, "STOP")}}, factura, MIMEPDF, "", MotorGemini, false},
		{"gemini ilegible: usa el local", []respuestaFalsa{{body: respuestaModelo("basura", "STOP")}}, factura, MIMEPDF, "", MotorLocal, true},
		{"gemini caído: no cambia de motor", []respuestaFalsa{{status: 503, body: errorAPI(503, "UNAVAILABLE", "")}}, factura, MIMEPDF, CodeGeminiNoDisponible, "", false},
		{"imagen sin respaldo posible", []respuestaFalsa{{body: respuestaModelo("basura", "STOP")}}, bytesPNG(t), MIMEPNG, CodeGeminiRespuestaInvalida, "", false},
		{"ambos fallan: manda el error principal", []respuestaFalsa{{body: respuestaModelo("basura", "STOP")}}, pdfSinTexto(t), MIMEPDF, CodeGeminiRespuestaInvalida, "", false},
	}
	for _, c := range casos {
		t.Run(c.nombre, func(t *testing.T) {
			srv := httptest.NewServer(&geminiFalso{t: t, respuestas: c.respuestas})
			defer srv.Close()
			eng := ConRespaldo(nuevoGeminiDePrueba(t, srv, nil), NewLocal(LocalConfig{}))
			res, err := eng.Extract(context.Background(), Input{File: bytes.NewReader(c.data), Size: int64(len(c.data)), MIME: c.mime})
			if Code(err) != c.code {
				t.Fatalf("err = %v (%q), quiero %q", err, Code(err), c.code)
			}
			if err != nil {
				return
			}
			if res.Extraccion.Motor != c.motor {
				t.Errorf("motor = %q, quiero %q", res.Extraccion.Motor, c.motor)
			}
			if got := contieneAdvertencia(res.Extraccion.Advertencias, "se usó el motor local"); got != c.aviso {
				t.Errorf("aviso de respaldo = %v en %q", got, res.Extraccion.Advertencias)
			}
			if c.aviso && res.Usage.TotalTokens == 0 {
				t.Error("se perdieron los tokens gastados en gemini")
			}
		})
	}
}

// lectorRoto fails every read after the first kilobyte, like a storage
// backend losing its connection.
type lectorRoto struct{ data []byte }

func (l lectorRoto) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > 1024 {
		return 0, fmt.Errorf("conexión reiniciada por el almacenamiento")
	}
	return bytes.NewReader(l.data).ReadAt(p, off)
}

func TestLocalErrorDeAlmacenamientoEsReintentable(t *testing.T) {
	data := pdfFactura33(t)
	_, err := NewLocal(LocalConfig{}).Extract(context.Background(), Input{File: lectorRoto{data}, Size: int64(len(data)), MIME: MIMEPDF})
	if Code(err) != CodeLecturaArchivo || IsPermanent(err) {
		t.Errorf("err = %v (%q): quiero lectura_archivo reintentable", err, Code(err))
	}
}
