package config

import (
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		err  string
	}{
		{"desarrollo sin nada usa valores por defecto", map[string]string{}, ""},
		{"producción con secreto fuerte", map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("a1", 20)}, ""},
		{"producción sin secreto", map[string]string{"APP_ENV": "production"}, "JWT_SECRET is not set"},
		{"producción secreto corto", map[string]string{"APP_ENV": "production", "JWT_SECRET": "abc"}, "too short"},
		{"producción placeholder", map[string]string{"APP_ENV": "production", "JWT_SECRET": DevJWTSecret}, "placeholder"},
		{"puerto no numérico", map[string]string{"PORT": "x"}, "PORT"},
		{"APP_ENV desconocido", map[string]string{"APP_ENV": "staging"}, "APP_ENV"},
		{"AUTO_MIGRATE inválido", map[string]string{"AUTO_MIGRATE": "quizás"}, "AUTO_MIGRATE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Load(MapEnv(tc.env), "svc", "SVC_DATABASE_URL", 5000)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b.Port != 5000 || b.DatabaseURL != DefaultDatabaseURL {
					t.Fatalf("defaults: %+v", b)
				}
				if b.AutoMigrate == b.IsProduction() {
					t.Fatal("AUTO_MIGRATE default must be on in development and off in production")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}
