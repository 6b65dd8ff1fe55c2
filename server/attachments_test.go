package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/server"
)

// upload posts a file as multipart/form-data to /leads/{lead}/attachments as one identity.
func upload(t *testing.T, c *client, lead, name string, content []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.ts.URL+"/leads/"+lead+"/attachments", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
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
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestAttachmentUploadDownload: uploads need a login with its CSRF token (or a token)
// and the right to edit the lead; files are checked by content; downloads are
// attachments the browser never renders or sniffs.
func TestAttachmentUploadDownload(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	wang := chainmap.WithActor(context.Background(), chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	l, err := p.CreateLead(wang, chainmap.LeadInput{FirmName: "测试", Segment: "W2", Park: "east-park"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n%%EOF\n")
	for _, c := range []struct {
		who    string
		c      *client
		name   string
		file   []byte
		status int
	}{
		{"anonymous", &client{t: t, ts: ts}, "a.pdf", pdf, 401},
		{"viewer", &client{t: t, ts: ts, bearer: "tok-viewer-0123456789"}, "a.pdf", pdf, 403},
		{"another promoter", &client{t: t, ts: ts, bearer: "tok-zhou-0123456789"}, "a.pdf", pdf, 403},
		{"owner, wrong extension", &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}, "a.png", pdf, 422},
		{"owner, empty", &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}, "a.pdf", nil, 422},
		{"owner, too large", &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}, "a.pdf", append(pdf, make([]byte, chainmap.MaxAttachmentBytes)...), 413},
	} {
		if got, out := upload(t, c.c, l.ID, c.name, c.file); got != c.status {
			t.Errorf("%s: %d %v, want %d", c.who, got, out, c.status)
		}
	}
	// A session without its CSRF token is refused; with it, the upload works.
	resp, me := login(t, ts, "wang", testPassword, nil)
	cookie := sessionCookie(resp)
	if got, _ := upload(t, &client{t: t, ts: ts, cookie: cookie}, l.ID, "a.pdf", pdf); got != 403 {
		t.Errorf("upload without the CSRF token: %d", got)
	}
	got, out := upload(t, &client{t: t, ts: ts, cookie: cookie, csrf: me["csrfToken"].(string)}, l.ID, `..\..\协议 "终版".pdf`, pdf)
	if got != 201 || out["name"] != "协议 _终版_.pdf" || out["type"] != "application/pdf" {
		t.Fatalf("upload: %d %v", got, out)
	}
	id := out["id"].(string)
	// Download: anyone logged in; an attachment, its type, nosniff, a sandbox.
	req, _ := http.NewRequest("GET", ts.URL+"/attachments/"+id, nil)
	req.Header.Set("Authorization", "Bearer tok-viewer-0123456789")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	h := r2.Header
	if r2.StatusCode != 200 || !bytes.Equal(body, pdf) || h.Get("Content-Type") != "application/pdf" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment; filename*=utf-8''") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("download: %d %q %v", r2.StatusCode, body, h)
	}
	for tok, want := range map[string]int{"": 401, "tok-viewer-0123456789": 404} {
		req, _ := http.NewRequest("GET", ts.URL+"/attachments/A-nope", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("download of a missing file with %q: %d, want %d", tok, r.StatusCode, want)
		}
	}
}

