// Command core is the platform service: login and tokens, tenants, users,
// master parameters and AI prompts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"ecosystem/services/core/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Getenv, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "core:", err)
		os.Exit(1)
	}
}
