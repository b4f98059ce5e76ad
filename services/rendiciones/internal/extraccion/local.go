package extraccion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"ecosystem/services/rendiciones/internal/extraccion/pdftext"
)

// minCaracteresTexto is the least number of letters and digits a text layer
// must have to be worth parsing: scanned PDFs sometimes carry a page number
// or a producer stamp and nothing else.
const minCaracteresTexto = 12

// LocalConfig tunes the local engine; the zero value is usable.
type LocalConfig struct {
	MaxPages int // pages read at most (default pdftext.DefaultMaxPages)
}

// Local is the engine that parses the PDF text layer (motor "local"). It
// needs no network and costs nothing, but cannot read images or scans.
type Local struct {
	cfg LocalConfig
}

// NewLocal returns the local engine.
func NewLocal(cfg LocalConfig) *Local {
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = pdftext.DefaultMaxPages
	}
	return &Local{cfg: cfg}
}

// Name returns "local".
func (l *Local) Name() string { return MotorLocal }

// Extract reads the text layer of a PDF and parses the Chilean fields.
// Images and PDFs without text end in a permanent sin_texto error.
func (l *Local) Extract(ctx context.Context, in Input) (res Result, err error) {
	if err := ctx.Err(); err != nil {
		return Result{}, ctxError(err)
	}
	switch {
	case in.Size <= 0 || in.File == nil:
		return Result{}, permanente(CodeArchivoVacio, "el archivo está vacío", nil)
	case in.MIME == MIMEJPEG || in.MIME == MIMEPNG:
		return Result{}, permanente(CodeSinTexto, "la imagen no tiene capa de texto; se necesita el motor gemini para leerla", nil)
	case in.MIME != MIMEPDF:
		return Result{}, permanente(CodeTipoNoSoportado, fmt.Sprintf("tipo de archivo no soportado: %q", in.MIME), nil)
	}
	lector := &lectorVigilado{r: in.File}
	doc, err := pdftext.Read(ctx, lector, in.Size, pdftext.Options{MaxPages: l.cfg.MaxPages})
	if err != nil {
		if lector.err != nil && ctx.Err() == nil {
			// The PDF library swallows read errors and reports a broken
			// file; a storage failure must stay retryable.
			return Result{}, reintentable(CodeLecturaArchivo, "no se pudo leer el archivo", lector.err)
		}
		return Result{}, clasificarPDF(ctx, err)
	}
	if doc.TextChars() < minCaracteresTexto {
		return Result{}, permanente(CodeSinTexto, "el PDF no tiene capa de texto (¿documento escaneado?)", nil)
	}
	// The parsers are heuristics over untrusted text; a bug there must not
	// take the job worker down.
	defer func() {
		if p := recover(); p != nil {
			res, err = Result{}, permanente(CodeErrorInterno, "error interno al interpretar el documento", fmt.Errorf("panic: %v", p))
		}
	}()
	ex := analizar(doc)
	if doc.NumPages > len(doc.Pages) {
		ex.Advertencias = append(ex.Advertencias,
			fmt.Sprintf("el documento tiene %d páginas; solo se leyeron las primeras %d", doc.NumPages, len(doc.Pages)))
	}
	ex.Advertencias = append(ex.Advertencias, doc.Warnings...)
	Validate(&ex)
	return Result{Extraccion: ex}, nil
}

func clasificarPDF(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctxError(ctx.Err())
	case errors.Is(err, pdftext.ErrEncrypted):
		return permanente(CodePDFProtegido, "el PDF está protegido con contraseña o usa un cifrado que el motor local no lee", err)
	case errors.Is(err, pdftext.ErrInvalid):
		return permanente(CodePDFInvalido, "el PDF está dañado, incompleto o no es un PDF", err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return permanente(CodePDFInvalido, "el PDF está incompleto", err)
	default:
		// pdftext only returns the errors above or a context error; anything
		// else comes from the ReaderAt (storage), which may recover.
		return reintentable(CodeLecturaArchivo, "no se pudo leer el archivo", err)
	}
}

// lectorVigilado remembers the first real I/O error of the underlying
// ReaderAt (end of file is not one).
type lectorVigilado struct {
	r   io.ReaderAt
	mu  sync.Mutex
	err error
}

func (l *lectorVigilado) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		// The PDF library probes before the start of tiny files.
		return 0, errOffsetNegativo
	}
	n, err := l.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		l.mu.Lock()
		if l.err == nil {
			l.err = err
		}
		l.mu.Unlock()
	}
	return n, err
}

var errOffsetNegativo = errors.New("offset negativo")

// analizar parses the fields out of a text layer.
func analizar(d *pdftext.Document) Extraccion {
	ex := nuevaExtraccion(MotorLocal)
	doc := nuevoDocumento(d)
	t := doc.detectarTipo()
	ex.TipoDocumento = t.tipo
	emisor, receptor := doc.elegirRUTs(t)
	if emisor != nil {
		ex.RutEmisor = emisor.h.RUT.String()
	}
	if receptor != nil {
		ex.RutReceptor = receptor.h.RUT.String()
	}
	ex.RazonSocialEmisor = doc.nombreEmisor(t, emisor)
	ex.RazonSocialReceptor = doc.nombreReceptor()
	ex.Folio = doc.folio(t)
	ex.FechaEmision = doc.fechaEmision()

	items, enTabla := doc.items()
	if len(items) == 0 && (t.tipo == TipoTicket || t.tipo == TipoBoleta || t.tipo == TipoOtro) {
		items = doc.itemsSueltos()
	}
	ex.Items = append(ex.Items, items...)

	pares := doc.montos(func(li int) bool { return enTabla[li] })
	ex.Moneda = doc.moneda(pares)
	var totales []parMonto
	for _, p := range pares {
		switch p.tipo {
		case kNeto:
			ex.MontoNeto = nullDec(p.v)
		case kIVA:
			ex.MontoIVA = nullDec(p.v)
		case kExento:
			ex.MontoExento = nullDec(p.v)
		case kTotal:
			ex.MontoTotal = nullDec(p.v)
			totales = append(totales, p)
		}
	}
	// The last total wins (the totals box is at the bottom); say so when the
	// document printed different ones, a person should look.
	for _, p := range totales {
		if !p.v.Equal(ex.MontoTotal.Decimal) {
			ex.Advertencias = append(ex.Advertencias, fmt.Sprintf(
				"el documento muestra totales distintos (%s y %s); se usó %s",
				formatMontoCL(p.v), formatMontoCL(ex.MontoTotal.Decimal), formatMontoCL(ex.MontoTotal.Decimal)))
			break
		}
	}
	return ex
}
