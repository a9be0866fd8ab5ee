// Package web embeds the static assets (CSS, JS, images) and serves them with
// content hashes: Path("app.css") is "/static/app.css?v=<hash>", served with a
// one-year immutable cache, so a new release is fetched at once.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed static
var files embed.FS

// Static returns the static file tree (rooted at static/).
func Static() fs.FS {
	sub, _ := fs.Sub(files, "static") // "static" is a valid path: no error
	return sub
}

var hashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static(), p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		m[p] = hex.EncodeToString(h[:6])
		return nil
	})
	return m
})

// Path returns the versioned URL of a static file.
func Path(name string) string {
	name = strings.TrimPrefix(name, "/")
	if h, ok := hashes()[name]; ok {
		return "/static/" + name + "?v=" + h
	}
	return "/static/" + name
}

// Handler serves /static/*.
func Handler() http.Handler {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(Static()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/static/")
		h, ok := hashes()[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fsrv.ServeHTTP(w, r)
	})
}
