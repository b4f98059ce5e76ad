package documentos

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/logx"
	"ecosystem/services/rendiciones/internal/extraccion"
	"ecosystem/services/rendiciones/internal/jobs"
	"ecosystem/services/rendiciones/internal/storage"
)

// KindExtraer is the job kind of a document's extraction.
const KindExtraer = "extraer_documento"

type payloadExtraer struct {
	DocumentoID uuid.UUID `json:"documento_id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	// RequestID is the upload's (or reprocessing's) request id, so the
	// extraction's logs and its documento.procesado event carry it too.
	RequestID string `json:"request_id,omitempty"`
}

func nuevoJob(ctx context.Context, r *row) jobs.NewJob {
	return jobs.NewJob{Kind: KindExtraer, Key: r.ID.String(), TenantID: r.TenantID.String(),
		Payload: payloadExtraer{DocumentoID: r.ID, TenantID: r.TenantID, RequestID: logx.RequestID(ctx)}}
}

// Metrics are the extraction metrics (registered once per process).
type Metrics struct {
	procesados *prometheus.CounterVec
	duracion   *prometheus.HistogramVec
	tokens     *prometheus.CounterVec
}

// NewMetrics registers documentos_procesados_total{motor,estado},
// extraccion_duration_seconds{motor} and gemini_tokens_total{tipo}.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		procesados: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "documentos_procesados_total", Help: "Documents that reached a final state, by engine and state (procesado, error).",
		}, []string{"motor", "estado"}),
		duracion: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "extraccion_duration_seconds", Help: "Time one extraction attempt took, by engine.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120},
		}, []string{"motor"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gemini_tokens_total", Help: "Gemini tokens spent on extraction, by type (prompt, respuesta).",
		}, []string{"tipo"}),
	}
	for _, c := range []prometheus.Collector{m.procesados, m.duracion, m.tokens} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Worker runs extraction jobs: it reads the stored file, asks the engine,
// and records the outcome, the duplicate check and documento.procesado in
// the transaction that completes the job.
type Worker struct {
	db          *gorm.DB
	files       storage.Store
	queue       *jobs.Queue
	engine      extraccion.Engine
	metrics     *Metrics
	log         *slog.Logger
	concurrency int
}

// NewWorker returns a worker running at most concurrency extractions at once.
func NewWorker(g *gorm.DB, files storage.Store, q *jobs.Queue, engine extraccion.Engine, m *Metrics, log *slog.Logger, concurrency int) *Worker {
	return &Worker{db: g, files: files, queue: q, engine: engine, metrics: m, log: log, concurrency: concurrency}
}

// Run works until ctx ends (see jobs.Queue.Work for the shutdown rules).
func (w *Worker) Run(ctx context.Context) error {
	return w.queue.Work(ctx, KindExtraer, w.concurrency, w.procesar)
}

// procesar is one attempt at one document.
func (w *Worker) procesar(ctx context.Context, j *jobs.Job) error {
	var p payloadExtraer
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return j.Fail(ctx, w.db, "payload ilegible: "+err.Error())
	}
	ctx = logx.WithFields(ctx, logx.Fields{TenantID: p.TenantID.String(), RequestID: p.RequestID})
	r, err := w.empezar(ctx, j, p)
	if err != nil || r == nil {
		return err
	}
	log := w.log.With("documento_id", r.ID.String(), "job_id", j.ID, "intento", j.Attempt)

	start := time.Now()
	res, err := w.extraer(ctx, r)
	motor := w.engine.Name()
	if res.Extraccion.Motor != "" {
		motor = res.Extraccion.Motor
	}
	w.metrics.duracion.WithLabelValues(motor).Observe(time.Since(start).Seconds())
	if u := res.Usage; u.TotalTokens > 0 {
		w.metrics.tokens.WithLabelValues("prompt").Add(float64(u.PromptTokens))
		w.metrics.tokens.WithLabelValues("respuesta").Add(float64(u.CandidatesTokens))
	}

	switch {
	case err == nil:
		return w.terminar(ctx, j, r, motor, res, nil)
	case ctx.Err() != nil:
		// Shutdown or a lost lease: give the job back untouched (Release
		// fails harmlessly when the lease is already someone else's).
		return w.devolver(j, r)
	case extraccion.IsPermanent(err) || j.LastAttempt():
		log.WarnContext(ctx, "extraction failed", "code", extraccion.Code(err), "error", err.Error())
		return w.terminar(ctx, j, r, motor, res, err)
	default:
		wait := max(w.queue.Backoff(j.Attempt), extraccion.RetryAfter(err))
		log.InfoContext(ctx, "extraction will be retried", "code", extraccion.Code(err), "in_s", wait.Seconds(), "error", err.Error())
		return w.reintentar(ctx, j, r, res, err, wait)
	}
}

// empezar marks the document procesando. It returns nil when there is
// nothing to do (the document is gone or no longer waiting), having
// completed the job.
func (w *Worker) empezar(ctx context.Context, j *jobs.Job, p payloadExtraer) (*row, error) {
	var out *row
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockByID(ctx, tx, p.TenantID, p.DocumentoID)
		if err != nil {
			return err
		}
		if r == nil || (r.Estado != EstadoPendiente && r.Estado != EstadoProcesando) {
			return j.Complete(ctx, tx)
		}
		if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(map[string]any{
			"estado": EstadoProcesando, "intentos": j.Attempt, "updated_at": db.Now(),
		}).Error; err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

func (w *Worker) extraer(ctx context.Context, r *row) (extraccion.Result, error) {
	obj, err := w.files.Open(ctx, r.StorageKey)
	if errors.Is(err, storage.ErrNotFound) {
		return extraccion.Result{}, &extraccion.Error{Code: CodeArchivoFaltante, Message: "el archivo del documento no está en el almacenamiento", Permanent: true, Err: err}
	}
	if err != nil {
		return extraccion.Result{}, &extraccion.Error{Code: extraccion.CodeLecturaArchivo, Message: "no se pudo abrir el archivo", Err: err}
	}
	defer obj.Close()
	return w.engine.Extract(ctx, extraccion.Input{File: obj, Size: obj.Size(), MIME: r.TipoMime, TenantID: r.TenantID.String()})
}

// settleCtx lets a finished attempt record its outcome even when shutdown
// cancels the job's context during the commit.
func settleCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}

// terminar records the final state — procesado with the extraction, or error
// with its code — with documento.procesado, and completes the job, all in
// one transaction.
func (w *Worker) terminar(ctx context.Context, j *jobs.Job, r *row, motor string, res extraccion.Result, xerr error) error {
	ctx, cancel := settleCtx(ctx)
	defer cancel()
	estado := EstadoProcesado
	if xerr != nil {
		estado = EstadoError
	}
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := lockByID(ctx, tx, r.TenantID, r.ID)
		if err != nil {
			return err
		}
		if cur == nil || cur.Estado != EstadoProcesando {
			return j.Complete(ctx, tx) // the document moved on without us
		}
		now := db.Now()
		set := map[string]any{"estado": estado, "motor": motor, "procesado_at": now, "updated_at": now}
		tokens(set, res.Usage, motor)
		data := map[string]any{"id": cur.ID, "tenant_id": cur.TenantID, "estado": estado, "motor": motor}
		if xerr == nil {
			ex := res.Extraccion
			ex.Motor = motor
			dup, err := detectarDuplicado(ctx, tx, cur, &ex)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(ex)
			if err != nil {
				return err
			}
			set["extraccion"], set["error_codigo"], set["error_mensaje"] = raw, nil, nil
			for k, v := range camposDe(&ex) {
				set[k] = v
			}
			dup.aplicar(set)
			data["extraccion"], data["duplicado_de"], data["duplicado_tipo"] = ex, dup.de, dup.tipo
		} else {
			set["error_codigo"], set["error_mensaje"] = extraccion.Code(xerr), mensajeError(xerr)
			data["extraccion"], data["error_codigo"] = nil, extraccion.Code(xerr)
		}
		if err := tx.Model(&row{}).Where("id = ?", cur.ID).Updates(set).Error; err != nil {
			return err
		}
		if _, err := outbox.Add(ctx, tx, events.KeyDocumentoProcessed, events.EventDocumentoProcesad,
			cur.TenantID.String(), cur.ID.String(), data); err != nil {
			return err
		}
		if xerr != nil {
			return j.Fail(ctx, tx, xerr.Error())
		}
		return j.Complete(ctx, tx)
	})
	if err != nil {
		return err
	}
	events.Committed(outbox.Schema)
	w.metrics.procesados.WithLabelValues(motor, estado).Inc()
	return nil
}

// reintentar puts the document back to pendiente with the failure that
// caused the retry, and schedules the job after wait.
func (w *Worker) reintentar(ctx context.Context, j *jobs.Job, r *row, res extraccion.Result, xerr error, wait time.Duration) error {
	ctx, cancel := settleCtx(ctx)
	defer cancel()
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		set := map[string]any{"estado": EstadoPendiente, "error_codigo": extraccion.Code(xerr),
			"error_mensaje": mensajeError(xerr), "updated_at": db.Now()}
		tokens(set, res.Usage, "")
		if err := tx.Model(&row{}).Where("id = ? AND estado = ?", r.ID, EstadoProcesando).Updates(set).Error; err != nil {
			return err
		}
		return j.Retry(ctx, tx, wait, xerr.Error())
	})
}

// devolver releases the job at shutdown; the document waits as pendiente.
func (w *Worker) devolver(j *jobs.Job, r *row) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&row{}).Where("id = ? AND estado = ?", r.ID, EstadoProcesando).
			Updates(map[string]any{"estado": EstadoPendiente, "updated_at": db.Now()}).Error; err != nil {
			return err
		}
		return j.Release(ctx, tx)
	})
	if errors.Is(err, jobs.ErrLeaseLost) {
		return nil
	}
	return err
}

// tokens stores the Gemini usage of this attempt (none for the local engine).
func tokens(set map[string]any, u extraccion.Usage, motor string) {
	if u.TotalTokens == 0 && motor != extraccion.MotorGemini {
		return
	}
	set["tokens_prompt"], set["tokens_respuesta"], set["tokens_total"] = u.PromptTokens, u.CandidatesTokens, u.TotalTokens
}

// mensajeError is what the document shows: the engine's Spanish message,
// never an internal cause.
func mensajeError(err error) string {
	var e *extraccion.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "error interno al procesar el documento"
}
