// Package panguard refuses requests that carry a full payment-card number
// before any handler, log line or database sees them: rendiciones only ever
// keeps a card's last 4 digits (DESIGN §6).
package panguard

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/services/rendiciones/internal/pan"
)

// MaxJSON is the most of a non-multipart body the guard reads: the
// service's default body limit.
const MaxJSON = 1 << 20

// message never repeats the number: the error body is shown and may be logged
// by clients.
const message = "contiene un número de tarjeta completo; solo se registran los últimos 4 dígitos"

// Reject is the middleware: a JSON (or any non-multipart) body or a query
// parameter holding 13–19 digits that pass the Luhn check, grouped or not, in
// any string, number or key, is a 400 that names the field ("alias",
// "items[0].descripcion"). Multipart uploads pass through: statement files
// are parsed by cartola, which redacts card numbers row by row.
//
// A card number in the path (where an id goes) is a 404, and the path the
// access log writes is redacted.
//
// The body is read once, under the body limit already in place, and handed
// on unchanged to the handler.
func Reject() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if pan.Find(r.URL.Path) {
				// A card number where an id goes names nothing. The access
				// log writes the path after the handler returns, from the
				// request as the handler left it: hand it the redacted one.
				u := *r.URL
				u.Path, u.RawPath = pan.Redact(r.URL.Path), ""
				r2 := r.Clone(r.Context())
				r2.URL = &u
				c.SetRequest(r2)
				return apperr.NotFound("recurso")
			}
			for name, vals := range r.URL.Query() {
				for _, v := range vals {
					if pan.Find(v) || pan.Find(name) {
						return apperr.Invalid(safeName(name), message)
					}
				}
			}
			if r.Body == nil || r.Body == http.NoBody || isMultipart(r.Header.Get(echo.HeaderContentType)) {
				return next(c)
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, MaxJSON+1))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return err
				}
				return apperr.BadRequest("no se pudo leer el cuerpo")
			}
			if len(body) > MaxJSON {
				// Only upload routes skip the service's body limit, and
				// their bodies are multipart; anything else this big is
				// not a request of ours.
				return apperr.New(http.StatusRequestEntityTooLarge, apperr.CodeTooLarge, "el cuerpo de la solicitud es demasiado grande")
			}
			if path, found := pan.ContainsInJSON(body); found {
				if path == "" {
					path = "cuerpo"
				}
				return apperr.Invalid(path, message)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			return next(c)
		}
	}
}

// safeName keeps a query parameter's name out of the answer when the name
// itself is the card number.
func safeName(name string) string {
	if pan.Find(name) {
		return "query"
	}
	return name
}

func isMultipart(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.HasPrefix(mt, "multipart/")
}
