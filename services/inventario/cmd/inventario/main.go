// Command inventario is the inventory service: products, warehouses, stock
// balances and the movement ledger.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"ecosystem/services/inventario/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Getenv, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "inventario:", err)
		os.Exit(1)
	}
}
