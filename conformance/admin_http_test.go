package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/password"
	"github.com/chainmap/chainmap/server"
)

// TestAccountsThroughTheServer: on both stores, while the server runs, an admin adds an
// account through it, the account logs in and its session lives in the store; a change
// of role through the server ends it; the backup endpoint answers a dump that restores.
func TestAccountsThroughTheServer(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			hash := must(password.Hash("correct horse battery"))
			must(0, lc.leads.AddUser(ctxT(t), &chainmap.User{Name: "root", Role: chainmap.RoleAdmin, PasswordHash: hash},
				chainmap.AuditEntry{Actor: "cli:test", Action: chainmap.ActionUserAdd, Subject: "root"}))
			tokens := must(server.ParseTokens("admin-token-0123456789:admin:root"))
			ts := httptest.NewServer(server.New(server.Config{Pipeline: &chainmap.Pipeline{Data: lc.data, Leads: lc.leads},
				Tokens: tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, lc.data, nil).Handler())
			defer ts.Close()
			call := func(method, path string, body any, cookie *http.Cookie) (int, []byte, *http.Response) {
				var rd io.Reader
				if body != nil {
					raw, _ := json.Marshal(body)
					rd = bytes.NewReader(raw)
				}
				req, _ := http.NewRequest(method, ts.URL+path, rd)
				req.Header.Set("Content-Type", "application/json")
				if cookie != nil {
					req.AddCookie(cookie)
				} else if strings.HasPrefix(path, "/admin/") {
					req.Header.Set("Authorization", "Bearer admin-token-0123456789")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, raw, resp
			}
			if status, body, _ := call("POST", "/admin/users", map[string]string{"name": "wang", "role": "promoter", "password": "correct horse battery"}, nil); status != 201 {
				t.Fatalf("add wang: %d %s", status, body)
			}
			status, body, resp := call("POST", "/auth/login", map[string]string{"name": "wang", "password": "correct horse battery"}, nil)
			var cookie *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "chainmap_session" {
					cookie = c
				}
			}
			if status != 200 || cookie == nil {
				t.Fatalf("wang logs in: %d %s", status, body)
			}
			ss := lc.leads.(chainmap.SessionStore)
			if s, err := ss.Session(ctxT(t), chainmap.SessionIDHash(cookie.Value), time.Now()); err != nil || s.User != "wang" {
				t.Fatalf("wang's session in the store: %+v %v", s, err)
			}
			if status, _, _ := call("GET", "/auth/me", nil, cookie); status != 200 {
				t.Fatalf("me: %d", status)
			}
			if status, body, _ := call("PATCH", "/admin/users/wang", map[string]string{"role": "viewer"}, nil); status != 200 {
				t.Fatalf("set wang's role: %d %s", status, body)
			}
			if status, _, _ := call("GET", "/auth/me", nil, cookie); status != 401 {
				t.Errorf("wang's session after the change of role: %d", status)
			}
			status, body, _ = call("GET", "/admin/state/backup", nil, nil)
			var d chainmap.StateDump
			if err := json.Unmarshal(body, &d); status != 200 || err != nil || d.Validate() != nil || len(d.Users) != 2 || len(d.Audit) != 3 {
				t.Fatalf("backup: %d %v, %d users, %d audit entries", status, err, len(d.Users), len(d.Audit))
			}
		})
	}
}
