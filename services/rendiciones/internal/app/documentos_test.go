package app

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecosystem/pkg/shared/auth"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/muestras"
)

// Every layout of the sample generator goes through the real upload route,
// the durable job and the local engine, and comes back with every field.
func TestUploadAndExtractSamples(t *testing.T) {
	h := newHarness(t)
	tenant := h.core.Tenant("Muestras SpA")
	u := h.user(tenant)
	for _, m := range muestras.Todas() {
		t.Run(m.Nombre, func(t *testing.T) {
			r := u.subir(m.Nombre+".pdf", m.PDF).Want(201)
			d := decodeDoc(r)
			if d.Estado != "pendiente" || d.TipoMIME != "application/pdf" || d.Tamano != int64(len(m.PDF)) ||
				d.NombreArchivo != m.Nombre+".pdf" || len(d.SHA256) != 64 || d.SubidoPor != u.ID || d.TenantID != tenant {
				t.Fatalf("upload answer: %s", r.Body)
			}
			got := u.esperar(d.ID)
			if got.Estado != "procesado" || got.motor() != "local" || got.Extraccion == nil || got.Extraccion.Motor != "local" {
				t.Fatalf("document: %+v (error %s)", got, got.codigo())
			}
			if diff := muestras.Diferencias(m.Esperado, *got.Extraccion); diff != "" {
				t.Fatalf("%s\nadvertencias: %v", diff, got.Extraccion.Advertencias)
			}
			if len(got.Extraccion.Advertencias) != 0 {
				t.Errorf("a consistent document got warnings: %v", got.Extraccion.Advertencias)
			}
			if got.Tokens != nil {
				t.Errorf("the local engine spends no tokens: %+v", got.Tokens)
			}
			f := u.Get("/api/documentos/" + d.ID + "/archivo").Want(200)
			if !bytes.Equal(f.Body, m.PDF) || f.Header.Get("Content-Type") != "application/pdf" ||
				!strings.Contains(f.Header.Get("Content-Disposition"), m.Nombre+".pdf") || f.Header.Get("ETag") != `"`+d.SHA256+`"` {
				t.Fatalf("download: %d bytes, headers %v", len(f.Body), f.Header)
			}
		})
	}

	t.Run("eventos en el outbox con la extracción", func(t *testing.T) {
		n := int64(len(muestras.Todas()))
		if c := h.count("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.created'"); c != n {
			t.Fatalf("documento.creado events: %d", c)
		}
		var payloads []string
		h.db.Raw("SELECT payload::text FROM rendiciones.outbox WHERE routing_key = 'documentos.processed' ORDER BY id").Scan(&payloads)
		if int64(len(payloads)) != n {
			t.Fatalf("documento.procesado events: %d", len(payloads))
		}
		// Each event carries the request id of the upload that caused it.
		var sinRequestID int64
		h.db.Raw(`SELECT count(*) FROM rendiciones.outbox o WHERE o.routing_key = 'documentos.processed'
			AND o.payload->>'request_id' IS DISTINCT FROM (SELECT c.payload->>'request_id' FROM rendiciones.outbox c
			WHERE c.routing_key = 'documentos.created' AND c.aggregate_id = o.aggregate_id)`).Scan(&sinRequestID)
		if sinRequestID != 0 {
			t.Fatalf("%d documento.procesado events do not carry their upload's request_id", sinRequestID)
		}
		var env struct {
			Event    string `json:"event"`
			TenantID string `json:"tenant_id"`
			Data     struct {
				ID         string `json:"id"`
				Estado     string `json:"estado"`
				Extraccion struct {
					RutEmisor string `json:"rut_emisor"`
					Items     []struct {
						Codigo string `json:"codigo"`
					} `json:"items"`
				} `json:"extraccion"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(payloads[0]), &env); err != nil {
			t.Fatal(err)
		}
		if env.Event != "documento.procesado" || env.TenantID != tenant || env.Data.Estado != "procesado" ||
			env.Data.Extraccion.RutEmisor != muestras.RUT(76354771) || env.Data.Extraccion.Items[0].Codigo != "CEM-25" {
			t.Fatalf("event: %s", payloads[0])
		}
	})
	t.Run("lista con filtros", func(t *testing.T) {
		var l struct {
			Data  []doc
			Total int
		}
		u.Get("/api/documentos?estado=procesado&page_size=2").Want(200).JSON(&l)
		if l.Total != len(muestras.Todas()) || len(l.Data) != 2 {
			t.Fatalf("list: %+v", l)
		}
		u.Get("/api/documentos?estado=error").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("errors: %d", l.Total)
		}
		u.Get("/api/documentos?desde=2000-01-01&hasta=2000-12-31").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("old uploads: %d", l.Total)
		}
		u.Get("/api/documentos?desde=2000-01-01").Want(200).JSON(&l)
		if l.Total != len(muestras.Todas()) {
			t.Fatalf("since 2000: %d", l.Total)
		}
		u.Get("/api/documentos?estado=listo").Field(400, "estado")
		u.Get("/api/documentos?desde=01-04-2026").Field(400, "desde")
		u.Get("/api/documentos?desde=2026-04-02&hasta=2026-04-01").Field(400, "hasta")
		u.Get("/api/documentos?page_size=500").Field(400, "page_size")
	})
}

// Rejected uploads answer the right code and leave no row and no file.
func TestBadFilesLeaveNothingBehind(t *testing.T) {
	h := newHarness(t) // MAX_UPLOAD_MB=2
	tenant := h.core.Tenant("Archivos SpA")
	u := h.user(tenant)
	pdf := muestras.Factura().PDF
	tests := []struct {
		name, file string
		data       []byte
		status     int
		code       string
	}{
		{"0 bytes", "vacio.pdf", nil, 400, "invalid"},
		{"PDF truncado", "truncado.pdf", pdf[:len(pdf)/2], 400, "invalid"},
		{"texto con nombre .png", "foto.png", []byte("esto no es una imagen, es texto plano\n"), 415, "unsupported_media_type"},
		{"HTML con nombre .pdf", "factura.pdf", []byte("<html><body>%PDF-1.4</body></html>"), 415, "unsupported_media_type"},
		{"sobre el límite", "grande.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 3<<20)...), 413, "payload_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := u.subir(tc.file, tc.data).Err(tc.status, tc.code)
			if tc.status == 400 {
				if _, ok := e.Details["archivo"]; !ok {
					t.Fatalf("details do not name archivo: %+v", e)
				}
			}
			if n := h.rows(tenant); n != 0 {
				t.Fatalf("%d rows left", n)
			}
			if n := h.files(); n != 0 {
				t.Fatalf("%d files left in STORAGE_DIR", n)
			}
		})
	}
	t.Run("sobre el límite sin Content-Length", func(t *testing.T) {
		// A chunked body: the limit is enforced while streaming.
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			fw, _ := mw.CreateFormFile("archivo", "grande.pdf")
			_, _ = fw.Write([]byte("%PDF-1.4\n"))
			chunk := make([]byte, 64<<10)
			for range 3 << 4 { // 3 MB
				if _, err := fw.Write(chunk); err != nil {
					break
				}
			}
			_ = mw.Close()
			_ = pw.Close()
		}()
		req, _ := http.NewRequest("POST", h.api.BaseURL+"/api/documentos", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+u.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pr.CloseWithError(io.ErrClosedPipe)
		if resp.StatusCode != 413 || !strings.Contains(string(body), "payload_too_large") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if h.rows(tenant) != 0 || h.files() != 0 {
			t.Fatalf("left %d rows, %d files", h.rows(tenant), h.files())
		}
	})
	t.Run("sin campo archivo, o no multipart", func(t *testing.T) {
		u.Post("/api/documentos", testkit.File("otro", "x.pdf", pdf)).Field(400, "archivo")
		u.Post("/api/documentos", map[string]string{"archivo": "x"}).Err(415, "unsupported_media_type")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, n := range []string{"a.pdf", "b.pdf"} {
			fw, _ := mw.CreateFormFile("archivo", n)
			_, _ = fw.Write(pdf)
		}
		_ = mw.Close()
		u.Post("/api/documentos", testkit.Multipart{Body: &buf, ContentType: mw.FormDataContentType()}).Field(400, "archivo")
		if h.rows(tenant) != 0 || h.files() != 0 {
			t.Fatalf("left %d rows, %d files", h.rows(tenant), h.files())
		}
	})
	t.Run("subida interrumpida", func(t *testing.T) {
		before := h.answered("POST", "/api/documentos", 400)
		// The client stops in the middle of the file: the temporary file goes.
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			fw, _ := mw.CreateFormFile("archivo", "cortado.pdf")
			_, _ = fw.Write(pdf[:len(pdf)/2])
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}()
		req, _ := http.NewRequest("POST", h.api.BaseURL+"/api/documentos", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+u.Token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		// Wait until the server has finished with the request.
		for i := 0; h.answered("POST", "/api/documentos", 400) == before; i++ {
			if i > 500 {
				t.Fatal("the interrupted upload was never answered")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if h.rows(tenant) != 0 || h.files() != 0 {
			t.Fatalf("left %d rows, %d files", h.rows(tenant), h.files())
		}
	})

	// These are accepted (the content is a supported type) and end in error
	// under the local engine, which cannot read images or scans.
	t.Run("PNG con nombre .pdf se guarda como PNG y termina en sin_texto", func(t *testing.T) {
		d := decodeDoc(u.subir("boleta.pdf", muestras.PNG()).Want(201))
		if d.TipoMIME != "image/png" {
			t.Fatalf("tipo_mime %s", d.TipoMIME)
		}
		got := u.esperar(d.ID)
		if got.Estado != "error" || got.codigo() != "sin_texto" || got.ErrorMensaje == nil || got.Intentos != 1 {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("PDF sin texto termina en sin_texto al primer intento", func(t *testing.T) {
		got := u.esperar(decodeDoc(u.subir("escaneo.pdf", muestras.SinTexto()).Want(201)).ID)
		if got.Estado != "error" || got.codigo() != "sin_texto" || got.Intentos != 1 || got.motor() != "local" {
			t.Fatalf("%+v", got)
		}
		if n := h.count("SELECT count(*) FROM rendiciones.outbox WHERE routing_key = 'documentos.processed' AND payload->'data'->>'estado' = 'error'"); n != 2 {
			t.Fatalf("error events: %d", n)
		}
	})
	t.Run("JPEG se acepta", func(t *testing.T) {
		d := decodeDoc(u.subir("foto.jpg", muestras.JPEG()).Want(201))
		if d.TipoMIME != "image/jpeg" {
			t.Fatalf("tipo_mime %s", d.TipoMIME)
		}
	})
}

// The same file twice in a tenant is 409 with the first one's id; another
// tenant may upload it.
func TestSameFileTwice(t *testing.T) {
	h := newHarness(t, withoutWorker)
	a, b := h.core.Tenant("A"), h.core.Tenant("B")
	ua, ua2, ub := h.user(a), h.user(a), h.user(b)
	pdf := muestras.Boleta().PDF
	first := decodeDoc(ua.subir("boleta.pdf", pdf).Want(201))
	e := ua2.subir("otra-vez.pdf", pdf).Err(409, "documento_duplicado")
	if e.Details["documento_id"] != first.ID {
		t.Fatalf("details: %+v", e.Details)
	}
	if h.rows(a) != 1 || h.files() != 1 {
		t.Fatalf("rows %d files %d", h.rows(a), h.files())
	}
	if d := decodeDoc(ub.subir("boleta.pdf", pdf).Want(201)); d.SHA256 != first.SHA256 || d.ID == first.ID {
		t.Fatalf("tenant B: %+v", d)
	}
}

// Who sees what, and tenant B gets 404 for tenant A's document on every route.
func TestVisibilityAndTenantIsolation(t *testing.T) {
	h := newHarness(t)
	a, b := h.core.Tenant("A"), h.core.Tenant("B")
	duena, colega := h.user(a), h.user(a)
	aprobador, admin := h.user(a, auth.RoleAprobador), h.user(a, auth.RoleAdmin)
	adminB := h.user(b, auth.RoleAdmin)
	m := muestras.Factura()
	d := decodeDoc(duena.subir("f.pdf", m.PDF).Want(201))
	duena.esperar(d.ID)
	// A second copy makes a folio duplicate, so no-duplicado has something to act on.
	dup := decodeDoc(duena.subir("f2.pdf", muestras.Copia(m, 1).PDF).Want(201))
	duena.esperar(dup.ID)

	total := func(u user, q string) int {
		var l struct{ Total int }
		u.Get("/api/documentos" + q).Want(200).JSON(&l)
		return l.Total
	}
	if total(duena, "") != 2 || total(colega, "") != 0 || total(aprobador, "") != 2 || total(admin, "") != 2 || total(adminB, "") != 0 {
		t.Fatal("list visibility")
	}
	if total(aprobador, "?subido_por="+duena.ID) != 2 || total(aprobador, "?subido_por="+colega.ID) != 0 {
		t.Fatal("subido_por filter")
	}
	if total(aprobador, "?duplicado=true") != 1 || total(aprobador, "?duplicado=false") != 1 {
		t.Fatalf("duplicado filter: %d %d %s", total(aprobador, "?duplicado=true"), total(aprobador, "?duplicado=false"), aprobador.Get("/api/documentos/"+dup.ID).Body)
	}
	for _, id := range []string{d.ID, dup.ID} {
		base := "/api/documentos/" + id
		for _, u := range []user{colega, adminB} {
			u.Get(base).Err(404, "not_found")
			u.Get(base+"/archivo").Err(404, "not_found")
			u.Patch(base, map[string]any{"folio": "1"}).Err(404, "not_found")
			u.Post(base+"/reprocesar", nil).Err(404, "not_found")
			u.Post(base+"/no-duplicado", map[string]string{"motivo": "x"}).Err(404, "not_found")
		}
		aprobador.Get(base).Want(200)
		aprobador.Get(base + "/archivo").Want(200)
		admin.Get(base).Want(200)
	}
	// An aprobador reads but does not correct someone else's document.
	aprobador.Patch("/api/documentos/"+d.ID, map[string]any{"folio": "1"}).Err(403, "forbidden")
	aprobador.Post("/api/documentos/"+d.ID+"/reprocesar", nil).Err(403, "forbidden")
	// The uploader cannot clear the duplicate flag on their own document.
	duena.Post("/api/documentos/"+dup.ID+"/no-duplicado", map[string]string{"motivo": "es otra compra"}).Err(403, "forbidden")
	adminB.Get("/api/documentos/not-a-uuid").Err(404, "not_found")
	h.api.Get("/api/documentos").Err(401, "unauthorized")
	h.api.Get("/api/documentos/"+d.ID+"/archivo").Err(401, "unauthorized")
}
