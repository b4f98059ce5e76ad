package app

import (
	"bytes"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ecosystem/pkg/shared/db"
	"ecosystem/services/rendiciones/internal/extraccion"
	"ecosystem/services/rendiciones/internal/muestras"
)

// facturaGemini is what the fake model answers for muestras.Factura.
func facturaGemini() map[string]any {
	return map[string]any{
		"tipo_documento": "factura", "rut_emisor": muestras.RUT(76354771), "razon_social_emisor": "FERRETERÍA EL CANELO SPA",
		"rut_receptor": muestras.RUT(78234561), "razon_social_receptor": "INMOBILIARIA LOS ROBLES LIMITADA",
		"folio": "20871", "fecha_emision": "2026-04-03", "moneda": "CLP",
		"monto_neto": "168000", "monto_iva": "31920", "monto_exento": nil, "monto_total": "199920",
		"items": []any{
			map[string]any{"codigo": "CEM-25", "descripcion": "Cemento saco 25 kg", "cantidad": "20", "precio_unitario": "4590", "monto": "91800"},
			map[string]any{"codigo": "FIE-10", "descripcion": "Fierro estriado 10 mm", "cantidad": "12", "precio_unitario": "6350", "monto": "76200"},
		},
	}
}

func good(w http.ResponseWriter, _ *http.Request, _ int, _ geminiCall) {
	geminiExtraccion(w, facturaGemini())
}

