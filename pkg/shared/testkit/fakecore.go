package testkit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/coreapi"
)

// FakeCore is a real HTTP server standing in for core in rendiciones' and
// inventario's tests: it verifies tokens like core does and answers
// GET /api/tenants/:id, GET /api/parametros and GET /api/ai-prompts/:clave/activo.
type FakeCore struct {
	URL    string
	Secret string
	Signer *auth.Signer
	Calls  atomic.Int64

	mu         sync.Mutex
	tenants    map[string]coreapi.Tenant
	parametros map[string][]coreapi.Parametro // tenant → list
	prompts    map[string]coreapi.Prompt      // tenant+"/"+clave
	users      map[string]coreapi.User        // id → user, known from the tokens minted
}

// NewFakeCore starts a fake core that signs and verifies with secret.
func NewFakeCore(t testing.TB, secret string) *FakeCore {
	f := &FakeCore{Secret: secret, Signer: auth.NewSigner(secret), tenants: map[string]coreapi.Tenant{},
		parametros: map[string][]coreapi.Parametro{}, prompts: map[string]coreapi.Prompt{}, users: map[string]coreapi.User{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *FakeCore) serve(w http.ResponseWriter, r *http.Request) {
	f.Calls.Add(1)
	h := r.Header.Get("Authorization")
	claims, err := f.Signer.Verify(strings.TrimPrefix(h, "Bearer "))
	if err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/tenants/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/tenants/")
		t, ok := f.tenants[id]
		if !ok || id != claims.TenantID {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(t)
	case strings.HasPrefix(r.URL.Path, "/api/users/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/users/")
		u, ok := f.users[id]
		if !ok || u.TenantID != claims.TenantID {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(u)
	case r.URL.Path == "/api/parametros":
		cat := r.URL.Query().Get("categoria")
		out := []coreapi.Parametro{}
		for _, p := range f.parametros[claims.TenantID] {
			if cat == "" || p.Categoria == cat {
				out = append(out, p)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"data": out, "page": 1, "page_size": 200, "total": len(out)})
	case strings.HasPrefix(r.URL.Path, "/api/ai-prompts/") && strings.HasSuffix(r.URL.Path, "/activo"):
		clave := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/ai-prompts/"), "/activo")
		p, ok := f.prompts[claims.TenantID+"/"+clave]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(p)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// Tenant registers an active tenant and returns its id.
func (f *FakeCore) Tenant(nombre string) string {
	id := uuid.NewString()
	f.SetTenant(coreapi.Tenant{ID: id, Nombre: nombre, Activo: true})
	return id
}

// SetTenant adds or replaces a tenant (e.g. to deactivate it).
func (f *FakeCore) SetTenant(t coreapi.Tenant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tenants[t.ID] = t
}

// Parametro adds an active parametro to a tenant.
func (f *FakeCore) Parametro(tenant, categoria, clave string, valor any) {
	raw, _ := json.Marshal(valor)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.parametros[tenant] = append(f.parametros[tenant], coreapi.Parametro{ID: uuid.NewString(), Categoria: categoria, Clave: clave, Valor: raw, Activo: true})
}

// Prompt sets a tenant's active prompt for clave.
func (f *FakeCore) Prompt(tenant, clave, contenido, modelo string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prompts[tenant+"/"+clave] = coreapi.Prompt{ID: uuid.NewString(), Clave: clave, Version: 1, Contenido: contenido, Modelo: modelo, Activo: true}
}

// Token mints an access token for a new user id of tenant with roles, as core would.
func (f *FakeCore) Token(t testing.TB, tenant string, roles ...string) string {
	tok, _ := f.TokenFor(t, uuid.NewString(), tenant, roles...)
	return tok
}

// TokenFor mints a token for a given user id and returns it with that id.
func (f *FakeCore) TokenFor(t testing.TB, userID, tenant string, roles ...string) (string, string) {
	if len(roles) == 0 {
		roles = []string{auth.RoleUsuario}
	}
	tok, _, err := f.Signer.Issue(userID, tenant, userID[:8]+"@test.cl", roles)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.users[userID] = coreapi.User{ID: userID, TenantID: tenant, Email: userID[:8] + "@test.cl", Nombre: "Usuario " + userID[:8], Roles: roles, Activo: true}
	f.mu.Unlock()
	return tok, userID
}
