// Package extraccion turns an uploaded tax document (PDF, JPEG or PNG) into
// the structured fields of DESIGN §6: document type, issuer RUT and name,
// folio, date, amounts and items. It is a pure library: two engines — Gemini
// (google.golang.org/genai) and a local parser of the PDF text layer —
// implement Engine, Validate adds the consistency warnings, and errors carry
// a stable code plus a permanent/retryable flag for the background job that
// calls it.
//
// # Use from the extraction job
//
//	local := extraccion.NewLocal(extraccion.LocalConfig{})
//	var eng extraccion.Engine = local
//	if enableAI && apiKey != "" {
//		g, err := extraccion.NewGemini(ctx, extraccion.GeminiConfig{
//			APIKey: apiKey, Model: model, // GEMINI_API_KEY, GEMINI_MODEL
//			Prompts: extraccion.NewPromptCache(corePrompts, time.Minute, 10*time.Minute),
//		})
//		if err != nil { ... }
//		eng = extraccion.ConRespaldo(g, local) // optional local fallback
//	}
//	res, err := eng.Extract(ctx, extraccion.Input{File: f, Size: size, MIME: mime, TenantID: tid})
//	switch {
//	case err == nil:              // store res.Extraccion (already validated), count res.Usage
//	case extraccion.IsPermanent(err): // estado "error" with extraccion.Code(err) and the message
//	default:                     // retry with backoff, at least extraccion.RetryAfter(err)
//	}
//
// Engines are safe for concurrent use. The local engine reads the file only
// through ReadAt, page by page; Gemini needs the bytes inline and reads the
// file once (up to GeminiConfig.MaxInlineBytes).
//
// # Decisions
//
//   - Nothing is invented: a field not found stays empty (strings) or null
//     (amounts), and Validate says what is missing. A RUT printed with a
//     wrong check digit is kept as printed, with a warning.
//   - Amounts are decimal.Decimal end to end; Gemini is asked for strings and
//     numbers are read through json.Number, never float64.
//   - An unreadable Gemini answer (not the schema's JSON) is asked for once
//     more at once; if it fails again the error is permanent
//     (gemini_respuesta_invalida) so the job does not keep paying for it.
//     429, 5xx and timeouts are retried in-call with backoff and stay
//     retryable afterwards.
//   - Folios lose their zero padding ("000321" → "321") so the duplicate key
//     (rut_emisor, tipo_documento, folio) matches however it was printed.
package extraccion
