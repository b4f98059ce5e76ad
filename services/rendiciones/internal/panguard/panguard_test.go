package panguard

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/testkit"
)

// echoBody answers with the body it received, to show the guard hands it
// on intact.
func server(t *testing.T) *testkit.Client {
	e, err := httpx.New(httpx.Options{Service: "t", Logger: slog.New(slog.DiscardHandler), LargeBodyRoutes: []string{"POST /big"}})
	if err != nil {
		t.Fatal(err)
	}
	echoBody := func(c echo.Context) error {
		b, _ := io.ReadAll(c.Request().Body)
		return c.Blob(200, "text/plain", b)
	}
	e.POST("/x", echoBody, Reject())
	e.GET("/x", echoBody, Reject())
	e.POST("/big", echoBody, Reject())
	e.GET("/x/:id", echoBody, Reject())
	ts := httptest.NewServer(e)
	t.Cleanup(ts.Close)
	return &testkit.Client{T: t, BaseURL: ts.URL}
}

func TestReject(t *testing.T) {
	api := server(t)
	tests := []struct {
		name, body, field string
	}{
		{"string", `{"alias":"4111 1111 1111 1111"}`, "alias"},
		{"número", `{"a":{"b":[1,4111111111111111]}}`, "a.b[1]"},
		{"clave", `{"4111111111111111":"x"}`, "cuerpo"},
		{"no JSON", `alias=4111111111111111`, "cuerpo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api.Post("/x", tt.body)
			r.Field(400, tt.field)
			if strings.Contains(string(r.Body), "4111") {
				t.Fatalf("answer echoes the number: %s", r.Body)
			}
		})
	}
	t.Run("sin número: el handler recibe el cuerpo intacto", func(t *testing.T) {
		body := `{"titulo":"RUT 76.123.456-0, total $1.234.567"}`
		if got := string(api.Post("/x", body).Want(200).Body); got != body {
			t.Fatalf("body %q", got)
		}
		api.Get("/x").Want(200)
	})
	t.Run("query", func(t *testing.T) {
		api.Get("/x?q=5555-5555-5555-4444").Field(400, "q")
		api.Get("/x?4111111111111111=1").Field(400, "query")
	})
	t.Run("en la ruta: 404", func(t *testing.T) {
		r := api.Get("/x/4111111111111111")
		r.Err(404, "not_found")
		api.Get("/x/0190a1b2-0000-7000-8000-000000000000").Want(200)
	})
	t.Run("multipart pasa", func(t *testing.T) {
		api.Post("/x", testkit.File("archivo", "c.csv", []byte("4111111111111111"))).Want(200)
	})
	t.Run("cuerpo JSON enorme en una ruta de subida: 413", func(t *testing.T) {
		api.Post("/big", `{"a":"`+strings.Repeat("x", MaxJSON)+`"}`).Err(413, "payload_too_large")
	})
}
