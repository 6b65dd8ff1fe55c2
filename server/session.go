package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/password"
)

// Logins and sessions. A browser logs in at POST /auth/login and gets a session cookie
// (HttpOnly, SameSite=Strict, Secure behind TLS, expiring) and a CSRF token; every
// request that can change state (anything but GET, HEAD and OPTIONS) made with the
// cookie must carry that token in the X-CSRF-Token header. Scripts use bearer tokens,
// which browsers never send by themselves and so need no CSRF token. Sessions live in the
// lead store (chainmap.SessionStore), which keeps only the SHA-256 of each id, so a
// restart logs nobody out and a copy of the store opens no session.

const (
	sessionCookie = "chainmap_session"
	csrfHeader    = "X-CSRF-Token"
	// DefaultSessionTTL is how long a session lasts without a new login.
	DefaultSessionTTL = 12 * time.Hour
	maxSessions       = 10000
	maxLoginBody      = 4 << 10
	codeCSRF          = "CSRF_TOKEN_INVALID"
	codeRateLimited   = "TOO_MANY_REQUESTS"
)

// Login limits: per client address, attempts; per user name, failures. Both bound how
// fast a password can be guessed, the first also how much Argon2 work one client causes.
const (
	loginAttemptsPerIP   = 10
	loginIPWindow        = time.Minute
	loginFailuresPerUser = 5
	loginUserWindow      = 15 * time.Minute
	maxLimiterKeys       = 10000
)

// memSessions is the session table of a server whose account store keeps no sessions
// (chainmap.SessionStore): in memory, so a restart logs everyone out. The lead stores
// (bbolt, Neo4j) keep them, and a server over one of them keeps its logins across restarts.
type memSessions struct {
	mu sync.Mutex
	m  map[string]chainmap.Session
}

var _ chainmap.SessionStore = (*memSessions)(nil)

func (t *memSessions) CreateSession(_ context.Context, s *chainmap.Session) error {
	if err := s.Validate(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[s.IDHash]; ok {
		return chainmap.Errorf(chainmap.ECONFLICT, "a session with this id exists already")
	}
	t.purge(s.Created)
	var mine []chainmap.Session
	for _, o := range t.m {
		if o.User == s.User {
			mine = append(mine, o)
		}
	}
	slices.SortFunc(mine, func(a, b chainmap.Session) int { return a.Created.Compare(b.Created) })
	for len(mine) >= chainmap.MaxSessionsPerUser {
		delete(t.m, mine[0].IDHash)
		mine = mine[1:]
	}
	if len(t.m) >= maxSessions { // a flood of accounts logging in: drop an arbitrary one
		for h := range t.m {
			delete(t.m, h)
			break
		}
	}
	t.m[s.IDHash] = *s
	return nil
}

func (t *memSessions) purge(now time.Time) int {
	n := 0
	for h, o := range t.m {
		if !now.Before(o.Expires) {
			delete(t.m, h)
			n++
		}
	}
	return n
}

func (t *memSessions) Session(_ context.Context, h string, now time.Time) (*chainmap.Session, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	o, ok := t.m[h]
	if !ok || !now.Before(o.Expires) {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no such session, or it has expired")
	}
	return &o, nil
}

func (t *memSessions) DeleteSession(_ context.Context, h string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, h)
	return nil
}

func (t *memSessions) DeleteUserSessions(_ context.Context, user string) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for h, o := range t.m {
		if o.User == user {
			delete(t.m, h)
			n++
		}
	}
	return n, nil
}

func (t *memSessions) PurgeSessions(_ context.Context, now time.Time) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.purge(now), nil
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxSessionIDLen bounds the cookie value looked up: a real id is 43 characters.
const maxSessionIDLen = 64

// session returns the live session of the request's cookie and its id, nil when there is
// none (no cookie, unknown, expired: anonymous), or an error when the store cannot say.
func (s *Server) session(r *http.Request) (*chainmap.Session, string, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxSessionIDLen {
		return nil, "", nil
	}
	sess, err := s.cfg.Sessions.Session(r.Context(), chainmap.SessionIDHash(c.Value), time.Now())
	if chainmap.ErrorCode(err) == chainmap.ENOTFOUND {
		return nil, "", nil
	}
	if err != nil {
		s.log.Error("session lookup", "err", err)
		return nil, "", err
	}
	return sess, c.Value, nil
}

