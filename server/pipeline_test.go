package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/internal/password"
	"github.com/chainmap/chainmap/server"
)

const testPassword = "correct horse battery"

// pipelineServer serves testdata/minimal with a bbolt state, the users wang and zhou
// (promoters), li (manager), zhao (viewer), root (admin), all with testPassword, and one
// bearer token per role.
func pipelineServer(t *testing.T, cfg server.Config) (*httptest.Server, *chainmap.Pipeline) {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hash, err := password.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]chainmap.Role{"wang": chainmap.RolePromoter, "zhou": chainmap.RolePromoter,
		"li": chainmap.RoleManager, "zhao": chainmap.RoleViewer, "root": chainmap.RoleAdmin} {
		if err := st.AddUser(context.Background(), &chainmap.User{Name: name, Role: role, PasswordHash: hash},
			chainmap.AuditEntry{Actor: "test", Action: chainmap.ActionUserAdd, Subject: name}); err != nil {
			t.Fatal(err)
		}
	}
	p := &chainmap.Pipeline{Data: load(t, "../testdata/minimal"), Leads: st}
	cfg.Pipeline = p
	cfg.Tokens, err = server.ParseTokens(`tok-viewer-0123456789:viewer:zhao, tok-wang-0123456789:promoter:wang,
tok-zhou-0123456789:promoter:zhou, tok-manager-0123456789:manager:li, tok-admin-0123456789:admin:root,
tok-reader-0123456789:reader`)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Introspection = true
	ts := httptest.NewServer(server.New(cfg, p.Data, nil).Handler())
	t.Cleanup(ts.Close)
	return ts, p
}

// client sends GraphQL as one identity: a bearer token, or a cookie jar with a CSRF token.
type client struct {
	t      *testing.T
	ts     *httptest.Server
	bearer string
	cookie *http.Cookie
	csrf   string
}

func (c *client) gql(query string, vars map[string]any) (int, gqlResponse) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", c.ts.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r gqlResponse
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		c.t.Fatalf("not JSON (%d): %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, r
}

func errCode(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return "ok"
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func login(t *testing.T, ts *httptest.Server, name, pw string, plant *http.Cookie) (*http.Response, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": pw})
	req, _ := http.NewRequest("POST", ts.URL+"/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if plant != nil {
		req.AddCookie(plant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "chainmap_session" {
			return c
		}
	}
	return nil
}

const createQ = `mutation($in: CreateLeadInput!) { createLead(input: $in) { id version stage owner chainId } }`

func TestLoginSessionCSRF(t *testing.T) {
	ts, _ := pipelineServer(t, server.Config{})
	if resp, _ := login(t, ts, "wang", "wrong password!", nil); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	if resp, _ := login(t, ts, "ghost", testPassword, nil); resp.StatusCode != 401 {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	planted := &http.Cookie{Name: "chainmap_session", Value: "attacker-chosen-session-id"}
	resp, out := login(t, ts, "wang", testPassword, planted)
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d %v", resp.StatusCode, out)
	}
	c := sessionCookie(resp)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.MaxAge <= 0 {
		t.Fatalf("session cookie %+v", c)
	}
	if c.Value == planted.Value || len(c.Value) < 40 {
		t.Errorf("the session id %q is the planted one or short", c.Value)
	}
	csrf, _ := out["csrfToken"].(string)
	if csrf == "" || out["role"] != "promoter" {
		t.Fatalf("login answer %v", out)
	}
	// The planted id is worth nothing.
	if _, r := (&client{t: t, ts: ts, cookie: planted}).gql(`{ leads { edges { node { id } } } }`, nil); errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("planted session: %s", errCode(r))
	}
	in := map[string]any{"in": map[string]any{"firmName": "新公司", "segment": "W1", "park": "east-park"}}
	noCSRF := &client{t: t, ts: ts, cookie: c}
	if status, r := noCSRF.gql(createQ, in); status != 403 || errCode(r) != "CSRF_TOKEN_INVALID" {
		t.Errorf("mutation without CSRF token: %d %s", status, errCode(r))
	}
	wrong := &client{t: t, ts: ts, cookie: c, csrf: "x" + csrf}
	if status, _ := wrong.gql(createQ, in); status != 403 {
		t.Errorf("mutation with a wrong CSRF token: %d", status)
	}
	wang := &client{t: t, ts: ts, cookie: c, csrf: csrf}
	_, r := wang.gql(createQ, in)
	if errCode(r) != "ok" || !strings.Contains(string(r.Data), `"owner":"wang"`) {
		t.Fatalf("create with session: %s %s", errCode(r), r.Data)
	}
	// Version conflict through the API: CONFLICT with the current version.
	var created struct {
		CreateLead struct{ ID string }
	}
	json.Unmarshal(r.Data, &created)
	upd := `mutation($id: ID!, $v: Int!) { updateLead(id: $id, version: $v, input: {nextStep: "拜访"}) { version } }`
	if _, r := wang.gql(upd, map[string]any{"id": created.CreateLead.ID, "v": 1}); errCode(r) != "ok" {
		t.Fatalf("update: %v", r.Errors)
	}
	_, r = wang.gql(upd, map[string]any{"id": created.CreateLead.ID, "v": 1})
	if errCode(r) != chainmap.ECONFLICT || r.Errors[0].Extensions["currentVersion"] != float64(2) {
		t.Errorf("stale update: %+v", r.Errors)
	}
	// Logout ends the session.
	req, _ := http.NewRequest("POST", ts.URL+"/auth/logout", nil)
	req.AddCookie(c)
	req.Header.Set("X-CSRF-Token", csrf)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("logout: %v %v", resp, err)
	}
	if _, r := wang.gql(`{ leads { edges { node { id } } } }`, nil); errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("after logout: %s", errCode(r))
	}
	// Behind a TLS proxy the cookie is Secure.
	ts2, _ := pipelineServer(t, server.Config{SecureCookies: true})
	if resp, _ := login(t, ts2, "li", testPassword, nil); sessionCookie(resp) == nil || !sessionCookie(resp).Secure {
		t.Errorf("SecureCookies: cookie %+v", sessionCookie(resp))
	}
}

