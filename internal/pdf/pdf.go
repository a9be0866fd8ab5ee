// Package pdf prints HTML documents to PDF with headless Chromium through
// chromedp (docs/architecture.md §2 "PDF": the same templ HTML with a print stylesheet,
// page.PrintToPDF; accents and € come out right). When no Chromium is
// installed, Available reports it and Print returns ErrNoBrowser: callers
// offer the printable HTML instead.
package pdf

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNoBrowser: no Chromium (or Chrome) binary was found on this server.
var ErrNoBrowser = errors.New("pdf: Chromium introuvable sur le serveur")

// browsers are the binary names looked up in PATH, in order.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Browser returns the path of the first browser found, or "".
func Browser() string {
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	return ""
}

// Available reports whether a browser is installed.
func Available() bool { return Browser() != "" }

// slots bounds concurrent prints: each one starts a browser process.
var slots = make(chan struct{}, 2)

// Timeout bounds one print (browser start included).
var Timeout = 45 * time.Second

// Print renders a whole HTML document (styles inlined: it is loaded from a
// data: URL, with no access to the server) and prints it on A4 paper.
func Print(ctx context.Context, html string) ([]byte, error) {
	path := Browser()
	if path == "" {
		return nil, ErrNoBrowser
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	url := "data:text/html;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(html))
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("pdf.Print: navigate: %w", err)
	}
	buf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFMargins(0.6, 0.6, 0.7, 0.6),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
		chromedp.PDFFooterTemplate(`<div style="font-size:8px;width:100%;text-align:center;color:#555"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`),
		chromedp.PDFHeaderTemplate(`<span></span>`),
	))
	if err != nil {
		return nil, fmt.Errorf("pdf.Print: %w", err)
	}
	return buf, nil
}
