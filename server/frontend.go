package server

import (
	"io/fs"
	"net/http"
	"path"
	"strings"
)

const notBuiltPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>chainmap</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>chainmap</h1>
<p>The web front end is not built into this binary yet (前端尚未构建).</p>
<p>Build it with <code>scripts/run.sh</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild chainmap).
The GraphQL API is available at <a href="/graphql">/graphql</a>.</p>
</body></html>
`

// frontendHandler serves the built front end, falling back to index.html for client-side
// routes, or a "front end not built" page when the build is missing.
func frontendHandler(web fs.FS) http.Handler {
	if web == nil {
		return http.HandlerFunc(notBuilt)
	}
	if _, err := fs.Stat(web, "index.html"); err != nil {
		return http.HandlerFunc(notBuilt)
	}
	files := http.FileServer(http.FS(web))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p == "" {
			p = "index.html"
		}
		if _, err := fs.Stat(web, p); err != nil {
			// An unknown path is a client-side route: serve the app.
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			files.ServeHTTP(w, r2)
			return
		}
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}

func notBuilt(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/index.html" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(notBuiltPage))
}

// graphiqlHandler serves the GraphiQL page bundled with the front end (graphiql.html),
// so the playground works offline; without a build it says how to get one.
func graphiqlHandler(web fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web != nil {
			if b, err := fs.ReadFile(web, "graphiql.html"); err == nil {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write(b)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(notBuiltPage))
	})
}
