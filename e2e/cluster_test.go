package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/pkg/shared/events"
	"ecosystem/pkg/shared/testkit"
)

// bins holds the binaries built once for the package.
var bins = map[string]string{}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecosystem-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, svc := range []string{"core", "rendiciones", "inventario"} {
		out := filepath.Join(dir, svc)
		cmd := exec.Command("go", "build", "-o", out, "ecosystem/services/"+svc+"/cmd/"+svc)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", svc, err)
			os.Exit(1)
		}
		bins[svc] = out
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const secret = "e2e-secret-0123456789-0123456789-abcdef"

// Cluster is one deployment under test: a fresh database (all three
// schemas, as in the hybrid topology), an events exchange of its own, and
// the processes started on it.
type Cluster struct {
	t        *testing.T
	DBURL    string
	Exchange string
	mu       sync.Mutex
	procs    []*Proc
}

func newCluster(t *testing.T) *Cluster {
	url, drop, err := testdb.CreateDatabase("e2e")
	if err != nil {
		t.Fatal(err)
	}
	ex := testkit.Exchange(t)
	// inventario names its invoice queue after a non-default exchange.
	t.Cleanup(func() { _ = events.NewTopology(ex).Delete(testkit.AMQPURL(), ex+".inventario-events") })
	c := &Cluster{t: t, DBURL: url, Exchange: ex}
	t.Cleanup(func() {
		c.mu.Lock()
		procs := c.procs
		c.mu.Unlock()
		for _, p := range procs {
			p.Resume()
			p.Stop()
		}
		if t.Failed() {
			for _, p := range procs {
				t.Logf("---- %s log (last 40 lines) ----\n%s", p.Name, p.Tail(40))
			}
		}
		drop()
	})
	return c
}

// Proc is one running service instance.
type Proc struct {
	Name, Addr string
	cmd        *exec.Cmd
	out        *testkit.Buffer
	done       chan struct{}
	stopped    bool
}

// URL is the instance's base URL.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Start runs svc on host:port with the cluster's settings plus env and
// waits for /ready.
func (c *Cluster) Start(name, svc, host string, port int, env map[string]string) *Proc {
	c.t.Helper()
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	cmd := exec.Command(bins[svc], "serve")
	base := map[string]string{
		"APP_ENV": "development", "LOG_LEVEL": "info", "HOST": host, "PORT": fmt.Sprint(port),
		"JWT_SECRET": secret, "AMQP_EXCHANGE": c.Exchange, "AUTO_MIGRATE": "true",
		"CORE_DATABASE_URL": c.DBURL, "RENDICIONES_DATABASE_URL": c.DBURL, "INVENTARIO_DATABASE_URL": c.DBURL,
		"SHUTDOWN_DRAIN": "2s",
	}
	if svc == "rendiciones" {
		base["STORAGE_DIR"] = c.t.TempDir()
		base["EXTRACTION_POLL"] = "100ms"
	}
	for k, v := range env {
		base[k] = v
	}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range base {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &Proc{Name: name, Addr: addr, cmd: cmd, out: &testkit.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	if err := waitHTTP(p.URL()+"/ready", 40*time.Second, p.done); err != nil {
		c.t.Fatalf("%s not ready: %v\n%s", name, err, p.Tail(40))
	}
	return p
}

// Stop sends SIGTERM and waits for a graceful exit.
func (p *Proc) Stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(25 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Pause freezes the process (SIGSTOP): connections hang, nothing answers.
func (p *Proc) Pause() { _ = p.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume undoes Pause.
func (p *Proc) Resume() {
	if !p.stopped {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Tail returns the last n lines of the process's output.
func (p *Proc) Tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.out.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func waitHTTP(url string, d time.Duration, dead <-chan struct{}) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-dead:
			return fmt.Errorf("process exited")
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out")
}

// repoRoot is the checkout the test runs in.
func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// Gateway is the real nginx gateway, run unprivileged from deploy/nginx.
type Gateway struct {
	URL string
	dir string
	env []string
}

// startGateway renders and starts the gateway with the given upstream
// lists (space-separated host:port).
func startGateway(t *testing.T, core, rendiciones, inventario string) *Gateway {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			t.Fatal("nginx is not installed: make test installs it (apt-get install nginx)")
		}
	}
	port := freePort(t, "127.0.0.1")
	g := &Gateway{URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir()}
	g.env = append(os.Environ(), "GATEWAY_PORT="+fmt.Sprint(port), "GATEWAY_DIR="+g.dir,
		"CORE_UPSTREAMS="+core, "RENDICIONES_UPSTREAMS="+rendiciones, "INVENTARIO_UPSTREAMS="+inventario)
	script := filepath.Join(repoRoot(t), "deploy/nginx/run-local-gateway.sh")
	cmd := exec.Command(script, "start")
	cmd.Env = g.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gateway: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		stop := exec.Command(script, "stop")
		stop.Env = g.env
		_ = stop.Run()
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(g.dir, "logs", "*error.log"))
			for _, f := range logs {
				errs, _ := os.ReadFile(f)
				lines := strings.Split(strings.TrimSpace(string(errs)), "\n")
				if len(lines) > 30 {
					lines = lines[len(lines)-30:]
				}
				t.Logf("---- gateway %s ----\n%s", filepath.Base(f), strings.Join(lines, "\n"))
			}
		}
	})
	return g
}

func freePort(t *testing.T, host string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// listen picks port on host when free, else any free port there (a
// developer's `make run-all` may hold the standard ports on all interfaces).
func listen(t *testing.T, host string, port int) int {
	l, err := net.Listen("tcp", net.JoinHostPort(host, fmt.Sprint(port)))
	if err != nil {
		return freePort(t, host)
	}
	l.Close()
	return port
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
