package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"ecosystem/pkg/shared/apperr"
)

// Bind decodes a JSON body strictly into dst: unknown fields, wrong types,
// trailing data and non-JSON content types are rejected with a 400 (415 for
// the content type) that names the field.
func Bind(c echo.Context, dst any) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return apperr.New(http.StatusUnsupportedMediaType, apperr.CodeUnsupportedMedia, "se espera Content-Type: application/json")
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return apperr.BadRequest("no se pudo leer el cuerpo")
	}
	return DecodeStrict(body, dst)
}

// DecodeStrict is Bind without the request: it is what the fuzz test drives.
func DecodeStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.BadRequest("el cuerpo JSON está vacío")
	}
	if err := checkKeys(body, reflect.TypeOf(dst)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.BadRequest("el cuerpo JSON tiene datos después del objeto")
	}
	return nil
}

func decodeError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.BadRequest("JSON mal formado")
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return apperr.BadRequest("se espera un objeto JSON")
		}
		return apperr.Invalid(field, "tipo inválido: se espera "+jsonKind(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Invalid(f, "campo desconocido")
	}
	// Custom UnmarshalJSON errors (decimals, dates) carry their field through
	// FieldError; anything else is a malformed body.
	var fe *FieldError
	if errors.As(err, &fe) {
		return apperr.Invalid(fe.Field, fe.Msg)
	}
	return apperr.BadRequest(fmt.Sprintf("JSON inválido: %v", err))
}

// FieldError lets custom unmarshalers name the field that failed.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func jsonKind(k string) string {
	switch k {
	case "string":
		return "texto"
	case "bool":
		return "booleano"
	case "slice", "array":
		return "lista"
	case "map", "struct":
		return "objeto"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "número"
	}
	return k
}

// BodyLimit rejects bodies over limit with 413. Routes listed in skip (as
// "METHOD /path") enforce their own, larger limit (uploads).
func BodyLimit(limit string, skip ...string) echo.MiddlewareFunc {
	set := map[string]bool{}
	for _, s := range skip {
		set[s] = true
	}
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   limit,
		Skipper: func(c echo.Context) bool { return set[c.Request().Method+" "+c.Path()] },
	})
}
