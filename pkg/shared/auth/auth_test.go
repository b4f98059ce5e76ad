package auth

import (
	"testing"
	"time"
)

func TestRoleHierarchy(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		want  map[string]bool
	}{
		{"usuario", []string{RoleUsuario}, map[string]bool{RoleUsuario: true, RoleAprobador: false, RoleAdmin: false, RoleBodega: false}},
		{"admin incluye operativos", []string{RoleAdmin}, map[string]bool{RoleUsuario: true, RoleAprobador: true, RoleBodega: true, RoleAdmin: true, RoleSuperadmin: false}},
		{"superadmin incluye todo", []string{RoleSuperadmin}, map[string]bool{RoleAdmin: true, RoleBodega: true, RoleSuperadmin: true}},
		{"bodega", []string{RoleBodega}, map[string]bool{RoleBodega: true, RoleAprobador: false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Principal{Roles: tc.roles}
			for r, want := range tc.want {
				if p.Has(r) != want {
					t.Errorf("Has(%s) = %v, want %v", r, !want, want)
				}
			}
		})
	}
}

func TestIssueVerify(t *testing.T) {
	s := NewSigner("secret-0123456789-0123456789-0123456789")
	tok, exp, err := s.Issue("u1", "t1", "a@b.c", []string{RoleAdmin})
	if err != nil || time.Until(exp) > AccessTTL || time.Until(exp) < AccessTTL-time.Minute {
		t.Fatalf("issue: %v %v", err, exp)
	}
	c, err := s.Verify(tok)
	if err != nil || c.Subject != "u1" || c.TenantID != "t1" || c.Roles[0] != RoleAdmin {
		t.Fatalf("verify: %+v %v", c, err)
	}
	if _, err := NewSigner("another-secret-0123456789-0123456789").Verify(tok); err == nil {
		t.Fatal("verified with the wrong secret")
	}
	s.now = func() time.Time { return time.Now().Add(AccessTTL + time.Minute) }
	if _, err := s.Verify(tok); err == nil {
		t.Fatal("expired token verified")
	}
	svc, err := NewSigner("x-secret-0123456789-0123456789-01234").ServiceToken("rendiciones", "t9")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := NewSigner("x-secret-0123456789-0123456789-01234").Verify(svc); err != nil || c.TenantID != "t9" {
		t.Fatalf("service token: %v %v", c, err)
	}
}
