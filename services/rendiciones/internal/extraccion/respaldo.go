package extraccion

import (
	"context"
	"errors"
	"fmt"
)

// ConRespaldo returns an Engine that runs principal (usually Gemini) and,
// when it fails for good on a PDF — unreadable answer, blocked, file too
// large to send inline —, runs respaldo (the local engine) instead, noting
// the switch in advertencias. Retryable errors are returned as they are:
// the job retries later rather than settle for the local engine while
// Gemini is briefly unavailable. Tokens spent by principal stay in Usage.
func ConRespaldo(principal, respaldo Engine) Engine {
	return &conRespaldo{principal: principal, respaldo: respaldo}
}

type conRespaldo struct {
	principal, respaldo Engine
}

// Name returns the principal engine's name.
func (c *conRespaldo) Name() string { return c.principal.Name() }

// Extract runs principal, then respaldo on its permanent failures.
func (c *conRespaldo) Extract(ctx context.Context, in Input) (Result, error) {
	res, err := c.principal.Extract(ctx, in)
	if err == nil || !IsPermanent(err) || in.MIME != MIMEPDF {
		return res, err
	}
	switch Code(err) {
	case CodeArchivoVacio, CodeTipoNoSoportado:
		return res, err // the local engine would fail the same way
	}
	alt, altErr := c.respaldo.Extract(ctx, in)
	if altErr != nil {
		// Report the principal's failure: it is the engine the tenant chose;
		// the fallback's reason goes along for the logs.
		return res, fmt.Errorf("%w (respaldo %s: %v)", err, c.respaldo.Name(), altErr)
	}
	alt.Usage.add(res.Usage)
	var e *Error
	msg := err.Error()
	if errors.As(err, &e) {
		msg = e.Message
	}
	alt.Extraccion.Advertencias = append(alt.Extraccion.Advertencias,
		fmt.Sprintf("se usó el motor %s porque %s falló: %s", c.respaldo.Name(), c.principal.Name(), msg))
	return alt, nil
}
