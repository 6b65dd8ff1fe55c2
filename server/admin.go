package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
)

// Roles a token can carry: the account roles of chainmap.Roles, and reader (a viewer).
const (
	RoleAdmin  = "admin"  // may reload the dataset
	RoleReader = "reader" // may read (the analysis needs no token; leads need a viewer)
)

// ParseTokens reads "token:role" or "token:role:name" entries separated by commas or
// newlines, as configured in CHAINMAP_TOKENS or a tokens file. The role is viewer,
// promoter, manager, admin or reader (a viewer); the name, if given, is who the audit
// trail says made a change (else "token-" and a hash prefix). Tokens are never built into
// the binary.
func ParseTokens(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" || strings.HasPrefix(part, "#") {
			continue
		}
		tok, rest, ok := strings.Cut(part, ":")
		role, name, _ := strings.Cut(strings.TrimSpace(rest), ":")
		tok, role, name = strings.TrimSpace(tok), strings.TrimSpace(role), strings.TrimSpace(name)
		if !ok || len(tok) < 16 || (role != RoleReader && !chainmap.Role(role).Valid()) {
			return nil, errBadTokens
		}
		if name != "" {
			if err := (&chainmap.User{Name: name, Role: chainmap.RoleViewer, PasswordHash: "-"}).Validate(); err != nil {
				return nil, errBadTokens
			}
			role += ":" + name
		}
		out[tok] = role
	}
	return out, nil
}

type tokenError string

func (e tokenError) Error() string { return string(e) }

const errBadTokens = tokenError("tokens must be token:role or token:role:name (role viewer, promoter, manager, admin or reader), tokens of at least 16 characters")

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
