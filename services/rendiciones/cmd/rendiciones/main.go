// Command rendiciones is the expense service: documents with AI extraction,
// corporate cards and statements, expense reports and their approval.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"ecosystem/services/rendiciones/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Getenv, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rendiciones:", err)
		os.Exit(1)
	}
}
