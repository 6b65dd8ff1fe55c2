package server

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
)

// Roles a token can carry.
const (
	RoleAdmin  = "admin"  // may reload the dataset
	RoleReader = "reader" // may read (everyone may: reads need no token)
)

// ParseTokens reads "token:role" pairs separated by commas or newlines, as configured in
// CHAINMAP_TOKENS or a tokens file. Tokens are never built into the binary.
func ParseTokens(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" || strings.HasPrefix(part, "#") {
			continue
		}
		tok, role, ok := strings.Cut(part, ":")
		tok, role = strings.TrimSpace(tok), strings.TrimSpace(role)
		if !ok || len(tok) < 16 || (role != RoleAdmin && role != RoleReader) {
			return nil, errBadTokens
		}
		out[tok] = role
	}
	return out, nil
}

type tokenError string

func (e tokenError) Error() string { return string(e) }

const errBadTokens = tokenError("tokens must be token:role pairs (role admin or reader), tokens of at least 16 characters")

// roleOf returns the role of the request's bearer token ("" when absent or unknown),
// comparing in constant time.
func (s *Server) roleOf(r *http.Request) (role string, present bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", true
	}
	for t, role := range s.cfg.Tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			return role, true
		}
	}
	return "", true
}

// requireRole guards a writing endpoint: 401 without a valid token, 403 with a token
// whose role is not enough.
func (s *Server) requireRole(role string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got, present := s.roleOf(r)
		switch {
		case got == "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="chainmap"`)
			status := http.StatusUnauthorized
			msg := "a bearer token is required"
			if present {
				msg = "the token is not valid"
			}
			writeJSON(w, status, map[string]any{"error": msg, "code": "UNAUTHENTICATED"})
		case got != role && got != RoleAdmin:
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "the token's role may not do this", "code": "FORBIDDEN"})
		default:
			next(w, r)
		}
	}
}

// reload re-reads the dataset (embedded store) and swaps it in whole. Reloads are
// serialised: while one runs, another is refused at once with 409 CONFLICT and a
// Retry-After, rather than queued behind it (a reload re-reads the same folder, so the
// running one already brings whatever the second would). Readers keep the old dataset
// until the new one is complete; a failed or cancelled reload leaves it in place.
func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Reload == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this store cannot be reloaded through the server; use chainmap load", "code": "NOT_IMPLEMENTED"})
		return
	}
	if !s.reloading.TryLock() {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusConflict, map[string]any{"error": "a reload is already running; try again when it has finished", "code": chainmap.ECONFLICT})
		return
	}
	defer s.reloading.Unlock()
	start := time.Now()
	if err := s.cfg.Reload(r.Context()); err != nil {
		status, code := http.StatusUnprocessableEntity, chainmap.EINVALID
		switch {
		case chainmap.ErrorCode(err) == chainmap.ECONFLICT:
			status, code = http.StatusConflict, chainmap.ECONFLICT
		case r.Context().Err() != nil:
			status, code = 499, "CLIENT_CLOSED_REQUEST"
		}
		s.log.Warn("reload refused; the previous dataset is still served", "err", err)
		writeJSON(w, status, map[string]any{"error": err.Error(), "code": code})
		return
	}
	s.log.Info("dataset reloaded", "took", time.Since(start))
	writeJSON(w, http.StatusOK, map[string]any{"reloaded": true, "ms": time.Since(start).Milliseconds()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
