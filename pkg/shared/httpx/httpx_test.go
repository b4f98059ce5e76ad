package httpx

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/testkit"
)

type item struct {
	Nombre   string   `json:"nombre"`
	Cantidad int      `json:"cantidad"`
	Tags     []string `json:"tags"`
	Activo   *bool    `json:"activo"`
}

func server(t *testing.T) *testkit.Client {
	e, err := New(Options{Service: "t", Logger: slog.New(slog.DiscardHandler), BodyLimit: "1K"})
	if err != nil {
		t.Fatal(err)
	}
	e.POST("/items", func(c echo.Context) error {
		var in item
		if err := Bind(c, &in); err != nil {
			return err
		}
		return c.JSON(201, in)
	})
	e.GET("/boom", func(c echo.Context) error { return errors.New("secreto interno de la base") })
	e.GET("/panic", func(c echo.Context) error { panic("kaboom") })
	e.GET("/db-caida", func(c echo.Context) error {
		return apperr.Wrap(&pgconn.PgError{Code: "08006", Message: "connection failure"}, "leer")
	})
	e.GET("/stock", func(c echo.Context) error {
		return apperr.Conflict("stock_insuficiente", "no hay stock").With("disponible", "3")
	})
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return &testkit.Client{T: t, BaseURL: ts.URL}
}

func TestBindAndEnvelope(t *testing.T) {
	api := server(t)
	tests := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"ok", `{"nombre":"a","cantidad":2}`, 201, "", ""},
		{"campo desconocido", `{"nombre":"a","otro":1}`, 400, "invalid", "otro"},
		{"clave en mayúsculas", `{"NOMBRE":"a"}`, 400, "invalid", "NOMBRE"},
		{"clave repetida con otra caja", `{"nombre":"a","Nombre":"b"}`, 400, "invalid", "Nombre"},
		{"tipo equivocado", `{"nombre":"a","cantidad":"dos"}`, 400, "invalid", "cantidad"},
		{"tipo en lista", `{"tags":[1]}`, 400, "invalid", "tags"},
		{"json roto", `{"nombre":`, 400, "bad_request", ""},
		{"vacío", ``, 400, "bad_request", ""},
		{"no es objeto", `[1,2]`, 400, "bad_request", ""},
		{"datos extra", `{"nombre":"a"} {"x":1}`, 400, "bad_request", ""},
		{"demasiado grande", `{"nombre":"` + strings.Repeat("x", 2000) + `"}`, 413, "payload_too_large", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Post("/items", tc.body)
			if tc.status == 201 {
				r.Want(201)
				return
			}
			if tc.field != "" {
				r.Field(tc.status, tc.field)
			}
			r.Err(tc.status, tc.code)
		})
	}
	t.Run("content type no JSON: 415", func(t *testing.T) {
		c := *api
		c.Header = map[string][]string{"Content-Type": {"text/plain"}}
		c.Post("/items", `{"nombre":"a"}`).Err(415, "unsupported_media_type")
	})
	t.Run("error inesperado: 500 genérico sin detalles internos", func(t *testing.T) {
		r := api.Get("/boom")
		e := r.Err(500, "internal")
		if strings.Contains(string(r.Body), "secreto") {
			t.Fatalf("internal error leaked: %s", r.Body)
		}
		if r.Header.Get("X-Request-ID") != e.RequestID {
			t.Fatal("request id in body differs from header")
		}
	})
	t.Run("panic: 500", func(t *testing.T) { api.Get("/panic").Err(500, "internal") })
	t.Run("base de datos caída: 503", func(t *testing.T) { api.Get("/db-caida").Err(503, "unavailable") })
	t.Run("details siempre es un objeto", func(t *testing.T) {
		if !strings.Contains(string(api.Get("/nada").Body), `"details":{}`) {
			t.Fatal("404 without details object")
		}
	})
	t.Run("detalles de dominio", func(t *testing.T) {
		e := api.Get("/stock").Err(409, "stock_insuficiente")
		if e.Details["disponible"] != "3" {
			t.Fatalf("details: %v", e.Details)
		}
	})
	t.Run("ruta desconocida: 404 con sobre", func(t *testing.T) { api.Get("/nada").Err(404, "not_found") })
	t.Run("request id del cliente se respeta", func(t *testing.T) {
		c := *api
		c.Header = map[string][]string{"X-Request-ID": {"abc-123"}}
		if id := c.Get("/nada").Err(404, "").RequestID; id != "abc-123" {
			t.Fatalf("request id %q", id)
		}
	})
	t.Run("métricas por ruta y estado", func(t *testing.T) {
		body := string(api.Get("/metrics").Want(200).Body)
		for _, want := range []string{`http_requests_total{method="POST",route="/items",status="201"}`, `http_request_duration_seconds_bucket{method="GET",route="/stock",status="409"`, `route="unmatched"`} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
	t.Run("health y ready", func(t *testing.T) {
		api.Get("/health").Want(200)
		api.Get("/ready").Want(200)
	})
}

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"nombre":"a","cantidad":1}`, `{"tags":["x"],"activo":true}`, `{}`, `[]`, `{"x":1}`, `{"cantidad":1e400}`, `{"nombre":"\u0000"}`, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var it item
		err := DecodeStrict(data, &it)
		if err == nil {
			return
		}
		// Every failure is a client error with the envelope's fields filled.
		ae, ok := apperr.As(err)
		if !ok || ae.Status != 400 || ae.Code == "" || ae.Message == "" {
			t.Fatalf("DecodeStrict(%q) = %v, want a 400 apperr", data, err)
		}
		if ae.Code == apperr.CodeInvalid && len(ae.Details) == 0 {
			t.Fatalf("field error without a field: %v", err)
		}
	})
}
