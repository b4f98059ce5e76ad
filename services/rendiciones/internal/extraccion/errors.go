package extraccion

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Error codes. They are stable: the job stores them with the documento's
// `error` state and clients may branch on them.
const (
	// Permanent: the same input will fail again.
	CodeArchivoVacio            = "archivo_vacio"             // 0 bytes
	CodeTipoNoSoportado         = "tipo_no_soportado"         // MIME other than PDF/JPEG/PNG
	CodeSinTexto                = "sin_texto"                 // no text layer (scan, image) for the local engine
	CodePDFInvalido             = "pdf_invalido"              // truncated, corrupt or not a PDF
	CodePDFProtegido            = "pdf_protegido"             // encrypted with a password
	CodeArchivoDemasiadoGrande  = "archivo_demasiado_grande"  // over the Gemini inline limit
	CodeGeminiRespuestaInvalida = "gemini_respuesta_invalida" // model answer not the expected JSON, after a retry
	CodeGeminiBloqueado         = "gemini_bloqueado"          // blocked by safety filters
	CodeGeminiSolicitud         = "gemini_solicitud_invalida" // 400/404: request or model rejected
	CodeGeminiCredenciales      = "gemini_credenciales"       // 401/403: bad or missing API key
	CodeConfiguracion           = "configuracion_invalida"    // engine built with an unusable config
	CodeErrorInterno            = "error_interno"             // a parser bug caught by recover

	// Retryable: try again later (the job backs off).
	CodeGeminiLimite       = "gemini_limite"        // 429 after the in-call retries
	CodeGeminiNoDisponible = "gemini_no_disponible" // 5xx or network failure
	CodeGeminiTimeout      = "gemini_timeout"       // a call exceeded its timeout
	CodePromptNoDisponible = "prompt_no_disponible" // core unreachable and nothing cached
	CodeCancelado          = "cancelado"            // caller's context canceled (shutdown)
	CodeTiempoAgotado      = "tiempo_agotado"       // caller's context deadline passed
	CodeLecturaArchivo     = "lectura_archivo"      // reading the stored file failed
	CodeDesconocido        = "desconocido"          // an error not produced by this package
)

// Error is an extraction failure with a stable Code and whether retrying the
// same input can help.
type Error struct {
	Code       string
	Message    string        // Spanish, safe to show to the user
	Permanent  bool          // true: retrying the same input will fail again
	RetryAfter time.Duration // server-suggested wait for retryable errors, 0 if none
	Err        error         // cause, for logs
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func permanente(code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Permanent: true, Err: cause}
}

func reintentable(code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// IsPermanent reports whether err will fail again on the same input. Errors
// from outside this package count as retryable, except nil (false).
func IsPermanent(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Permanent
	}
	return false
}

// Code returns the stable code of err: its *Error code, "cancelado" or
// "tiempo_agotado" for context errors, "desconocido" otherwise, "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) {
		return CodeCancelado
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return CodeTiempoAgotado
	}
	return CodeDesconocido
}

// RetryAfter returns the wait the server suggested for a retryable error, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ctxError converts the caller's context ending into a retryable error: a
// shutdown must not mark the document as failed for good.
func ctxError(err error) *Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return reintentable(CodeTiempoAgotado, "la extracción no terminó a tiempo", err)
	}
	return reintentable(CodeCancelado, "la extracción se interrumpió antes de terminar", err)
}
