// Package coreapi is the HTTP client rendiciones and inventario use to reach
// core: tenants (validation), parametros and AI prompts. Calls carry the
// caller's bearer token and request id, and time out after 5 s.
package coreapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ecosystem/pkg/shared/logx"
)

// Errors a caller tells apart.
var (
	ErrUnavailable  = errors.New("core no disponible")
	ErrNotFound     = errors.New("no encontrado en core")
	ErrUnauthorized = errors.New("core rechazó el token")
	ErrForbidden    = errors.New("core denegó el acceso")
)

// Client talks to core at BaseURL.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// New returns a client with the 5 s timeout of DESIGN §4.
func New(baseURL string) *Client {
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		HTTP: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second,
		}},
	}
}

// Tenant is core's tenant resource.
type Tenant struct {
	ID     string `json:"id"`
	Nombre string `json:"nombre"`
	RUT    string `json:"rut"`
	Activo bool   `json:"activo"`
}

// Parametro is core's parametro resource as other services read it.
type Parametro struct {
	ID          string          `json:"id"`
	Categoria   string          `json:"categoria"`
	Clave       string          `json:"clave"`
	Valor       json.RawMessage `json:"valor"`
	Descripcion string          `json:"descripcion"`
	Activo      bool            `json:"activo"`
}

// Prompt is an AI prompt version.
type Prompt struct {
	ID        string `json:"id"`
	Clave     string `json:"clave"`
	Version   int    `json:"version"`
	Contenido string `json:"contenido"`
	Modelo    string `json:"modelo"`
	Activo    bool   `json:"activo"`
}

// Tenant fetches GET /api/tenants/{id}.
func (c *Client) Tenant(ctx context.Context, bearer, id string) (Tenant, error) {
	var t Tenant
	err := c.get(ctx, bearer, "/api/tenants/"+url.PathEscape(id), &t)
	return t, err
}

// Parametros lists active parametros of a categoria, all pages.
func (c *Client) Parametros(ctx context.Context, bearer, categoria string) ([]Parametro, error) {
	var all []Parametro
	for page := 1; ; page++ {
		var resp struct {
			Data  []Parametro `json:"data"`
			Total int         `json:"total"`
		}
		q := url.Values{"categoria": {categoria}, "activo": {"true"}, "page": {fmt.Sprint(page)}, "page_size": {"200"}}
		if err := c.get(ctx, bearer, "/api/parametros?"+q.Encode(), &resp); err != nil {
			return nil, err
		}
		all = append(all, resp.Data...)
		if len(resp.Data) == 0 || len(all) >= resp.Total {
			return all, nil
		}
	}
}

// User is core's user resource as other services read it.
type User struct {
	ID       string   `json:"id"`
	TenantID string   `json:"tenant_id"`
	Email    string   `json:"email"`
	Nombre   string   `json:"nombre"`
	Roles    []string `json:"roles"`
	Activo   bool     `json:"activo"`
}

// User fetches GET /api/users/{id}; core answers it to an admin of the
// user's tenant (another tenant's user is ErrNotFound).
func (c *Client) User(ctx context.Context, bearer, id string) (User, error) {
	var u User
	err := c.get(ctx, bearer, "/api/users/"+url.PathEscape(id), &u)
	return u, err
}

// ActivePrompt fetches GET /api/ai-prompts/{clave}/activo.
func (c *Client) ActivePrompt(ctx context.Context, bearer, clave string) (Prompt, error) {
	var p Prompt
	err := c.get(ctx, bearer, "/api/ai-prompts/"+url.PathEscape(clave)+"/activo", &p)
	return p, err
}

func (c *Client) get(ctx context.Context, bearer, path string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	if id := logx.RequestID(ctx); id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(body, dst); err != nil {
			return fmt.Errorf("%w: bad response from core: %v", ErrUnavailable, err)
		}
		return nil
	case resp.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case resp.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	case resp.StatusCode == http.StatusForbidden:
		return ErrForbidden
	default:
		return fmt.Errorf("%w: core answered %d", ErrUnavailable, resp.StatusCode)
	}
}
