package pdf

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// With Chromium installed the bytes are a PDF; without, Print says so with
// ErrNoBrowser (the server then offers the printable HTML).
func TestPrint(t *testing.T) {
	buf, err := New(Options{}).Print(context.Background(), `<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><h1>Contrat — 87 500,00 €</h1><p>Élément accentué</p></html>`)
	if !Available() {
		if !errors.Is(err, ErrNoBrowser) {
			t.Fatalf("without a browser: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", buf)
	}
}
