package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/rut"
	"ecosystem/services/core/internal/password"
	"ecosystem/services/core/internal/tenants"
	"ecosystem/services/core/internal/users"
)

// ensureTenantUser creates the tenant (by RUT) and the user (by email) when
// missing. It reports what it did; running it twice changes nothing.
func ensureTenantUser(ctx context.Context, ts *tenants.Store, us *users.Store, h password.Params,
	tenantNombre, tenantRUT, email, pw, nombre string, roles []string) (tenants.Tenant, bool, error) {
	canon, err := rut.Normalize(tenantRUT)
	if err != nil {
		return tenants.Tenant{}, false, fmt.Errorf("tenant RUT %q: %w", tenantRUT, err)
	}
	t, err := ts.GetByRUT(ctx, canon)
	if apperr.Is(err, apperr.CodeNotFound) {
		t, err = ts.Create(ctx, tenantNombre, canon)
	}
	if err != nil {
		return tenants.Tenant{}, false, err
	}
	email = users.NormalizeEmail(email)
	if _, err := us.ByEmail(ctx, email); err == nil {
		return t, false, nil
	} else if !apperr.Is(err, apperr.CodeNotFound) {
		return t, false, err
	}
	if len(pw) < password.MinLength {
		return t, false, errors.New("password must have at least 8 characters")
	}
	hash, err := password.Hash(pw, h)
	if err != nil {
		return t, false, err
	}
	if _, err := us.Create(ctx, users.Row{TenantID: t.ID, Email: email, Nombre: nombre, PasswordHash: hash, Roles: roles}); err != nil {
		if apperr.Is(err, "email_duplicado") { // created concurrently by another instance
			return t, false, nil
		}
		return t, false, err
	}
	return t, true, nil
}

// bootstrapAdmin creates BOOTSTRAP_ADMIN_EMAIL as a superadmin of the
// platform tenant at start when it does not exist yet.
func (s *Server) bootstrapAdmin(ctx context.Context, b BootstrapConfig) error {
	_, created, err := ensureTenantUser(ctx, s.tenants, s.users, s.hashing, b.TenantNombre, b.TenantRUT, b.Email, b.Password, b.Nombre, []string{auth.RoleSuperadmin})
	if err != nil {
		return err
	}
	if created {
		s.log.Info("bootstrap superadmin created", "email", users.NormalizeEmail(b.Email))
	}
	return nil
}

// bootstrapCmd: core bootstrap -tenant-nombre N -tenant-rut R -email E -password P [-nombre X] [-rol admin].
func bootstrapCmd(ctx context.Context, cfg Config, g *gorm.DB, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bootstrap", flag.ContinueOnError)
	fs.SetOutput(stdout)
	tn := fs.String("tenant-nombre", "", "tenant name (created when its RUT is new)")
	tr := fs.String("tenant-rut", "", "tenant RUT, e.g. 76.543.210-3")
	email := fs.String("email", "", "admin email")
	pw := fs.String("password", "", "admin password (min 8 chars)")
	nombre := fs.String("nombre", "Administrador", "admin display name")
	rol := fs.String("rol", auth.RoleAdmin, "role of the user (admin, superadmin, …)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tn == "" || *tr == "" || *email == "" || *pw == "" {
		fs.Usage()
		return errors.New("bootstrap needs -tenant-nombre, -tenant-rut, -email and -password")
	}
	if !slices.Contains(auth.AllRoles, *rol) {
		return fmt.Errorf("-rol %q: use one of %v", *rol, auth.AllRoles)
	}
	t, created, err := ensureTenantUser(ctx, tenants.NewStore(g), users.NewStore(g), cfg.Hashing, *tn, *tr, *email, *pw, *nombre, []string{*rol})
	if err != nil {
		return err
	}
	state := "already existed"
	if created {
		state = "created"
	}
	fmt.Fprintf(stdout, "tenant %s (%s, id %s); user %s %s\n", t.Nombre, t.RUT, t.ID, users.NormalizeEmail(*email), state)
	return nil
}
