package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newDisk(t *testing.T) *Disk {
	d, err := NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func entries(t *testing.T, d *Disk) []string {
	var out []string
	_ = filepath.WalkDir(d.Root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(d.Root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestPutOpenDelete(t *testing.T) {
	d := newDisk(t)
	ctx := context.Background()
	data := bytes.Repeat([]byte("factura "), 10000)
	n, err := d.Put(ctx, "documentos/t1/doc1", bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("put: %d %v", n, err)
	}
	o, err := d.Open(ctx, "documentos/t1/doc1")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Size() != int64(len(data)) {
		t.Fatalf("size %d", o.Size())
	}
	buf := make([]byte, 7)
	if _, err := o.ReadAt(buf, 8); err != nil || string(buf) != "factura" {
		t.Fatalf("ReadAt: %q %v", buf, err)
	}
	all, _ := io.ReadAll(o)
	if !bytes.Equal(all, data) {
		t.Fatal("content differs")
	}
	if got := entries(t, d); len(got) != 1 || got[0] != "documentos/t1/doc1" {
		t.Fatalf("files: %v", got)
	}
	if err := d.Delete(ctx, "documentos/t1/doc1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "documentos/t1/doc1"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := d.Open(ctx, "documentos/t1/doc1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open deleted: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

// A Put that fails half way leaves neither the file nor its temporary.
func TestFailedPutLeavesNothing(t *testing.T) {
	d := newDisk(t)
	ctx := context.Background()
	if _, err := d.Put(ctx, "a/b", &failingReader{n: 100 << 10}); err == nil || !strings.Contains(err.Error(), "went away") {
		t.Fatalf("err %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Put(cctx, "a/c", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if got := entries(t, d); len(got) != 0 {
		t.Fatalf("left behind: %v", got)
	}
}

// Put replaces atomically: a reader of the old file keeps it whole.
func TestPutReplacesAtomically(t *testing.T) {
	d := newDisk(t)
	ctx := context.Background()
	if _, err := d.Put(ctx, "k", strings.NewReader("version uno")); err != nil {
		t.Fatal(err)
	}
	old, err := d.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := d.Put(ctx, "k", strings.NewReader("version dos, más larga")); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(old)
	if string(b) != "version uno" {
		t.Fatalf("old reader saw %q", b)
	}
	o, _ := d.Open(ctx, "k")
	defer o.Close()
	b, _ = io.ReadAll(o)
	if string(b) != "version dos, más larga" {
		t.Fatalf("new content %q", b)
	}
}

func TestKeysCannotEscapeTheRoot(t *testing.T) {
	d := newDisk(t)
	for _, k := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", `a\b`, "a/.upload-1", "a/b c", "ñ"} {
		if _, err := d.Put(context.Background(), k, strings.NewReader("x")); !errors.Is(err, ErrBadKey) {
			t.Errorf("Put(%q): %v", k, err)
		}
		if _, err := d.Open(context.Background(), k); !errors.Is(err, ErrBadKey) {
			t.Errorf("Open(%q): %v", k, err)
		}
	}
}

func TestCleanTempRemovesOldLeftovers(t *testing.T) {
	d := newDisk(t)
	dir := filepath.Join(d.Root, "documentos", "t")
	_ = os.MkdirAll(dir, 0o750)
	old := filepath.Join(dir, tempPrefix+"viejo")
	fresh := filepath.Join(dir, tempPrefix+"nuevo")
	keep := filepath.Join(dir, "doc")
	for _, p := range []string{old, fresh, keep} {
		_ = os.WriteFile(p, []byte("x"), 0o600)
	}
	past := time.Now().Add(-48 * time.Hour)
	_ = os.Chtimes(old, past, past)
	_ = os.Chtimes(keep, past, past)
	n, err := d.CleanTemp(24 * time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if got := entries(t, d); len(got) != 2 {
		t.Fatalf("left %v", got)
	}
}