// limiter counts events per key in fixed windows, with a bounded number of keys.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	m      map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, w time.Duration) *limiter {
	return &limiter{max: max, window: w, m: map[string]*window{}}
}

// blocked reports whether key has used up its window, and when it may retry.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.m[key]
	if w == nil || time.Since(w.start) > l.window {
		return false, 0
	}
	return w.n >= l.max, l.window - time.Since(w.start)
}

// add counts one event for key.
func (l *limiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	w := l.m[key]
	if w == nil || now.Sub(w.start) > l.window {
		if len(l.m) >= maxLimiterKeys {
			for k, v := range l.m {
				if now.Sub(v.start) > l.window {
					delete(l.m, k)
				}
			}
			if len(l.m) >= maxLimiterKeys { // a flood of keys: forget them all rather than grow
				l.m = map[string]*window{}
			}
		}
		w = &window{start: now}
		l.m[key] = w
	}
	w.n++
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

// clientIP is the connection's address: proxy headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// dummyHash is checked when the user does not exist, so a login takes as long for an
// unknown name as for a wrong password.
var dummyHash = func() string {
	h, _ := password.Hash("not a password of anyone")
	return h
}()

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Users == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "accounts are not configured", "code": "NOT_IMPLEMENTED"})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "send the login as application/json", "code": codeMediaType})
		return
	}
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Name == "" || len(in.Name) > 64 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "send {\"name\": …, \"password\": …}", "code": codeBadRequest})
		return
	}
	ip := clientIP(r)
	if no, wait := s.loginIP.blocked(ip); no {
		s.tooMany(w, wait, "too many login attempts from this address")
		return
	}
	if no, wait := s.loginUser.blocked(in.Name); no {
		s.tooMany(w, wait, "too many failed logins for this user")
		return
	}
	s.loginIP.add(ip)
	u, err := s.cfg.Users.User(r.Context(), in.Name)
	hash := dummyHash
	if err == nil && !u.Disabled {
		hash = u.PasswordHash
	} else if err != nil && chainmap.ErrorCode(err) != chainmap.ENOTFOUND {
		s.log.Error("login: user lookup", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "accounts are unavailable", "code": chainmap.EUNAVAILABLE})
		return
	}
	s.hashing <- struct{}{}
	ok, verr := password.Verify(in.Password, hash)
	<-s.hashing
	if verr != nil {
		s.log.Error("login: stored hash unusable", "user", in.Name, "err", verr)
	}
	if !ok || err != nil || u.Disabled {
		s.loginUser.add(in.Name)
		s.log.Info("login failed", "user", in.Name, "ip", ip)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "wrong name or password", "code": chainmap.EUNAUTHENTICATED})
		return
	}
	s.loginUser.reset(in.Name)
	// A fresh random id every login, so a session id planted before the login is
	// worthless (no fixation); the store keeps only its hash.
	id, now := randomToken(), time.Now()
	sess := &chainmap.Session{IDHash: chainmap.SessionIDHash(id), User: u.Name, Role: u.Role,
		Created: now.UTC(), Expires: now.Add(s.cfg.SessionTTL).UTC()}
	if err := s.cfg.Sessions.CreateSession(r.Context(), sess); err != nil {
		s.log.Error("login: store the session", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "sessions are unavailable", "code": chainmap.EUNAVAILABLE})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.cfg.SecureCookies,
		MaxAge: int(s.cfg.SessionTTL.Seconds()), Expires: sess.Expires})
	s.log.Info("login", "user", u.Name, "role", u.Role, "ip", ip)
	writeJSON(w, http.StatusOK, map[string]any{"name": u.Name, "role": u.Role, "csrfToken": chainmap.SessionCSRF(id),
		"expiresAt": sess.Expires.UTC().Format(time.RFC3339)})
}

func (s *Server) tooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": msg + "; try again later", "code": codeRateLimited})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess, id, err := s.session(r)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "sessions are unavailable", "code": chainmap.EUNAVAILABLE})
		return
	}
	if sess != nil {
		if !validCSRF(r, id) {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "the X-CSRF-Token header is missing or wrong", "code": codeCSRF})
			return
		}
		if err := s.cfg.Sessions.DeleteSession(r.Context(), sess.IDHash); err != nil {
			s.log.Error("logout: delete the session", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "sessions are unavailable; the session was not ended", "code": chainmap.EUNAVAILABLE})
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.cfg.SecureCookies, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]any{"loggedOut": true})
}

