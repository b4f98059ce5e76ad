// Package logx builds the JSON slog logger every service writes to stdout and
// carries request-scoped fields (request_id, tenant_id, user_id) in the context.
package logx

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// New returns a JSON logger at the given level tagged with the service name.
func New(w io.Writer, service, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn", "warning":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})
	return slog.New(&ctxHandler{h}).With("service", service)
}

type ctxKey struct{}

// Fields are the request-scoped values added to every log line of a request.
type Fields struct {
	RequestID string
	TenantID  string
	UserID    string
}

// WithFields stores request fields in ctx; later values override earlier ones.
func WithFields(ctx context.Context, f Fields) context.Context {
	old, _ := ctx.Value(ctxKey{}).(Fields)
	if f.RequestID == "" {
		f.RequestID = old.RequestID
	}
	if f.TenantID == "" {
		f.TenantID = old.TenantID
	}
	if f.UserID == "" {
		f.UserID = old.UserID
	}
	return context.WithValue(ctx, ctxKey{}, f)
}

// FromContext returns the request fields in ctx.
func FromContext(ctx context.Context) Fields {
	f, _ := ctx.Value(ctxKey{}).(Fields)
	return f
}

// RequestID returns the request id carried by ctx, if any.
func RequestID(ctx context.Context) string { return FromContext(ctx).RequestID }

// ctxHandler adds the request fields of the context to each record, so
// handlers log with l.InfoContext(ctx, ...) and get them for free.
type ctxHandler struct{ slog.Handler }

func (h *ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	f := FromContext(ctx)
	if f.RequestID != "" {
		r.AddAttrs(slog.String("request_id", f.RequestID))
	}
	if f.TenantID != "" {
		r.AddAttrs(slog.String("tenant_id", f.TenantID))
	}
	if f.UserID != "" {
		r.AddAttrs(slog.String("user_id", f.UserID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h *ctxHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return &ctxHandler{h.Handler.WithAttrs(a)}
}
func (h *ctxHandler) WithGroup(n string) slog.Handler { return &ctxHandler{h.Handler.WithGroup(n)} }
