// Package storage keeps uploaded files outside the database (DESIGN §6)
// behind a small interface, so an S3-compatible store can replace the local
// disk without touching the documentos package.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Store saves, reads and deletes files by key ("documentos/<tenant>/<id>").
type Store interface {
	// Put writes r under key atomically: after it returns nil the whole file
	// is durable under key; after an error (r failed, ctx ended, disk full)
	// nothing is left under key and no temporary file remains.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the file; ErrNotFound when key holds none.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Object is an open stored file. ReadAt lets the PDF reader seek without
// loading the file; Seek lets HTTP serve ranges.
type Object interface {
	io.ReadSeekCloser
	io.ReaderAt
	Size() int64
}

// ErrNotFound is returned by Open for a key with no file.
var ErrNotFound = errors.New("storage: file not found")

// ErrBadKey rejects keys that could escape the root ("..", absolute paths).
var ErrBadKey = errors.New("storage: invalid key")

// tempPrefix marks files being written; CleanTemp removes old ones left by a
// crash in the middle of a Put.
const tempPrefix = ".upload-"

// Disk stores files under Root on the local file system.
type Disk struct {
	Root string
}

// NewDisk returns a Disk rooted at dir, creating it if needed.
func NewDisk(dir string) (*Disk, error) {
	if dir == "" {
		return nil, errors.New("storage: empty root directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", abs, err)
	}
	return &Disk{Root: abs}, nil
}

func (d *Disk) path(key string) (string, error) {
	if key == "" || len(key) > 512 || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return "", ErrBadKey
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, tempPrefix) {
			return "", ErrBadKey
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return "", ErrBadKey
			}
		}
	}
	return filepath.Join(d.Root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file in the destination directory (so the
// rename stays on one file system), fsyncs it, renames it over key and
// fsyncs the directory so the rename itself survives a power loss.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	dst, err := d.path(key)
	if err != nil {
		return 0, err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	n, err = io.Copy(f, ctxReader{ctx: ctx, r: r})
	if err != nil {
		return n, err
	}
	if err = f.Sync(); err != nil {
		return n, fmt.Errorf("storage: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return n, fmt.Errorf("storage: close: %w", err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		return n, fmt.Errorf("storage: rename: %w", err)
	}
	if err = syncDir(dir); err != nil {
		_ = os.Remove(dst)
		return n, fmt.Errorf("storage: sync dir: %w", err)
	}
	return n, nil
}

func syncDir(dir string) error {
	df, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer df.Close()
	return df.Sync()
}

// Open opens key for reading.
func (d *Disk) Open(_ context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: %w", err)
	}
	return diskObject{File: f, size: st.Size()}, nil
}

type diskObject struct {
	*os.File
	size int64
}

func (o diskObject) Size() int64 { return o.size }

// Delete removes key.
func (d *Disk) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

// CleanTemp removes temporary files older than age, left behind when the
// process died in the middle of a Put. It returns how many it removed.
func (d *Disk) CleanTemp(age time.Duration) (int, error) {
	cutoff := time.Now().Add(-age)
	removed := 0
	err := filepath.WalkDir(d.Root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			return nil
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			if os.Remove(p) == nil {
				removed++
			}
		}
		return nil
	})
	return removed, err
}

// ctxReader stops a long copy when the request or job is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