// me answers who the session belongs to, with its CSRF token (for a page reloaded while
// logged in).
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	sess, id, err := s.session(r)
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "sessions are unavailable", "code": chainmap.EUNAVAILABLE})
		return
	}
	if sess == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "not logged in", "code": chainmap.EUNAUTHENTICATED})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": sess.User, "role": sess.Role, "csrfToken": chainmap.SessionCSRF(id),
		"expiresAt": sess.Expires.UTC().Format(time.RFC3339)})
}

// validCSRF checks the request's CSRF token against the one of its session id.
func validCSRF(r *http.Request, id string) bool {
	got := r.Header.Get(csrfHeader)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(chainmap.SessionCSRF(id))) == 1
}

// safeMethod reports whether a request cannot change state (GraphQL over GET runs
// queries only).
func safeMethod(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
}

// actorOf identifies the request: a bearer token, else a session cookie (with its CSRF
// token on state-changing methods), else anonymous. A bad token or a missing CSRF token
// is refused, never downgraded to anonymous.
func (s *Server) actorOf(r *http.Request) (chainmap.Actor, *refusal) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if ok {
			for t, v := range s.cfg.Tokens {
				if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
					return tokenActor(t, v), nil
				}
			}
		}
		return chainmap.Actor{}, &refusal{http.StatusUnauthorized, chainmap.EUNAUTHENTICATED, "the bearer token is not valid"}
	}
	sess, id, err := s.session(r)
	if err != nil {
		return chainmap.Actor{}, &refusal{http.StatusServiceUnavailable, chainmap.EUNAVAILABLE, "sessions are unavailable; try again shortly"}
	}
	if sess == nil {
		return chainmap.Actor{}, nil // none, expired or unknown: anonymous (the page asks to log in again)
	}
	if !safeMethod(r) && !validCSRF(r, id) {
		return chainmap.Actor{}, &refusal{http.StatusForbidden, codeCSRF, "the X-CSRF-Token header is missing or wrong"}
	}
	return chainmap.Actor{Name: sess.User, Role: sess.Role}, nil
}

// tokenActor is the actor of a bearer token: its configured role (reader reads as a
// viewer) and name, or "token-" and a hash prefix that names it in the audit trail
// without revealing it.
func tokenActor(tok, value string) chainmap.Actor {
	role, name, _ := strings.Cut(value, ":")
	if role == RoleReader {
		role = string(chainmap.RoleViewer)
	}
	if name == "" {
		sum := sha256.Sum256([]byte(tok))
		name = "token-" + hex.EncodeToString(sum[:4])
	}
	return chainmap.Actor{Name: name, Role: chainmap.Role(role)}
}

// withActor puts the request's actor into its context; with RequireLogin, anonymous
// requests are refused.
func (s *Server) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		a, ref := s.actorOf(r)
		if ref == nil && s.cfg.RequireLogin && a.Anonymous() {
			ref = &refusal{http.StatusUnauthorized, chainmap.EUNAUTHENTICATED, "log in first: this server requires a login"}
		}
		if ref != nil {
			s.refuse(w, r, ref)
			return
		}
		next.ServeHTTP(w, r.WithContext(chainmap.WithActor(r.Context(), a)))
	})
}

// requireAction guards an endpoint with Authorize.
func (s *Server) requireAction(act chainmap.Action, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, ref := s.actorOf(r)
		if ref == nil {
			if err := chainmap.Authorize(a, act, nil); err != nil {
				ref = &refusal{http.StatusForbidden, chainmap.ErrorCode(err), "the token's role may not do this"}
				if chainmap.ErrorCode(err) == chainmap.EUNAUTHENTICATED {
					ref = &refusal{http.StatusUnauthorized, chainmap.EUNAUTHENTICATED, "a bearer token or a login is required"}
				}
			}
		}
		if ref != nil {
			if ref.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="chainmap"`)
			}
			writeJSON(w, ref.status, map[string]any{"error": ref.message, "code": ref.code})
			return
		}
		next(w, r.WithContext(chainmap.WithActor(r.Context(), a)))
	}
}
