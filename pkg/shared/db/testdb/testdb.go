// Package testdb gives tests a fresh Postgres database with the real
// migrations applied, and drops it afterwards. Tests talk to the real server
// (TEST_DATABASE_URL, default the local postgres on 127.0.0.1:5432).
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/db"
)

// AdminURL is the server the test databases are created on.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Schema names one service schema and its migrations.
type Schema struct {
	Name string
	FS   fs.FS
}

// CreateDatabase makes an empty database named after prefix and returns its
// URL and a drop function. Use it from TestMain; New is for single tests.
func CreateDatabase(prefix string, schemas ...Schema) (string, func(), error) {
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.ToLower(fmt.Sprintf("t_%s_%s_%s", sanitize(prefix), time.Now().UTC().Format("0102150405"), hex.EncodeToString(b)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create test database (is Postgres running at %s?): %w", redact(AdminURL()), err)
	}
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	dbURL := u.String()
	drop := func() {
		a, err := sql.Open("pgx", AdminURL())
		if err != nil {
			return
		}
		defer a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = a.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	if len(schemas) > 0 {
		sqlDB, err := sql.Open("pgx", dbURL)
		if err != nil {
			drop()
			return "", nil, err
		}
		defer sqlDB.Close()
		for _, s := range schemas {
			if err := db.NewMigrator(sqlDB, s.Name, s.FS, slog.New(slog.DiscardHandler)).Up(ctx); err != nil {
				drop()
				return "", nil, err
			}
		}
	}
	return dbURL, drop, nil
}

// New creates a migrated database for one test and drops it in t.Cleanup.
func New(t testing.TB, schemas ...Schema) (*gorm.DB, string) {
	t.Helper()
	dbURL, drop, err := CreateDatabase(t.Name(), schemas...)
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.Open(dbURL, 10, slog.New(slog.DiscardHandler))
	if err != nil {
		drop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close(g)
		drop()
	})
	return g, dbURL
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() >= 20 {
			break
		}
	}
	return b.String()
}

func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "?"
	}
	return u.Redacted()
}
