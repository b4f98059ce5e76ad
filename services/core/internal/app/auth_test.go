package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestLogin(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Login SpA")

	t.Run("ok devuelve el par y el usuario", func(t *testing.T) {
		var tp struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			User         struct{ Email string }
		}
		h.api.Post("/api/auth/login", map[string]string{"email": " " + f.UserEmail + " ", "password": "clave-user-1"}).Want(200).JSON(&tp)
		if tp.AccessToken == "" || tp.RefreshToken == "" || tp.User.Email != f.UserEmail {
			t.Fatalf("bad pair: %+v", tp)
		}
		raw := h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail, "password": "clave-user-1"}).Want(200).Map()
		if raw["token_type"] != "Bearer" || raw["expires_in"].(float64) != 900 {
			t.Fatalf("token_type/expires_in: %v", raw)
		}
		if _, ok := raw["user"].(map[string]any)["password_hash"]; ok {
			t.Fatal("password hash leaked")
		}
	})
	t.Run("email desconocido y clave mala dan el mismo 401", func(t *testing.T) {
		a := h.api.Post("/api/auth/login", map[string]string{"email": "nadie@t.test", "password": "x-12345678"}).Err(401, "unauthorized")
		b := h.api.Post("/api/auth/login", map[string]string{"email": f.AdminEmail, "password": "incorrecta"}).Err(401, "unauthorized")
		if a.Error != b.Error {
			t.Fatalf("messages differ: %q vs %q", a.Error, b.Error)
		}
	})
	t.Run("campos faltantes nombran el campo", func(t *testing.T) {
		h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail}).Field(400, "password")
		h.api.Post("/api/auth/login", map[string]string{"password": "x"}).Field(400, "email")
		h.api.Post("/api/auth/login", `{"email":"a@b.c","password":"x","extra":1}`).Field(400, "extra")
		h.api.Post("/api/auth/login", `{"email":`).Err(400, "bad_request")
	})
	t.Run("429 tras 5 intentos fallidos del mismo email", func(t *testing.T) {
		g := h.tenant("Throttle SpA")
		for i := 0; i < 5; i++ {
			h.api.Post("/api/auth/login", map[string]string{"email": g.UserEmail, "password": "mala"}).Want(401)
		}
		r := h.api.Post("/api/auth/login", map[string]string{"email": g.UserEmail, "password": "clave-user-1"})
		r.Err(429, "rate_limited")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		// Another email is not affected.
		h.api.Post("/api/auth/login", map[string]string{"email": g.AdminEmail, "password": "clave-admin-1"}).Want(200)
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Refresh SpA")
	var first struct {
		RefreshToken string `json:"refresh_token"`
	}
	h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail, "password": "clave-user-1"}).Want(200).JSON(&first)

	var second struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}).Want(200).JSON(&second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatal("refresh did not rotate")
	}
	// Reusing the first token is theft: 401 and the whole family dies,
	// including the legitimate successor.
	h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}).Err(401, "unauthorized")
	h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": second.RefreshToken}).Err(401, "unauthorized")

	t.Run("token inventado", func(t *testing.T) {
		h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": "no-existe"}).Err(401, "unauthorized")
		h.api.Post("/api/auth/refresh", map[string]string{}).Field(400, "refresh_token")
	})
	t.Run("logout revoca la familia", func(t *testing.T) {
		var p struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail, "password": "clave-user-1"}).Want(200).JSON(&p)
		h.api.Post("/api/auth/logout", map[string]string{"refresh_token": p.RefreshToken}).Err(401, "unauthorized")
		h.api.As(p.AccessToken).Post("/api/auth/logout", map[string]string{"refresh_token": p.RefreshToken}).Want(204)
		h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": p.RefreshToken}).Want(401)
	})
}

func TestDeactivatedUserCannotLoginOrRefresh(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Baja SpA")
	var p struct {
		RefreshToken string `json:"refresh_token"`
	}
	h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail, "password": "clave-user-1"}).Want(200).JSON(&p)
	h.api.As(f.AdminToken).Delete("/api/users/" + f.UserID).Want(204)
	h.api.Post("/api/auth/login", map[string]string{"email": f.UserEmail, "password": "clave-user-1"}).Err(401, "unauthorized")
	h.api.Post("/api/auth/refresh", map[string]string{"refresh_token": p.RefreshToken}).Err(401, "unauthorized")
	h.api.As(f.UserToken).Get("/api/auth/me").Err(401, "unauthorized")
}

func TestMe(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Me SpA")
	m := h.api.As(f.UserToken).Get("/api/auth/me").Want(200).Map()
	if m["email"] != f.UserEmail || m["tenant"].(map[string]any)["id"] != f.ID {
		t.Fatalf("me: %v", m)
	}
	h.api.Get("/api/auth/me").Err(401, "unauthorized")
}

// sign builds an HS256 token by hand (header.claims.HMAC), as another
// library such as Node's jsonwebtoken would.
func sign(t *testing.T, alg, secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	hdr, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	body, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString(hdr) + "." + enc.EncodeToString(body)
	if alg == "none" {
		return unsigned + "."
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(m.Sum(nil))
}

func TestTokenVerification(t *testing.T) {
	h := newHarness(t)
	f := h.tenant("Tokens SpA")
	now := time.Now().Unix()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"sub": f.UserID, "tenant_id": f.ID, "roles": []string{"usuario"}, "email": f.UserEmail,
			"iss": "core", "aud": "ecosystem", "iat": now, "exp": now + 600, "jti": "x1"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"otra librería HS256 con el mismo secreto", sign(t, "HS256", testSecret, claims(nil)), 200},
		{"aud como lista", sign(t, "HS256", testSecret, claims(func(c map[string]any) { c["aud"] = []string{"ecosystem"} })), 200},
		{"alg none", sign(t, "none", "", claims(nil)), 401},
		{"secreto equivocado", sign(t, "HS256", "otro-secreto-0123456789-0123456789", claims(nil)), 401},
		{"expirado", sign(t, "HS256", testSecret, claims(func(c map[string]any) { c["exp"] = now - 120; c["iat"] = now - 1000 })), 401},
		{"sin exp", sign(t, "HS256", testSecret, claims(func(c map[string]any) { delete(c, "exp") })), 401},
		{"aud equivocado", sign(t, "HS256", testSecret, claims(func(c map[string]any) { c["aud"] = "otra-app" })), 401},
		{"iss equivocado", sign(t, "HS256", testSecret, claims(func(c map[string]any) { c["iss"] = "intruso" })), 401},
		{"HS512 no permitido", func() string {
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims(claims(nil))).SignedString([]byte(testSecret))
			return tok
		}(), 401},
		{"mal formado", "abc.def", 401},
		{"basura", "%%%", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.api.As(tc.token).Get("/api/auth/me")
			if tc.status == 200 {
				r.Want(200)
				return
			}
			r.Err(tc.status, "unauthorized")
		})
	}
	t.Run("esquema distinto de Bearer", func(t *testing.T) {
		c := *h.api
		c.Header = map[string][]string{"Authorization": {fmt.Sprintf("Basic %s", f.UserToken)}}
		c.Get("/api/auth/me").Err(401, "unauthorized")
	})
}
