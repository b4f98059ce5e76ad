package service

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sort"
	"strings"

	"gorm.io/gorm"

	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/logx"
)

// Program describes one service binary: `<name> [serve|migrate up|down|status|<extra>…]`.
type Program struct {
	Base       config.Base
	Schema     string
	Migrations fs.FS
	Stdout     io.Writer
	// Serve runs the service until ctx ends.
	Serve func(ctx context.Context, env Env) error
	// Extra subcommands (core: bootstrap).
	Extra map[string]func(ctx context.Context, env Env, args []string) error
}

// Env is what a subcommand gets: the database, its migrator and the logger.
type Env struct {
	DB       *gorm.DB
	Migrator *db.Migrator
	Log      *slog.Logger
	Stdout   io.Writer
}

// Dispatch opens the database and runs the subcommand named by args[0]
// (serve when absent). serve applies pending migrations first when
// AUTO_MIGRATE is on.
func Dispatch(ctx context.Context, p Program, args []string) error {
	log := logx.New(p.Stdout, p.Base.Service, p.Base.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	g, err := db.Open(p.Base.DatabaseURL, p.Base.DBMaxConns, log)
	if err != nil {
		return err
	}
	defer db.Close(g)
	sqlDB, err := g.DB()
	if err != nil {
		return err
	}
	env := Env{DB: g, Migrator: db.NewMigrator(sqlDB, p.Schema, p.Migrations, log), Log: log, Stdout: p.Stdout}
	switch cmd {
	case "serve":
		if p.Base.AutoMigrate {
			if err := env.Migrator.Up(ctx); err != nil {
				return fmt.Errorf("%w (is Postgres reachable at the database URL?)", err)
			}
		}
		return p.Serve(ctx, env)
	case "migrate":
		return migrate(ctx, env.Migrator, args, p.Stdout)
	}
	if f, ok := p.Extra[cmd]; ok {
		return f(ctx, env, args)
	}
	names := []string{"serve", "migrate up|down|status"}
	for k := range p.Extra {
		names = append(names, k)
	}
	sort.Strings(names[2:])
	return fmt.Errorf("unknown command %q (use %s)", cmd, strings.Join(names, ", "))
}

func migrate(ctx context.Context, mig *db.Migrator, args []string, stdout io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	switch action {
	case "up":
		return mig.Up(ctx)
	case "down":
		return mig.Down(ctx)
	case "status":
		lines, err := mig.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, strings.Join(lines, "\n"))
		return nil
	}
	return fmt.Errorf("migrate %q: use up, down or status", action)
}
