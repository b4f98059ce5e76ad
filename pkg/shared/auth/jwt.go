// Package auth issues and verifies the platform's access tokens (HS256 with the
// shared JWT_SECRET, DESIGN §4) and guards routes by role.
package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	Issuer   = "core"
	Audience = "ecosystem"
	// AccessTTL is the access-token lifetime.
	AccessTTL = 15 * time.Minute
)

// Roles of DESIGN §4.
const (
	RoleSuperadmin = "superadmin"
	RoleAdmin      = "admin"
	RoleAprobador  = "aprobador"
	RoleUsuario    = "usuario"
	RoleBodega     = "bodega"
)

// AllRoles lists every valid role.
var AllRoles = []string{RoleSuperadmin, RoleAdmin, RoleAprobador, RoleUsuario, RoleBodega}

// Claims are the access token's claims.
type Claims struct {
	TenantID string   `json:"tenant_id"`
	Roles    []string `json:"roles"`
	Email    string   `json:"email"`
	jwt.RegisteredClaims
}

func init() {
	// "aud": "ecosystem" as a string, as DESIGN §4 writes it and Node's
	// jsonwebtoken does; verification accepts a string or an array either way.
	jwt.MarshalSingleStringAsArray = false
}

// Signer mints and verifies tokens with one HMAC secret.
type Signer struct {
	secret []byte
	now    func() time.Time
}

// NewSigner returns a Signer for the shared secret.
func NewSigner(secret string) *Signer {
	return &Signer{secret: []byte(secret), now: time.Now}
}

// Issue mints an access token for a user; it returns the token and its expiry.
func (s *Signer) Issue(userID, tenantID, email string, roles []string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(AccessTTL)
	c := Claims{
		TenantID: tenantID,
		Roles:    roles,
		Email:    email,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   userID,
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        uuid.NewString(),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	return tok, exp, err
}

// ServiceToken mints a short token a service uses to call another one on a
// tenant's behalf from a background job (no caller token exists there).
func (s *Signer) ServiceToken(service, tenantID string) (string, error) {
	now := s.now()
	c := Claims{
		TenantID: tenantID,
		Roles:    []string{RoleUsuario},
		Email:    service + "@services.local",
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   "service:" + service,
			Issuer:    Issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(2 * time.Minute)),
			ID:        uuid.NewString(),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

// ErrInvalidToken is returned for every rejected token; the reason is wrapped.
var ErrInvalidToken = errors.New("token inválido")

// Verify checks algorithm (HS256 only), signature, exp, iss and aud.
func (s *Signer) Verify(token string) (*Claims, error) {
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.Subject == "" || c.TenantID == "" {
		return nil, fmt.Errorf("%w: sub or tenant_id missing", ErrInvalidToken)
	}
	return c, nil
}
