// Package db opens the service's Postgres connection (GORM over pgx) with pool
// limits and runs its goose migrations with a per-schema version table.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to url with at most maxConns connections. It does not fail
// when the database is down: /ready reports that, and GORM reconnects.
func Open(url string, maxConns int, l *slog.Logger) (*gorm.DB, error) {
	g, err := gorm.Open(postgres.New(postgres.Config{DSN: url}), &gorm.Config{
		Logger:                 slogGorm{l: l},
		NowFunc:                Now,
		SkipDefaultTransaction: true,  // single statements need no BEGIN/COMMIT round trips
		PrepareStmt:            false, // pgx caches prepared statements itself
		DisableAutomaticPing:   true,  // start without the database: /ready says it is down
	})
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = 20
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return g, nil
}

// Ping checks the database answers within ctx.
func Ping(ctx context.Context, g *gorm.DB) error {
	sqlDB, err := g.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the pool.
func Close(g *gorm.DB) {
	if sqlDB, err := g.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// IsUniqueViolation reports a unique-constraint error, optionally for a
// specific constraint name.
func IsUniqueViolation(err error, constraint ...string) bool {
	return pgCode(err, "23505", constraint...)
}

// IsForeignKeyViolation reports a foreign-key error.
func IsForeignKeyViolation(err error, constraint ...string) bool {
	return pgCode(err, "23503", constraint...)
}

// IsUnavailable reports an error that means the database cannot be reached
// or used at all (connection refused or lost, server shutting down, database
// missing), as opposed to an error in the request: the API answers 503.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-03: shutdown / cannot connect now;
		// 3D000: the database does not exist.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "3D000"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// IsRetryable reports serialization failures and deadlocks, which a
// transaction may simply run again.
func IsRetryable(err error) bool {
	return pgCode(err, "40001") || pgCode(err, "40P01")
}

func pgCode(err error, code string, constraint ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		return false
	}
	return len(constraint) == 0 || pe.ConstraintName == constraint[0]
}

// slogGorm sends GORM's own messages (slow queries, errors) to slog at debug,
// so the request log stays the one line per request operators read.
type slogGorm struct{ l *slog.Logger }

func (s slogGorm) LogMode(logger.LogLevel) logger.Interface { return s }
func (s slogGorm) Info(ctx context.Context, m string, a ...any) {
	s.l.DebugContext(ctx, fmt.Sprintf(m, a...))
}
func (s slogGorm) Warn(ctx context.Context, m string, a ...any) {
	s.l.DebugContext(ctx, fmt.Sprintf(m, a...))
}
func (s slogGorm) Error(ctx context.Context, m string, a ...any) {
	s.l.DebugContext(ctx, fmt.Sprintf(m, a...))
}
func (s slogGorm) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if d := time.Since(begin); d > 500*time.Millisecond {
		q, rows := fc()
		s.l.WarnContext(ctx, "slow query", "ms", d.Milliseconds(), "rows", rows, "sql", truncate(q, 300))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