func TestLoginRateLimits(t *testing.T) {
	ts, _ := pipelineServer(t, server.Config{})
	for i := 0; i < 5; i++ {
		if resp, _ := login(t, ts, "zhao", "wrong password!", nil); resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	resp, _ := login(t, ts, "zhao", testPassword, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("6th login of a user after 5 failures: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Per address: 10 attempts a minute whatever the names (the refused one above did not
	// count: it never reached the hash; 5 more here make 10).
	for i := 0; i < 5; i++ {
		login(t, ts, fmt.Sprintf("user%d", i), "wrong password!", nil)
	}
	if resp, _ := login(t, ts, "li", testPassword, nil); resp.StatusCode != 429 {
		t.Errorf("11th attempt from one address: %d", resp.StatusCode)
	}
}

func TestRequireLogin(t *testing.T) {
	open, _ := pipelineServer(t, server.Config{})
	if _, r := (&client{t: t, ts: open}).gql(`{ chains { id } }`, nil); errCode(r) != "ok" {
		t.Errorf("analysis without login: %s", errCode(r))
	}
	if _, r := (&client{t: t, ts: open}).gql(`{ pipeline { total } }`, nil); errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("pipeline without login: %s", errCode(r))
	}
	closed, _ := pipelineServer(t, server.Config{RequireLogin: true})
	if status, r := (&client{t: t, ts: closed}).gql(`{ chains { id } }`, nil); status != 401 || errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("--require-login, analysis without login: %d %s", status, errCode(r))
	}
	if _, r := (&client{t: t, ts: closed, bearer: "tok-reader-0123456789"}).gql(`{ chains { id } }`, nil); errCode(r) != "ok" {
		t.Errorf("--require-login with a token: %s", errCode(r))
	}
	if status, _ := (&client{t: t, ts: closed, bearer: "tok-nope-0123456789"}).gql(`{ chains { id } }`, nil); status != 401 {
		t.Errorf("a wrong token: %d", status)
	}
}

// TestAuthorizationMatrix runs every lead query and mutation as every identity, on a lead
// owned by wang, and checks who is let through.
func TestAuthorizationMatrix(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	ids := []struct {
		name, token string
	}{{"anonymous", ""}, {"viewer", "tok-viewer-0123456789"}, {"reader", "tok-reader-0123456789"},
		{"owner", "tok-wang-0123456789"}, {"promoter", "tok-zhou-0123456789"}, {"manager", "tok-manager-0123456789"},
		{"admin", "tok-admin-0123456789"}}
	const request = `requestStageMove(id: $id, version: 1, input: {stage: SIGNED, contracted: 1,
  evidence: [{kind: INVESTMENT_AGREEMENT, reference: "协议", date: "2026-01-02"}]})`
	ops := []struct {
		name, query string
		allowed     string // the identities let through
		pending     bool   // wang (the owner) requests a signing first: the lead is at version 2
	}{
		{"leads", `{ leads { edges { node { id } } } }`, "viewer reader owner promoter manager admin", false},
		{"lead", `query($id: ID!) { lead(id: $id) { id } }`, "viewer reader owner promoter manager admin", false},
		{"pipeline", `{ pipeline { total } }`, "viewer reader owner promoter manager admin", false},
		{"followUps", `query($id: ID!) { lead(id: $id) { followUps { id } } }`, "viewer reader owner promoter manager admin", false},
		{"auditTrail", `{ auditTrail { seq } }`, "manager admin", false},
		{"createLead", `mutation { createLead(input: {firmName: "x", segment: "W1", park: "east-park"}) { id } }`, "owner promoter manager admin", false},
		{"createLeadFromTarget", `mutation { createLeadFromTarget(enterprise: "gamma", segment: "W1", park: "east-park") { id } }`, "owner promoter manager admin", false},
		{"updateLead", `mutation($id: ID!) { updateLead(id: $id, version: 1, input: {nextStep: "x"}) { id } }`, "owner manager admin", false},
		{"reassign", `mutation($id: ID!) { updateLead(id: $id, version: 1, input: {owner: "zhou"}) { id } }`, "manager admin", false},
		{"moveLeadStage", `mutation($id: ID!) { moveLeadStage(id: $id, version: 1, stage: CONTACT) { id } }`, "owner manager admin", false},
		{"addFollowUp", `mutation($id: ID!) { addFollowUp(lead: $id, date: "2026-03-01", kind: CALL) { id } }`, "owner manager admin", false},
		{"closeLead", `mutation($id: ID!) { closeLead(id: $id, version: 1, reason: FUNDING) { id } }`, "owner manager admin", false},
		{"requestStageMove", `mutation($id: ID!) { ` + request + ` { id } }`, "owner manager admin", false},
		// Separation of duties: the owner requested, so the owner may not decide.
		{"approveStageMove", `mutation($id: ID!) { approveStageMove(id: $id, version: 2) { id } }`, "manager admin", true},
		{"refuseStageMove", `mutation($id: ID!) { refuseStageMove(id: $id, version: 2, reason: "缺章") { id } }`, "manager admin", true},
		{"withdrawStageMove", `mutation($id: ID!) { withdrawStageMove(id: $id, version: 2) { id } }`, "owner manager admin", true},
		{"pipelineKPIs", `{ pipelineKPIs(period: MONTH, from: "2026-01-01", to: "2026-03-31") { rows { signed } } }`, "viewer reader owner promoter manager admin", false},
		{"reminders", `{ reminders { kind } }`, "viewer reader owner promoter manager admin", false},
		{"evidenceKinds", `{ evidenceKinds { kind } }`, "viewer reader owner promoter manager admin", false},
		{"attachments", `query($id: ID!) { lead(id: $id) { attachments { id } canDecide } }`, "viewer reader owner promoter manager admin", false},
	}
	wang := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	for _, op := range ops {
		for _, id := range ids {
			l, err := p.CreateLead(wang, chainmap.LeadInput{FirmName: "测试", Segment: "W2", Park: "east-park"})
			if err != nil {
				t.Fatal(err)
			}
			if op.pending {
				_, r := (&client{t: t, ts: ts, bearer: "tok-wang-0123456789"}).gql(`mutation($id: ID!) { `+request+` { id } }`, map[string]any{"id": l.ID})
				if errCode(r) != "ok" {
					t.Fatalf("wang's request: %v", r.Errors)
				}
			}
			_, r := (&client{t: t, ts: ts, bearer: id.token}).gql(op.query, map[string]any{"id": l.ID})
			allowed := strings.Contains(" "+op.allowed+" ", " "+id.name+" ")
			got := errCode(r)
			switch {
			case allowed && got != "ok":
				t.Errorf("%s as %s: refused (%s: %v), want allowed", op.name, id.name, got, r.Errors)
			case !allowed && id.name == "anonymous" && got != chainmap.EUNAUTHENTICATED:
				t.Errorf("%s as anonymous: %s, want UNAUTHENTICATED", op.name, got)
			case !allowed && id.name != "anonymous" && got != chainmap.EFORBIDDEN:
				t.Errorf("%s as %s: %s, want FORBIDDEN", op.name, id.name, got)
			}
		}
	}
	// Tokens name their actor in the audit trail.
	_, r := (&client{t: t, ts: ts, bearer: "tok-manager-0123456789"}).gql(`{ auditTrail(first: 1000) { actor action } }`, nil)
	if !strings.Contains(string(r.Data), `"actor":"zhou","action":"lead.create"`) {
		t.Errorf("the audit trail does not name the token's user: %.300s", r.Data)
	}
	// The audit trail has no mutation of any kind.
	_, r = (&client{t: t, ts: ts, bearer: "tok-admin-0123456789"}).gql(`{ __type(name: "Mutation") { fields { name } } }`, nil)
	if strings.Contains(strings.ToLower(string(r.Data)), "audit") {
		t.Errorf("a mutation touches the audit trail: %s", r.Data)
	}
}

// TestHostileLeadInput sends what a careless export or an attacker would, in every field.
func TestHostileLeadInput(t *testing.T) {
	ts, _ := pipelineServer(t, server.Config{})
	c := &client{t: t, ts: ts, bearer: "tok-manager-0123456789"}
	long := strings.Repeat("长", 5000)
	for _, in := range []map[string]any{
		{"firmName": long, "segment": "W1", "park": "east-park"},
		{"firmName": "a\u0000b", "segment": "W1", "park": "east-park"},
		{"firmName": "x", "segment": "W1'}) DETACH DELETE n //", "park": "east-park"},
		{"firmName": "x", "segment": "W1", "park": "east-park", "investment": -5},
		{"firmName": "x", "segment": "W1", "park": "east-park", "investment": 1e300},
		{"firmName": "x", "segment": "W1", "park": "east-park", "jobs": -1},
		{"firmName": "x", "segment": "W1", "park": "east-park", "nextStepDue": "tomorrow"},
		{"firmName": "x", "segment": "W1", "park": "east-park", "creditCode": "<script>"},
		{"firmName": "x", "segment": "W1", "park": "east-park", "owner": long},
		{"firmName": "x", "segment": "W1", "park": "east-park", "origin": long},
		{"firmName": "x\u202e", "segment": "W1", "park": "east-park"},
	} {
		_, r := c.gql(createQ, map[string]any{"in": in})
		if errCode(r) != chainmap.EINVALID || len(r.Errors[0].Message) > 400 {
			t.Errorf("%.80v: %s %.200v", in, errCode(r), r.Errors)
		}
	}
	_, r := c.gql(`{ leads(first: 100000) { edges { node { id } } } }`, nil)
	if errCode(r) == "ok" {
		t.Error("a page of 100000 leads was accepted")
	}
	_, r = c.gql(`{ pipeline(filter: {staleDays: 100000}) { total } }`, nil)
	if errCode(r) != chainmap.EINVALID {
		t.Errorf("staleDays 100000: %s", errCode(r))
	}
}

func TestAuditCSV(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	wang := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	if _, err := p.CreateLead(wang, chainmap.LeadInput{FirmName: "=HYPERLINK(\"http://x\")", Segment: "W1", Park: "east-park"}); err != nil {
		t.Fatal(err)
	}
	get := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", ts.URL+"/export/audit.csv", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for tok, want := range map[string]int{"": 401, "tok-viewer-0123456789": 403, "tok-wang-0123456789": 403,
		"tok-manager-0123456789": 200, "tok-admin-0123456789": 200} {
		if got, _ := get(tok); got != want {
			t.Errorf("audit CSV with %q: %d, want %d", tok, got, want)
		}
	}
	_, body := get("tok-manager-0123456789")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	// 5 users and 1 lead: 6 entries and a header.
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "\ufeffseq,at,actor") || !strings.Contains(lines[6], "lead.create") {
		t.Errorf("audit CSV:\n%s", body)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, f := range rec {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("a cell a spreadsheet would run: %q", f)
			}
		}
	}
}

