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
func browsers() []string {
	return []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
}

// Browser returns the path of the first browser found, or "".
func Browser() string {
	for _, b := range browsers() {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	return ""
}

// Available reports whether a browser is installed.
func Available() bool { return Browser() != "" }

// Options configure a Printer; zero fields take the defaults.
type Options struct {
	// Timeout bounds one print, browser start included (default 45 s).
	Timeout time.Duration
	// MaxConcurrent bounds concurrent prints: each one starts a browser
	// process (default 2).
	MaxConcurrent int
}

// Printer prints HTML to PDF, at most MaxConcurrent at a time. Build it with
// New; it is safe for concurrent use.
type Printer struct {
	timeout time.Duration
	slots   chan struct{}
}

// New builds a Printer.
func New(opts Options) *Printer {
	if opts.Timeout <= 0 {
		opts.Timeout = 45 * time.Second
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 2
	}
	return &Printer{timeout: opts.Timeout, slots: make(chan struct{}, opts.MaxConcurrent)}
}

// Available reports whether a browser is installed.
func (p *Printer) Available() bool { return Available() }

// Print renders a whole HTML document (styles inlined: it is loaded from a
// data: URL, with no access to the server) and prints it on A4 paper.
func (p *Printer) Print(ctx context.Context, html string) ([]byte, error) {
	path := Browser()
	if path == "" {
		return nil, ErrNoBrowser
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
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
