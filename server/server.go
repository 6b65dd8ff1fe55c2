// Package server is chainmap's HTTP front: GraphQL at /graphql, health at /healthz and
// /readyz, and the embedded web front end at /. It wires gqlgen's handler with explicit
// transports, a query cache, limits and an error presenter that never leaks internals.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph"
	"github.com/chainmap/chainmap/graph/generated"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
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
	// MaxSelections bounds the fields, inline fragments and fragment spreads a query
	// expands to, a fragment counted each time it is spread (default 1000). It is checked
	// before validation, so fragment fan-out cannot make any later phase exponential.
	MaxSelections int
	// MaxResolvedFields bounds the fields one request resolves, counted while it runs
	// (default 100,000): lists the schema returns whole are not priced by the
	// complexity limit, so nesting them multiplies with the size of the dataset.
	MaxResolvedFields int
	// MaxConns bounds the connections open at once (default: half the process's file
	// descriptor limit, at most 10,000); MaxConnsPerClient bounds those from one address
	// (default a quarter of MaxConns). A connection past either is closed as soon as it
	// is accepted, so slow clients cannot take every descriptor (accept failing with
	// "too many open files" starved the store's own connections).
	MaxConns          int
	MaxConnsPerClient int
	// ShutdownTimeout is the grace period of a shutdown: in-flight requests have this long
	// to finish once the server stops accepting connections (default 30 s).
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long /readyz answers 503 before the server stops accepting
	// connections, for load balancers to notice (default 0).
	ShutdownDelay time.Duration
	// Logger receives the server's logs; every field is capped (CapLogValue).
	Logger *slog.Logger
	// Pipeline serves the 招商 pipeline (leads) when set; Users holds the accounts that
	// log in (usually Pipeline.Leads).
	Pipeline *chainmap.Pipeline
	Users    chainmap.LeadStore
	// RequireLogin closes the whole API (the analysis too) to anonymous requests; leads
	// always need a login.
	RequireLogin bool
	// SecureCookies marks the session cookie Secure even on plain HTTP, for a server
	// behind a proxy that terminates TLS (on TLS connections it is always Secure).
	SecureCookies bool
	// SessionTTL is how long a login lasts (default DefaultSessionTTL).
	SessionTTL time.Duration
	// Import, if set, serves the enterprise-list import and its review to managers
	// (importweb.go); applying it needs Reload.
	Import *ImportConfig
	// Sessions keeps the logins: default Users when it is a chainmap.SessionStore (both
	// lead stores are, so logins survive a restart), else a table in memory.
	Sessions chainmap.SessionStore
}

// DefaultShutdownTimeout is the default grace period of a shutdown.
const DefaultShutdownTimeout = 30 * time.Second

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
	if c.MaxSelections <= 0 {
		c.MaxSelections = defaultMaxSelections
	}
	if c.MaxConns <= 0 {
		c.MaxConns = defaultMaxConns()
	}
	if c.MaxConnsPerClient <= 0 {
		c.MaxConnsPerClient = max(1, c.MaxConns/4)
	}
	if c.MaxResolvedFields <= 0 {
		c.MaxResolvedFields = defaultMaxResolvedFields
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.Users == nil && c.Pipeline != nil {
		c.Users = c.Pipeline.Leads
	}
	if c.Sessions == nil {
		if ss, ok := c.Users.(chainmap.SessionStore); ok {
			c.Sessions = ss
		} else {
			c.Sessions = &memSessions{m: map[string]chainmap.Session{}}
		}
	}
}

// Server serves chainmap over HTTP.
type Server struct {
	cfg      Config
	store    chainmap.Store
	mux      *http.ServeMux
	log      *slog.Logger // cfg.Logger, every field capped
	notReady atomic.Bool  // set when a shutdown starts: /readyz answers 503
	closing  atomic.Bool  // set once the listener is closed: every answer closes its connection
	// reloading is held while POST /admin/reload runs: one reload at a time.
	reloading sync.Mutex

	loginIP   *limiter      // login attempts per client address
	loginUser *limiter      // failed logins per user name
	hashing   chan struct{} // at most cap(hashing) password checks at once
	imports   *importState  // the web import, when Config.Import is set
}

