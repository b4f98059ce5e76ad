package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// TestMain doubles as the rendiciones binary: with RENDICIONES_CHILD=1 the
// test executable runs the service (as main does), so a test can kill it
// with SIGKILL like a crash would.
func TestMain(m *testing.M) {
	if os.Getenv("RENDICIONES_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := Run(ctx, os.Getenv, os.Stdout, []string{"serve"})
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "rendiciones:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
