package documentos

import (
	"context"
	"errors"
	"testing"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/extraccion"
)

type motorFijo struct {
	name string
	err  error
}

func (m motorFijo) Name() string { return m.name }
func (m motorFijo) Extract(context.Context, extraccion.Input) (extraccion.Result, error) {
	if m.err != nil {
		return extraccion.Result{}, m.err
	}
	return extraccion.Result{Extraccion: extraccion.Extraccion{Motor: m.name}}, nil
}

func TestLargePDFsFallBackToTheLocalEngine(t *testing.T) {
	grande := &extraccion.Error{Code: extraccion.CodeArchivoDemasiadoGrande, Permanent: true}
	m := conRespaldo{primario: motorFijo{name: "gemini", err: grande}, local: motorFijo{name: "local"}}
	res, err := m.Extract(context.Background(), extraccion.Input{MIME: extraccion.MIMEPDF})
	if err != nil || res.Extraccion.Motor != "local" {
		t.Fatalf("pdf: %v %+v", err, res)
	}
	if _, err := m.Extract(context.Background(), extraccion.Input{MIME: extraccion.MIMEPNG}); !errors.Is(err, grande) {
		t.Fatalf("an image has no local fallback: %v", err)
	}
	other := &extraccion.Error{Code: extraccion.CodeGeminiLimite}
	m.primario = motorFijo{name: "gemini", err: other}
	if _, err := m.Extract(context.Background(), extraccion.Input{MIME: extraccion.MIMEPDF}); !errors.Is(err, other) {
		t.Fatalf("other errors pass through: %v", err)
	}
	if m.Name() != "gemini" {
		t.Fatal(m.Name())
	}
}

func TestPromptsFromCoreWithAServiceToken(t *testing.T) {
	const secret = "test-secret-0123456789-0123456789-abcdef"
	core := testkit.NewFakeCore(t, secret)
	a, b := core.Tenant("A"), core.Tenant("B")
	core.Prompt(a, extraccion.ClavePrompt, "Prompt de A", "gemini-2.5-pro")
	src := PromptsCore{Core: coreapi.New(core.URL), Signer: auth.NewSigner(secret)}
	p, err := src.PromptActivo(context.Background(), a, extraccion.ClavePrompt)
	if err != nil || p.Contenido != "Prompt de A" || p.Modelo != "gemini-2.5-pro" || p.Version != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := src.PromptActivo(context.Background(), b, extraccion.ClavePrompt); !errors.Is(err, extraccion.ErrPromptNoEncontrado) {
		t.Fatalf("no prompt: %v", err)
	}
	down := PromptsCore{Core: coreapi.New("http://127.0.0.1:1"), Signer: auth.NewSigner(secret)}
	if _, err := down.PromptActivo(context.Background(), a, extraccion.ClavePrompt); !errors.Is(err, coreapi.ErrUnavailable) {
		t.Fatalf("core down: %v", err)
	}
}
