// Package server is chainmap's HTTP front: GraphQL at /graphql, health at /healthz and
// /readyz, and the embedded web front end at /. It wires gqlgen's handler with explicit
// transports, a query cache, limits and an error presenter that never leaks internals.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph"
	"github.com/chainmap/chainmap/graph/generated"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Config holds the server's settings; zero values take the documented defaults.
type Config struct {
	// Addr is the listen address (default 127.0.0.1:8080).
	Addr string
	// Introspection enables schema introspection (on by default outside production).
	Introspection bool
	// Playground serves the bundled GraphiQL page at /graphiql (off in production).
	Playground bool
	// CORSOrigins lists the origins allowed to call the API from a browser (default:
	// none, same origin only).
	CORSOrigins []string
	// Tokens maps bearer tokens to roles; endpoints that write need one. Reads never do.
	Tokens map[string]string
	// Reload, if set, re-reads the dataset (POST /admin/reload, role admin).
	Reload func(ctx context.Context) error
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// QueryTimeout bounds one GraphQL request (default 30 s).
	QueryTimeout time.Duration
	// ComplexityLimit bounds the cost of one query (default 20000; a page of n items
	// costs n times what each item selects).
	ComplexityLimit int
	// MaxDepth bounds the nesting of a query (default 10).
	MaxDepth int
	// MaxAliases bounds the aliases in a query (default 15).
	MaxAliases int
	// TokenLimit bounds the tokens of a query document (default 5000).
	TokenLimit int
	// ShutdownTimeout bounds the graceful shutdown (default 5 s… in-flight requests
	// finish within it).
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.QueryTimeout <= 0 {
		c.QueryTimeout = 30 * time.Second
	}
	if c.ComplexityLimit <= 0 {
		c.ComplexityLimit = 20000
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = 10
	}
	if c.MaxAliases <= 0 {
		c.MaxAliases = 15
	}
	if c.TokenLimit <= 0 {
		c.TokenLimit = 5000
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Server serves chainmap over HTTP.
type Server struct {
	cfg   Config
	store chainmap.Store
	mux   *http.ServeMux
}

// New builds the server over a store; web holds the built front end (may be nil).
func New(cfg Config, store chainmap.Store, web fs.FS) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, store: store, mux: http.NewServeMux()}
	gql := s.graphqlHandler()
	s.mux.Handle("/graphql", s.cors(s.limitBody(graph.Middleware(store, gql))))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("POST /admin/reload", s.requireRole(RoleAdmin, s.reload))
	if cfg.Playground {
		s.mux.Handle("GET /graphiql", graphiqlHandler(web))
	}
	s.mux.Handle("/", frontendHandler(web))
	return s
}

// Handler returns the server's root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.securityHeaders(s.mux) }

func (s *Server) graphqlHandler() http.Handler {
	schema := generated.NewExecutableSchema(*graph.NewSchema(s.store))
	h := handler.New(schema)
	h.AddTransport(transport.Options{})
	h.AddTransport(transport.GET{})
	h.AddTransport(transport.POST{})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.SetParserTokenLimit(s.cfg.TokenLimit)
	// Field suggestions ("did you mean …") map the schema for an attacker; production
	// mode (introspection off) turns them off too.
	h.SetDisableSuggestion(!s.cfg.Introspection)
	if s.cfg.Introspection {
		h.Use(extension.Introspection{})
	}
	h.Use(graph.NullEmptyStrings{})
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	h.Use(extension.FixedComplexityLimit(s.cfg.ComplexityLimit))
	h.Use(Limits{MaxDepth: s.cfg.MaxDepth, MaxAliases: s.cfg.MaxAliases, MaxDirectives: 50})
	h.SetErrorPresenter(s.presentError)
	h.SetRecoverFunc(func(ctx context.Context, v any) error {
		s.cfg.Logger.Error("resolver panic", "panic", v, "path", graphql.GetPath(ctx))
		return &chainmap.Error{Code: chainmap.EINTERNAL, Message: "internal error"}
	})
	timeout := s.cfg.QueryTimeout
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		h.ServeHTTP(jsonStatus{w}, r.WithContext(ctx))
	})
}

// jsonStatus follows the GraphQL-over-HTTP spec for application/json answers: a request
// that parsed as HTTP but failed GraphQL parsing or validation is still 200, with the
// errors in the body (gqlgen answers 422; application/graphql-response+json keeps it).
type jsonStatus struct{ http.ResponseWriter }

func (j jsonStatus) WriteHeader(code int) {
	if code == http.StatusUnprocessableEntity && strings.HasPrefix(j.Header().Get("Content-Type"), "application/json") {
		code = http.StatusOK
	}
	j.ResponseWriter.WriteHeader(code)
}

// presentError maps domain errors to extensions.code and hides everything else: users
// see a code and a message, never Cypher, a stack trace or a driver error.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	var de *chainmap.Error
	if errors.As(err, &de) {
		gqlErr.Message = de.Message
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = de.Code
		if de.Code == chainmap.EINTERNAL || de.Code == chainmap.EUNAVAILABLE {
			s.cfg.Logger.Error("graphql", "code", de.Code, "path", gqlErr.Path.String(), "err", err)
		}
		return gqlErr
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) && ge.Extensions != nil && ge.Extensions["code"] != nil {
		return gqlErr // parser and validation errors carry their own codes
	}
	if errors.Is(err, context.DeadlineExceeded) {
		gqlErr.Message = "the query took longer than allowed"
		gqlErr.Extensions = map[string]any{"code": chainmap.EUNAVAILABLE}
		return gqlErr
	}
	s.cfg.Logger.Error("graphql", "path", gqlErr.Path.String(), "err", err)
	gqlErr.Message = "internal error"
	gqlErr.Extensions = map[string]any{"code": chainmap.EINTERNAL}
	return gqlErr
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.store.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	max := s.cfg.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			w.Write([]byte(`{"errors":[{"message":"request body too large","extensions":{"code":"BAD_USER_INPUT"}}]}`))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// cors answers browsers from the configured origins only; other origins get no CORS
// headers, so their scripts cannot read the answers.
func (s *Server) cors(next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range s.cfg.CORSOrigins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && allowed[o] {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", o)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			h.Set("Access-Control-Max-Age", "600")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy is the policy the front end is tested under: scripts and styles
// from the server only, no inline script, no framing, no form posts.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Run serves until ctx is cancelled, then shuts down gracefully: in-flight requests
// finish (within ShutdownTimeout), new connections are refused. ready, if set, receives
// the bound address once the listener is open.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.QueryTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}
