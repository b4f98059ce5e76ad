package httpx

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

//go:embed docs.html
var docsHTML string

// CommonOpenAPI is the fragment every service merges into its document.
//
//go:embed openapi_common.yaml
var CommonOpenAPI []byte

// LoadOpenAPI parses and validates a service's OpenAPI document.
func LoadOpenAPI(spec []byte) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return doc, nil
}

func serveOpenAPI(e *echo.Echo, service string, spec []byte) error {
	doc, err := LoadOpenAPI(spec)
	if err != nil {
		return err
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	page := strings.ReplaceAll(docsHTML, "{{SERVICE}}", service)
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, js)
	})
	e.GET("/docs", func(c echo.Context) error { return c.HTML(http.StatusOK, page) })
	return nil
}

var echoParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// UndocumentedRoutes lists "METHOD /path" for every route registered on e that
// the document lacks; a service test fails when it is not empty.
func UndocumentedRoutes(e *echo.Echo, spec []byte) ([]string, error) {
	doc, err := LoadOpenAPI(spec)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, r := range e.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasPrefix(r.Path, "/docs") || r.Path == "/openapi.json" {
			continue
		}
		p := echoParam.ReplaceAllString(r.Path, "{$1}")
		item := doc.Paths.Find(p)
		if item == nil || item.GetOperation(r.Method) == nil {
			missing = append(missing, r.Method+" "+p)
		}
	}
	sort.Strings(missing)
	return missing, nil
}
