package db

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrator runs one service's goose migrations inside its own schema, with its
// own version table (<schema>.goose_db_version) and advisory lock, so three
// services can share one database and migrate concurrently.
type Migrator struct {
	db     *sql.DB
	schema string
	fsys   fs.FS
	log    *slog.Logger
}

// NewMigrator prepares migrations from fsys (SQL files at its root) for schema.
func NewMigrator(db *sql.DB, schema string, fsys fs.FS, l *slog.Logger) *Migrator {
	return &Migrator{db: db, schema: schema, fsys: fsys, log: l}
}

func (m *Migrator) provider(ctx context.Context) (*goose.Provider, error) {
	if _, err := m.db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quoteIdent(m.schema)); err != nil {
		return nil, fmt.Errorf("create schema %s: %w", m.schema, err)
	}
	h := fnv.New32a()
	h.Write([]byte("goose:" + m.schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum32())))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, m.db, m.fsys,
		goose.WithTableName(m.schema+".goose_db_version"),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
}

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context) error {
	p, err := m.provider(ctx)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	for _, r := range res {
		m.log.Info("migration applied", "schema", m.schema, "version", r.Source.Version, "file", r.Source.Path, "ms", r.Duration.Milliseconds())
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.schema, err)
	}
	return nil
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context) error {
	p, err := m.provider(ctx)
	if err != nil {
		return err
	}
	r, err := p.Down(ctx)
	if r != nil {
		m.log.Info("migration rolled back", "schema", m.schema, "version", r.Source.Version, "file", r.Source.Path)
	}
	if err != nil {
		return fmt.Errorf("migrate down %s: %w", m.schema, err)
	}
	return nil
}

// Status returns one line per migration: version, state, file.
func (m *Migrator) Status(ctx context.Context) ([]string, error) {
	p, err := m.provider(ctx)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(st))
	for _, s := range st {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		out = append(out, fmt.Sprintf("%s %05d %-28s %s", m.schema, s.Source.Version, applied, s.Source.Path))
	}
	return out, nil
}

// Current reports an error when migrations are pending (for /ready). It reads
// the version table directly so it takes no lock.
func (m *Migrator) Current(ctx context.Context) error {
	want, err := latestVersion(m.fsys)
	if err != nil {
		return err
	}
	var have sql.NullInt64
	err = m.db.QueryRowContext(ctx, "SELECT max(version_id) FROM "+quoteIdent(m.schema)+".goose_db_version").Scan(&have)
	if err != nil {
		return fmt.Errorf("migrations not applied: %w", err)
	}
	if have.Int64 < want {
		return fmt.Errorf("migrations pending: schema %s at %d, code needs %d (run `migrate up`)", m.schema, have.Int64, want)
	}
	return nil
}

func latestVersion(fsys fs.FS) (int64, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return 0, err
	}
	var max int64
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := goose.NumericComponent(e.Name())
		if err != nil {
			return 0, err
		}
		if v > max {
			max = v
		}
	}
	return max, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
