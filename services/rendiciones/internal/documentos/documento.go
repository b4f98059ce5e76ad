// Package documentos is the document half of rendiciones (DESIGN §6
// "Documents"): streaming uploads to storage, the durable extraction job
// (Gemini or the local engine), duplicate detection beyond the file hash,
// and the routes that list, serve, reprocess and correct documents.
//
// Who sees what: a usuario sees and acts on the documents they uploaded;
// an aprobador or admin sees every document of the tenant (they review
// rendiciones backed by them). Corrections (PATCH) and reprocessing are for
// the uploader or an admin. Overruling a duplicate flag ("no es duplicado")
// is for an aprobador or admin who did not upload the document: the check
// exists to catch a person rendering the same expense twice, so that person
// cannot clear it. Another tenant's documents are always 404.
package documentos

import (
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/services/rendiciones/internal/extraccion"
)

// Estados of a document (DESIGN §6): pendiente → procesando → procesado |
// error; a person's correction makes it revisado. While a retry waits the
// document is pendiente again, with the last failure in error_codigo.
const (
	EstadoPendiente  = "pendiente"
	EstadoProcesando = "procesando"
	EstadoProcesado  = "procesado"
	EstadoError      = "error"
	EstadoRevisado   = "revisado"
)

// Duplicate kinds (duplicado_tipo).
const (
	DuplicadoFolio      = "folio"       // same issuer RUT, type and folio: flagged
	DuplicadoMontoFecha = "monto_fecha" // same issuer, total and date: a warning
)

// Error codes of this package.
const (
	CodeDuplicado       = "documento_duplicado"
	CodeEstadoInvalido  = "estado_invalido"
	CodeNoEsDuplicado   = "no_es_duplicado"
	CodeArchivoFaltante = "archivo_no_disponible"
)

// Documento is a document as the API shows it.
type Documento struct {
	ID                 uuid.UUID              `json:"id"`
	TenantID           uuid.UUID              `json:"tenant_id"`
	SubidoPor          uuid.UUID              `json:"subido_por"`
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
	Tokens             *Tokens                `json:"tokens"`
	DuplicadoDe        *uuid.UUID             `json:"duplicado_de"`
	DuplicadoTipo      *string                `json:"duplicado_tipo"`
	NoDuplicado        bool                   `json:"no_duplicado"`
	NoDuplicadoPor     *uuid.UUID             `json:"no_duplicado_por"`
	NoDuplicadoAt      *time.Time             `json:"no_duplicado_at"`
	NoDuplicadoMotivo  *string                `json:"no_duplicado_motivo"`
	RevisadoPor        *uuid.UUID             `json:"revisado_por"`
	RevisadoAt         *time.Time             `json:"revisado_at"`
	ProcesadoAt        *time.Time             `json:"procesado_at"`
	CreatedAt          time.Time              `json:"created_at"`
	UpdatedAt          time.Time              `json:"updated_at"`
}

// Tokens is the Gemini usage of the last extraction.
type Tokens struct {
	Prompt    int `json:"prompt"`
	Respuesta int `json:"respuesta"`
	Total     int `json:"total"`
}

// actor is the caller as the rules of this package see it.
type actor struct {
	TenantID uuid.UUID
	UserID   uuid.UUID
	// VeTodo: aprobador or admin see every document of the tenant.
	VeTodo bool
	Admin  bool
}

func actorDe(p *auth.Principal) (actor, error) {
	if p.User == uuid.Nil {
		// Service tokens ("service:…") are not people and own no documents.
		return actor{}, apperr.Forbidden("el token no identifica a un usuario")
	}
	return actor{TenantID: p.Tenant, UserID: p.User, VeTodo: p.HasAny(auth.RoleAdmin, auth.RoleAprobador), Admin: p.Has(auth.RoleAdmin)}, nil
}

// puedeModificar: corrections and reprocessing are for the uploader or an admin.
func (a actor) puedeModificar(subidoPor uuid.UUID) bool {
	return a.Admin || subidoPor == a.UserID
}

// puedeDescartarDuplicado: an aprobador or admin who is not the uploader
// (an admin may always, being the tenant's last word).
func (a actor) puedeDescartarDuplicado(subidoPor uuid.UUID) bool {
	return a.Admin || (a.VeTodo && subidoPor != a.UserID)
}