// New builds the server over a store; web holds the built front end (may be nil).
func New(cfg Config, store chainmap.Store, web fs.FS) *Server {
	cfg.defaults()
	// Every log line of the server, its admin endpoints included, goes through the cap.
	cfg.Logger = slog.New(NewCapHandler(cfg.Logger.Handler()))
	s := &Server{cfg: cfg, store: store, mux: http.NewServeMux(), log: cfg.Logger,
		hashing: make(chan struct{}, 2),
		loginIP: newLimiter(loginAttemptsPerIP, loginIPWindow), loginUser: newLimiter(loginFailuresPerUser, loginUserWindow)}
	gql := s.graphqlHandler()
	s.mux.Handle("/graphql", s.cors(s.allowMethods(s.limitBody(s.withActor(graph.Middleware(store, gql))))))
	s.mux.HandleFunc("POST /auth/login", s.login)
	s.mux.HandleFunc("POST /auth/logout", s.logout)
	s.mux.HandleFunc("GET /auth/me", s.me)
	s.mux.HandleFunc("GET /export/audit.csv", s.requireAction(chainmap.ActReadAudit, s.auditCSV))
	s.mux.HandleFunc("POST /leads/{id}/attachments", s.requireAction(chainmap.ActReadLeads, s.uploadAttachment))
	s.mux.HandleFunc("GET /attachments/{id}", s.requireAction(chainmap.ActReadLeads, s.downloadAttachment))
	s.mux.HandleFunc("GET /export/kpis.csv", s.requireAction(chainmap.ActReadLeads, s.kpiCSV))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("POST /admin/reload", s.requireAction(chainmap.ActReload, s.reload))
	s.mux.HandleFunc("GET /import", s.importInfo)
	if cfg.Import != nil {
		s.routeImport()
	}
	s.mux.HandleFunc("GET /admin/users", s.requireAction(chainmap.ActManageUser, s.listUsers))
	s.mux.HandleFunc("POST /admin/users", s.requireAction(chainmap.ActManageUser, s.addUser))
	s.mux.HandleFunc("PATCH /admin/users/{name}", s.requireAction(chainmap.ActManageUser, s.updateUser))
	s.mux.HandleFunc("GET /admin/state/backup", s.requireAction(chainmap.ActManageUser, s.stateBackup))
	if cfg.Playground {
		s.mux.Handle("GET /graphiql", graphiqlHandler(web))
	}
	s.mux.Handle("/", frontendHandler(web))
	return s
}

// Handler returns the server's root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.securityHeaders(s.closeWhenDraining(s.mux)) }

// closeWhenDraining makes every answer given during a shutdown close its connection, so
// that clients open a new one (refused) instead of reusing one the server is about to close.
func (s *Server) closeWhenDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.closing.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) graphqlHandler() http.Handler {
	schema := generated.NewExecutableSchema(*graph.NewSchema(s.store, s.cfg.Pipeline))
	h := handler.New(schema)
	h.AddTransport(transport.Options{})
	h.AddTransport(httpTransport{s})
	docs := newBoundedCache(queryCacheEntries, queryCacheBytes,
		func(q string, _ *ast.QueryDocument) int { return len(q) })
	h.SetQueryCache(docs)
	h.SetParserTokenLimit(s.cfg.TokenLimit)
	// Suggestions ("did you mean …") map the schema for an attacker; production mode
	// (introspection off) turns off every kind the validator makes.
	production := !s.cfg.Introspection
	h.SetDisableSuggestion(production)
	if production {
		h.SetValidationRulesFn(rulesWithoutSuggestions)
	}
	if s.cfg.Introspection {
		h.Use(extension.Introspection{})
	}
	h.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: newBoundedCache(100, persistedQueryCacheBytes,
		func(k, q string) int { return len(k) + len(q) })}})
	// After the persisted query is resolved (the guard bounds the full text) and before
	// the complexity and shape walks, which expand fragments at every spread.
	h.Use(documentGuard{maxSelections: s.cfg.MaxSelections, tokenLimit: s.cfg.TokenLimit,
		introspection: s.cfg.Introspection, cache: docs, log: s.log})
	h.Use(extension.FixedComplexityLimit(s.cfg.ComplexityLimit))
	h.Use(Limits{MaxDepth: s.cfg.MaxDepth, MaxAliases: s.cfg.MaxAliases, MaxDirectives: 50})
	h.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		if err := ctx.Err(); err != nil { // deadline passed or client gone: start nothing new
			graphql.AddError(ctx, endedError(err))
			return graphql.Null
		}
		return next(ctx)
	})
	// Every field spends the request's budget and checks its deadline, and an empty
	// optional string is answered as null (budget.go; one interceptor for both).
	h.AroundOperations(resolvedFieldsBudget(s.cfg.MaxResolvedFields))
	h.AroundFields(interceptField)
	h.AroundResponses(capErrors)
	h.SetErrorPresenter(s.presentError)
	h.SetRecoverFunc(func(ctx context.Context, v any) error {
		s.log.Error("resolver panic", "panic", v, "path", graphql.GetPath(ctx))
		return &chainmap.Error{Code: chainmap.EINTERNAL, Message: "internal error"}
	})
	timeout := s.cfg.QueryTimeout
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// rulesWithoutSuggestions is the default validation rule set with every rule that
// suggests names swapped for its variant that does not (gqlgen swaps only two of them).
func rulesWithoutSuggestions() *rules.Rules {
	r := rules.NewDefaultRules()
	for _, swap := range []struct {
		name string
		rule core.Rule
	}{
		{rules.FieldsOnCorrectTypeRule.Name, rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
		{rules.ScalarLeafsRule.Name, rules.ScalarLeafsRuleWithoutSuggestions},
		{rules.ValuesOfCorrectTypeRule.Name, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
		{rules.KnownArgumentNamesRule.Name, rules.KnownArgumentNamesRuleWithoutSuggestions},
		{rules.KnownTypeNamesRule.Name, rules.KnownTypeNamesRuleWithoutSuggestions},
	} {
		r.RemoveRule(swap.name)
		r.AddRule(swap.rule.Name, swap.rule.RuleFunc)
	}
	return r
}

// withoutSuggestion cuts a "did you mean …" hint off a message (a safety net behind the
// rule swap, for messages from anywhere else).
func withoutSuggestion(msg string) string {
	i := strings.Index(strings.ToLower(msg), "did you mean")
	if i < 0 {
		return msg
	}
	return strings.TrimRight(msg[:i], " ,;")
}

// capErrors keeps the first maxErrorsPerResponse errors of an answer: a list of 2,000
// items whose every field fails must not answer (and present) 20,000 errors.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > maxErrorsPerResponse {
		more := len(resp.Errors) - maxErrorsPerResponse
		resp.Errors = append(resp.Errors[:maxErrorsPerResponse:maxErrorsPerResponse], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors were left out", more),
			Extensions: map[string]any{"code": codeErrorsTruncated},
		})
	}
	return resp
}

