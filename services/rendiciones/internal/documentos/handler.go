package documentos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/rendiciones/internal/jobs"
	"ecosystem/services/rendiciones/internal/storage"
)

// multipartOverhead is what a multipart body may carry besides the file:
// boundaries, part headers, a few small fields.
const multipartOverhead = 64 << 10

// outbox is where this package's events go, in the caller's transaction.
var outbox = events.Outbox{Schema: "rendiciones"}

// Handler serves /api/documentos.
type Handler struct {
	store *Store
	db    *gorm.DB
	files storage.Store
	queue *jobs.Queue
	max   int64
	log   *slog.Logger
}

// NewHandler returns the HTTP handlers; maxUpload is MAX_UPLOAD_MB in bytes.
func NewHandler(g *gorm.DB, files storage.Store, q *jobs.Queue, maxUpload int64, log *slog.Logger) *Handler {
	return &Handler{store: NewStore(g), db: g, files: files, queue: q, max: maxUpload, log: log}
}

// Subir: POST /api/documentos (multipart, field "archivo"). The file part is
// streamed to storage while it is hashed and sniffed; the row, its
// extraction job and the documento.creado event commit together, and any
// failure removes the stored file.
func (h *Handler) Subir(c echo.Context) (err error) {
	a, err := actorDe(auth.From(c))
	if err != nil {
		return err
	}
	req := c.Request()
	ctx := req.Context()
	// Refuse an announced oversize body before reading a byte of it.
	if req.ContentLength > h.max+multipartOverhead {
		return errDemasiadoGrande(h.max)
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, h.max+multipartOverhead)
	if mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); mt != "multipart/form-data" {
		return apperr.New(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMedia,
			"se espera multipart/form-data con el archivo en el campo \"archivo\"")
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return apperr.BadRequest("cuerpo multipart inválido")
	}

	id := db.NewID()
	key := fmt.Sprintf("documentos/%s/%s", a.TenantID, id)
	var (
		sub     *subida
		nombre  string
		stored  bool
		created bool
	)
	defer func() {
		if stored && !created {
			// Detached: the client may be gone, the file must go anyway.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if derr := h.files.Delete(dctx, key); derr != nil {
				h.log.ErrorContext(ctx, "documentos: could not remove a rejected upload", "key", key, "error", derr.Error())
			}
		}
	}()
	for {
		part, perr := mr.NextPart()
		if perr == io.EOF {
			break
		}
		if perr != nil {
			return uploadError(perr, h.max)
		}
		if part.FormName() != "archivo" {
			// Other fields are ignored; MaxBytesReader bounds them.
			if _, derr := io.Copy(io.Discard, part); derr != nil {
				return uploadError(derr, h.max)
			}
			continue
		}
		if sub != nil {
			return apperr.Invalid("archivo", "se envió más de un archivo; suba uno por solicitud")
		}
		nombre = nombreSeguro(part.FileName())
		sub = nuevaSubida(part, h.max)
		if _, perr := h.files.Put(ctx, key, sub); perr != nil {
			return uploadError(perr, h.max)
		}
		stored = true
	}
	if sub == nil {
		return apperr.Invalid("archivo", "es obligatorio (multipart, campo \"archivo\")")
	}

	sha := sub.sha256()
	if dup, ok, err := h.store.bySHA(ctx, a.TenantID, sha); err != nil {
		return apperr.Wrap(err, "buscar duplicado")
	} else if ok {
		return errDuplicado(dup)
	}
	now := db.Now()
	r := &row{
		ID: id, TenantID: a.TenantID, SubidoPor: a.UserID, NombreArchivo: nombre, TipoMime: sub.mime,
		Tamano: sub.n, Sha256: sha, StorageKey: key, Estado: EstadoPendiente, CreatedAt: now, UpdatedAt: now,
	}
	err = h.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		if _, err := h.queue.Enqueue(ctx, tx, nuevoJob(ctx, r)); err != nil {
			return err
		}
		_, err := outbox.Add(ctx, tx, events.KeyDocumentoCreated, events.EventDocumentoCreado, r.TenantID.String(), r.ID.String(),
			map[string]any{"id": r.ID, "tenant_id": r.TenantID, "estado": r.Estado, "subido_por": r.SubidoPor,
				"nombre_archivo": r.NombreArchivo, "tipo_mime": r.TipoMime, "tamano": r.Tamano, "sha256": r.Sha256})
		return err
	})
	if db.IsUniqueViolation(err, "documentos_sha256_key") {
		// The same file won a concurrent race.
		if dup, ok, _ := h.store.bySHA(ctx, a.TenantID, sha); ok {
			return errDuplicado(dup)
		}
	}
	if err != nil {
		return apperr.Wrap(err, "guardar documento")
	}
	created = true
	events.Committed(outbox.Schema)
	h.queue.Wake()
	d, err := r.view()
	if err != nil {
		return apperr.Wrap(err, "leer documento")
	}
	return c.JSON(http.StatusCreated, d)
}

func errDuplicado(id uuid.UUID) error {
	return apperr.Conflict(CodeDuplicado, "este archivo ya fue subido").With("documento_id", id)
}

// uploadError maps what can stop an upload: our own checks (already
// apperr), the body limit, a client that hung up, a malformed body.
func uploadError(err error, max int64) error {
	if ae, ok := apperr.As(err); ok {
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errDemasiadoGrande(max)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF) {
		return apperr.BadRequest("la subida se interrumpió antes de terminar")
	}
	if errors.Is(err, storage.ErrBadKey) {
		return apperr.Wrap(err, "guardar archivo")
	}
	var pe interface{ Timeout() bool }
	if errors.As(err, &pe) {
		return apperr.BadRequest("la subida se interrumpió antes de terminar")
	}
	if strings.Contains(err.Error(), "multipart") {
		return apperr.BadRequest("cuerpo multipart inválido")
	}
	return apperr.Wrap(err, "guardar archivo")
}