// slow answers after d unless the client gives up first (its call timeout).
func slow(r *http.Request, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

// The tenant's active prompt from core and the file inline go to Gemini
// through the real genai client; a good answer ends procesado with its
// tokens, and a tenant without a prompt gets the built-in one.
func TestGeminiGoodAnswer(t *testing.T) {
	h := newHarness(t, withoutWorker)
	fake := newFakeGemini(t)
	fake.set(good)
	h.startWorker(geminiMotor(t, h, fake, 5*time.Second), fastQueue(), 2)
	a, b := h.core.Tenant("Con prompt SpA"), h.core.Tenant("Sin prompt SpA")
	h.core.Prompt(a, "extraccion_documento", "Prompt propio de A: extrae los campos.", "gemini-2.5-pro")
	ua, ub := h.user(a), h.user(b)

	m := muestras.Factura()
	got := ua.esperar(decodeDoc(ua.subir("factura.pdf", m.PDF).Want(201)).ID)
	if got.Estado != "procesado" || got.motor() != "gemini" || got.Extraccion.Motor != "gemini" {
		t.Fatalf("%+v (error %s)", got, got.codigo())
	}
	if diff := muestras.Diferencias(m.Esperado, *got.Extraccion); diff != "" {
		t.Fatal(diff)
	}
	if got.Tokens == nil || got.Tokens.Prompt != 1200 || got.Tokens.Respuesta != 300 || got.Tokens.Total != 1500 {
		t.Fatalf("tokens: %+v", got.Tokens)
	}
	// An image needs Gemini; this tenant has no prompt of its own.
	img := ub.esperar(decodeDoc(ub.subir("foto.jpg", muestras.JPEG()).Want(201)).ID)
	if img.Estado != "procesado" || img.TipoMIME != "image/jpeg" {
		t.Fatalf("%+v", img)
	}
	calls := fake.callList()
	if len(calls) != 2 {
		t.Fatalf("calls: %d", len(calls))
	}
	byMIME := map[string]geminiCall{}
	for _, c := range calls {
		byMIME[c.MIME] = c
	}
	pa, pb := byMIME["application/pdf"], byMIME["image/jpeg"]
	if pa.Prompt != "Prompt propio de A: extrae los campos." || pa.Model != "gemini-2.5-pro" || !bytes.Equal(pa.Data, m.PDF) {
		t.Fatalf("A's call: model %s prompt %q, %d bytes", pa.Model, pa.Prompt, len(pa.Data))
	}
	if pb.Prompt != extraccion.PromptPorDefecto || pb.Model != "gemini-2.5-flash" || !bytes.Equal(pb.Data, muestras.JPEG()) {
		t.Fatalf("B's call: model %s prompt %.40q", pb.Model, pb.Prompt)
	}
	if v := h.metric("gemini_tokens_total", map[string]string{"tipo": "prompt"}); v != 2400 {
		t.Fatalf("prompt tokens metric %v", v)
	}
	if v := h.metric("gemini_tokens_total", map[string]string{"tipo": "respuesta"}); v != 600 {
		t.Fatalf("answer tokens metric %v", v)
	}
	if v := h.metric("documentos_procesados_total", map[string]string{"motor": "gemini", "estado": "procesado"}); v != 2 {
		t.Fatalf("processed metric %v", v)
	}
	if v := h.metric("extraccion_duration_seconds", map[string]string{"motor": "gemini"}); v != 2 {
		t.Fatalf("latency samples %v", v)
	}
}

// What the model says is validated like the local engine's output.
func TestGeminiAnswerIsValidated(t *testing.T) {
	h := newHarness(t, withoutWorker)
	fake := newFakeGemini(t)
	fake.set(func(w http.ResponseWriter, _ *http.Request, _ int, _ geminiCall) {
		ex := facturaGemini()
		ex["rut_emisor"] = "12345678-9" // wrong check digit (it is 5)
		ex["monto_iva"] = "30000"
		geminiExtraccion(w, ex)
	})
	h.startWorker(geminiMotor(t, h, fake, 5*time.Second), fastQueue(), 1)
	u := h.user(h.core.Tenant("Validación SpA"))
	got := u.esperar(decodeDoc(u.subir("f.pdf", muestras.Factura().PDF).Want(201)).ID)
	adv := strings.Join(got.Extraccion.Advertencias, " | ")
	for _, want := range []string{"dígito verificador", "19 %", "no coincide con el total"} {
		if !strings.Contains(adv, want) {
			t.Errorf("advertencias lack %q: %s", want, adv)
		}
	}
}

func TestGeminiFailures(t *testing.T) {
	tests := []struct {
		name        string
		answer      func(w http.ResponseWriter, r *http.Request, n int, c geminiCall)
		maxAttempts int
		estado      string
		codigo      string
		intentos    int
		calls       int
		tokens      int // total stored, every answered call counts
	}{
		{
			name: "JSON mal formado termina en error sin reintentar el job",
			answer: func(w http.ResponseWriter, _ *http.Request, _ int, _ geminiCall) {
				geminiJSON(w, `{"tipo_documento": "factura", "monto_total": `)
			},
			maxAttempts: 5, estado: "error", codigo: "gemini_respuesta_invalida", intentos: 1, calls: 2, tokens: 3000,
		},
		{
			name: "429 y luego éxito, dentro del mismo intento",
			answer: func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
				if n == 1 {
					geminiError(w, 429, "RESOURCE_EXHAUSTED")
					return
				}
				good(w, r, n, c)
			},
			maxAttempts: 5, estado: "procesado", intentos: 1, calls: 2, tokens: 1500,
		},
		{
			name: "429 persistente: el job reintenta con backoff y termina",
			answer: func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
				if n <= 3 { // every in-call attempt of the first job attempt
					geminiError(w, 429, "RESOURCE_EXHAUSTED")
					return
				}
				good(w, r, n, c)
			},
			maxAttempts: 5, estado: "procesado", intentos: 2, calls: 4,
		},
		{
			name: "timeout y luego éxito en el siguiente intento del job",
			answer: func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
				if n <= 3 && !slow(r, 5*time.Second) {
					return
				}
				good(w, r, n, c)
			},
			maxAttempts: 5, estado: "procesado", intentos: 2, calls: 4,
		},
		{
			name: "timeout en cada intento termina en error",
			answer: func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
				if slow(r, 5*time.Second) {
					good(w, r, n, c)
				}
			},
			maxAttempts: 2, estado: "error", codigo: "gemini_timeout", intentos: 2, calls: 6,
		},
		{
			name: "500 persistente termina en error tras el último intento",
			answer: func(w http.ResponseWriter, _ *http.Request, _ int, _ geminiCall) {
				geminiError(w, 500, "INTERNAL")
			},
			maxAttempts: 2, estado: "error", codigo: "gemini_no_disponible", intentos: 2, calls: 6,
		},
		{
			name: "clave rechazada es permanente",
			answer: func(w http.ResponseWriter, _ *http.Request, _ int, _ geminiCall) {
				geminiError(w, 403, "PERMISSION_DENIED")
			},
			maxAttempts: 5, estado: "error", codigo: "gemini_credenciales", intentos: 1, calls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withoutWorker, withMaxAttempts(tc.maxAttempts))
			fake := newFakeGemini(t)
			fake.set(tc.answer)
			h.startWorker(geminiMotor(t, h, fake, 200*time.Millisecond), fastQueue(), 1)
			u := h.user(h.core.Tenant("Fallas SpA"))
			got := u.esperar(decodeDoc(u.subir("f.pdf", muestras.Factura().PDF).Want(201)).ID)
			if got.Estado != tc.estado || got.codigo() != tc.codigo || got.Intentos != tc.intentos {
				t.Fatalf("estado %s codigo %q intentos %d (mensaje %v)", got.Estado, got.codigo(), got.Intentos, got.ErrorMensaje)
			}
			if n := len(fake.callList()); n != tc.calls {
				t.Fatalf("Gemini calls %d, want %d", n, tc.calls)
			}
			if tc.estado == "error" && (got.ErrorMensaje == nil || *got.ErrorMensaje == "") {
				t.Fatal("error without a message")
			}
			if tc.estado == "procesado" && got.ErrorCodigo != nil {
				t.Fatalf("a retried document keeps its old error: %s", got.codigo())
			}
			if tc.tokens > 0 && (got.Tokens == nil || got.Tokens.Total != tc.tokens) {
				t.Fatalf("tokens %+v, want total %d", got.Tokens, tc.tokens)
			}
			if n := h.count("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.processed' AND aggregate_id = ?", got.ID); n != 1 {
				t.Fatalf("documento.procesado events: %d", n)
			}
		})
	}
}

