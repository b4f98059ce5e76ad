package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("correcto-caballo-bateria", Default)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected format %q", h)
	}
	h2, _ := Hash("correcto-caballo-bateria", Default)
	if h == h2 {
		t.Fatal("two hashes of the same password must differ (salt)")
	}
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"correcta", "correcto-caballo-bateria", true},
		{"incorrecta", "correcto-caballo-bateriA", false},
		{"vacia", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := Verify(tc.pw, h)
			if err != nil || ok != tc.ok {
				t.Fatalf("Verify = %v, %v; want %v", ok, err, tc.ok)
			}
		})
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "plain"} {
		if _, err := Verify("x", bad); err == nil {
			t.Errorf("Verify accepted malformed hash %q", bad)
		}
	}
}