// Listar: GET /api/documentos (?estado=&desde=&hasta=&duplicado=&subido_por=).
func (h *Handler) Listar(c echo.Context) error {
	a, err := actorDe(auth.From(c))
	if err != nil {
		return err
	}
	p, err := httpx.ParsePage(c)
	if err != nil {
		return err
	}
	var f filtro
	fe := map[string]string{}
	switch e := c.QueryParam("estado"); e {
	case "", EstadoPendiente, EstadoProcesando, EstadoProcesado, EstadoError, EstadoRevisado:
		f.Estado = e
	default:
		fe["estado"] = "debe ser pendiente, procesando, procesado, error o revisado"
	}
	for _, q := range []struct {
		name string
		dst  **time.Time
	}{{"desde", &f.Desde}, {"hasta", &f.Hasta}} {
		if v := c.QueryParam(q.name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				fe[q.name] = "debe ser una fecha AAAA-MM-DD"
				continue
			}
			*q.dst = &t
		}
	}
	if f.Desde != nil && f.Hasta != nil && f.Hasta.Before(*f.Desde) {
		fe["hasta"] = "no puede ser anterior a desde"
	}
	if f.Duplicado, err = httpx.QueryBool(c, "duplicado"); err != nil {
		fe["duplicado"] = "debe ser true o false"
	}
	if f.SubidoPor, err = httpx.QueryUUID(c, "subido_por"); err != nil {
		fe["subido_por"] = "no es un UUID válido"
	}
	if err := apperr.Fields(fe); err != nil {
		return err
	}
	docs, total, err := h.store.list(c.Request().Context(), a, f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, httpx.NewList(docs, p, total))
}

// Obtener: GET /api/documentos/:id.
func (h *Handler) Obtener(c echo.Context) error {
	a, id, err := actorEId(c)
	if err != nil {
		return err
	}
	r, err := h.store.get(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, r)
}

// Archivo: GET /api/documentos/:id/archivo streams the stored file with its
// sniffed type; ranges and If-None-Match (the sha256 is the ETag) work.
func (h *Handler) Archivo(c echo.Context) error {
	a, id, err := actorEId(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.store.get(ctx, a, id)
	if err != nil {
		return err
	}
	obj, err := h.files.Open(ctx, r.StorageKey)
	if err != nil {
		return apperr.Wrap(err, "abrir archivo del documento "+r.ID.String())
	}
	defer obj.Close()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, r.TipoMime)
	w.Header().Set(echo.HeaderContentDisposition, disposition(r.NombreArchivo))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=0, must-revalidate")
	w.Header().Set("ETag", `"`+r.Sha256+`"`)
	http.ServeContent(w, c.Request(), "", r.CreatedAt, obj)
	return nil
}

// disposition names the file for the browser: an ASCII fallback and the
// UTF-8 name (RFC 6266).
func disposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`inline; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// Reprocesar: POST /api/documentos/:id/reprocesar queues a new extraction
// of a processed or failed document and answers it as pendiente. A document
// a person reviewed keeps their correction (409); one already queued or
// running is 409 too.
func (h *Handler) Reprocesar(c echo.Context) error {
	a, id, err := actorEId(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var out *row
	err = h.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lock(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !a.puedeModificar(r.SubidoPor) {
			return apperr.Forbidden("solo quien subió el documento o un admin puede reprocesarlo")
		}
		switch r.Estado {
		case EstadoPendiente, EstadoProcesando:
			// Normally its job is queued or running. A document whose job
			// ended without recording an outcome (the database failed on
			// the last attempt) would stay stuck; requeueing repairs it.
			var activo bool
			if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM rendiciones.jobs WHERE kind = ? AND key = ? AND state IN ('available', 'running'))`,
				KindExtraer, r.ID.String()).Scan(&activo).Error; err != nil {
				return err
			}
			if activo {
				return apperr.Conflict(CodeEstadoInvalido, "el documento ya está en cola de extracción").With("estado", r.Estado)
			}
		case EstadoRevisado:
			return apperr.Conflict(CodeEstadoInvalido, "el documento fue revisado por una persona; su corrección no se reemplaza").With("estado", r.Estado)
		}
		now := db.Now()
		if err := tx.Model(&row{}).Where("id = ?", r.ID).Updates(map[string]any{
			"estado": EstadoPendiente, "error_codigo": nil, "error_mensaje": nil, "intentos": 0, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if _, err := h.queue.Enqueue(ctx, tx, nuevoJob(ctx, r)); err != nil {
			return err
		}
		r.Estado, r.ErrorCodigo, r.ErrorMensaje, r.Intentos, r.UpdatedAt = EstadoPendiente, nil, nil, 0, now
		out = r
		return nil
	})
	if err != nil {
		return txError(err, "reprocesar documento")
	}
	h.queue.Wake()
	return respond(c, http.StatusOK, out)
}

func actorEId(c echo.Context) (actor, uuid.UUID, error) {
	a, err := actorDe(auth.From(c))
	if err != nil {
		return actor{}, uuid.Nil, err
	}
	id, err := httpx.ParamUUID(c, "id", "documento")
	return a, id, err
}

func respond(c echo.Context, status int, r *row) error {
	d, err := r.view()
	if err != nil {
		return apperr.Wrap(err, "leer documento")
	}
	return c.JSON(status, d)
}

// txError keeps domain errors and wraps the rest.
func txError(err error, what string) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	return apperr.Wrap(err, what)
}
