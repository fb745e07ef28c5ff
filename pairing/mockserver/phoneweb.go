package mockserver

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/linkdesk/linkdesk/pairing"
)

// webFiles holds the phone simulator: index.html and its static assets.
//
//go:embed web
var webFiles embed.FS

// setPageSecurityHeaders keeps the simulator page self-contained: it loads
// nothing from elsewhere and cannot be framed.
func setPageSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// phoneWebRoutes registers the phone simulator page, its assets and the QR
// picture decoder on mux.
func (s *Server) phoneWebRoutes(mux *http.ServeMux) {
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		// The directory is embedded at build time; failing here is a build defect.
		panic(fmt.Sprintf("mockserver: embedded phone assets missing: %v", err))
	}
	mux.HandleFunc("GET /phone", servePhonePage)
	mux.HandleFunc("GET /phone/{$}", servePhonePage)
	mux.Handle("GET /phone/static/", http.StripPrefix("/phone/static/", staticAssets(static)))

	reader := newQRReader() // bounds the memory and CPU of this server's picture uploads
	mux.HandleFunc("POST /phone/v1/qr/decode", s.asPhone(func(w http.ResponseWriter, r *http.Request, _ string) {
		s.handleQRDecode(w, r, reader)
	}))
}

// servePhonePage answers the single-page app.
func servePhonePage(w http.ResponseWriter, r *http.Request) {
	page, err := webFiles.ReadFile("web/index.html")
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, pairing.CodeInternal, "phone page missing from the build")
		return
	}
	h := w.Header()
	setPageSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if _, err := w.Write(page); err != nil {
		return // the client went away; nothing left to tell it
	}
}

// staticAssets serves files of fsys but never a directory listing.
func staticAssets(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, err := fs.Stat(fsys, r.URL.Path); err != nil || st.IsDir() {
			writeError(w, r, http.StatusNotFound, pairing.CodeNotFound, "no such file")
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