// A worker stopped in the middle of an extraction gives the job back; the
// next worker finishes it, once.
func TestWorkerStoppedMidJob(t *testing.T) {
	h := newHarness(t, withoutWorker)
	fake := newFakeGemini(t)
	started := make(chan struct{}, 1)
	fake.set(func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
		started <- struct{}{}
		<-r.Context().Done() // hangs until the worker gives up
	})
	q := fastQueue()
	q.Grace = 100 * time.Millisecond
	stop := h.startWorker(geminiMotor(t, h, fake, time.Minute), q, 1)
	u := h.user(h.core.Tenant("Apagado SpA"))
	d := decodeDoc(u.subir("f.pdf", muestras.Factura().PDF).Want(201))
	<-started
	if got := decodeDoc(u.Get("/api/documentos/" + d.ID).Want(200)); got.Estado != "procesando" {
		t.Fatalf("while running: %s", got.Estado)
	}
	begin := time.Now()
	stop()
	if time.Since(begin) > 5*time.Second {
		t.Fatal("the worker did not stop promptly")
	}
	if got := decodeDoc(u.Get("/api/documentos/" + d.ID).Want(200)); got.Estado != "pendiente" {
		t.Fatalf("after stop: %s", got.Estado)
	}
	var job struct {
		State    string
		Attempts int
	}
	h.db.Raw("SELECT state, attempts FROM rendiciones.jobs WHERE key = ?", d.ID).Scan(&job)
	if job.State != "available" || job.Attempts != 0 {
		t.Fatalf("job after stop: %+v", job)
	}
	fake.set(good)
	h.startWorker(geminiMotor(t, h, fake, time.Minute), fastQueue(), 1)
	got := u.esperar(d.ID)
	if got.Estado != "procesado" || got.Intentos != 1 {
		t.Fatalf("%+v", got)
	}
	if n := h.count("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.processed' AND aggregate_id = ?", d.ID); n != 1 {
		t.Fatalf("documento.procesado events: %d", n)
	}
}

// Two instances (two pools, two queues) on one database process every
// document exactly once.
func TestTwoWorkerInstancesShareTheQueue(t *testing.T) {
	h := newHarness(t, withoutWorker)
	fake := newFakeGemini(t)
	var mu sync.Mutex
	seen := map[[32]byte]int{}
	fake.set(func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
		mu.Lock()
		seen[sha256.Sum256(c.Data)]++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		good(w, r, n, c)
	})
	for range 2 {
		pool, err := db.Open(h.dbURL, 5, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(pool) })
		h.run(h.newWorker(geminiMotor(t, h, fake, 5*time.Second), fastQueue(), 3, pool).Run)
	}
	u := h.user(h.core.Tenant("Dos instancias SpA"))
	const n = 12
	ids := make([]string, n)
	for i := range n {
		ids[i] = decodeDoc(u.subir("f.pdf", muestras.Copia(muestras.Factura(), i+1).PDF).Want(201)).ID
	}
	for _, id := range ids {
		if got := u.esperar(id); got.Estado != "procesado" {
			t.Fatalf("%s: %s", id, got.Estado)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Fatalf("%d distinct files sent to Gemini, want %d", len(seen), n)
	}
	for _, c := range seen {
		if c != 1 {
			t.Fatalf("a file was extracted %d times", c)
		}
	}
	if c := h.count("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.processed'"); c != n {
		t.Fatalf("documento.procesado events: %d", c)
	}
	// The copies share a folio: every one after the first is flagged.
	if c := h.count("SELECT count(*) FROM rendiciones.documentos_procesados WHERE duplicado_tipo = 'folio'"); c != n-1 {
		t.Fatalf("folio duplicates: %d, want %d", c, n-1)
	}
}
