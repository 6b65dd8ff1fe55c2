package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/password"
)

// Account management and the state backup while the server runs: the embedded store's
// state file is locked by the server, so `chainmap user …` and `chainmap state backup`
// reach it through these endpoints (their --server flag). Admins only: every handler is
// behind requireAction(ActManageUser), and chainmap.Accounts checks Authorize again.
//
//	GET   /admin/users          the accounts (never their hashes)
//	POST  /admin/users          {"name", "role", "password"}: a new account
//	PATCH /admin/users/{name}   {"role"?, "disabled"?, "password"?}: change one; its sessions end
//	GET   /admin/state/backup   all user data, format chainmap-state/1 (what `state restore` reads)

const maxAccountBody = 4 << 10

func (s *Server) accounts() *chainmap.Accounts {
	if s.cfg.Users == nil {
		return nil
	}
	return &chainmap.Accounts{Store: s.cfg.Users}
}

// accountJSON is what the endpoints show of an account.
func accountJSON(u *chainmap.User) map[string]any {
	return map[string]any{"name": u.Name, "role": u.Role, "disabled": u.Disabled,
		"createdAt": u.CreatedAt.UTC().Format(time.RFC3339)}
}

// domainStatus maps a domain error's code to an HTTP status: the one mapping of the
// server's JSON endpoints (accounts, evidence files, KPI export). Input the domain
// refuses is 422: the request was well formed, its content was not acceptable.
func domainStatus(err error) int {
	switch chainmap.ErrorCode(err) {
	case chainmap.EINVALID:
		return http.StatusUnprocessableEntity
	case chainmap.ENOTFOUND:
		return http.StatusNotFound
	case chainmap.ECONFLICT:
		return http.StatusConflict
	case chainmap.EFORBIDDEN:
		return http.StatusForbidden
	case chainmap.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case chainmap.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// writeDomainError answers a domain error as JSON {error, code}; an internal fault is
// logged and its message kept from the client.
func (s *Server) writeDomainError(w http.ResponseWriter, what string, err error) {
	status := domainStatus(err)
	msg := chainmap.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.log.Error(what, "err", err)
		msg = "internal error"
	}
	writeJSON(w, status, map[string]any{"error": msg, "code": chainmap.ErrorCode(err)})
}

// decodeAccountBody reads a small JSON object strictly into v.
func decodeAccountBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "send application/json", "code": codeMediaType})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAccountBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the body is not the expected JSON object (at most 4 KiB, no unknown fields)", "code": codeBadRequest})
		return false
	}
	return true
}

// hashPassword checks and hashes a password, at most cap(s.hashing) at once (Argon2id
// takes 64 MiB each).
func (s *Server) hashPassword(pw string) (string, error) {
	if err := password.Check(pw); err != nil {
		return "", chainmap.Errorf(chainmap.EINVALID, "password: %s", err)
	}
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return password.Hash(pw)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	acc := s.accounts()
	if acc == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "accounts are not configured", "code": "NOT_IMPLEMENTED"})
		return
	}
	us, err := acc.Users(r.Context())
	if err != nil {
		s.writeDomainError(w, "list users", err)
		return
	}
	out := make([]map[string]any, len(us))
	for i, u := range us {
		out[i] = accountJSON(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	acc := s.accounts()
	if acc == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "accounts are not configured", "code": "NOT_IMPLEMENTED"})
		return
	}
	var in struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if !decodeAccountBody(w, r, &in) {
		return
	}
	// The name and role are checked before the password is hashed, so a bad request
	// costs no Argon2 work.
	if err := (&chainmap.User{Name: in.Name, Role: chainmap.Role(in.Role), PasswordHash: "-"}).Validate(); err != nil {
		s.writeDomainError(w, "add user", err)
		return
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		s.writeDomainError(w, "add user", err)
		return
	}
	u, err := acc.AddUser(r.Context(), in.Name, chainmap.Role(in.Role), hash)
	if err != nil {
		s.writeDomainError(w, "add user", err)
		return
	}
	s.log.Info("user added", "user", u.Name, "role", u.Role, "by", chainmap.ActorFrom(r.Context()).Name)
	writeJSON(w, http.StatusCreated, accountJSON(u))
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	acc := s.accounts()
	if acc == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "accounts are not configured", "code": "NOT_IMPLEMENTED"})
		return
	}
	var in struct {
		Role     *string `json:"role"`
		Disabled *bool   `json:"disabled"`
		Password *string `json:"password"`
	}
	if !decodeAccountBody(w, r, &in) {
		return
	}
	if in.Role == nil && in.Disabled == nil && in.Password == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "give role, disabled or password", "code": codeBadRequest})
		return
	}
	var e chainmap.UserEdit
	if in.Role != nil {
		role := chainmap.Role(*in.Role)
		e.Role = &role
	}
	e.Disabled = in.Disabled
	if in.Password != nil {
		hash, err := s.hashPassword(*in.Password)
		if err != nil {
			s.writeDomainError(w, "update user", err)
			return
		}
		e.PasswordHash = &hash
	}
	u, err := acc.UpdateUser(r.Context(), r.PathValue("name"), e)
	if err != nil {
		s.writeDomainError(w, "update user", err)
		return
	}
	s.log.Info("user changed", "user", u.Name, "role", u.Role, "disabled", u.Disabled, "by", chainmap.ActorFrom(r.Context()).Name)
	writeJSON(w, http.StatusOK, accountJSON(u))
}

// stateBackup answers all user data in one consistent read (a bbolt read transaction, or
// one Neo4j read transaction), as the file `chainmap state backup` writes.
func (s *Server) stateBackup(w http.ResponseWriter, r *http.Request) {
	acc := s.accounts()
	if acc == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]any{"error": "this server keeps no state", "code": "NOT_IMPLEMENTED"})
		return
	}
	d, err := acc.Backup(r.Context())
	if err != nil {
		s.writeDomainError(w, "state backup", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="chainmap-state-`+time.Now().UTC().Format("20060102-150405")+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(d); err != nil {
		s.log.Warn("state backup cut short", "err", err)
		return
	}
	s.log.Info("state backed up", "by", chainmap.ActorFrom(r.Context()).Name, "leads", len(d.Leads), "users", len(d.Users))
}
