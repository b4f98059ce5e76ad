package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"ecosystem/pkg/shared/db"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/muestras"
)

// child is a rendiciones process started from this test binary.
type child struct {
	cmd  *exec.Cmd
	out  *testkit.Buffer
	base string
}

func startChild(t *testing.T, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RENDICIONES_CHILD=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	c := &child{cmd: cmd, out: &testkit.Buffer{}, base: "http://127.0.0.1:" + env["PORT"]}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	testkit.WaitReady(t, c.base, c.out)
	return c
}

// A rendiciones process killed (SIGKILL) while it holds an extraction job
// loses its lease; another process picks the job up when the lease expires
// and finishes it once.
func TestProcessKilledMidJobIsResumedByAnother(t *testing.T) {
	dbURL, drop, err := testdb.CreateDatabase("crash")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	core := testkit.NewFakeCore(t, testSecret)
	fake := newFakeGemini(t)
	started := make(chan struct{}, 4)
	fake.set(func(w http.ResponseWriter, r *http.Request, n int, c geminiCall) {
		started <- struct{}{}
		<-r.Context().Done() // the first process dies waiting here
	})
	env := runEnv(t, dbURL, core.URL)
	for k, v := range map[string]string{"ENABLE_AI_EXTRACTION": "true", "GEMINI_API_KEY": "clave-de-prueba",
		"GEMINI_BASE_URL": fake.URL, "EXTRACTION_LEASE": "1s", "LOG_LEVEL": "warn"} {
		env[k] = v
	}
	first := startChild(t, env)
	tenant := core.Tenant("Caída SpA")
	tok := core.Token(t, tenant)
	u := user{Client: (&testkit.Client{T: t, BaseURL: first.base}).As(tok)}
	d := decodeDoc(u.subir("factura.pdf", muestras.Factura().PDF).Want(201))
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("the first process never called Gemini; log:\n%s", first.out.String())
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	fake.set(good)
	env["PORT"] = fmt.Sprint(testkit.FreePort(t))
	second := startChild(t, env)
	u2 := user{Client: (&testkit.Client{T: t, BaseURL: second.base}).As(tok)}
	got := u2.esperar(d.ID)
	if got.Estado != "procesado" || got.motor() != "gemini" || got.Intentos != 2 {
		t.Fatalf("after the crash: %+v; log:\n%s", got, second.out.String())
	}
	var job struct {
		State    string
		Attempts int
	}
	g, err := db.Open(dbURL, 2, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(g)
	g.Raw("SELECT state, attempts FROM rendiciones.jobs WHERE key = ?", d.ID).Scan(&job)
	if job.State != "completed" || job.Attempts != 2 {
		t.Fatalf("job: %+v", job)
	}
	var events int64
	g.Raw("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.processed' AND aggregate_id = ?", d.ID).Scan(&events)
	if events != 1 {
		t.Fatalf("documento.procesado events: %d", events)
	}
	// SIGTERM: the second process stops cleanly.
	_ = second.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- second.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; log:\n%s", err, second.out.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the process did not stop on SIGTERM")
	}
}
