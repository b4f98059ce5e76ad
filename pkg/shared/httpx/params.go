package httpx

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
)

// ParamUUID reads a UUID path parameter. A malformed id cannot name anything,
// so it answers 404 like an unknown one.
func ParamUUID(c echo.Context, name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, apperr.NotFound(what)
	}
	return id, nil
}

// QueryUUID reads an optional UUID query filter; a malformed one is a 400.
func QueryUUID(c echo.Context, name string) (*uuid.UUID, error) {
	v := c.QueryParam(name)
	if v == "" {
		return nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return nil, apperr.Invalid(name, "no es un UUID válido")
	}
	return &id, nil
}

// QueryBool reads an optional boolean query filter (true/false).
func QueryBool(c echo.Context, name string) (*bool, error) {
	switch c.QueryParam(name) {
	case "":
		return nil, nil
	case "true", "1":
		b := true
		return &b, nil
	case "false", "0":
		b := false
		return &b, nil
	}
	return nil, apperr.Invalid(name, "debe ser true o false")
}
