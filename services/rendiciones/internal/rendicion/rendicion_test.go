package rendicion_test

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/httpx"
	"ecosystem/pkg/shared/testkit"
	"ecosystem/services/rendiciones/internal/apitest"
)

var (
	testURL string
	testDB  *gorm.DB
)

func TestMain(m *testing.M) {
	url, g, drop, err := apitest.Database("rendicion")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testURL, testDB = url, g
	code := m.Run()
	drop()
	os.Exit(code)
}

type rendicion struct {
	ID        string            `json:"id"`
	UsuarioID string            `json:"usuario_id"`
	Titulo    string            `json:"titulo"`
	Tipo      string            `json:"tipo"`
	TarjetaID *string           `json:"tarjeta_id"`
	Periodo   *string           `json:"periodo"`
	Estado    string            `json:"estado"`
	Totales   map[string]string `json:"totales"`
	Cantidad  int               `json:"cantidad_items"`
	Items     []item            `json:"items"`
	Historial []struct {
		UsuarioID string  `json:"usuario_id"`
		De        string  `json:"de"`
		A         string  `json:"a"`
		Motivo    *string `json:"motivo"`
		CreatedAt string  `json:"created_at"`
	} `json:"historial"`
	Cambios []struct {
		ItemID        *string `json:"item_id"`
		Campo         string  `json:"campo"`
		ValorAnterior *string `json:"valor_anterior"`
		ValorNuevo    *string `json:"valor_nuevo"`
		UsuarioID     string  `json:"usuario_id"`
	} `json:"cambios"`
}

type item struct {
	ID            string  `json:"id"`
	DocumentoID   *string `json:"documento_id"`
	TarjetaItemID *string `json:"tarjeta_item_id"`
	Fecha         string  `json:"fecha"`
	Descripcion   string  `json:"descripcion"`
	Monto         string  `json:"monto"`
	Moneda        string  `json:"moneda"`
	Categoria     string  `json:"categoria"`
	CentroCosto   *string `json:"centro_costo"`
	Documento     *struct {
		RutEmisor string `json:"rut_emisor"`
		MontoIVA  string `json:"monto_iva"`
	} `json:"documento"`
}

type cardItem struct {
	ID          string  `json:"id"`
	Descripcion string  `json:"descripcion"`
	Monto       string  `json:"monto"`
	Estado      string  `json:"estado"`
	DocumentoID *string `json:"documento_id"`
	RendicionID *string `json:"rendicion_id"`
}

func historia(r rendicion) string {
	var s []string
	for _, h := range r.Historial {
		s = append(s, h.De+">"+h.A)
	}
	return strings.Join(s, ",")
}

func cardItems(t *testing.T, api *testkit.Client, card, q string) []cardItem {
	t.Helper()
	var l struct{ Data []cardItem }
	api.Get("/api/tarjetas/" + card + "/items" + q).Want(200).JSON(&l)
	return l.Data
}

// statement is March on the usuario's card: four charges and a payment.
const statement = "Banco de Chile\nTarjeta:;XXXX XXXX XXXX 4321\n\n" +
	"Fecha;Descripción;N° Cuota;Monto ($)\n" +
	"01/03/2024;COPEC NUNOA;01/01;35.990\n" +
	"02/03/2024;FARMACIAS AHUMADA;01/01;12.345\n" +
	"05/03/2024;HOTEL DIEGO DE ALMAGRO;01/01;89.000\n" +
	"07/03/2024;PEAJE AUTOPISTA;01/01;3.200\n" +
	"09/03/2024;PAGO TARJETA;;-150.000\n"

