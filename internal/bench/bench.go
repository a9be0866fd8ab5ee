// Package bench is the load generator of `make bench` (`aci bench`): it logs
// in as the role of each page, loads the page from a fixed number of
// connections for a fixed duration, and reports per page the throughput, the
// latency percentiles and the ratio of the throughput to the one-query
// floor (/healthz) of the same run (docs/rules.md §35). It only speaks HTTP
// to the server (a second process on loopback): the ids in the pages' paths
// are discovered from the pages themselves, so the same list runs on the
// demo data and on a national data set.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Page is one page of the run. Path may hold one placeholder "{id}", the
// first match of Discover's pattern in the body of Discover's page (loaded
// as Who). Who is the e-mail of the account that loads the page ("":
// anonymous).
type Page struct {
	Name     string
	Who      string
	Path     string
	Discover *Discover
	// Create, instead of Discover: the record the page is about is created
	// first by a form (POST as Who, in a session of its own), its id read
	// from the redirect.
	Create *Create
	// Optional: a page that may not exist yet (404: skipped with a note).
	Optional bool
}

// Create is a form posted once before a page is loaded; Pattern (one group:
// the id) is matched against the Location of its 303.
type Create struct {
	Path    string
	Form    url.Values
	Pattern *regexp.Regexp
}

// Discover finds the id of a page's path in another page.
type Discover struct {
	Path    string
	Pattern *regexp.Regexp // one group: the id
}

// Result is the measure of one page.
type Result struct {
	Page          Page
	Path          string // resolved
	Skipped       string // why the page was not loaded ("" when it was)
	Requests      int
	Errors        int // non-2xx answers and transport errors
	Elapsed       time.Duration
	P50, P95, P99 time.Duration
}

// RPS is the throughput of successful requests.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Options of a run.
type Options struct {
	Base        string        // http://127.0.0.1:port
	Password    string        // of every account
	Connections int           // concurrent connections per page
	Duration    time.Duration // per page
	Progress    io.Writer     // one line per page (nil: none)
}

// Run loads every page in turn and returns their results, in order.
func Run(ctx context.Context, o Options, pages []Page) ([]Result, error) {
	sessions := map[string]http.CookieJar{}
	var out []Result
	for _, p := range pages {
		jar, ok := sessions[p.Who]
		if !ok {
			var err error
			if jar, err = login(ctx, o.Base, p.Who, o.Password); err != nil {
				return nil, fmt.Errorf("bench: login %s: %w", p.Who, err)
			}
			sessions[p.Who] = jar
		}
		r := Result{Page: p, Path: p.Path}
		if p.Discover != nil {
			id, err := discover(ctx, o.Base, jar, *p.Discover)
			if err != nil {
				r.Skipped = err.Error()
				out = append(out, r)
				continue
			}
			r.Path = strings.Replace(p.Path, "{id}", id, 1)
		}
		if p.Create != nil {
			// Its own session: creating a structure makes it the session's
			// active organisation, which the other pages of Who must not see.
			var err error
			if jar, err = login(ctx, o.Base, p.Who, o.Password); err != nil {
				return nil, fmt.Errorf("bench: login %s: %w", p.Who, err)
			}
			id, err := create(ctx, o.Base, jar, *p.Create)
			if err != nil {
				r.Skipped = err.Error()
				out = append(out, r)
				continue
			}
			r.Path = strings.Replace(p.Path, "{id}", id, 1)
		}
		status, err := get(ctx, newClient(jar, 1), o.Base+r.Path, io.Discard)
		switch {
		case err != nil:
			return nil, fmt.Errorf("bench: %s: %w", r.Path, err)
		case status == http.StatusNotFound && p.Optional:
			r.Skipped = "page absente de cette version (404)"
		case status != http.StatusOK:
			r.Skipped = fmt.Sprintf("statut %d", status)
		default:
			load(ctx, newClient(jar, o.Connections), o.Base+r.Path, o.Connections, o.Duration, &r)
		}
		if o.Progress != nil {
			if r.Skipped != "" {
				fmt.Fprintf(o.Progress, "%-28s %s : ignorée (%s)\n", p.Name, r.Path, r.Skipped)
			} else {
				fmt.Fprintf(o.Progress, "%-28s %s : %.0f req/s, p95 %s, %d erreurs\n", p.Name, r.Path, r.RPS(), r.P95, r.Errors)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func newClient(jar http.CookieJar, conns int) *http.Client {
	return &http.Client{
		Jar: jar,
		Transport: &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			DisableCompression: true, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func get(ctx context.Context, c *http.Client, u string, w io.Writer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(w, res.Body)
	return res.StatusCode, err
}

// login opens a session for email (none for ""), as a browser posts the
// form (same-origin headers).
func login(ctx context.Context, base, email, password string) (http.CookieJar, error) {
	jar, _ := cookiejar.New(nil)
	if email == "" {
		return jar, nil
	}
	form := url.Values{"email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := newClient(jar, 1).Do(req)
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("statut %d", res.StatusCode)
	}
	return jar, nil
}

// create posts c's form as a browser does (same origin, confirmed) and
// returns the id in the redirect's Location.
func create(ctx context.Context, base string, jar http.CookieJar, c Create) (string, error) {
	form := url.Values{"confirm": {"1"}}
	for k, v := range c.Form {
		form[k] = v
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+c.Path, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := newClient(jar, 1).Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("%s : statut %d", c.Path, res.StatusCode)
	}
	m := c.Pattern.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		return "", fmt.Errorf("%s : redirection %q sans identifiant", c.Path, res.Header.Get("Location"))
	}
	return m[1], nil
}

func discover(ctx context.Context, base string, jar http.CookieJar, d Discover) (string, error) {
	var b strings.Builder
	status, err := get(ctx, newClient(jar, 1), base+d.Path, &b)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("%s : statut %d", d.Path, status)
	}
	m := d.Pattern.FindStringSubmatch(b.String())
	if m == nil {
		return "", fmt.Errorf("aucun lien %s dans %s", d.Pattern, d.Path)
	}
	return m[1], nil
}

// load sends GETs of u from conns workers until d has passed.
func load(ctx context.Context, c *http.Client, u string, conns int, d time.Duration, r *Result) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type tally struct {
		lat    []time.Duration
		errors int
	}
	tallies := make([]tally, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[i]
			for ctx.Err() == nil {
				t0 := time.Now()
				status, err := get(ctx, c, u, io.Discard)
				if ctx.Err() != nil && (err != nil || errors.Is(err, context.DeadlineExceeded)) {
					return // cut by the end of the run: not counted
				}
				t.lat = append(t.lat, time.Since(t0))
				if err != nil || status < 200 || status > 299 {
					t.errors++
				}
			}
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errors
	}
	r.Requests = len(all)
	slices.Sort(all)
	r.P50, r.P95, r.P99 = quantile(all, 0.50), quantile(all, 0.95), quantile(all, 0.99)
}

// quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
