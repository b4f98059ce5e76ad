// Command rendiciones-bench measures the document half of rendiciones:
//
//   - the local engine's throughput in pages per second (in process, on
//     generated multi-page facturas and the one-page sample layouts);
//   - the peak resident memory (VmHWM from /proc/<pid>/status) of the real
//     service binary, run as a child process, while it receives 4
//     concurrent 50 MB uploads — once with extraction off (the upload path
//     alone) and once with its extraction workers reading those files.
//
// It needs Postgres (TEST_DATABASE_URL, default the local server), creates a
// scratch database and drops it. Usage, from the repository root:
//
//	go run ./services/rendiciones/cmd/rendiciones-bench [-bin bin/rendiciones] [-mb 50] [-uploads 4]
//
// It exits 1 when a peak is over -max-rss-mb (default 150).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/benchkit"
	"ecosystem/pkg/shared/db/testdb"
	"ecosystem/services/rendiciones/internal/extraccion"
	"ecosystem/services/rendiciones/internal/muestras"
)

const secret = "bench-secret-0123456789-0123456789-abcdef"

func main() {
	bin := flag.String("bin", "", "rendiciones binary (default: go build it into a temporary directory)")
	mb := flag.Int("mb", 50, "size of each upload in MB")
	uploads := flag.Int("uploads", 4, "concurrent uploads")
	maxRSS := flag.Int("max-rss-mb", 150, "fail when the service's peak RSS goes over this")
	pages := flag.Int("pages", 20, "pages of the multi-page factura for the engine benchmark")
	flag.Parse()
	if err := run(*bin, *mb, *uploads, *maxRSS, *pages); err != nil {
		fmt.Fprintln(os.Stderr, "rendiciones-bench:", err)
		os.Exit(1)
	}
}

func run(bin string, mb, uploads, maxRSS, pages int) error {
	fmt.Println("== local engine")
	if err := benchEngine(pages); err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "rendiciones-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "rendiciones")
		fmt.Println("== building the service")
		cmd := exec.Command("go", "build", "-o", bin, "ecosystem/services/rendiciones/cmd/rendiciones")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	files := make([]string, uploads)
	for i := range files {
		files[i] = filepath.Join(tmp, fmt.Sprintf("escaneo-%d.pdf", i))
		if err := writeScanPDF(files[i], int64(mb)<<20); err != nil {
			return err
		}
	}
	fmt.Printf("== %d concurrent uploads of %d MB (scanned-invoice PDFs: one text line and a %d MB image)\n", uploads, mb, mb)
	over := false
	for _, workers := range []int{0, 2} {
		r, err := benchUploads(bin, tmp, files, mb, workers)
		if err != nil {
			return err
		}
		label := "upload path only (EXTRACTION_WORKERS=0)"
		if workers > 0 {
			label = fmt.Sprintf("uploads + extraction of them (EXTRACTION_WORKERS=%d)", workers)
		}
		fmt.Printf("%-52s idle RSS %6.1f MB   peak RSS (VmHWM) %6.1f MB   uploads took %.2f s (%.0f MB/s)%s\n",
			label, r.idle, r.peak, r.took.Seconds(), float64(mb*uploads)/r.took.Seconds(), r.note)
		if r.peak >= float64(maxRSS) {
			over = true
		}
	}
	if over {
		return fmt.Errorf("peak RSS over the %d MB target", maxRSS)
	}
	fmt.Printf("peak RSS under the %d MB target\n", maxRSS)
	return nil
}

// benchEngine runs the local engine in process for about two seconds per
// input and reports pages per second.
func benchEngine(pages int) error {
	eng := extraccion.NewLocal(extraccion.LocalConfig{})
	measure := func(docs [][]byte, pagesPerDoc int) (float64, int, error) {
		start := time.Now()
		n := 0
		for time.Since(start) < 2*time.Second {
			for _, d := range docs {
				if _, err := eng.Extract(context.Background(), extraccion.Input{File: bytes.NewReader(d), Size: int64(len(d)), MIME: extraccion.MIMEPDF}); err != nil {
					return 0, 0, err
				}
				n++
			}
		}
		return float64(n*pagesPerDoc) / time.Since(start).Seconds(), n, nil
	}
	multi := muestras.Multipagina(pages)
	pps, n, err := measure([][]byte{multi}, pages)
	if err != nil {
		return err
	}
	fmt.Printf("%d-page factura (30 item lines a page, %d KB):   %7.1f pages/s  (%d documents)\n", pages, len(multi)>>10, pps, n)
	var one [][]byte
	for _, m := range muestras.Todas() {
		one = append(one, m.PDF)
	}
	pps, n, err = measure(one, 1)
	if err != nil {
		return err
	}
	fmt.Printf("one-page layouts (factura, exenta, boleta, NC, ticket): %7.1f pages/s  (%d documents)\n", pps, n)
	return nil
}

type uploadResult struct {
	idle, peak float64
	took       time.Duration
	note       string
}

