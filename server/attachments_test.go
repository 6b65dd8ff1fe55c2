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
		{"owner, wrong extension", &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}, "a.png", pdf, 400},
		{"owner, empty", &client{t: t, ts: ts, bearer: "tok-wang-0123456789"}, "a.pdf", nil, 400},
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
