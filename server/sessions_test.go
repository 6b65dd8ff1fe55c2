package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/internal/password"
	"github.com/chainmap/chainmap/server"
)

// stateServer serves testdata/minimal over the bbolt state file at path (users wang,
// a promoter, and root, an admin, are added when the file is new) and returns the server
// and a function that stops it and closes the file, as a restart would.
func stateServer(t *testing.T, path string, data chainmap.Store) (*httptest.Server, func()) {
	t.Helper()
	st, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if us, _ := st.Users(context.Background()); len(us) == 0 {
		hash, err := password.Hash(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		for name, role := range map[string]chainmap.Role{"wang": chainmap.RolePromoter, "root": chainmap.RoleAdmin} {
			if err := st.AddUser(context.Background(), &chainmap.User{Name: name, Role: role, PasswordHash: hash},
				chainmap.AuditEntry{Actor: "test", Action: chainmap.ActionUserAdd, Subject: name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	p := &chainmap.Pipeline{Data: data, Leads: st}
	ts := httptest.NewServer(server.New(server.Config{Pipeline: p, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, data, nil).Handler())
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ts.Close()
			st.Close()
		}
	}
	t.Cleanup(stop)
	return ts, stop
}

// me asks /auth/me with a cookie and answers the status and the body.
func me(t *testing.T, ts *httptest.Server, c *http.Cookie) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/auth/me", nil)
	req.AddCookie(c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func logout(t *testing.T, ts *httptest.Server, c *http.Cookie, csrf string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/auth/logout", nil)
	req.AddCookie(c)
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionsSurviveRestart: a login made before a restart of the server (same state
// file) still works after it, CSRF token included; a logout ends it for good.
func TestSessionsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	data := load(t, "../testdata/minimal")
	ts, stop := stateServer(t, path, data)
	resp, out := login(t, ts, "wang", testPassword, nil)
	c := sessionCookie(resp)
	csrf, _ := out["csrfToken"].(string)
	if resp.StatusCode != 200 || c == nil || csrf == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, out)
	}
	stop()

	ts, stop = stateServer(t, path, data)
	if status, out := me(t, ts, c); status != 200 || out["name"] != "wang" || out["role"] != "promoter" || out["csrfToken"] != csrf {
		t.Fatalf("after a restart /auth/me: %d %v", status, out)
	}
	wang := &client{t: t, ts: ts, cookie: c, csrf: csrf}
	in := map[string]any{"in": map[string]any{"firmName": "新公司", "segment": "W1", "park": "east-park"}}
	if _, r := wang.gql(createQ, in); errCode(r) != "ok" {
		t.Fatalf("a mutation with the old session and its CSRF token after a restart: %s %v", errCode(r), r.Errors)
	}
	if status := logout(t, ts, c, csrf); status != 200 {
		t.Fatalf("logout: %d", status)
	}
	if status, _ := me(t, ts, c); status != 401 {
		t.Errorf("after logout the old cookie gives %d, want 401", status)
	}
	stop()
	ts, _ = stateServer(t, path, data)
	wang.ts = ts
	if status, _ := me(t, ts, c); status != 401 {
		t.Errorf("after logout and a restart the old cookie gives %d, want 401", status)
	}
	if _, r := wang.gql(`{ leads { edges { node { id } } } }`, nil); errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("leads with the logged-out cookie: %s", errCode(r))
	}
}

// TestStolenStateOpensNoSession: the state file holds the SHA-256 of the session id, not
// the id nor the CSRF token; what a thief reads there is no cookie.
func TestStolenStateOpensNoSession(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ts, stop := stateServer(t, path, load(t, "../testdata/minimal"))
	resp, out := login(t, ts, "root", testPassword, nil)
	c := sessionCookie(resp)
	csrf, _ := out["csrfToken"].(string)
	if c == nil || csrf == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hash := chainmap.SessionIDHash(c.Value)
	if !bytes.Contains(raw, []byte(hash)) {
		t.Fatalf("the state file does not hold the session's hash: is it stored elsewhere?")
	}
	if bytes.Contains(raw, []byte(c.Value)) {
		t.Errorf("the state file holds the session id itself")
	}
	if bytes.Contains(raw, []byte(csrf)) {
		t.Errorf("the state file holds the CSRF token")
	}
	stolen := &http.Cookie{Name: "chainmap_session", Value: hash}
	if status, _ := me(t, ts, stolen); status != 401 {
		t.Errorf("the stored hash as a cookie: %d, want 401", status)
	}
	if status, _ := me(t, ts, &http.Cookie{Name: "chainmap_session", Value: hash[:43]}); status != 401 {
		t.Errorf("a prefix of the hash as a cookie: %d", status)
	}
	if status, out := me(t, ts, c); status != 200 || out["name"] != "root" {
		t.Errorf("the real cookie: %d %v", status, out)
	}
	stop()
}