// TestGapShowsLeads: each segment of a gap analysis lists its leads for a logged-in user,
// batched per request by a loader; anonymous users get null and the analysis.
func TestGapShowsLeads(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	wang := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	for _, seg := range []string{"W2", "W2", "W3"} {
		if _, err := p.CreateLead(wang, chainmap.LeadInput{FirmName: "x", Segment: seg, Park: "east-park"}); err != nil {
			t.Fatal(err)
		}
	}
	q := `{ gapAnalysis(chain: "widget", scope: {region: "110100"}) { segments { segment { id } leads { stage owner } } } }`
	_, r := (&client{t: t, ts: ts, bearer: "tok-viewer-0123456789"}).gql(q, nil)
	var out struct {
		GapAnalysis struct {
			Segments []struct {
				Segment struct{ ID string }
				Leads   []struct{ Stage, Owner string }
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%v %v", err, r.Errors)
	}
	got := map[string]int{}
	for _, s := range out.GapAnalysis.Segments {
		got[s.Segment.ID] = len(s.Leads)
		for _, l := range s.Leads {
			if l.Stage != "CLUE" || l.Owner != "wang" {
				t.Errorf("lead on %s: %+v", s.Segment.ID, l)
			}
		}
	}
	if got["W2"] != 2 || got["W3"] != 1 || got["W1"] != 0 {
		t.Errorf("leads per segment %v", got)
	}
	_, r = (&client{t: t, ts: ts}).gql(q, nil)
	if len(r.Errors) > 0 || strings.Contains(string(r.Data), "CLUE") || !strings.Contains(string(r.Data), `"leads":null`) {
		t.Errorf("anonymous gap analysis: %v %.200s", r.Errors, r.Data)
	}
	// A roadmap step's gap carries the same leads.
	_, r = (&client{t: t, ts: ts, bearer: "tok-viewer-0123456789"}).gql(
		`{ roadmap(chain: "widget", scope: {region: "110100"}) { steps { gap { segment { id } leads { stage } } } } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"leads":[{"stage":"CLUE"}`) {
		t.Errorf("roadmap steps: %v %.300s", r.Errors, r.Data)
	}
}

// TestWhatIfSignedLeads: the leads at 签约 or later, added to a what-if, turn a missing
// link present; leads at earlier stages are not selected.
func TestWhatIfSignedLeads(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	c := &client{t: t, ts: ts, bearer: "tok-manager-0123456789"}
	_, r := c.gql(`{ gapAnalysis(chain: "widget", scope: {region: "110100"}) { segments { segment { id } status } } }`, nil)
	var gap struct {
		GapAnalysis struct {
			Segments []struct {
				Segment struct{ ID string }
				Status  string
			}
		}
	}
	json.Unmarshal(r.Data, &gap)
	missing := ""
	for _, s := range gap.GapAnalysis.Segments {
		if s.Status == "MISSING" {
			missing = s.Segment.ID
			break
		}
	}
	if missing == "" {
		t.Fatalf("no missing segment in the fixture: %s", r.Data)
	}
	li := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "li", Role: chainmap.RoleManager})
	l, err := p.CreateLead(li, chainmap.LeadInput{FirmName: "新厂", Segment: missing, Park: "east-park"})
	if err != nil {
		t.Fatal(err)
	}
	q := `query($st: [LeadStage!]) { whatIf(chain: "widget", scope: {region: "110100"}, addLeads: {stages: $st}) {
  changes { segment { id } statusBefore statusAfter } } }`
	changed := func(stages []string) string {
		_, r := c.gql(q, map[string]any{"st": stages})
		if len(r.Errors) > 0 {
			t.Fatalf("whatIf: %v", r.Errors)
		}
		return string(r.Data)
	}
	signed := []string{"SIGNED", "REGISTERED", "CONSTRUCTION", "PRODUCTION"}
	if got := changed(signed); strings.Contains(got, `"id":"`+missing+`"`) {
		t.Errorf("a lead at 线索 changed the what-if of signed leads: %s", got)
	}
	signLead(t, p, l)
	if got := changed(signed); !strings.Contains(got, `"id":"`+missing+`"},"statusBefore":"MISSING"`) {
		t.Errorf("the signed lead did not change %s: %s", missing, got)
	}
	_, r = (&client{t: t, ts: ts}).gql(q, map[string]any{"st": signed})
	if errCode(r) != chainmap.EUNAUTHENTICATED {
		t.Errorf("anonymous what-if over leads: %s", errCode(r))
	}
}

// signLead moves a lead to 签约 the way a bureau does: wang's request with its agreement,
// approved by the manager li.
func signLead(t *testing.T, p *chainmap.Pipeline, l *chainmap.Lead) *chainmap.Lead {
	t.Helper()
	wang := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	li := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "li", Role: chainmap.RoleManager})
	if l.Owner != "wang" {
		wang = li
		li = chainmap.WithActor(context.Background(), chainmap.Actor{Name: "root", Role: chainmap.RoleAdmin})
	}
	amount := 2.0
	r, err := p.RequestMove(wang, l.ID, l.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: &amount,
		Evidence: []chainmap.Evidence{{Kind: chainmap.EvidenceAgreement, Reference: "协议 1 号", Date: "2026-01-02"}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.DecideMove(li, l.ID, r.Version, true, "")
	if err != nil {
		t.Fatal(err)
	}
	return out
}
