package muestras

import (
	"bytes"
	"context"
	"testing"

	"ecosystem/services/rendiciones/internal/extraccion"
)

// Comparable strips what a sample does not fix (warnings, engine) so an
// extraction can be compared with Esperado.
func TestLocalEngineReadsEverySample(t *testing.T) {
	eng := extraccion.NewLocal(extraccion.LocalConfig{})
	for _, m := range Todas() {
		t.Run(m.Nombre, func(t *testing.T) {
			res, err := eng.Extract(context.Background(), extraccion.Input{File: bytes.NewReader(m.PDF), Size: int64(len(m.PDF)), MIME: extraccion.MIMEPDF})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Extraccion
			if d := Diferencias(m.Esperado, got); d != "" {
				t.Fatalf("%s\nadvertencias: %v", d, got.Advertencias)
			}
		})
	}
}

func TestSamplesAreWhatTheySay(t *testing.T) {
	for name, b := range map[string][]byte{"sin_texto": SinTexto(), "multipagina": Multipagina(2)} {
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", name)
		}
	}
	if !bytes.Equal(Factura().PDF, Factura().PDF) {
		t.Error("a sample is not the same bytes every time")
	}
	if c := Copia(Boleta(), 1); bytes.Equal(c.PDF, Boleta().PDF) || Diferencias(Boleta().Esperado, c.Esperado) != "" {
		t.Error("a copy must be another file with the same content")
	}
	if !bytes.HasPrefix(PNG(), []byte("\x89PNG")) || !bytes.HasPrefix(JPEG(), []byte{0xFF, 0xD8, 0xFF}) {
		t.Error("images")
	}
}