// presentError maps domain errors to extensions.code and hides everything else: users
// see a code and a message, never Cypher, a stack trace or a driver error. Only faults of
// the server are INTERNAL_SERVER_ERROR and logged at ERROR.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	if errors.Is(err, errBudgetSilenced) {
		return nil // the stop was reported once (interceptField); gqlgen drops nil errors
	}
	gqlErr := s.present(ctx, err)
	if !s.cfg.Introspection {
		gqlErr.Message = withoutSuggestion(gqlErr.Message)
	}
	return gqlErr
}

func (s *Server) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	ended := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	var de *chainmap.Error
	if errors.As(err, &de) {
		gqlErr.Message = de.Message
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = de.Code
		if v, ok := chainmap.CurrentVersion(err); ok {
			gqlErr.Extensions["currentVersion"] = v
		}
		if (de.Code == chainmap.EINTERNAL || de.Code == chainmap.EUNAVAILABLE) && !errors.Is(err, context.Canceled) {
			s.log.Error("graphql", "code", de.Code, "path", gqlErr.Path.String(), "err", err)
		}
		return gqlErr
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) && ge.Extensions != nil && ge.Extensions["code"] != nil {
		return gqlErr // parser, validation and limit errors carry their own codes
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		gqlErr.Message = "the query took longer than allowed"
		gqlErr.Extensions = map[string]any{"code": chainmap.EUNAVAILABLE}
		return gqlErr
	case ended: // the client went away: nobody reads this answer
		gqlErr.Message = "the request was cancelled"
		gqlErr.Extensions = map[string]any{"code": codeRequestEnded}
		return gqlErr
	}
	s.log.Error("graphql", "path", gqlErr.Path.String(), "err", err)
	gqlErr.Message = "internal error"
	gqlErr.Extensions = map[string]any{"code": chainmap.EINTERNAL}
	return gqlErr
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.notReady.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("shutting down\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("store unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// limitBody refuses a declared length over MaxBodyBytes before reading, and caps what is
// read of a chunked body (the transport answers 413 when the cap is hit).
func (s *Server) limitBody(next http.Handler) http.Handler {
	max := s.cfg.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			s.refuse(w, r, &refusal{http.StatusRequestEntityTooLarge, codeTooLarge, "the request body is too large"})
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

// quietPeriod is how long every remaining connection must have been idle before a
// shutdown closes it: a keep-alive connection closed under a client that is just sending
// on it breaks that request (EOF or reset), so busy connections are instead answered with
// "Connection: close" and end by themselves.
const quietPeriod = time.Second

// Run serves until ctx is cancelled, then drains: /readyz answers 503 (for ShutdownDelay,
// so load balancers notice), the server stops accepting (new connections are refused),
// every answer closes its connection, and once the remaining connections are idle the
// server stops. In-flight requests have ShutdownTimeout to finish; if it expires Run says
// so in its error. ready, if set, receives the bound address once the listener is open.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	ln := &drainListener{Listener: l}
	conns := &connTracker{conns: map[net.Conn]connState{}, perClient: map[string]int{},
		max: s.cfg.MaxConns, maxPerClient: s.cfg.MaxConnsPerClient, log: s.log}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.QueryTimeout + 10*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState:         conns.track,
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
	start := time.Now()
	s.notReady.Store(true)
	s.log.Info("shutting down: not ready any more", "delay", s.cfg.ShutdownDelay, "grace", s.cfg.ShutdownTimeout)
	if d := s.cfg.ShutdownDelay; d > 0 {
		time.Sleep(d)
	}
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	ln.stop()
	<-errc // Serve returns once the listener stops; its connections keep being served
	s.closing.Store(true)
	for time.Now().Before(deadline) {
		if quiet, _ := conns.quiet(quietPeriod); quiet {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_, running := conns.quiet(0)
		srv.Close()
		s.log.Error("shutdown grace period expired", "grace", s.cfg.ShutdownTimeout, "requests_cut_off", running)
		return fmt.Errorf("the shutdown grace period of %v expired with %d requests still running; they were cut off (raise --shutdown-grace)",
			s.cfg.ShutdownTimeout, running)
	}
	s.log.Info("drained", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// acceptDrain is how long the listener waits for one more queued connection when it
// stops: closing a listening socket resets the connections the kernel has queued but the
// server has not accepted yet, whose clients have already sent their request.
const acceptDrain = 2 * time.Millisecond

// drainListener stops by first accepting what the kernel has queued, then closing; it
// closes once (Shutdown closes it again, which must not turn into an error).
type drainListener struct {
	net.Listener
	stopping atomic.Bool
	once     sync.Once
	err      error
}

// stop wakes the Accept loop; it accepts until nothing arrives for acceptDrain, then closes.
func (l *drainListener) stop() {
	l.stopping.Store(true)
	if tl, ok := l.Listener.(*net.TCPListener); ok {
		tl.SetDeadline(time.Now().Add(acceptDrain))
		return
	}
	l.Close()
}

func (l *drainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if !l.stopping.Load() {
		return c, err
	}
	if err == nil {
		if tl, ok := l.Listener.(*net.TCPListener); ok {
			tl.SetDeadline(time.Now().Add(acceptDrain))
		}
		return c, nil
	}
	l.Close()
	return nil, net.ErrClosed
}

func (l *drainListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

type connState struct {
	state http.ConnState
	since time.Time
}

// connTracker follows the state of every connection, for the drain to know when all are
// idle.
type connTracker struct {
	mu        sync.Mutex
	conns     map[net.Conn]connState
	perClient map[string]int
	// max and maxPerClient bound the connections open at once, in all and per address.
	max, maxPerClient int
	refused           int
	log               *slog.Logger
}

func (t *connTracker) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateNew:
		client := clientOf(c)
		if len(t.conns) >= t.max || t.perClient[client] >= t.maxPerClient {
			// Closed before anything is read: the descriptor is free again at once.
			c.Close()
			if t.refused++; t.refused&(t.refused-1) == 0 { // log the 1st, 2nd, 4th, 8th…
				t.log.Warn("connection refused: too many open", "client", client, "open", len(t.conns),
					"max", t.max, "max_per_client", t.maxPerClient, "refused_so_far", t.refused)
			}
			return
		}
		t.perClient[client]++
		t.conns[c] = connState{st, time.Now()}
	case http.StateClosed, http.StateHijacked:
		if _, ok := t.conns[c]; ok {
			delete(t.conns, c)
			client := clientOf(c)
			if t.perClient[client]--; t.perClient[client] <= 0 {
				delete(t.perClient, client)
			}
		}
	default:
		if _, ok := t.conns[c]; ok {
			t.conns[c] = connState{st, time.Now()}
		}
	}
}

// clientOf is the address a connection comes from, without its port.
func clientOf(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// defaultMaxConns is half the process's soft limit of open files (the rest is for the
// store's connections, dataset files and logs), between 64 and 10,000.
func defaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 1024
	}
	return int(min(max(lim.Cur/2, 64), 10000))
}

// quiet reports whether every connection has been idle (or new without a request) for at
// least d, and how many are serving a request.
func (t *connTracker) quiet(d time.Duration) (quiet bool, active int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	quiet = true
	for _, c := range t.conns {
		switch {
		case c.state == http.StateActive:
			active++
			quiet = false
		case time.Since(c.since) < d:
			quiet = false
		}
	}
	return quiet, active
}
