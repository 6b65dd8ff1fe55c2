package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/server"
)

// adminCall sends one request to an admin endpoint as a bearer token (or none), and
// answers the status and body.
func adminCall(t *testing.T, ts *httptest.Server, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, ts.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestAdminEndpointsMatrix: every identity against every admin endpoint; only admins
// pass, anonymous requests are 401, the others 403.
func TestAdminEndpointsMatrix(t *testing.T) {
	ts, _ := pipelineServer(t, server.Config{})
	ids := []struct{ name, token string }{{"anonymous", ""}, {"viewer", "tok-viewer-0123456789"},
		{"reader", "tok-reader-0123456789"}, {"promoter", "tok-zhou-0123456789"},
		{"manager", "tok-manager-0123456789"}, {"admin", "tok-admin-0123456789"}}
	n := 0
	for _, id := range ids {
		n++
		name := "new" + strings.Repeat("x", n)
		for _, c := range []struct {
			method, path string
			body         any
			ok           int
		}{
			{"GET", "/admin/users", nil, 200},
			{"POST", "/admin/users", map[string]string{"name": name, "role": "viewer", "password": testPassword}, 201},
			{"PATCH", "/admin/users/zhao", map[string]any{"disabled": false}, 200},
			{"GET", "/admin/state/backup", nil, 200},
		} {
			status, body := adminCall(t, ts, c.method, c.path, id.token, c.body)
			want := map[string]int{"anonymous": 401, "admin": c.ok}[id.name]
			if want == 0 {
				want = 403
			}
			if status != want {
				t.Errorf("%s %s as %s: %d %s, want %d", c.method, c.path, id.name, status, body, want)
			}
		}
	}
}

// TestAdminManagesAccountsWhileServing: an admin adds an account, which logs in at once;
// a change of role ends its session; a disabled account cannot log in; a cookie request
// needs its CSRF token; the backup holds everything and no session.
func TestAdminManagesAccountsWhileServing(t *testing.T) {
	ts, _ := pipelineServer(t, server.Config{})
	const admin = "tok-admin-0123456789"
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]string{"name": "chen", "role": "promoter", "password": "short"}, 422},
		{map[string]string{"name": "chen", "role": "root", "password": testPassword}, 422},
		{map[string]string{"name": "chen\n", "role": "viewer", "password": testPassword}, 422},
		{map[string]string{"name": "wang", "role": "viewer", "password": testPassword}, 409},
		{map[string]any{"name": "chen", "role": "viewer", "password": testPassword, "admin": true}, 400},
	} {
		if status, body := adminCall(t, ts, "POST", "/admin/users", admin, c.body); status != c.status {
			t.Errorf("add %v: %d %s, want %d", c.body, status, body, c.status)
		}
	}
	if status, body := adminCall(t, ts, "POST", "/admin/users", admin, map[string]string{"name": "chen", "role": "promoter", "password": testPassword}); status != 201 || strings.Contains(string(body), "argon2") {
		t.Fatalf("add chen: %d %s", status, body)
	}
	resp, out := login(t, ts, "chen", testPassword, nil)
	c := sessionCookie(resp)
	if resp.StatusCode != 200 || c == nil || out["role"] != "promoter" {
		t.Fatalf("chen logs in: %d %v", resp.StatusCode, out)
	}
	if status, _ := me(t, ts, c); status != 200 {
		t.Fatalf("chen's session: %d", status)
	}
	// Through a cookie, an admin must send the CSRF token.
	resp, out = login(t, ts, "root", testPassword, nil)
	rootCookie, rootCSRF := sessionCookie(resp), out["csrfToken"].(string)
	patch := func(csrf string, body any) int {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("PATCH", ts.URL+"/admin/users/chen", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(rootCookie)
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if status := patch("", map[string]any{"role": "manager"}); status != 403 {
		t.Errorf("PATCH by cookie without CSRF token: %d", status)
	}
	if status, _ := me(t, ts, c); status != 200 {
		t.Fatalf("a refused change ended chen's session: %d", status)
	}
	if status := patch(rootCSRF, map[string]any{"role": "manager"}); status != 200 {
		t.Fatalf("PATCH role by cookie: %d", status)
	}
	if status, _ := me(t, ts, c); status != 401 {
		t.Errorf("chen's session outlived the change of role: %d", status)
	}
	if _, out := login(t, ts, "chen", testPassword, nil); out["role"] != "manager" {
		t.Errorf("chen logs in again as %v", out["role"])
	}
	for _, c := range []struct {
		path   string
		body   any
		status int
	}{
		{"/admin/users/chen", map[string]any{}, 400},
		{"/admin/users/chen", map[string]any{"role": "root"}, 422},
		{"/admin/users/ghost", map[string]any{"disabled": true}, 404},
		{"/admin/users/root", map[string]any{"role": "viewer"}, 422}, // the last admin
		{"/admin/users/chen", map[string]any{"password": "short"}, 422},
		{"/admin/users/chen", map[string]any{"disabled": true}, 200},
	} {
		if status, body := adminCall(t, ts, "PATCH", c.path, admin, c.body); status != c.status {
			t.Errorf("PATCH %s %v: %d %s, want %d", c.path, c.body, status, body, c.status)
		}
	}
	if resp, _ := login(t, ts, "chen", testPassword, nil); resp.StatusCode != 401 {
		t.Errorf("a disabled account logged in: %d", resp.StatusCode)
	}
	status, body := adminCall(t, ts, "GET", "/admin/users", admin, nil)
	if status != 200 || !strings.Contains(string(body), `"disabled":true,"name":"chen","role":"manager"`) || strings.Contains(string(body), "argon") {
		t.Errorf("users: %d %s", status, body)
	}
	status, body = adminCall(t, ts, "GET", "/admin/state/backup", admin, nil)
	var d chainmap.StateDump
	if err := json.Unmarshal(body, &d); status != 200 || err != nil || d.Validate() != nil {
		t.Fatalf("backup: %d %v", status, err)
	}
	if len(d.Users) != 6 || strings.Contains(string(body), rootCookie.Value) || strings.Contains(string(body), chainmap.SessionIDHash(rootCookie.Value)) {
		t.Errorf("backup: %d users, or a session in it", len(d.Users))
	}
	actions := map[string]int{}
	for _, e := range d.Audit {
		actions[e.Action]++
	}
	if actions[chainmap.ActionUserAdd] != 6 || actions[chainmap.ActionUserUpdate] != 2 {
		t.Errorf("audit actions in the backup: %v", actions)
	}
}