// benchUploads starts the service with a fresh database and storage, sends
// the files concurrently, waits for extraction when workers > 0, and reads
// the child's VmHWM.
func benchUploads(bin, tmp string, files []string, mb, workers int) (uploadResult, error) {
	var res uploadResult
	dbURL, drop, err := testdb.CreateDatabase("bench")
	if err != nil {
		return res, err
	}
	defer drop()
	core := fakeCore()
	defer core.Close()
	port, err := benchkit.FreePort()
	if err != nil {
		return res, err
	}
	storage, err := os.MkdirTemp(tmp, "storage-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(storage)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"APP_ENV=development", "LOG_LEVEL=warn", "HOST=127.0.0.1", "PORT="+strconv.Itoa(port),
		"RENDICIONES_DATABASE_URL="+dbURL, "JWT_SECRET="+secret, "CORE_API_URL="+core.URL, "AMQP_EXCHANGE=bench.rendiciones",
		"STORAGE_DIR="+storage, fmt.Sprintf("MAX_UPLOAD_MB=%d", mb+1), fmt.Sprintf("EXTRACTION_WORKERS=%d", workers),
		"EXTRACTION_POLL=100ms", "ENABLE_AI_EXTRACTION=false")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	if err := benchkit.WaitReady(base, nil); err != nil {
		return res, fmt.Errorf("%w; log:\n%s", err, logs.String())
	}
	time.Sleep(300 * time.Millisecond)
	if res.idle, err = benchkit.ProcMB(cmd.Process.Pid, "VmRSS"); err != nil {
		return res, err
	}
	tenant := uuid.NewString()
	tok, _, err := auth.NewSigner(secret).Issue(uuid.NewString(), tenant, "bench@test.cl", []string{auth.RoleUsuario})
	if err != nil {
		return res, err
	}
	start := time.Now()
	ids := make([]string, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { ids[i], errs[i] = upload(base, tok, f) })
	}
	wg.Wait()
	res.took = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	if workers > 0 {
		estados, err := waitExtracted(base, tok, ids)
		if err != nil {
			return res, err
		}
		res.note = "   documents: " + estados
	}
	res.peak, err = benchkit.ProcMB(cmd.Process.Pid, "VmHWM")
	return res, err
}

// upload streams one file as multipart from disk.
func upload(base, tok, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("archivo", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, base+"/api/documentos", pr)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("upload %s: %d %s", filepath.Base(path), resp.StatusCode, body)
	}
	var d struct{ ID string }
	err = json.Unmarshal(body, &d)
	return d.ID, err
}

func waitExtracted(base, tok string, ids []string) (string, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		count := map[string]int{}
		for _, id := range ids {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/documentos/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return "", err
			}
			var d struct {
				Estado      string  `json:"estado"`
				ErrorCodigo *string `json:"error_codigo"`
			}
			err = json.NewDecoder(resp.Body).Decode(&d)
			resp.Body.Close()
			if err != nil {
				return "", err
			}
			k := d.Estado
			if d.ErrorCodigo != nil {
				k += " (" + *d.ErrorCodigo + ")"
			}
			count[k]++
		}
		if count["pendiente"]+count["procesando"] == 0 {
			var parts []string
			for k, v := range count {
				parts = append(parts, fmt.Sprintf("%d %s", v, k))
			}
			return strings.Join(parts, ", "), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("extraction did not finish: %v", count)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// writeScanPDF writes a valid PDF of about size bytes: one page with a line
// of text over a large image, as a scanner with OCR produces. The image
// bytes are random, so nothing compresses them.
func writeScanPDF(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var off int64
	var offsets []int64
	w := func(s string) error {
		n, err := io.WriteString(f, s)
		off += int64(n)
		return err
	}
	obj := func(body string) error {
		offsets = append(offsets, off)
		return w(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offsets), body))
	}
	text := "BT /F1 12 Tf 50 800 Td (FACTURA ELECTRONICA N 4512 - escaneada) Tj ET\nq 500 0 0 700 50 60 cm /Im1 Do Q\n"
	img := size - 2048
	steps := []func() error{
		func() error { return w("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n") },
		func() error { return obj("<< /Type /Catalog /Pages 2 0 R >>") },
		func() error { return obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>") },
		func() error {
			return obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>")
		},
		func() error { return obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>") },
		func() error { return obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(text), text)) },
		func() error {
			offsets = append(offsets, off)
			if err := w(fmt.Sprintf("6 0 obj\n<< /Type /XObject /Subtype /Image /Width 4000 /Height 5600 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n", img)); err != nil {
				return err
			}
			n, err := io.CopyN(f, rand.Reader, img)
			off += n
			if err != nil {
				return err
			}
			return w("\nendstream\nendobj\n")
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	xref := off
	var b strings.Builder
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return w(b.String())
}

// fakeCore answers the tenant validation every /api request makes.
func fakeCore() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/tenants/"); ok {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":%q,"nombre":"Bench SpA","rut":"76000000-0","activo":true}`, id)
			return
		}
		http.NotFound(w, r)
	}))
}
