// Package config reads the environment every service shares (DESIGN §2) and
// refuses weak secrets in production with one clear line.
package config

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Getenv is how run() receives the environment, so tests can pass a map.
type Getenv func(string) string

// Base holds the settings every service reads.
type Base struct {
	Service   string
	Env       string // development | production
	Host      string
	Port      int
	LogLevel  string
	JWTSecret string
	AMQPURL   string
	// AMQPExchange is the events exchange (default "ecosystem"); tests use
	// their own so they never see each other's messages.
	AMQPExchange string
	CORSOrigins  []string
	DatabaseURL  string
	AutoMigrate  bool
	DBMaxConns   int
	// ShutdownTimeout bounds graceful shutdown (DESIGN §2: ≤15 s).
	ShutdownTimeout time.Duration
	// ShutdownDrain is how long a stopping instance keeps answering with
	// keep-alive off before closing its listener (behind a gateway: ~2 s).
	ShutdownDrain time.Duration
	// TenantCacheTTL is how long a tenant answer from core stays fresh.
	TenantCacheTTL time.Duration
}

// DefaultDatabaseURL is the one local database all three schemas live in by default.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/ecosystem?sslmode=disable"

// DevJWTSecret is used only in development when JWT_SECRET is unset; it is
// also a known placeholder, so production refuses it.
const DevJWTSecret = "dev-only-insecure-jwt-secret-change-me-0000"

var placeholders = []string{
	DevJWTSecret, "secret", "changeme", "change-me", "your_jwt_secret", "your-secret-key",
	"jwt_secret", "supersecret", "a1b2c3d4e5f6",
}

// IsProduction reports APP_ENV=production.
func (b Base) IsProduction() bool { return b.Env == "production" }

// Addr is host:port for the listener.
func (b Base) Addr() string { return fmt.Sprintf("%s:%d", b.Host, b.Port) }

// Load reads the shared settings for a service. dbEnv names its database URL
// variable (CORE_DATABASE_URL …) and defaultPort its port.
func Load(getenv Getenv, service, dbEnv string, defaultPort int) (Base, error) {
	b := Base{
		Service:      service,
		Env:          Or(getenv("APP_ENV"), "development"),
		Host:         getenv("HOST"),
		LogLevel:     Or(getenv("LOG_LEVEL"), "info"),
		JWTSecret:    getenv("JWT_SECRET"),
		AMQPURL:      Or(getenv("AMQP_URL"), "amqp://guest:guest@127.0.0.1:5672/"),
		AMQPExchange: Or(getenv("AMQP_EXCHANGE"), "ecosystem"),
		DatabaseURL:  Or(getenv(dbEnv), DefaultDatabaseURL),
	}
	if b.Env != "development" && b.Env != "production" && b.Env != "test" {
		return b, fmt.Errorf("APP_ENV=%q: must be development or production", b.Env)
	}
	var err error
	if b.Port, err = Int(getenv, "PORT", defaultPort); err != nil {
		return b, err
	}
	if b.Port < 0 || b.Port > 65535 {
		return b, fmt.Errorf("PORT=%d: out of range", b.Port)
	}
	if b.DBMaxConns, err = Int(getenv, "DB_MAX_CONNS", 20); err != nil {
		return b, err
	}
	if b.AutoMigrate, err = Bool(getenv, "AUTO_MIGRATE", !b.IsProduction()); err != nil {
		return b, err
	}
	if b.ShutdownTimeout, err = Duration(getenv, "SHUTDOWN_TIMEOUT", 15*time.Second); err != nil {
		return b, err
	}
	if b.ShutdownDrain, err = Duration(getenv, "SHUTDOWN_DRAIN", 0); err != nil {
		return b, err
	}
	if b.TenantCacheTTL, err = Duration(getenv, "TENANT_CACHE_TTL", 30*time.Second); err != nil {
		return b, err
	}
	for _, o := range strings.Split(getenv("CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			b.CORSOrigins = append(b.CORSOrigins, o)
		}
	}
	if b.JWTSecret == "" && !b.IsProduction() {
		b.JWTSecret = DevJWTSecret
	}
	if err := CheckSecret("JWT_SECRET", b.JWTSecret, b.IsProduction()); err != nil {
		return b, err
	}
	return b, nil
}

// CheckSecret enforces DESIGN §2: in production a JWT secret shorter than 32
// bytes or a known placeholder stops the start.
func CheckSecret(name, v string, production bool) error {
	if v == "" {
		return fmt.Errorf("%s is not set", name)
	}
	if !production {
		return nil
	}
	if len(v) < 32 {
		return fmt.Errorf("%s is too short for production (%d bytes, need at least 32): generate one with `openssl rand -hex 32`", name, len(v))
	}
	low := strings.ToLower(v)
	placeholder := strings.Contains(low, "change-me") || strings.Contains(low, "change_me") ||
		strings.Contains(low, "changeme") || strings.Contains(low, "your_")
	for _, p := range placeholders {
		placeholder = placeholder || low == p
	}
	if placeholder {
		return fmt.Errorf("%s is a placeholder value; generate one with `openssl rand -hex 32`", name)
	}
	return nil
}

// EncryptionKey parses ENCRYPTION_KEY (64 hex chars = 32 bytes for AES-256).
func EncryptionKey(v string) ([]byte, error) {
	if v == "" {
		return nil, fmt.Errorf("ENCRYPTION_KEY is not set (64 hex chars; `openssl rand -hex 32`)")
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("ENCRYPTION_KEY must be 64 hex characters (32 bytes)")
	}
	return k, nil
}

// Or returns v, or def when v is empty.
func Or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Int reads an integer variable with a default.
func Int(getenv Getenv, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not an integer", name, v)
	}
	return n, nil
}

// Bool reads a boolean variable with a default.
func Bool(getenv Getenv, name string, def bool) (bool, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: not a boolean", name, v)
	}
	return b, nil
}

// Duration reads a Go duration ("15s") with a default.
func Duration(getenv Getenv, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a duration", name, v)
	}
	return d, nil
}

// MapEnv turns a map into a Getenv (for tests).
func MapEnv(m map[string]string) Getenv { return func(k string) string { return m[k] } }
