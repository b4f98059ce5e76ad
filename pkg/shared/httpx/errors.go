package httpx

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/logx"
)

// ErrorBody is the error envelope of DESIGN §3. `error` stays a string so
// clients written against the seed keep working.
type ErrorBody struct {
	Error     string         `json:"error"`
	Code      string         `json:"code"`
	Details   map[string]any `json:"details"` // always an object, {} when nothing to add
	RequestID string         `json:"request_id"`
}

// ErrorHandler maps every error to the envelope. Only unexpected errors (5xx)
// are logged with their cause; clients never see internals.
func ErrorHandler(l *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ae := toAppErr(err)
		if errors.Is(err, echo.ErrNotFound) && c.Path() == "" {
			c.Set(routeNotFoundKey, true)
		}
		ctx := c.Request().Context()
		if ae.Status >= 500 {
			l.ErrorContext(ctx, "request failed", "error", err.Error(), "route", c.Path())
		}
		details := ae.Details
		if details == nil {
			details = map[string]any{}
		}
		body := ErrorBody{Error: ae.Message, Code: ae.Code, Details: details, RequestID: logx.RequestID(ctx)}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(ae.Status)
			return
		}
		_ = c.JSON(ae.Status, body)
	}
}

func toAppErr(err error) *apperr.Error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable(apperr.CodeUnavailable, "la base de datos no está disponible; intente más tarde")
	}
	if ae, ok := apperr.As(err); ok {
		if ae.Status >= 500 && ae.Code == apperr.CodeInternal {
			return &apperr.Error{Status: ae.Status, Code: ae.Code, Message: "error interno"}
		}
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(http.StatusRequestEntityTooLarge, apperr.CodeTooLarge, "el cuerpo de la solicitud es demasiado grande")
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return apperr.New(http.StatusNotFound, apperr.CodeNotFound, "ruta no encontrada")
		case http.StatusMethodNotAllowed:
			return apperr.New(http.StatusMethodNotAllowed, "method_not_allowed", "método no permitido")
		case http.StatusRequestEntityTooLarge:
			return apperr.New(he.Code, apperr.CodeTooLarge, "el cuerpo de la solicitud es demasiado grande")
		case http.StatusUnsupportedMediaType:
			return apperr.New(he.Code, apperr.CodeUnsupportedMedia, "tipo de contenido no soportado")
		case http.StatusUnauthorized:
			return apperr.Unauthorized("no autenticado")
		case http.StatusForbidden:
			return apperr.Forbidden("prohibido")
		case http.StatusTooManyRequests:
			return apperr.New(he.Code, apperr.CodeRateLimited, "demasiadas solicitudes")
		case http.StatusServiceUnavailable:
			return apperr.New(he.Code, apperr.CodeUnavailable, "servicio no disponible")
		}
		if he.Code >= 400 && he.Code < 500 {
			return apperr.New(he.Code, apperr.CodeBadRequest, http.StatusText(he.Code))
		}
	}
	return &apperr.Error{Status: http.StatusInternalServerError, Code: apperr.CodeInternal, Message: "error interno"}
}