// TestApprovalOverHTTP: the whole flow a page goes through — upload the agreement,
// request the signing citing it, see the reminder, approve as the manager — then the KPI
// CSV counts the signing.
func TestApprovalOverHTTP(t *testing.T) {
	ts, p := pipelineServer(t, server.Config{})
	wang := &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}
	li := &client{t: t, ts: ts, bearer: "tok-manager-0123456789"}
	_, r := wang.gql(createQ, map[string]any{"in": map[string]any{"firmName": "签约测试", "segment": "W1", "park": "east-park",
		"investment": 2, "expectedLanding": "2026-01-31"}})
	if errCode(r) != "ok" {
		t.Fatal(r.Errors)
	}
	var created struct {
		CreateLead struct{ ID string }
	}
	json.Unmarshal(r.Data, &created)
	id := created.CreateLead.ID
	status, att := upload(t, wang, id, "协议.pdf", []byte("%PDF-1.7\n%%EOF\n"))
	if status != 201 {
		t.Fatalf("upload: %d %v", status, att)
	}
	_, r = wang.gql(`mutation($id: ID!, $att: ID!) { requestStageMove(id: $id, version: 1, input: {stage: SIGNED, contracted: 3,
  evidence: [{kind: INVESTMENT_AGREEMENT, reference: "协议 7 号", date: "2026-01-02", attachmentIds: [$att]}]})
  { stage request { to by evidence { attachmentIds } } attachments { name url } } }`, map[string]any{"id": id, "att": att["id"]})
	if errCode(r) != "ok" || !strings.Contains(string(r.Data), `"stage":"CLUE","request":{"to":"SIGNED","by":"wang"`) ||
		!strings.Contains(string(r.Data), `"url":"/attachments/`+att["id"].(string)) {
		t.Fatalf("request: %s %v", r.Data, r.Errors)
	}
	_, r = li.gql(`{ reminders { kind canDecide lead { id } } }`, nil)
	if !strings.Contains(string(r.Data), `{"kind":"APPROVAL_WAITING","canDecide":true,"lead":{"id":"`+id+`"}}`) {
		t.Errorf("manager's reminders: %s %v", r.Data, r.Errors)
	}
	_, r = wang.gql(`{ reminders { kind canDecide } }`, nil)
	if !strings.Contains(string(r.Data), `{"kind":"APPROVAL_WAITING","canDecide":false}`) || strings.Contains(string(r.Data), `LANDING_PASSED`) {
		t.Errorf("promoter's reminders: %s %v", r.Data, r.Errors)
	}
	_, r = li.gql(`mutation($id: ID!) { approveStageMove(id: $id, version: 2) { stage contracted history { to by requestedBy } decisions { decision decidedBy } } }`,
		map[string]any{"id": id})
	if errCode(r) != "ok" || !strings.Contains(string(r.Data), `{"to":"SIGNED","by":"li","requestedBy":"wang"}`) || !strings.Contains(string(r.Data), `"contracted":3`) {
		t.Fatalf("approve: %s %v", r.Data, r.Errors)
	}
	l, _ := p.Lead(chainmap.WithActor(context.Background(), chainmap.Actor{Name: "li", Role: chainmap.RoleManager}), id)
	month := l.History[len(l.History)-1].At.In(chainmap.ChinaTime).Format("2006-01")
	req, _ := http.NewRequest("GET", ts.URL+"/export/kpis.csv?period=month&groupBy=park&from="+month+"-01&to="+month+"-01", nil)
	req.Header.Set("Authorization", "Bearer tok-viewer-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != 200 || len(lines) != 2 || !strings.HasPrefix(lines[1], month+","+month+"-01,") ||
		!strings.Contains(lines[1], ",east-park,1,1,0,0,0,3,0,1,0,0,1,0,3,0,0,") {
		t.Errorf("KPI CSV: %d\n%s", resp.StatusCode, body)
	}
	// Twenty years of months by park, with nested lists: priced beyond the complexity limit.
	_, r = li.gql(`{ pipelineKPIs(period: MONTH, groupBy: PARK, from: "2006-01-01", to: "2025-12-31") {
  rows { period signed conversion { from to rate } daysInStage { stage median } capacity { unit value } } } }`, nil)
	if errCode(r) == "ok" {
		t.Error("a KPI query of 240 months × parks with nested lists was not priced out")
	}
	req, _ = http.NewRequest("GET", ts.URL+"/export/kpis.csv?period=week&from=2026-01-01&to=2026-02-01", nil)
	req.Header.Set("Authorization", "Bearer tok-viewer-0123456789")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 422 {
		t.Errorf("KPI CSV of a bad period: %v %v", resp.StatusCode, err)
	}
}
