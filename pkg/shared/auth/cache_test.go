package auth

import (
	"strings"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	s := NewSigner("cache-test-secret-0123456789-0123456789")
	tc := NewTokenCache(s, 2)
	tok, exp, err := s.Issue("u1", "t1", "u1@test.cl", []string{RoleBodega})
	if err != nil {
		t.Fatal(err)
	}
	c1, err := tc.Verify(tok)
	if err != nil || c1.Subject != "u1" {
		t.Fatalf("first verify: %v %v", c1, err)
	}
	if c2, err := tc.Verify(tok); err != nil || c2 != c1 {
		t.Fatalf("second verify not served from the cache: %v", err)
	}
	// An altered token never matches a cached one and fails verification.
	if _, err := tc.Verify(tok[:len(tok)-2] + "xx"); err == nil {
		t.Fatal("altered token accepted")
	}
	other := NewSigner("another-secret-0123456789-0123456789-xyz")
	forged, _, _ := other.Issue("u1", "t1", "u1@test.cl", []string{RoleAdmin})
	if _, err := tc.Verify(forged); err == nil {
		t.Fatal("token signed with another secret accepted")
	}
	// Past its exp a cached token is verified again, and rejected.
	s.now = func() time.Time { return exp.Add(time.Minute) }
	if _, err := tc.Verify(tok); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token: %v", err)
	}
	// The cache stays bounded.
	s.now = time.Now
	for i := range 5 {
		tk, _, _ := s.Issue("u"+string(rune('a'+i)), "t1", "x@test.cl", nil)
		if _, err := tc.Verify(tk); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tc.entries); n > 2 {
		t.Fatalf("%d entries, max 2", n)
	}
}
