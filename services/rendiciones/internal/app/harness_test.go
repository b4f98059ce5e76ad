package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"ecosystem/migrations"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/documentos"
	"ecosystem/services/rendiciones/internal/extraccion"
	"ecosystem/services/rendiciones/internal/jobs"
	"ecosystem/services/rendiciones/internal/storage"
)

const testSecret = "test-secret-0123456789-0123456789-abcdef"

// harness is a rendiciones server over httptest with its own database, a
// fake core, its own STORAGE_DIR and the extraction worker running.
type harness struct {
	t       *testing.T
	srv     *Server
	cfg     Config
	api     *testkit.Client
	core    *testkit.FakeCore
	db      *gorm.DB
	dbURL   string
	storage string
	reg     *prometheus.Registry
}

type harnessOpts struct {
	env map[string]string
	// noWorker: the app's workers do not run; the test starts its own
	// (fake Gemini with short timeouts) or none.
	noWorker bool
}

// fastEnv makes retries and polling quick enough for tests.
func fastEnv() map[string]string {
	return map[string]string{"EXTRACTION_POLL": "20ms", "EXTRACTION_RETRY_BASE": "50ms", "EXTRACTION_LEASE": "2s", "EXTRACTION_WORKERS": "2"}
}

func newHarness(t *testing.T, opts ...func(*harnessOpts)) *harness {
	t.Helper()
	o := harnessOpts{env: fastEnv()}
	for _, f := range opts {
		f(&o)
	}
	g, url := testdb.New(t, testdb.Schema{Name: Schema, FS: migrations.Rendiciones})
	core := testkit.NewFakeCore(t, testSecret)
	dir := t.TempDir()
	env := map[string]string{
		"RENDICIONES_DATABASE_URL": url, "JWT_SECRET": testSecret, "APP_ENV": "development", "LOG_LEVEL": "error",
		"CORE_API_URL": core.URL, "STORAGE_DIR": dir, "MAX_UPLOAD_MB": "2", "AMQP_EXCHANGE": testkit.Exchange(t),
	}
	for k, v := range o.env {
		env[k] = v
	}
	cfg, err := LoadConfig(config.MapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, _ := g.DB()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := New(cfg, g, db.NewMigrator(sqlDB, Schema, migrations.Rendiciones, log), log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Echo)
	t.Cleanup(ts.Close)
	h := &harness{t: t, srv: srv, cfg: cfg, api: &testkit.Client{T: t, BaseURL: ts.URL}, core: core, db: g, dbURL: url, storage: dir, reg: prometheus.NewRegistry()}
	if !o.noWorker {
		for _, w := range srv.Workers {
			h.run(w.Run)
		}
	}
	return h
}

// run starts a background loop stopped (and waited for) at cleanup.
func (h *harness) run(f func(ctx context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f(ctx); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				h.t.Error("worker did not stop")
			}
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// newWorker builds an extraction worker over the harness's database and
// storage with its own engine and queue settings.
func (h *harness) newWorker(motor extraccion.Engine, qc jobs.Config, n int, g *gorm.DB) *documentos.Worker {
	h.t.Helper()
	files, err := storage.NewDisk(h.storage)
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := documentos.NewMetrics(prometheus.WrapRegistererWith(prometheus.Labels{"worker": uuid.NewString()[:8]}, h.reg))
	if err != nil {
		h.t.Fatal(err)
	}
	if g == nil {
		g = h.db
	}
	return documentos.NewWorker(g, files, jobs.New(g, qc, slog.New(slog.DiscardHandler)), motor, m, slog.New(slog.DiscardHandler), n)
}

// fastQueue is the queue timing of the workers tests start themselves.
// Attempts per job are fixed when the upload enqueues it
// (EXTRACTION_MAX_ATTEMPTS, see withMaxAttempts).
func fastQueue() jobs.Config {
	return jobs.Config{Lease: 2 * time.Second, Poll: 20 * time.Millisecond, RetryBase: 50 * time.Millisecond, Grace: time.Second}
}

func withMaxAttempts(n int) func(*harnessOpts) {
	return func(o *harnessOpts) { o.env["EXTRACTION_MAX_ATTEMPTS"] = strconv.Itoa(n) }
}

func (h *harness) srvCore() *coreapi.Client { return coreapi.New(h.core.URL) }

func (h *harness) signer() *auth.Signer { return auth.NewSigner(testSecret) }

func withoutWorker(o *harnessOpts) { o.noWorker = true }

func (h *harness) startWorker(motor extraccion.Engine, qc jobs.Config, n int) (stop func()) {
	return h.run(h.newWorker(motor, qc, n, nil).Run)
}

// user is a person of tenant with roles (usuario by default).
type user struct {
	*testkit.Client
	ID string
}

func (h *harness) user(tenant string, roles ...string) user {
	tok, id := h.core.TokenFor(h.t, uuid.NewString(), tenant, roles...)
	return user{Client: h.api.As(tok), ID: id}
}

func (u user) subir(name string, data []byte) *testkit.Response {
	u.T.Helper()
	return u.Post("/api/documentos", testkit.File("archivo", name, data))
}

// doc is the part of a document the tests read.
type doc struct {
	ID                 string                 `json:"id"`
	TenantID           string                 `json:"tenant_id"`
	SubidoPor          string                 `json:"subido_por"`
	NombreArchivo      string                 `json:"nombre_archivo"`
	TipoMIME           string                 `json:"tipo_mime"`
	Tamano             int64                  `json:"tamano"`
	SHA256             string                 `json:"sha256"`
	Estado             string                 `json:"estado"`
	Motor              *string                `json:"motor"`
	Extraccion         *extraccion.Extraccion `json:"extraccion"`
	ExtraccionOriginal *extraccion.Extraccion `json:"extraccion_original"`
	ErrorCodigo        *string                `json:"error_codigo"`
	ErrorMensaje       *string                `json:"error_mensaje"`
	Intentos           int                    `json:"intentos"`
	Tokens             *documentos.Tokens     `json:"tokens"`
	DuplicadoDe        *string                `json:"duplicado_de"`
	DuplicadoTipo      *string                `json:"duplicado_tipo"`
	NoDuplicado        bool                   `json:"no_duplicado"`
	NoDuplicadoPor     *string                `json:"no_duplicado_por"`
	NoDuplicadoAt      *time.Time             `json:"no_duplicado_at"`
	NoDuplicadoMotivo  *string                `json:"no_duplicado_motivo"`
	RevisadoPor        *string                `json:"revisado_por"`
}

func (d doc) codigo() string {
	if d.ErrorCodigo == nil {
		return ""
	}
	return *d.ErrorCodigo
}

func (d doc) motor() string {
	if d.Motor == nil {
		return ""
	}
	return *d.Motor
}

func decodeDoc(r *testkit.Response) doc {
	var d doc
	r.JSON(&d)
	return d
}

// esperar polls the document until extraction has finished.
func (u user) esperar(id string) doc {
	u.T.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := decodeDoc(u.Get("/api/documentos/" + id).Want(200))
		if d.Estado == documentos.EstadoProcesado || d.Estado == documentos.EstadoError || d.Estado == documentos.EstadoRevisado {
			return d
		}
		if time.Now().After(deadline) {
			u.T.Fatalf("document %s still %s (intentos %d, error %s)", id, d.Estado, d.Intentos, d.codigo())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// files counts the regular files under STORAGE_DIR (temporary ones too).
func (h *harness) files() int {
	n := 0
	_ = filepath.WalkDir(h.storage, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func (h *harness) count(sql string, args ...any) int64 {
	var n int64
	if err := h.db.Raw(sql, args...).Scan(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) rows(tenant string) int64 {
	return h.count("SELECT count(*) FROM rendiciones.documentos_procesados WHERE tenant_id = ?", tenant)
}

// metric returns the value of a counter or a histogram's sample count.
func (h *harness) metric(name string, labels map[string]string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			if c := m.GetCounter(); c != nil {
				total += c.GetValue()
			}
			if hg := m.GetHistogram(); hg != nil {
				total += float64(hg.GetSampleCount())
			}
		}
	}
	return total
}

// fakeGemini is a real HTTP server speaking the Gemini API's
// generateContent, so the real genai client is exercised end to end.
type fakeGemini struct {
	URL string
	mu  sync.Mutex
	// answer decides each call's response; n counts calls from 1.
	answer func(w http.ResponseWriter, r *http.Request, n int, c geminiCall)
	calls  []geminiCall
}

// geminiCall is what the engine sent.
type geminiCall struct {
	Model  string
	Prompt string
	MIME   string
	Data   []byte
}

func newFakeGemini(t *testing.T) *fakeGemini {
	f := &fakeGemini{}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Contents []struct {
			Parts []struct {
				Text       string `json:"text"`
				InlineData *struct {
					MIMEType string `json:"mimeType"`
					Data     string `json:"data"`
				} `json:"inlineData"`
			} `json:"parts"`
		} `json:"contents"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	c := geminiCall{}
	if i := strings.Index(r.URL.Path, "/models/"); i >= 0 {
		c.Model = strings.TrimSuffix(r.URL.Path[i+len("/models/"):], ":generateContent")
	}
	for _, ct := range body.Contents {
		for _, p := range ct.Parts {
			c.Prompt += p.Text
			if p.InlineData != nil {
				c.MIME = p.InlineData.MIMEType
				c.Data, _ = base64.StdEncoding.DecodeString(p.InlineData.Data)
			}
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	n := len(f.calls)
	answer := f.answer
	f.mu.Unlock()
	if answer == nil {
		http.Error(w, "no answer configured", http.StatusInternalServerError)
		return
	}
	answer(w, r, n, c)
}

func (f *fakeGemini) set(answer func(w http.ResponseWriter, r *http.Request, n int, c geminiCall)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

func (f *fakeGemini) callList() []geminiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]geminiCall(nil), f.calls...)
}

// geminiJSON answers with text as the model's output and token usage.
func geminiJSON(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"candidates": []any{map[string]any{
			"content":      map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
			"finishReason": "STOP",
		}},
		"usageMetadata": map[string]any{"promptTokenCount": 1200, "candidatesTokenCount": 300, "totalTokenCount": 1500},
	})
}

// geminiExtraccion answers with an extraction given as a JSON-able map.
func geminiExtraccion(w http.ResponseWriter, ex map[string]any) {
	b, _ := json.Marshal(ex)
	geminiJSON(w, string(b))
}

func geminiError(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":"fake %s","status":%q}}`, code, status, status)
}

// geminiMotor is the real Gemini engine pointed at the fake, with timings
// short enough for tests.
func geminiMotor(t *testing.T, h *harness, f *fakeGemini, callTimeout time.Duration) extraccion.Engine {
	t.Helper()
	m, err := documentos.NuevoMotor(documentos.MotorConfig{
		UseGemini: true, GeminiAPIKey: "clave-de-prueba", GeminiModel: "gemini-2.5-flash", GeminiBaseURL: f.URL,
		Core: h.srvCore(), Signer: h.signer(), GeminiCallTimeout: callTimeout, GeminiBaseDelay: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// answered is how many requests the server finished with this status, from
// its own /metrics.
func (h *harness) answered(method, route string, status int) float64 {
	prefix := fmt.Sprintf("http_requests_total{method=%q,route=%q,status=\"%d\"} ", method, route, status)
	for _, line := range strings.Split(string(h.api.Get("/metrics").Body), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
