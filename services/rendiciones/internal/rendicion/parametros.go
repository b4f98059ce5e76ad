package rendicion

import (
	"context"
	"errors"
	"sync"
	"time"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/coreapi"
)

// Categorías of core parametros that items refer to by clave.
const (
	CategoriaGasto = "categoria_gasto"
	CentroCosto    = "centro_costo"
)

// Parametros answers whether a clave is an active parametro of a tenant's
// categoria in core, caching each tenant's list briefly: a report with
// twenty lines asks core once. A clave missing from the cached list is
// looked up again (misses are rare: they end in a 400), so a category an
// admin has just created is usable at once; a clave deactivated in core
// stops validating within Fresh. While core is unreachable a list up to
// Stale old is used.
type Parametros struct {
	Core  *coreapi.Client
	Fresh time.Duration
	Stale time.Duration

	mu      sync.Mutex
	entries map[string]paramEntry // tenant + "/" + categoria
}

type paramEntry struct {
	claves map[string]bool
	at     time.Time
}

// NewParametros returns a cache with 30 s freshness and 10 min staleness,
// the same as the tenant cache (DESIGN §4).
func NewParametros(core *coreapi.Client) *Parametros {
	return &Parametros{Core: core, Fresh: 30 * time.Second, Stale: 10 * time.Minute, entries: map[string]paramEntry{}}
}

// Has reports whether clave is active in the tenant's categoria.
func (p *Parametros) Has(ctx context.Context, bearer, tenant, categoria, clave string) (bool, error) {
	key := tenant + "/" + categoria
	p.mu.Lock()
	e, ok := p.entries[key]
	p.mu.Unlock()
	age := time.Since(e.at)
	if ok && age < p.Fresh && e.claves[clave] {
		return true, nil
	}
	ps, err := p.Core.Parametros(ctx, bearer, categoria)
	if err != nil {
		if ok && age < p.Stale && errors.Is(err, coreapi.ErrUnavailable) {
			return e.claves[clave], nil
		}
		return false, apperr.Unavailable(apperr.CodeCoreUnavailable, "no se pudo consultar los parámetros en core").
			With("categoria", categoria)
	}
	e = paramEntry{claves: map[string]bool{}, at: time.Now()}
	for _, pm := range ps {
		// core lists inactive parametros too; only active ones classify.
		if pm.Activo && pm.Categoria == categoria {
			e.claves[pm.Clave] = true
		}
	}
	p.mu.Lock()
	p.entries[key] = e
	p.mu.Unlock()
	return e.claves[clave], nil
}

// check validates the categoria and centro_costo given (nil: not given),
// naming the field that core does not know.
func (p *Parametros) check(ctx context.Context, bearer, tenant string, categoria, centro *string) error {
	fe := map[string]string{}
	for _, f := range []struct {
		field, cat string
		v          *string
	}{{"categoria", CategoriaGasto, categoria}, {"centro_costo", CentroCosto, centro}} {
		if f.v == nil {
			continue
		}
		ok, err := p.Has(ctx, bearer, tenant, f.cat, *f.v)
		if err != nil {
			return err
		}
		if !ok {
			fe[f.field] = "no es un parámetro activo de " + f.cat + " en core"
		}
	}
	return apperr.Fields(fe)
}