// TestMesCompleto is the whole month: a card and its statement, the
// documents, conciliation, a tarjeta rendición submitted and approved; and
// an out-of-pocket one rejected, reopened, corrected and approved.
func TestMesCompleto(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("Mes completo")
	owner, aprobador := a.Usuario, a.Aprobador

	// The admin gives the usuario a card; the usuario imports March.
	var card struct{ ID string }
	a.Admin.API.Post("/api/tarjetas", map[string]any{"alias": "Visa ventas", "banco": "Banco de Chile", "ultimos_4": "4321", "titular_id": owner.ID}).Want(201).JSON(&card)
	owner.API.Post("/api/tarjetas/"+card.ID+"/items", testkit.File("archivo", "marzo.csv", []byte(statement))).Want(201)

	// Documents uploaded during the month (extraction done).
	docCopec := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, TipoDocumento: "factura", RutEmisor: "99520000-7",
		RazonSocial: "Compañía de Petróleos de Chile COPEC S.A.", Folio: "88123", Fecha: "2024-03-01", Total: "35990", Neto: "30244", IVA: "5746"})
	docFarm := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, TipoDocumento: "boleta", RutEmisor: "93767000-1",
		RazonSocial: "Farmacias Ahumada S.A.", Folio: "5512", Fecha: "2024-03-02", Total: "12345", Exento: "12345"})
	docHotel := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, TipoDocumento: "factura", RutEmisor: "76123456-0",
		RazonSocial: "Hotelera Diego de Almagro SpA", Folio: "1001", Fecha: "2024-03-04", Total: "89000", Neto: "74790", IVA: "14210"})

	var conc struct {
		Nuevos       int
		SinDocumento []cardItem `json:"sin_documento"`
	}
	owner.API.Post("/api/tarjetas/"+card.ID+"/conciliar", nil).Want(200).JSON(&conc)
	if conc.Nuevos != 3 || len(conc.SinDocumento) != 1 || conc.SinDocumento[0].Descripcion != "PEAJE AUTOPISTA" {
		t.Fatalf("conciliación: %+v", conc)
	}

	var rt rendicion
	owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Tarjeta marzo 2024", "tipo": "tarjeta", "tarjeta_id": card.ID, "periodo": "2024-03"}).
		Want(201).JSON(&rt)
	if rt.Estado != "borrador" || rt.UsuarioID != owner.ID || rt.Tipo != "tarjeta" {
		t.Fatalf("created: %+v", rt)
	}
	cats := map[string]string{"COPEC NUNOA": "COMBUSTIBLE", "FARMACIAS AHUMADA": "SALUD", "HOTEL DIEGO DE ALMAGRO": "ALOJAMIENTO", "PEAJE AUTOPISTA": "TRANSPORTE"}
	var items []item
	for _, ci := range cardItems(t, owner.API, card.ID, "") {
		cat, ok := cats[ci.Descripcion]
		if !ok {
			continue // the payment is not an expense
		}
		var it item
		owner.API.Post("/api/rendiciones/"+rt.ID+"/items", map[string]any{"tarjeta_item_id": ci.ID, "categoria": cat, "centro_costo": "CC-100"}).
			Want(201).JSON(&it)
		if it.Monto != ci.Monto || it.Moneda != "CLP" || (ci.DocumentoID != nil) != (it.DocumentoID != nil) {
			t.Fatalf("item from %+v: %+v", ci, it)
		}
		items = append(items, it)
	}
	owner.API.Get("/api/rendiciones/" + rt.ID).Want(200).JSON(&rt)
	if rt.Totales["CLP"] != "140535" || rt.Cantidad != 4 || len(rt.Items) != 4 {
		t.Fatalf("totals: %v, %d items", rt.Totales, rt.Cantidad)
	}
	docs := map[string]bool{}
	for _, it := range rt.Items {
		if it.DocumentoID != nil {
			docs[*it.DocumentoID] = true
		}
	}
	if !docs[docCopec] || !docs[docFarm] || !docs[docHotel] {
		t.Fatalf("documents from conciliation not carried: %v", docs)
	}

	owner.API.Post("/api/rendiciones/"+rt.ID+"/enviar", nil).Want(200).JSON(&rt)
	if rt.Estado != "enviada" || historia(rt) != "borrador>enviada" || rt.Historial[0].UsuarioID != owner.ID {
		t.Fatalf("enviar: %s %s", rt.Estado, historia(rt))
	}
	// The aprobador corrects a category before approving: recorded.
	var hotel item
	for _, it := range items {
		if it.Descripcion == "HOTEL DIEGO DE ALMAGRO" {
			hotel = it
		}
	}
	aprobador.API.Patch("/api/rendiciones/"+rt.ID+"/items/"+hotel.ID, map[string]any{"categoria": "ALIMENTACION", "centro_costo": "CC-200"}).Want(200)
	aprobador.API.Post("/api/rendiciones/"+rt.ID+"/aprobar", map[string]any{"motivo": "ok"}).Want(200).JSON(&rt)
	if rt.Estado != "aprobada" || historia(rt) != "borrador>enviada,enviada>aprobada" || rt.Historial[1].UsuarioID != aprobador.ID {
		t.Fatalf("aprobar: %s %s", rt.Estado, historia(rt))
	}
	if len(rt.Cambios) != 2 || rt.Cambios[0].Campo != "categoria" || *rt.Cambios[0].ValorAnterior != "ALOJAMIENTO" ||
		*rt.Cambios[0].ValorNuevo != "ALIMENTACION" || rt.Cambios[0].UsuarioID != aprobador.ID || *rt.Cambios[0].ItemID != hotel.ID ||
		rt.Cambios[1].Campo != "centro_costo" || *rt.Cambios[1].ValorAnterior != "CC-100" {
		t.Fatalf("cambios: %+v", rt.Cambios)
	}
	// Approval marks the card items rendido; the payment stays pendiente.
	if n := len(cardItems(t, owner.API, card.ID, "?estado=rendido")); n != 4 {
		t.Fatalf("%d card items rendido", n)
	}
	if p := cardItems(t, owner.API, card.ID, "?estado=pendiente"); len(p) != 1 || p[0].Descripcion != "PAGO TARJETA" {
		t.Fatalf("pendientes: %+v", p)
	}

	t.Run("exportar", func(t *testing.T) {
		r := owner.API.Get("/api/rendiciones/" + rt.ID + "/export?format=csv").Want(200)
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="rendicion-tarjeta-marzo-2024-`) || !strings.HasSuffix(cd, `.csv"`) {
			t.Fatalf("content-disposition %q", cd)
		}
		if !bytes.HasPrefix(r.Body, []byte("\uFEFFFecha;RUT emisor;")) {
			t.Fatalf("csv head: %q", r.Body[:40])
		}
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\r\n")
		if len(lines) != 5 || lines[1] != "2024-03-01;99520000-7;Compañía de Petróleos de Chile COPEC S.A.;factura;88123;COPEC NUNOA;COMBUSTIBLE;CC-100;CLP;30244;5746;;35990" {
			t.Fatalf("csv:\n%s", r.Body)
		}
		x := owner.API.Get("/api/rendiciones/" + rt.ID + "/export").Want(200)
		if ct := x.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("content type %q", ct)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("Rendición", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		// header, 4 lines, a blank row, the CLP total
		if len(rows) != 7 || rows[6][0] != "Total CLP" || rows[6][12] != "140535" || rows[1][12] != "35990" || rows[1][0] != "45352" {
			t.Fatalf("xlsx rows: %q", rows)
		}
		owner.API.Get("/api/rendiciones/"+rt.ID+"/export?format=pdf").Field(400, "format")
	})

	t.Run("rechazada, reabierta, corregida y aprobada", func(t *testing.T) {
		var rg rendicion
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Viaje a Concepción", "tipo": "gastos"}).Want(201).JSON(&rg)
		almuerzo := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, TipoDocumento: "boleta", RutEmisor: "77111222-3",
			RazonSocial: "Restaurant El Morro", Folio: "321", Fecha: "2024-03-12", Total: "15990"})
		var it item
		owner.API.Post("/api/rendiciones/"+rg.ID+"/items", map[string]any{"documento_id": almuerzo, "categoria": "ALIMENTACION"}).Want(201).JSON(&it)
		if it.Fecha != "2024-03-12" || it.Monto != "15990" || it.Descripcion != "Restaurant El Morro" {
			t.Fatalf("item from document: %+v", it)
		}
		var taxi item
		owner.API.Post("/api/rendiciones/"+rg.ID+"/items", map[string]any{"fecha": "2024-03-12", "descripcion": "Taxi aeropuerto",
			"monto": "12000", "moneda": "CLP", "categoria": "TRANSPORTE"}).Want(201).JSON(&taxi)
		owner.API.Post("/api/rendiciones/"+rg.ID+"/enviar", nil).Want(200)
		aprobador.API.Post("/api/rendiciones/"+rg.ID+"/rechazar", map[string]any{}).Field(400, "motivo")
		aprobador.API.Post("/api/rendiciones/"+rg.ID+"/rechazar", map[string]any{"motivo": "El taxi fue de 9.500 según el voucher"}).Want(200).JSON(&rg)
		if rg.Estado != "rechazada" || *rg.Historial[1].Motivo != "El taxi fue de 9.500 según el voucher" {
			t.Fatalf("rechazar: %+v", rg)
		}
		// Rejected: the owner edits only after reopening it.
		owner.API.Patch("/api/rendiciones/"+rg.ID+"/items/"+taxi.ID, map[string]any{"monto": "9500"}).Err(409, "rendicion_no_editable")
		owner.API.Post("/api/rendiciones/"+rg.ID+"/reabrir", nil).Want(200).JSON(&rg)
		if rg.Estado != "borrador" {
			t.Fatalf("reabrir: %s", rg.Estado)
		}
		owner.API.Patch("/api/rendiciones/"+rg.ID+"/items/"+taxi.ID, map[string]any{"monto": 9500}).Want(200)
		owner.API.Patch("/api/rendiciones/"+rg.ID+"/items/"+it.ID, map[string]any{"monto": "1"}).Field(400, "monto")
		owner.API.Post("/api/rendiciones/"+rg.ID+"/enviar", map[string]any{"motivo": "corregido"}).Want(200)
		aprobador.API.Post("/api/rendiciones/"+rg.ID+"/aprobar", nil).Want(200).JSON(&rg)
		if rg.Estado != "aprobada" || rg.Totales["CLP"] != "25490" ||
			historia(rg) != "borrador>enviada,enviada>rechazada,rechazada>borrador,borrador>enviada,enviada>aprobada" {
			t.Fatalf("final: %s %v %s", rg.Estado, rg.Totales, historia(rg))
		}
		if len(rg.Cambios) != 1 || rg.Cambios[0].Campo != "monto" || *rg.Cambios[0].ValorAnterior != "12000" || *rg.Cambios[0].ValorNuevo != "9500" || rg.Cambios[0].UsuarioID != owner.ID {
			t.Fatalf("cambios: %+v", rg.Cambios)
		}
		// History survives: a submitted rendición is never deleted, and
		// the history rows themselves refuse changes.
		owner.API.Delete("/api/rendiciones/"+rg.ID).Err(409, "")
		if err := testDB.Exec(`UPDATE rendiciones.rendicion_historial SET motivo = 'x' WHERE rendicion_id = ?`, rg.ID).Error; err == nil {
			t.Fatal("history row was updated")
		}
		if err := testDB.Exec(`DELETE FROM rendiciones.rendicion_cambios WHERE rendicion_id = ?`, rg.ID).Error; err == nil {
			t.Fatal("change row was deleted")
		}
	})
}

func TestTransicionesYPermisos(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("Transiciones")
	owner, aprobador, admin, otro := a.Usuario, a.Aprobador, a.Admin, a.Otro

	nueva := func(api *testkit.Client) string {
		var r rendicion
		api.Post("/api/rendiciones", map[string]any{"titulo": "Gastos", "tipo": "gastos"}).Want(201).JSON(&r)
		api.Post("/api/rendiciones/"+r.ID+"/items", map[string]any{"fecha": "2024-03-01", "descripcion": "Almuerzo", "monto": "10000", "moneda": "CLP", "categoria": "ALIMENTACION"}).Want(201)
		return r.ID
	}
	post := func(api *testkit.Client, id, accion string) *testkit.Response {
		return api.Post("/api/rendiciones/"+id+"/"+accion, map[string]any{"motivo": "porque sí"})
	}

	t.Run("transiciones ilegales: 409", func(t *testing.T) {
		borrador := nueva(owner.API)
		for _, accion := range []string{"aprobar", "rechazar"} {
			post(aprobador.API, borrador, accion).Err(409, "transicion_invalida")
		}
		post(owner.API, borrador, "reabrir").Err(409, "transicion_invalida")
		enviada := nueva(owner.API)
		post(owner.API, enviada, "enviar").Want(200)
		post(owner.API, enviada, "enviar").Err(409, "transicion_invalida")
		post(owner.API, enviada, "reabrir").Err(409, "transicion_invalida")
		post(aprobador.API, enviada, "aprobar").Want(200)
		for _, accion := range []string{"aprobar", "rechazar"} {
			post(admin.API, enviada, accion).Err(409, "transicion_invalida")
		}
		post(owner.API, enviada, "enviar").Err(409, "transicion_invalida")
		post(owner.API, enviada, "reabrir").Err(409, "transicion_invalida")
		var vacia rendicion
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Vacía", "tipo": "gastos"}).Want(201).JSON(&vacia)
		post(owner.API, vacia.ID, "enviar").Err(409, "rendicion_sin_items")
	})
	t.Run("nadie aprueba lo suyo: 403", func(t *testing.T) {
		propia := nueva(aprobador.API)
		post(aprobador.API, propia, "enviar").Want(200)
		post(aprobador.API, propia, "aprobar").Err(403, "forbidden")
		post(aprobador.API, propia, "rechazar").Err(403, "forbidden")
		deAdmin := nueva(admin.API)
		post(admin.API, deAdmin, "enviar").Want(200)
		post(admin.API, deAdmin, "aprobar").Err(403, "forbidden")
		post(aprobador.API, deAdmin, "aprobar").Want(200)
		// An admin approves an aprobador's.
		post(admin.API, propia, "aprobar").Want(200)
	})
	t.Run("un usuario no aprueba ni actúa por el dueño", func(t *testing.T) {
		id := nueva(owner.API)
		post(aprobador.API, id, "enviar").Err(403, "forbidden")
		post(owner.API, id, "enviar").Want(200)
		post(owner.API, id, "aprobar").Err(403, "forbidden")
		// Another usuario does not even see it.
		post(otro.API, id, "aprobar").Err(404, "not_found")
		post(aprobador.API, id, "rechazar").Want(200)
		post(aprobador.API, id, "reabrir").Err(403, "forbidden")
	})
	t.Run("editar una enviada: 409 para el dueño", func(t *testing.T) {
		id := nueva(owner.API)
		var r rendicion
		owner.API.Get("/api/rendiciones/" + id).Want(200).JSON(&r)
		itemID := r.Items[0].ID
		post(owner.API, id, "enviar").Want(200)
		owner.API.Patch("/api/rendiciones/"+id, map[string]any{"titulo": "otro"}).Err(409, "rendicion_no_editable")
		owner.API.Post("/api/rendiciones/"+id+"/items", map[string]any{"fecha": "2024-03-02", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Err(409, "rendicion_no_editable")
		owner.API.Patch("/api/rendiciones/"+id+"/items/"+itemID, map[string]any{"categoria": "OFICINA"}).Err(409, "rendicion_no_editable")
		owner.API.Delete("/api/rendiciones/"+id+"/items/"+itemID).Err(409, "rendicion_no_editable")
		owner.API.Delete("/api/rendiciones/"+id).Err(409, "rendicion_no_editable")
		// The aprobador corrects classification, not amounts, and adds nothing.
		aprobador.API.Patch("/api/rendiciones/"+id+"/items/"+itemID, map[string]any{"monto": "5"}).Field(400, "monto")
		aprobador.API.Post("/api/rendiciones/"+id+"/items", map[string]any{"fecha": "2024-03-02", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Err(403, "forbidden")
		aprobador.API.Patch("/api/rendiciones/"+id, map[string]any{"titulo": "Gastos marzo"}).Want(200).JSON(&r)
		if r.Titulo != "Gastos marzo" || len(r.Cambios) != 1 || *r.Cambios[0].ValorAnterior != "Gastos" || r.Cambios[0].ItemID != nil {
			t.Fatalf("reviewer patch: %+v", r)
		}
		// Approved: nobody edits.
		post(aprobador.API, id, "aprobar").Want(200)
		aprobador.API.Patch("/api/rendiciones/"+id+"/items/"+itemID, map[string]any{"categoria": "OFICINA"}).Err(409, "rendicion_no_editable")
	})
	t.Run("un borrador lo edita solo su dueño: 403", func(t *testing.T) {
		id := nueva(owner.API)
		aprobador.API.Patch("/api/rendiciones/"+id, map[string]any{"titulo": "x"}).Err(403, "forbidden")
		admin.API.Post("/api/rendiciones/"+id+"/items", map[string]any{"fecha": "2024-03-02", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Err(403, "forbidden")
		otro.API.Patch("/api/rendiciones/"+id, map[string]any{"titulo": "x"}).Err(404, "not_found")
		// The owner deletes a borrador never submitted.
		owner.API.Delete("/api/rendiciones/" + id).Want(204)
		owner.API.Get("/api/rendiciones/"+id).Err(404, "not_found")
	})
	t.Run("visibilidad", func(t *testing.T) {
		var l struct {
			Data  []rendicion
			Total int
		}
		otro.API.Get("/api/rendiciones").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("otro usuario lists %d", l.Total)
		}
		owner.API.Get("/api/rendiciones").Want(200).JSON(&l)
		for _, r := range l.Data {
			if r.UsuarioID != owner.ID {
				t.Fatalf("usuario lists someone else's: %+v", r)
			}
		}
		n := l.Total
		// usuario_id does not widen a usuario's view.
		owner.API.Get("/api/rendiciones?usuario_id=" + aprobador.ID).Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("usuario filtered to another user: %d", l.Total)
		}
		aprobador.API.Get("/api/rendiciones?usuario_id=" + owner.ID).Want(200).JSON(&l)
		if l.Total != n {
			t.Fatalf("aprobador sees %d of the owner's, want %d", l.Total, n)
		}
		aprobador.API.Get("/api/rendiciones?estado=aprobada&page_size=1").Want(200).JSON(&l)
		if l.Total < 3 || len(l.Data) != 1 || l.Data[0].Estado != "aprobada" || l.Data[0].Totales["CLP"] != "10000" || l.Data[0].Cantidad != 1 {
			t.Fatalf("list aprobadas: %+v", l)
		}
		aprobador.API.Get("/api/rendiciones?estado=cerrada").Field(400, "estado")
	})
}

func TestValidacionItems(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("Items")
	owner := a.Usuario
	var r rendicion
	owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Gastos", "tipo": "gastos"}).Want(201).JSON(&r)
	items := "/api/rendiciones/" + r.ID + "/items"
	manual := func(over map[string]any) map[string]any {
		m := map[string]any{"fecha": "2024-03-01", "descripcion": "Almuerzo", "monto": "10000", "moneda": "CLP", "categoria": "ALIMENTACION"}
		for k, v := range over {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}

	t.Run("categoría y centro de costo contra core", func(t *testing.T) {
		owner.API.Post(items, manual(map[string]any{"categoria": "VIAJES"})).Field(400, "categoria")
		owner.API.Post(items, manual(map[string]any{"centro_costo": "CC-999"})).Field(400, "centro_costo")
		owner.API.Post(items, manual(map[string]any{"categoria": nil})).Field(400, "categoria")
		// A parametro just created in core is usable at once.
		h.Core.Parametro(a.ID, "categoria_gasto", "VIAJES", "Viajes")
		owner.API.Post(items, manual(map[string]any{"categoria": "VIAJES", "centro_costo": "CC-200"})).Want(201)
		// Another tenant's categories do not count.
		b := h.Tenant("Otro")
		h.Core.Parametro(b.ID, "categoria_gasto", "SOLO_B", "x")
		owner.API.Post(items, manual(map[string]any{"categoria": "SOLO_B"})).Field(400, "categoria")
	})
	t.Run("campos", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"sin fecha", manual(map[string]any{"fecha": nil}), "fecha"},
			{"fecha mala", manual(map[string]any{"fecha": "01/03/2024"}), "fecha"},
			{"sin monto", manual(map[string]any{"monto": nil}), "monto"},
			{"monto texto", manual(map[string]any{"monto": "diez mil"}), "monto"},
			{"monto negativo", manual(map[string]any{"monto": "-5"}), "monto"},
			{"demasiados decimales", manual(map[string]any{"monto": "1.00001"}), "monto"},
			{"moneda", manual(map[string]any{"moneda": "EUR"}), "moneda"},
			{"sin descripción", manual(map[string]any{"descripcion": nil}), "descripcion"},
			{"documento no uuid", manual(map[string]any{"documento_id": "abc"}), "documento_id"},
			{"documento inexistente", manual(map[string]any{"documento_id": "0190a1b2-0000-7000-8000-000000000000"}), "documento_id"},
			{"movimiento en rendición de gastos", manual(map[string]any{"tarjeta_item_id": "0190a1b2-0000-7000-8000-000000000000"}), "tarjeta_item_id"},
			{"campo desconocido", manual(map[string]any{"proveedor": "x"}), "proveedor"},
		} {
			t.Run(tc.name, func(t *testing.T) { owner.API.Post(items, tc.body).Field(400, tc.field) })
		}
		var it item
		owner.API.Post(items, manual(map[string]any{"monto": 1234.5, "moneda": "usd"})).Want(201).JSON(&it)
		if it.Monto != "1234.5" || it.Moneda != "USD" {
			t.Fatalf("numeric monto: %+v", it)
		}
		owner.API.Get("/api/rendiciones/" + r.ID).Want(200).JSON(&r)
		if r.Totales["USD"] != "1234.5" || r.Totales["CLP"] != "10000" {
			t.Fatalf("totales por moneda: %v", r.Totales)
		}
	})
	t.Run("crear", func(t *testing.T) {
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "x", "tipo": "otro"}).Field(400, "tipo")
		owner.API.Post("/api/rendiciones", map[string]any{"tipo": "gastos"}).Field(400, "titulo")
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "x", "tipo": "tarjeta", "periodo": "2024-03"}).Field(400, "tarjeta_id")
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "x", "tipo": "gastos", "periodo": "2024-13"}).Field(400, "periodo")
		var card struct{ ID string }
		a.Admin.API.Post("/api/tarjetas", map[string]any{"alias": "Ajena", "banco": "BCI", "ultimos_4": "0001", "titular_id": a.Otro.ID}).Want(201).JSON(&card)
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "x", "tipo": "tarjeta", "tarjeta_id": card.ID, "periodo": "2024-03"}).Field(400, "tarjeta_id")
		owner.API.Patch("/api/rendiciones/"+r.ID, map[string]any{"tipo": "tarjeta"}).Field(400, "tipo")
	})
	t.Run("documento en uso: 409", func(t *testing.T) {
		doc := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, RazonSocial: "Librería", Folio: "77", Fecha: "2024-03-05", Total: "4990"})
		var it item
		owner.API.Post(items, map[string]any{"documento_id": doc, "categoria": "OFICINA"}).Want(201).JSON(&it)
		var r2 rendicion
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Otra", "tipo": "gastos"}).Want(201).JSON(&r2)
		e := owner.API.Post("/api/rendiciones/"+r2.ID+"/items", map[string]any{"documento_id": doc, "categoria": "OFICINA"}).Err(409, "documento_en_uso")
		if e.Details["rendicion_id"] != r.ID {
			t.Fatalf("details: %v", e.Details)
		}
		owner.API.Post(items, map[string]any{"documento_id": doc, "categoria": "OFICINA", "monto": "5000"}).Err(409, "documento_en_uso")
		// Removing it from the first frees it.
		owner.API.Delete("/api/rendiciones/" + r.ID + "/items/" + it.ID).Want(204)
		owner.API.Post("/api/rendiciones/"+r2.ID+"/items", map[string]any{"documento_id": doc, "categoria": "OFICINA", "monto": "5000"}).Field(400, "monto")
		owner.API.Post("/api/rendiciones/"+r2.ID+"/items", map[string]any{"documento_id": doc, "categoria": "OFICINA", "monto": "4990.00"}).Want(201)
		// Someone else's document, or one still being extracted.
		ajeno := h.Documento(a.ID, apitest.Doc{SubidoPor: a.Otro.ID, Folio: "78", Fecha: "2024-03-05", Total: "100"})
		owner.API.Post(items, map[string]any{"documento_id": ajeno, "categoria": "OFICINA"}).Field(400, "documento_id")
		pend := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, Estado: "pendiente", Folio: "79", Total: "100"})
		owner.API.Post(items, map[string]any{"documento_id": pend, "categoria": "OFICINA"}).Err(409, "documento_no_procesado")
	})
	t.Run("movimiento de tarjeta en uso: 409", func(t *testing.T) {
		var card struct{ ID string }
		a.Admin.API.Post("/api/tarjetas", map[string]any{"alias": "Mía", "banco": "BCI", "ultimos_4": "0002", "titular_id": owner.ID}).Want(201).JSON(&card)
		owner.API.Post("/api/tarjetas/"+card.ID+"/items", testkit.File("archivo", "c.csv", []byte("Fecha;Detalle;Monto\n03/03/2024;UBER;8.540\n"))).Want(201)
		ci := cardItems(t, owner.API, card.ID, "")[0]
		var r1, r2 rendicion
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "T1", "tipo": "tarjeta", "tarjeta_id": card.ID, "periodo": "2024-03"}).Want(201).JSON(&r1)
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "T2", "tipo": "tarjeta", "tarjeta_id": card.ID, "periodo": "2024-03"}).Want(201).JSON(&r2)
		owner.API.Post("/api/rendiciones/"+r1.ID+"/items", map[string]any{"categoria": "TRANSPORTE"}).Field(400, "tarjeta_item_id")
		owner.API.Post("/api/rendiciones/"+r1.ID+"/items", map[string]any{"tarjeta_item_id": ci.ID, "categoria": "TRANSPORTE", "monto": "1"}).Field(400, "monto")
		// Choosing a document for an unconciliated charge links it on the card.
		voucher := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, RazonSocial: "Uber Chile SpA", Folio: "80", Fecha: "2024-03-03", Total: "8540"})
		owner.API.Post("/api/rendiciones/"+r1.ID+"/items", map[string]any{"tarjeta_item_id": ci.ID, "documento_id": voucher, "categoria": "TRANSPORTE"}).Want(201)
		if got := cardItems(t, owner.API, card.ID, "")[0]; got.DocumentoID == nil || *got.DocumentoID != voucher || got.RendicionID == nil || *got.RendicionID != r1.ID {
			t.Fatalf("card item after use: %+v", got)
		}
		e := owner.API.Post("/api/rendiciones/"+r2.ID+"/items", map[string]any{"tarjeta_item_id": ci.ID, "categoria": "TRANSPORTE"}).Err(409, "tarjeta_item_en_uso")
		if e.Details["rendicion_id"] != r1.ID {
			t.Fatalf("details %v", e.Details)
		}
		// Its document is taken too, for a gastos rendición.
		owner.API.Post(items, map[string]any{"documento_id": voucher, "categoria": "TRANSPORTE"}).Err(409, "")
		// A card item of another card.
		var other struct{ ID string }
		a.Admin.API.Post("/api/tarjetas", map[string]any{"alias": "Otra", "banco": "BCI", "ultimos_4": "0003", "titular_id": owner.ID}).Want(201).JSON(&other)
		var r3 rendicion
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "T3", "tipo": "tarjeta", "tarjeta_id": other.ID, "periodo": "2024-03"}).Want(201).JSON(&r3)
		owner.API.Post("/api/rendiciones/"+r3.ID+"/items", map[string]any{"tarjeta_item_id": ci.ID, "categoria": "TRANSPORTE"}).Field(400, "tarjeta_item_id")
		// The card's manual link cannot change while the item is in a rendición.
		owner.API.Patch("/api/tarjetas/"+card.ID+"/items/"+ci.ID, map[string]any{"documento_id": nil}).Err(409, "movimiento_en_rendicion")
	})
}

// TestNumeroDeTarjeta: a full card number anywhere in a body is a 400 that
// names the field, and never reaches the log.
func TestNumeroDeTarjeta(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("PAN")
	owner, admin := a.Usuario, a.Admin
	var card struct{ ID string }
	admin.API.Post("/api/tarjetas", map[string]any{"alias": "Visa", "banco": "BCI", "ultimos_4": "1111", "titular_id": owner.ID}).Want(201).JSON(&card)
	owner.API.Post("/api/tarjetas/"+card.ID+"/items", testkit.File("archivo", "c.csv", []byte("Fecha;Detalle;Monto\n03/03/2024;UBER;8.540\n"))).Want(201)
	ci := cardItems(t, owner.API, card.ID, "")[0]
	var r rendicion
	owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Gastos", "tipo": "gastos"}).Want(201).JSON(&r)
	var it item
	owner.API.Post("/api/rendiciones/"+r.ID+"/items", map[string]any{"fecha": "2024-03-01", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Want(201).JSON(&it)
	var enviada rendicion
	owner.API.Post("/api/rendiciones", map[string]any{"titulo": "Enviada", "tipo": "gastos"}).Want(201).JSON(&enviada)
	owner.API.Post("/api/rendiciones/"+enviada.ID+"/items", map[string]any{"fecha": "2024-03-01", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Want(201)
	owner.API.Post("/api/rendiciones/"+enviada.ID+"/enviar", nil).Want(200)

	// Test numbers of several brands and ways of writing them.
	pans := []string{"4111111111111111", "5555 5555 5555 4444", "3782-822463-10005", "6011111111111117", "4222222222222", "4111-1111-1111-1111"}
	cases := []struct {
		name, method, path string
		body               string // %s is the number
		field              string
	}{
		{"alias", "POST", "/api/tarjetas", `{"alias":"Visa %s","banco":"BCI","ultimos_4":"1111"}`, "alias"},
		{"ultimos_4 con el número entero", "POST", "/api/tarjetas", `{"alias":"V","banco":"BCI","ultimos_4":"%s"}`, "ultimos_4"},
		{"campo desconocido", "POST", "/api/tarjetas", `{"alias":"V","banco":"BCI","ultimos_4":"1111","numero":"%s"}`, "numero"},
		{"patch tarjeta", "PATCH", "/api/tarjetas/" + card.ID, `{"banco":"BCI %s"}`, "banco"},
		{"vínculo manual", "PATCH", "/api/tarjetas/" + card.ID + "/items/" + ci.ID, `{"documento_id":"%s"}`, "documento_id"},
		{"título", "POST", "/api/rendiciones", `{"titulo":"Tarjeta %s","tipo":"gastos"}`, "titulo"},
		{"patch rendición", "PATCH", "/api/rendiciones/" + r.ID, `{"titulo":"%s"}`, "titulo"},
		{"descripción de item", "POST", "/api/rendiciones/" + r.ID + "/items", `{"fecha":"2024-03-01","descripcion":"pagado con %s","monto":"1","moneda":"CLP","categoria":"OFICINA"}`, "descripcion"},
		{"patch item", "PATCH", "/api/rendiciones/" + r.ID + "/items/" + it.ID, `{"descripcion":"%s"}`, "descripcion"},
		{"motivo de rechazo", "POST", "/api/rendiciones/" + enviada.ID + "/rechazar", `{"motivo":"use la %s"}`, "motivo"},
		{"motivo al enviar", "POST", "/api/rendiciones/" + r.ID + "/enviar", `{"motivo":"%s"}`, "motivo"},
		{"anidado", "POST", "/api/rendiciones", `{"titulo":"x","tipo":"gastos","extra":{"tarjetas":["ok","%s"]}}`, "extra.tarjetas[1]"},
		{"JSON roto", "POST", "/api/rendiciones", `{"titulo":"%s`, "cuerpo"},
	}
	for _, tc := range cases {
		for _, p := range pans {
			t.Run(tc.name+" "+p, func(t *testing.T) {
				api := owner.API
				if strings.HasPrefix(tc.path, "/api/tarjetas") && !strings.Contains(tc.path, "/items/") {
					api = admin.API
				}
				body := fmt.Sprintf(tc.body, p)
				r := api.Do(tc.method, tc.path, body)
				e := r.Field(400, tc.field)
				if bytes.Contains(r.Body, []byte(p)) || strings.Contains(e.Error, p) {
					t.Fatalf("the answer echoes the number: %s", r.Body)
				}
			})
		}
	}
	t.Run("como número JSON", func(t *testing.T) {
		owner.API.Post("/api/rendiciones/"+r.ID+"/items", `{"fecha":"2024-03-01","descripcion":"x","monto":4111111111111111,"moneda":"CLP","categoria":"OFICINA"}`).Field(400, "monto")
		admin.API.Post("/api/tarjetas", `{"alias":"V","banco":"B","ultimos_4":"1111","titular_id":5555555555554444}`).Field(400, "titular_id")
	})
	t.Run("en la query", func(t *testing.T) {
		owner.API.Get("/api/rendiciones?estado=4111111111111111").Field(400, "estado")
	})
	t.Run("en la ruta, donde va un id", func(t *testing.T) {
		owner.API.Get("/api/rendiciones/4111-1111-1111-1111").Err(404, "not_found")
		admin.API.Patch("/api/tarjetas/6011111111111117", map[string]any{"alias": "x"}).Err(404, "not_found")
	})
	t.Run("no son números de tarjeta", func(t *testing.T) {
		// A RUT, an amount with thousands dots and a folio pass.
		owner.API.Post("/api/rendiciones", map[string]any{"titulo": "RUT 76.123.456-0 monto 1.234.567.890.123 folio 123456", "tipo": "gastos"}).Want(201)
	})
	t.Run("nada de eso llegó al log", func(t *testing.T) {
		log := h.Log.String()
		if !strings.Contains(log, `"route":"/api/rendiciones/:id/rechazar"`) || !strings.Contains(log, `"status":400`) {
			t.Fatalf("the log did not capture the requests:\n%.2000s", log)
		}
		for _, p := range pans {
			digits := strings.NewReplacer(" ", "", "-", "").Replace(p)
			for _, form := range []string{p, digits} {
				if strings.Contains(log, form) {
					t.Fatalf("%s appears in the log", form)
				}
			}
		}
		// And nowhere in the database either.
		var n int64
		testDB.Raw(`SELECT count(*) FROM rendiciones.tarjetas WHERE alias LIKE '%4111%' OR banco LIKE '%4111%'`).Scan(&n)
		if n != 0 {
			t.Fatal("card number stored")
		}
	})
}

// TestAislamiento: tenant B gets 404 on every rendiciones route with
// tenant A's ids, whatever its role.
func TestAislamiento(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("Aislamiento A")
	b := h.Tenant("Aislamiento B")
	var r rendicion
	a.Usuario.API.Post("/api/rendiciones", map[string]any{"titulo": "De A", "tipo": "gastos"}).Want(201).JSON(&r)
	var it item
	a.Usuario.API.Post("/api/rendiciones/"+r.ID+"/items", map[string]any{"fecha": "2024-03-01", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Want(201).JSON(&it)
	base := "/api/rendiciones/" + r.ID
	for _, api := range []*testkit.Client{b.Admin.API, b.Aprobador.API, b.Usuario.API} {
		api.Get(base).Err(404, "not_found")
		api.Patch(base, map[string]any{"titulo": "x"}).Err(404, "not_found")
		api.Post(base+"/items", map[string]any{"fecha": "2024-03-01", "descripcion": "x", "monto": "1", "moneda": "CLP", "categoria": "OFICINA"}).Err(404, "not_found")
		api.Patch(base+"/items/"+it.ID, map[string]any{"categoria": "OFICINA"}).Err(404, "not_found")
		api.Delete(base+"/items/"+it.ID).Err(404, "not_found")
		for _, accion := range []string{"enviar", "aprobar", "rechazar", "reabrir"} {
			api.Post(base+"/"+accion, map[string]any{"motivo": "x"}).Err(404, "not_found")
		}
		api.Get(base+"/export?format=csv").Err(404, "not_found")
		api.Get(base+"/export?format=xlsx").Err(404, "not_found")
		api.Delete(base).Err(404, "not_found")
		var l struct{ Total int }
		api.Get("/api/rendiciones").Want(200).JSON(&l)
		if l.Total != 0 {
			t.Fatalf("tenant B lists %d", l.Total)
		}
	}
	// A's documents and card items are unknown to B's rendiciones.
	doc := h.Documento(a.ID, apitest.Doc{SubidoPor: a.Usuario.ID, Folio: "1", Fecha: "2024-03-01", Total: "100"})
	var rb rendicion
	b.Admin.API.Post("/api/rendiciones", map[string]any{"titulo": "De B", "tipo": "gastos"}).Want(201).JSON(&rb)
	b.Admin.API.Post("/api/rendiciones/"+rb.ID+"/items", map[string]any{"documento_id": doc, "categoria": "OFICINA"}).Field(400, "documento_id")
	a.Usuario.API.Get(base).Want(200).JSON(&r)
	if r.Titulo != "De A" || len(r.Items) != 1 || r.Estado != "borrador" {
		t.Fatalf("B changed A's rendición: %+v", r)
	}
}

// TestOpenAPI: every route of these packages is in the document, which
// validates (the app's own test checks the whole service).
func TestOpenAPI(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	missing, err := httpx.UndocumentedRoutes(h.Srv.Echo, h.Srv.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for _, m := range missing {
		if strings.Contains(m, "/api/tarjetas") || strings.Contains(m, "/api/rendiciones") {
			mine = append(mine, m)
		}
	}
	sort.Strings(mine)
	if len(mine) > 0 {
		t.Fatalf("undocumented:\n%s", strings.Join(mine, "\n"))
	}
}

// TestConcurrencia: many rendiciones racing for one card item and one
// document: exactly one wins each, the others get 409.
func TestConcurrencia(t *testing.T) {
	h := apitest.New(t, testURL, testDB)
	a := h.Tenant("Carrera")
	owner := a.Usuario
	var card struct{ ID string }
	a.Admin.API.Post("/api/tarjetas", map[string]any{"alias": "Visa", "banco": "BCI", "ultimos_4": "0004", "titular_id": owner.ID}).Want(201).JSON(&card)
	owner.API.Post("/api/tarjetas/"+card.ID+"/items", testkit.File("archivo", "c.csv", []byte("Fecha;Detalle;Monto\n03/03/2024;UBER;8.540\n"))).Want(201)
	ci := cardItems(t, owner.API, card.ID, "")[0]
	doc := h.Documento(a.ID, apitest.Doc{SubidoPor: owner.ID, Folio: "1", Fecha: "2024-03-01", Total: "100"})

	const n = 8
	ids := make([]string, 2*n)
	for i := range ids {
		var r rendicion
		body := map[string]any{"titulo": fmt.Sprint("R", i), "tipo": "gastos"}
		if i < n {
			body = map[string]any{"titulo": fmt.Sprint("R", i), "tipo": "tarjeta", "tarjeta_id": card.ID, "periodo": "2024-03"}
		}
		owner.API.Post("/api/rendiciones", body).Want(201).JSON(&r)
		ids[i] = r.ID
	}
	statuses := make([]int, 2*n)
	done := make(chan struct{})
	for i, id := range ids {
		go func() {
			defer func() { done <- struct{}{} }()
			body := map[string]any{"tarjeta_item_id": ci.ID, "categoria": "TRANSPORTE"}
			if i >= n {
				body = map[string]any{"documento_id": doc, "categoria": "OFICINA"}
			}
			statuses[i] = owner.API.Post("/api/rendiciones/"+id+"/items", body).Status
		}()
	}
	for range ids {
		<-done
	}
	for _, group := range [][]int{statuses[:n], statuses[n:]} {
		won := 0
		for _, s := range group {
			switch s {
			case 201:
				won++
			case 409:
			default:
				t.Fatalf("status %d in %v", s, statuses)
			}
		}
		if won != 1 {
			t.Fatalf("%d winners: %v", won, statuses)
		}
	}
}
