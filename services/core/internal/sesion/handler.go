// Package sesion is login and the token life cycle: access tokens (JWT, 15
// min) and opaque refresh tokens rotated on every use, with reuse detection
// and a per-email limit on failed logins.
package sesion

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/httpx"
	"ecosystem/services/core/internal/password"
	"ecosystem/services/core/internal/tenants"
	"ecosystem/services/core/internal/users"
)

// Login throttling: after MaxFailures failed logins for one email within
// FailureWindow, further attempts answer 429 until the window slides.
const (
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
)

// Handler serves /api/auth.
type Handler struct {
	Store   *Store
	Users   *users.Store
	Tenants *tenants.Store
	Signer  *auth.Signer
	Log     *slog.Logger
}

// TokenPair is the login/refresh answer.
type TokenPair struct {
	AccessToken  string     `json:"access_token"`
	RefreshToken string     `json:"refresh_token"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    int        `json:"expires_in"`
	User         users.User `json:"user"`
}

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errCredentials = apperr.Unauthorized("email o contraseña incorrectos")

// Login: POST /api/auth/login. Unknown email and wrong password get the same
// answer and cost the same time.
func (h Handler) Login(c echo.Context) error {
	var in loginInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	fe := map[string]string{}
	if in.Email == "" {
		fe["email"] = "es obligatorio"
	}
	if in.Password == "" {
		fe["password"] = "es obligatorio"
	}
	if err := apperr.Fields(fe); err != nil {
		return err
	}
	ctx := c.Request().Context()
	email := users.NormalizeEmail(in.Email)
	n, err := h.Store.Failures(ctx, email, time.Now().UTC().Add(-FailureWindow))
	if err != nil {
		return apperr.Wrap(err, "login")
	}
	if n >= MaxFailures {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(FailureWindow.Seconds())))
		h.Log.WarnContext(ctx, "login throttled", "failures", n)
		return apperr.New(http.StatusTooManyRequests, apperr.CodeRateLimited, "demasiados intentos fallidos; intente de nuevo en 15 minutos")
	}
	if len(in.Password) > password.MaxLength*4 {
		return errCredentials
	}
	u, err := h.Users.ByEmail(ctx, email)
	if apperr.Is(err, apperr.CodeNotFound) {
		password.VerifyDummy(in.Password)
		return h.fail(ctx, email)
	}
	if err != nil {
		return err
	}
	ok, err := password.Verify(in.Password, u.PasswordHash)
	if err != nil {
		return apperr.Wrap(err, "verificar contraseña")
	}
	if !ok || !u.Activo {
		return h.fail(ctx, email)
	}
	t, err := h.Tenants.Get(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if !t.Activo {
		return apperr.New(http.StatusForbidden, apperr.CodeTenantInactive, "el tenant está inactivo")
	}
	if err := h.Store.ClearFailures(ctx, email); err != nil {
		return apperr.Wrap(err, "login")
	}
	refresh, err := h.Store.Start(ctx, u.ID)
	if err != nil {
		return err
	}
	return h.answer(c, u, refresh)
}

func (h Handler) fail(ctx context.Context, email string) error {
	if err := h.Store.RecordFailure(ctx, email, FailureWindow); err != nil {
		return apperr.Wrap(err, "login")
	}
	return errCredentials
}

func (h Handler) answer(c echo.Context, u users.Row, refresh string) error {
	access, exp, err := h.Signer.Issue(u.ID.String(), u.TenantID.String(), u.Email, u.Roles)
	if err != nil {
		return apperr.Wrap(err, "firmar token")
	}
	return c.JSON(http.StatusOK, TokenPair{
		AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(time.Until(exp).Round(time.Second).Seconds()), User: u.User(),
	})
}

type refreshInput struct {
	RefreshToken string `json:"refresh_token"`
}

// Refresh: POST /api/auth/refresh rotates the refresh token.
func (h Handler) Refresh(c echo.Context) error {
	var in refreshInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return apperr.Invalid("refresh_token", "es obligatorio")
	}
	ctx := c.Request().Context()
	var u users.Row
	next, _, err := h.Store.Rotate(ctx, in.RefreshToken, func(id uuid.UUID) error {
		var err error
		if u, err = h.Users.Get(ctx, id, nil); err != nil {
			return err
		}
		if !u.Activo {
			return errInvalidRefresh
		}
		t, err := h.Tenants.Get(ctx, u.TenantID)
		if err != nil {
			return err
		}
		if !t.Activo {
			return apperr.New(http.StatusForbidden, apperr.CodeTenantInactive, "el tenant está inactivo")
		}
		return nil
	})
	if errors.Is(err, ErrReuse) {
		h.Log.WarnContext(ctx, "refresh token reused: family revoked")
		return errInvalidRefresh
	}
	if err != nil {
		return err
	}
	return h.answer(c, u, next)
}

// Logout: POST /api/auth/logout ends the session the refresh token belongs to.
func (h Handler) Logout(c echo.Context) error {
	var in refreshInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	if in.RefreshToken == "" {
		return apperr.Invalid("refresh_token", "es obligatorio")
	}
	uid := auth.From(c).User
	if uid == uuid.Nil {
		return apperr.Unauthorized("token inválido")
	}
	if err := h.Store.RevokeFamilyOf(c.Request().Context(), in.RefreshToken, uid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Me is the caller with its tenant.
type Me struct {
	users.User
	Tenant tenants.Tenant `json:"tenant"`
}

// Me: GET /api/auth/me.
func (h Handler) Me(c echo.Context) error {
	p := auth.From(c)
	id := p.User
	if id == uuid.Nil {
		return apperr.Unauthorized("token inválido")
	}
	ctx := c.Request().Context()
	u, err := h.Users.Get(ctx, id, nil)
	if err != nil {
		return err
	}
	if !u.Activo {
		return apperr.Unauthorized("usuario inactivo")
	}
	t, err := h.Tenants.Get(ctx, u.TenantID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Me{User: u.User(), Tenant: t})
}
