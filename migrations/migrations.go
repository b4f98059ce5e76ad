// Package migrations embeds each service's goose SQL files. Each service runs
// only its own set, in its own schema.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed core/*.sql rendiciones/*.sql inventario/*.sql
var files embed.FS

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err)
	}
	return f
}

// Core, Rendiciones and Inventario are the migration sets by schema name.
var (
	Core        = sub("core")
	Rendiciones = sub("rendiciones")
	Inventario  = sub("inventario")
)
