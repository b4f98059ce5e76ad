package documentos

import (
	"context"
	"errors"
	"time"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
	"ecosystem/services/rendiciones/internal/extraccion"
)

// MotorConfig chooses and configures the extraction engine.
type MotorConfig struct {
	UseGemini     bool // ENABLE_AI_EXTRACTION and a key
	GeminiAPIKey  string
	GeminiModel   string
	GeminiBaseURL string
	Core          *coreapi.Client
	Signer        *auth.Signer
	// Gemini tuning; zero values take the engine's defaults (tests shorten them).
	GeminiCallTimeout time.Duration
	GeminiBaseDelay   time.Duration
}

// NuevoMotor returns the Gemini engine (with the tenant's prompt from core,
// cached) when configured, else the local engine. With Gemini, a PDF too
// large to send inline goes to the local engine instead of failing.
func NuevoMotor(cfg MotorConfig) (extraccion.Engine, error) {
	local := extraccion.NewLocal(extraccion.LocalConfig{})
	if !cfg.UseGemini {
		return local, nil
	}
	g, err := extraccion.NewGemini(context.Background(), extraccion.GeminiConfig{
		APIKey: cfg.GeminiAPIKey, Model: cfg.GeminiModel, BaseURL: cfg.GeminiBaseURL,
		CallTimeout: cfg.GeminiCallTimeout, BaseDelay: cfg.GeminiBaseDelay,
		Prompts: extraccion.NewPromptCache(PromptsCore{Core: cfg.Core, Signer: cfg.Signer}, 5*time.Minute, time.Hour),
	})
	if err != nil {
		return nil, err
	}
	return conRespaldo{primario: g, local: local}, nil
}

// conRespaldo is Gemini with the local engine behind it for PDFs over
// Gemini's inline limit.
type conRespaldo struct {
	primario, local extraccion.Engine
}

func (m conRespaldo) Name() string { return m.primario.Name() }

func (m conRespaldo) Extract(ctx context.Context, in extraccion.Input) (extraccion.Result, error) {
	res, err := m.primario.Extract(ctx, in)
	if extraccion.Code(err) == extraccion.CodeArchivoDemasiadoGrande && in.MIME == extraccion.MIMEPDF {
		return m.local.Extract(ctx, in)
	}
	return res, err
}

// PromptsCore reads the tenant's active prompt from core with a short
// service token minted for that tenant (a background job has no caller).
type PromptsCore struct {
	Core   *coreapi.Client
	Signer *auth.Signer
}

// PromptActivo implements extraccion.PromptSource.
func (p PromptsCore) PromptActivo(ctx context.Context, tenantID, clave string) (extraccion.Prompt, error) {
	tok, err := p.Signer.ServiceToken("rendiciones", tenantID)
	if err != nil {
		return extraccion.Prompt{}, err
	}
	pr, err := p.Core.ActivePrompt(ctx, tok, clave)
	if errors.Is(err, coreapi.ErrNotFound) {
		return extraccion.Prompt{}, extraccion.ErrPromptNoEncontrado
	}
	if err != nil {
		return extraccion.Prompt{}, err
	}
	return extraccion.Prompt{Clave: pr.Clave, Version: pr.Version, Contenido: pr.Contenido, Modelo: pr.Modelo}, nil
}
