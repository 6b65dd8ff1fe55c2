package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/importer"
	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/chainmap/chainmap/internal/password"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/server"
	"github.com/xuri/excelize/v2"
)

const exampleDir = "../testdata/import-example"

// exampleFiles are the walk-through's lists (docs/import.md), in its order.
var exampleFiles = []string{"registry-export.csv", "规上企业名录.xlsx"}

// importEnv is a server over a writable copy of the Zhengzhou dataset with the web import
// on, its store reloadable, and the users of pipelineServer (li manager, zhao viewer,
// wang promoter, root admin).
type importEnv struct {
	ts       *httptest.Server
	dir      string // the served dataset folder
	stateDir string
	mem      *memstore.Store
	leads    *boltstore.Store
	// failReload makes the next reloads fail; block, if set, is waited on by a reload.
	failReload atomic.Bool
	block      chan struct{}
	reloading  chan struct{}
}

func newImportEnv(t *testing.T, maxBytes int64) *importEnv {
	t.Helper()
	return newImportEnvWith(t, maxBytes, nil)
}

// newImportEnvWith lets a test change the import's configuration (the dataset is in
// e.dir already).
func newImportEnvWith(t *testing.T, maxBytes int64, tweak func(e *importEnv, c *server.ImportConfig)) *importEnv {
	t.Helper()
	e := &importEnv{dir: neotest.CopyDataset(t, "../data/zhengzhou-aluminium"), stateDir: filepath.Join(t.TempDir(), "imports")}
	ic := &server.ImportConfig{MaxBytes: maxBytes, MaxFiles: 5}
	if tweak != nil {
		tweak(e, ic)
	}
	ic.DataDir, ic.StateDir = e.dir, e.stateDir
	ctx := context.Background()
	e.mem = memstore.New()
	if _, err := loaders.Load(ctx, e.dir, e.mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.leads = st
	hash, _ := password.Hash(testPassword)
	for name, role := range map[string]chainmap.Role{"wang": chainmap.RolePromoter, "li": chainmap.RoleManager,
		"zhao": chainmap.RoleViewer, "root": chainmap.RoleAdmin, "sun": chainmap.RoleManager} {
		if err := st.AddUser(ctx, &chainmap.User{Name: name, Role: role, PasswordHash: hash},
			chainmap.AuditEntry{Actor: "test", Action: chainmap.ActionUserAdd, Subject: name}); err != nil {
			t.Fatal(err)
		}
	}
	tokens, _ := server.ParseTokens("tok-admin-0123456789:admin:root")
	cfg := server.Config{Pipeline: &chainmap.Pipeline{Data: e.mem, Leads: st}, Tokens: tokens,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Introspection: true,
		Import: ic,
		Reload: func(ctx context.Context) error {
			if e.reloading != nil {
				e.reloading <- struct{}{}
			}
			if e.block != nil {
				<-e.block
			}
			if e.failReload.Load() {
				return fmt.Errorf("reload refused by the test")
			}
			_, err := loaders.Load(ctx, e.dir, e.mem, loaders.Options{})
			return err
		}}
	e.ts = httptest.NewServer(server.New(cfg, e.mem, nil).Handler())
	t.Cleanup(e.ts.Close)
	return e
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

func (e *importEnv) login(t *testing.T, name string) session {
	t.Helper()
	resp, out := login(t, e.ts, name, testPassword, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login %s: %d", name, resp.StatusCode)
	}
	return session{cookie: sessionCookie(resp), csrf: out["csrfToken"].(string)}
}

type part struct {
	field, filename string
	body            []byte
}

func exampleParts(t *testing.T) []part {
	var ps []part
	for _, f := range exampleFiles {
		raw, err := os.ReadFile(filepath.Join(exampleDir, f))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, part{"files", f, raw})
	}
	return ps
}

func multipartBody(parts []part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.field, p.filename))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.field))
		}
		w, _ := mw.CreatePart(h)
		w.Write(p.body)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// do sends a request as the session (no CSRF header when csrf is false) and decodes the
// JSON answer.
func (e *importEnv) do(t *testing.T, s session, method, path string, body io.Reader, ctype string, csrf bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if s.cookie != nil {
		req.AddCookie(s.cookie)
		if csrf {
			req.Header.Set("X-CSRF-Token", s.csrf)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %.300s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (e *importEnv) upload(t *testing.T, s session, parts []part) (int, map[string]any) {
	t.Helper()
	body, ct := multipartBody(parts)
	return e.do(t, s, "POST", "/import", body, ct, true)
}

type decision struct {
	Row    int    `json:"row"`
	Review string `json:"review"`
	Note   string `json:"note,omitempty"`
}

func (e *importEnv) apply(t *testing.T, s session, id string, ds []decision) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"decisions": ds})
	return e.do(t, s, "POST", "/import/"+id+"/apply", bytes.NewReader(raw), "application/json", true)
}

// files reads every file of a dataset folder but hidden ones.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			raw, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(raw)
		}
		return nil
	})
	return out
}

func sameFiles(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	for k, v := range a {
		if w, ok := b[k]; !ok {
			t.Errorf("%s: %s is missing", what, k)
		} else if w != v {
			t.Errorf("%s: %s differs", what, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			t.Errorf("%s: %s was added", what, k)
		}
	}
}

// TestImportRoles: the import is a manager's (and an admin's); viewers, promoters and
// anonymous callers are refused on every endpoint, with Authorize's codes.
func TestImportRoles(t *testing.T) {
	e := newImportEnv(t, 0)
	for _, c := range []struct {
		user   string
		status int
	}{{"zhao", 403}, {"wang", 403}, {"li", 200}, {"root", 200}, {"", 401}} {
		s := session{}
		if c.user != "" {
			s = e.login(t, c.user)
		}
		// GET /import answers everyone whether they may import (the page's menu).
		if status, out := e.do(t, s, "GET", "/import", nil, "", true); status != 200 || out["allowed"] != (c.status == 200) ||
			out["enabled"] != true || out["role"] != map[string]string{"zhao": "viewer", "wang": "promoter", "li": "manager", "root": "admin"}[c.user] ||
			(c.status == 200) != (out["maxFiles"] != nil) {
			t.Errorf("%q GET /import: %d %v", c.user, status, out)
		}
		status, out := e.upload(t, s, exampleParts(t))
		if c.status != 200 {
			if status != c.status {
				t.Errorf("%q upload: %d %v, want %d", c.user, status, out, c.status)
			}
			if st, _ := e.apply(t, s, strings.Repeat("a", 32), nil); st != c.status {
				t.Errorf("%q apply: %d, want %d", c.user, st, c.status)
			}
			continue
		}
		if status != 200 {
			t.Fatalf("%q upload: %d %v", c.user, status, out)
		}
		// Someone else's staged import is not found.
		other := e.login(t, "sun")
		if st, _ := e.do(t, other, "GET", "/import/"+out["id"].(string), nil, "", true); st != 404 {
			t.Errorf("another manager sees %q's staged import: %d", c.user, st)
		}
		if st, _ := e.apply(t, other, out["id"].(string), nil); st != 404 {
			t.Errorf("another manager applies %q's staged import: %d", c.user, st)
		}
	}
	// A bearer token of an admin works too (scripts).
	req, _ := http.NewRequest("GET", e.ts.URL+"/import", nil)
	req.Header.Set("Authorization", "Bearer tok-admin-0123456789")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("admin token: %v %v", resp, err)
	}
	// A server without a writable folder says so.
	plain := newServer(t, e.mem, server.Config{})
	resp, err := http.Get(plain.URL + "/import")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["enabled"] != false || info["allowed"] != false || !strings.Contains(fmt.Sprint(info["reason"]), "--data DIR") {
		t.Errorf("GET /import without an import folder: %v", info)
	}
}

// TestImportNeedsCSRF: a session without its CSRF token can neither upload, apply nor
// discard.
func TestImportNeedsCSRF(t *testing.T) {
	e := newImportEnv(t, 0)
	li := e.login(t, "li")
	body, ct := multipartBody(exampleParts(t))
	if status, out := e.do(t, li, "POST", "/import", body, ct, false); status != 403 || out["code"] != "CSRF_TOKEN_INVALID" {
		t.Errorf("upload without CSRF: %d %v", status, out)
	}
	status, out := e.upload(t, li, exampleParts(t))
	if status != 200 {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := out["id"].(string)
	raw, _ := json.Marshal(map[string]any{"decisions": []decision{{Row: 0, Review: "accept"}}})
	before := files(t, e.dir)
	if status, out := e.do(t, li, "POST", "/import/"+id+"/apply", bytes.NewReader(raw), "application/json", false); status != 403 || out["code"] != "CSRF_TOKEN_INVALID" {
		t.Errorf("apply without CSRF: %d %v", status, out)
	}
	if status, _ := e.do(t, li, "DELETE", "/import/"+id, nil, "", false); status != 403 {
		t.Errorf("discard without CSRF: %d", status)
	}
	sameFiles(t, "after refused applies", before, files(t, e.dir))
}

// zipBomb is an XLSX-named zip whose one part inflates to 64 MiB of zeros, 1,000 times
// its compressed size (declared honestly: the checks must refuse it before inflating).
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 64 {
		w.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
}

// TestImportHostileUploads: every hostile upload is refused with a clear message, leaves
// nothing staged and the dataset as it was.
func TestImportHostileUploads(t *testing.T) {
	e := newImportEnv(t, 4<<20)
	li := e.login(t, "li")
	before := files(t, e.dir)
	csv := []byte("企业名称,统一社会信用代码\n示例铝业有限公司,\n")
	many := make([]part, 10000)
	for i := range many {
		many[i] = part{"files", fmt.Sprintf("list%05d.csv", i), csv}
	}
	for _, c := range []struct {
		name   string
		parts  []part
		status int
		want   string
	}{
		{"huge file", []part{{"files", "huge.csv", bytes.Repeat([]byte("a,b\n"), 2<<20)}}, 413, "4194304"},
		{"zip bomb", []part{{"files", "bomb.xlsx", zipBomb(t)}}, 422, "bomb.xlsx: part xl/worksheets/sheet1.xml: compressed part expands more than 100 times: refused as a zip bomb"},
		{"wrong type", []part{{"files", "list.exe", csv}}, 415, "only .csv and .xlsx"},
		{"image named csv", []part{{"files", "photo.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}}, 422, "no firm could be read"},
		{"path traversal", []part{{"files", "../../../../tmp/evil.csv", csv}}, 400, "a file name, not a path"},
		{"windows path", []part{{"files", `..\..\evil.csv`, csv}}, 400, "a file name, not a path"},
		{"hidden name", []part{{"files", ".chainmap.csv", csv}}, 400, "leading dot"},
		{"no name", []part{{"files", "", csv}}, 400, "file name"},
		{"same name twice", []part{{"files", "a.csv", csv}, {"files", "A.CSV", csv}}, 400, "same name"},
		{"10,000 files", many, 400, "at most 5 files"},
		{"unknown field", []part{{"files", "a.csv", csv}, {"into", "", []byte("/etc")}}, 400, "unknown field"},
		{"no file", []part{{"sheet", "", []byte("x")}}, 400, "at least one"},
		{"bad mapping", []part{{"mapping", "m.yaml", []byte("columns: [")}, {"files", "a.csv", csv}}, 400, "mapping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := e.upload(t, li, c.parts)
			msg := fmt.Sprint(out["error"], out["report"])
			t.Logf("%d %.900s", status, msg)
			if status != c.status || !strings.Contains(msg, c.want) {
				t.Errorf("%d %.400s; want %d and %q", status, msg, c.status, c.want)
			}
		})
	}
	// A Content-Length beyond the bound is refused before the body is read.
	req, _ := http.NewRequest("POST", e.ts.URL+"/import", io.LimitReader(zeroReader{}, 5<<20))
	req.ContentLength = 5 << 20
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.AddCookie(li.cookie)
	req.Header.Set("X-CSRF-Token", li.csrf)
	if resp, err := http.DefaultClient.Do(req); err == nil && resp.StatusCode != 413 {
		t.Errorf("declared 5 MiB: %d", resp.StatusCode)
	}
	// Without a length (chunked), the body is cut at the bound while it streams.
	big, ct := multipartBody([]part{{"files", "big.csv", bytes.Repeat([]byte("a,b\n"), 2<<20)}})
	req, _ = http.NewRequest("POST", e.ts.URL+"/import", io.MultiReader(big)) // unknown length
	req.Header.Set("Content-Type", ct)
	req.AddCookie(li.cookie)
	req.Header.Set("X-CSRF-Token", li.csrf)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 413 || req.ContentLength != 0 {
		t.Errorf("chunked 8 MiB: %v %v (length %d)", resp, err, req.ContentLength)
	}
	if status, _ := e.do(t, li, "POST", "/import", strings.NewReader("{}"), "application/json", true); status != 415 {
		t.Errorf("JSON body: %d", status)
	}
	sameFiles(t, "after hostile uploads", before, files(t, e.dir))
	entries, _ := os.ReadDir(e.stateDir)
	for _, en := range entries {
		if en.IsDir() {
			t.Errorf("a refused upload left %s staged", en.Name())
		}
	}
	if _, err := os.Stat("/tmp/evil.csv"); err == nil {
		t.Error("/tmp/evil.csv exists")
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestImportEqualsCommandLine: the walk-through's lists imported in the page, every
// placement accepted, leave the served folder byte for byte as `chainmap import FILES
// --into DIR --review r.xlsx` then `--apply-review r.xlsx` (with every row accepted)
// leaves a copy, the store is reloaded, completeness changes as docs/import.md says, and
// the lead store is untouched.
func TestImportEqualsCommandLine(t *testing.T) {
	e := newImportEnv(t, 0)
	ctx := context.Background()
	li := e.login(t, "li")
	pipe := &chainmap.Pipeline{Data: e.mem, Leads: e.leads}
	if _, err := pipe.CreateLead(chainmap.WithActor(ctx, chainmap.Actor{Name: "li", Role: chainmap.RoleManager}),
		chainmap.LeadInput{FirmName: "示例招商对象", Segment: "E1.wheel", Park: "huiguo-park"}); err != nil {
		t.Fatal(err)
	}
	leadsBefore, err := e.leads.ExportState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entsBefore, _ := e.mem.Counts(ctx)

	status, out := e.upload(t, li, exampleParts(t))
	if status != 200 {
		t.Fatalf("upload: %d %v", status, out)
	}
	rep := out["report"].(map[string]any)
	if rep["firms"] != float64(8) || rep["confirmed"] != float64(3) || rep["uncertain"] != float64(1) || rep["addedEnterprises"] != float64(4) {
		t.Errorf("report %v; docs/import.md: 8 firms, 3 confirmed, 1 uncertain, 4 enterprises added", rep)
	}
	problems := rep["problems"].([]any)
	if len(problems) == 0 || !strings.HasPrefix(problems[0].(map[string]any)["text"].(string), "registry-export.csv:") {
		t.Errorf("problems %v: want file:line: column: what, with the uploaded name", problems)
	}
	if strings.Contains(fmt.Sprint(out), e.stateDir) {
		t.Error("the answer shows the staging folder")
	}
	sameFiles(t, "served folder after the upload", files(t, neotest.CopyDataset(t, "../data/zhengzhou-aluminium")), files(t, e.dir))
	review := out["review"].([]any)
	var ds []decision
	for _, r := range review {
		r := r.(map[string]any)
		if r["segment"] != "" {
			ds = append(ds, decision{Row: int(r["row"].(float64)), Review: "accept", Note: "checked"})
		}
	}
	if len(ds) < 4 {
		t.Fatalf("%d placements to accept in %v", len(ds), review)
	}
	status, res := e.apply(t, li, out["id"].(string), ds)
	if status != 200 {
		t.Fatalf("apply: %d %v", status, res)
	}
	if res["accepted"] != float64(len(ds)) {
		t.Errorf("accepted %v of %d", res["accepted"], len(ds))
	}

	// The command line on a copy of the same dataset.
	cli := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	var paths []string
	for _, f := range exampleFiles {
		paths = append(paths, filepath.Join(exampleDir, f))
	}
	cres, err := importer.Import(ctx, paths, cli, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(t.TempDir(), "review.xlsx")
	if _, err := importer.WriteReview(book, cres); err != nil {
		t.Fatal(err)
	}
	fillReview(t, book, "accept", "checked")
	if _, err := importer.ApplyReview(ctx, book, cli, "li", false); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "page vs command line", files(t, cli), files(t, e.dir))

	// Reloaded, and the gap analysis changed as the walk-through says (21 → 25 of 72).
	if got, _ := e.mem.Counts(ctx); got["enterprises"] != entsBefore["enterprises"]+4 {
		t.Errorf("enterprises served %d, want %d + 4", got["enterprises"], entsBefore["enterprises"])
	}
	changes := res["changes"].([]any)
	var al map[string]any
	for _, c := range changes {
		if c.(map[string]any)["chain"] == "aluminium" {
			al = c.(map[string]any)
		}
	}
	if al == nil {
		t.Fatalf("no change of the aluminium chain in %v", changes)
	}
	b, a := al["before"].(map[string]any), al["after"].(map[string]any)
	if b["present"] != float64(21) || a["present"] != float64(25) || a["total"] != float64(72) {
		t.Errorf("present %v → %v of %v; docs/import.md: 21 → 25 of 72", b["present"], a["present"], a["total"])
	}
	var segs []string
	for _, s := range al["segments"].([]any) {
		segs = append(segs, s.(map[string]any)["id"].(string))
	}
	for _, want := range []string{"E1.wheel", "E3.can", "E1.battery-tray"} {
		if !slices.Contains(segs, want) {
			t.Errorf("segments changed %v; want %s among them", segs, want)
		}
	}
	leadsAfter, _ := e.leads.ExportState(ctx)
	if !reflect.DeepEqual(leadsBefore, leadsAfter) {
		t.Error("the import changed the lead store")
	}
	// The staged import is gone; the import log names who imported which files.
	if st, _ := e.do(t, li, "GET", "/import/"+out["id"].(string), nil, "", true); st != 404 {
		t.Errorf("staged import after apply: %d", st)
	}
	logRaw, _ := os.ReadFile(filepath.Join(e.stateDir, "imports.log"))
	if !strings.Contains(string(logRaw), `"action":"import.apply"`) || !strings.Contains(string(logRaw), `"actor":"li"`) ||
		!strings.Contains(string(logRaw), "registry-export.csv") || !strings.Contains(string(logRaw), fmt.Sprintf(`"accepted":%d`, len(ds))) {
		t.Errorf("import log:\n%s", logRaw)
	}
}

// fillReview sets every row's decision of a review workbook that has a suggested segment.
func fillReview(t *testing.T, path, decision, note string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("审核")
	cols := importer.ReviewColumns()
	seg, dec, nc := slices.Index(cols, importer.ReviewColSegment), slices.Index(cols, importer.ReviewColReview), slices.Index(cols, importer.ReviewColNote)
	for i, r := range rows[1:] {
		if seg < len(r) && r[seg] != "" {
			c, _ := excelize.CoordinatesToCellName(dec+1, i+2)
			f.SetCellValue("审核", c, decision)
			c, _ = excelize.CoordinatesToCellName(nc+1, i+2)
			f.SetCellValue("审核", c, note)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestImportFailedApplyLeavesDataset: when the reload (or validation) fails after the
// files were installed, they are put back and the old dataset is still served; when the
// folder changed since the upload, nothing is applied.
func TestImportFailedApplyLeavesDataset(t *testing.T) {
	e := newImportEnv(t, 0)
	ctx := context.Background()
	li := e.login(t, "li")
	before := files(t, e.dir)
	counts, _ := e.mem.Counts(ctx)

	_, out := e.upload(t, li, exampleParts(t))
	e.failReload.Store(true)
	status, res := e.apply(t, li, out["id"].(string), []decision{{Row: 0, Review: "accept"}})
	if status != 422 || !strings.Contains(fmt.Sprint(res["error"]), "dataset is unchanged") {
		t.Errorf("apply with a failing reload: %d %v", status, res)
	}
	sameFiles(t, "after a failed reload", before, files(t, e.dir))
	if got, _ := e.mem.Counts(ctx); !reflect.DeepEqual(got, counts) {
		t.Errorf("served counts %v, were %v", got, counts)
	}
	e.failReload.Store(false)

	// The folder changed between the upload and the apply: 409, nothing written.
	_, out = e.upload(t, li, exampleParts(t))
	ledger := filepath.Join(e.dir, importer.LedgerFile)
	os.WriteFile(ledger, []byte("enterprise,segment,decision,reviewer,note\n"), 0o644)
	changed := files(t, e.dir)
	if status, res := e.apply(t, li, out["id"].(string), nil); status != 409 {
		t.Errorf("apply after the folder changed: %d %v", status, res)
	}
	sameFiles(t, "after a stale apply", changed, files(t, e.dir))
	os.Remove(ledger)

	// Bad decisions are refused before anything is written.
	_, out = e.upload(t, li, exampleParts(t))
	for _, ds := range [][]decision{{{Row: 999, Review: "accept"}}, {{Row: 0, Review: "accept"}, {Row: 0, Review: "reject"}}, {{Row: -1}}} {
		if status, res := e.apply(t, li, out["id"].(string), ds); status != 400 {
			t.Errorf("decisions %v: %d %v", ds, status, res)
		}
	}
	// A decision the importer refuses (not a segment) is reported with its row, the
	// others applied — as the command line does.
	status, res = e.apply(t, li, out["id"].(string), []decision{{Row: 0, Review: "maybe"}})
	if status != 200 || !strings.Contains(fmt.Sprint(res["problems"]), `"maybe" is neither accept, reject nor a segment id`) {
		t.Errorf("a bad decision word: %d %v", status, res)
	}
}

// TestImportOneAtATime: while an apply is reloading, another upload, apply or a reload
// gets 409.
func TestImportOneAtATime(t *testing.T) {
	e := newImportEnv(t, 0)
	li, root := e.login(t, "li"), e.login(t, "root")
	_, out := e.upload(t, li, exampleParts(t))
	e.block, e.reloading = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan int)
	go func() {
		raw, _ := json.Marshal(map[string]any{"decisions": []decision{}})
		req, _ := http.NewRequest("POST", e.ts.URL+"/import/"+out["id"].(string)+"/apply", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(li.cookie)
		req.Header.Set("X-CSRF-Token", li.csrf)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-e.reloading // the apply holds the import and reload locks now
	if status, res := e.upload(t, root, exampleParts(t)); status != 409 {
		t.Errorf("upload during an apply: %d %v", status, res)
	}
	if status, _ := e.do(t, root, "POST", "/admin/reload", nil, "", true); status != 409 {
		t.Errorf("reload during an apply: %d", status)
	}
	close(e.block)
	if st := <-done; st != 200 {
		t.Errorf("the apply: %d", st)
	}
}

// TestImportExpires: a staged import past its review time is refused with 410 and
// removed; an id that is not one is 404 (never a path).
func TestImportExpires(t *testing.T) {
	e := newImportEnv(t, 0)
	li := e.login(t, "li")
	_, out := e.upload(t, li, exampleParts(t))
	id := out["id"].(string)
	meta := filepath.Join(e.stateDir, id, "stage.json")
	raw, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	json.Unmarshal(raw, &st)
	st["expires"] = "2000-01-01T00:00:00Z"
	raw, _ = json.Marshal(st)
	os.WriteFile(meta, raw, 0o600)
	if status, res := e.apply(t, li, id, nil); status != 410 || res["code"] != "IMPORT_EXPIRED" {
		t.Errorf("expired apply: %d %v", status, res)
	}
	if _, err := os.Stat(filepath.Join(e.stateDir, id)); err == nil {
		t.Error("the expired import is still on disk")
	}
	for _, bad := range []string{"..%2F..%2Fetc", strings.Repeat("A", 32), "x"} {
		if status, _ := e.do(t, li, "GET", "/import/"+bad, nil, "", true); status != 404 {
			t.Errorf("GET /import/%s: %d", bad, status)
		}
	}
}

// TestImportIntoBrokenDataset: when the served folder no longer validates (edited since
// the last load), the upload is refused with the importer's reason, naming neither the
// staging folder nor changing anything.
func TestImportIntoBrokenDataset(t *testing.T) {
	e := newImportEnv(t, 0)
	li := e.login(t, "li")
	f, err := os.OpenFile(filepath.Join(e.dir, "enterprises.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("broken,\n")
	f.Close()
	before := files(t, e.dir)
	status, out := e.upload(t, li, exampleParts(t))
	msg := fmt.Sprint(out["error"])
	if status != 422 || !strings.Contains(msg, "enterprises.csv") || strings.Contains(msg, e.stateDir) {
		t.Errorf("upload into a broken dataset: %d %s", status, msg)
	}
	sameFiles(t, "after the refused upload", before, files(t, e.dir))
}

// TestImportStateInsideTheDataset: with the staging folder and a state file put inside
// the served folder (not hidden), the staging copy does not copy itself, and a state
// file written between the upload and the apply does not count as a changed dataset.
func TestImportStateInsideTheDataset(t *testing.T) {
	var stateFile string
	e := newImportEnvWith(t, 0, func(e *importEnv, c *server.ImportConfig) {
		e.stateDir = filepath.Join(e.dir, "state", "imports")
		stateFile = filepath.Join(e.dir, "state", "state.db")
		os.MkdirAll(filepath.Dir(stateFile), 0o700)
		os.WriteFile(stateFile, []byte("leads v1"), 0o600)
		c.Skip = []string{stateFile}
	})
	li := e.login(t, "li")
	status, out := e.upload(t, li, exampleParts(t))
	if status != 200 {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := out["id"].(string)
	if _, err := os.Stat(filepath.Join(e.stateDir, id, "data", "state")); err == nil {
		t.Error("the staging copy holds the state folder")
	}
	os.WriteFile(stateFile, []byte("leads v2: a lead was written meanwhile"), 0o600)
	if status, res := e.apply(t, li, id, nil); status != 200 {
		t.Fatalf("apply: %d %v", status, res)
	}
	if raw, _ := os.ReadFile(stateFile); string(raw) != "leads v2: a lead was written meanwhile" {
		t.Errorf("the state file was replaced: %q", raw)
	}
}

// TestImportWithMappingAndSheet: a mapping file names a column the importer does not
// know, as --mapping does on the command line.
func TestImportWithMappingAndSheet(t *testing.T) {
	e := newImportEnv(t, 0)
	li := e.login(t, "li")
	list := []byte("公司全称,注册区县,主营产品\n巩义市映射示例铝箔有限公司,巩义市,电池铝箔\n")
	status, out := e.upload(t, li, []part{{"files", "list.csv", list}})
	if status != 422 {
		t.Errorf("without the mapping: %d %v", status, out["error"])
	}
	mapping := []byte("columns:\n  公司全称: name\n  注册区县: county\n  主营产品: products\n")
	status, out = e.upload(t, li, []part{{"mapping", "m.yaml", mapping}, {"files", "list.csv", list}, {"sheet", "", []byte("名录")}})
	if status != 200 {
		t.Fatalf("with the mapping: %d %v", status, out)
	}
	rep := out["report"].(map[string]any)
	review := out["review"].([]any)
	if rep["firms"] != float64(1) || len(review) != 1 || review[0].(map[string]any)["name"] != "巩义市映射示例铝箔有限公司" ||
		review[0].(map[string]any)["segment"] == "" || out["sheet"] != "名录" {
		t.Errorf("report %v, review %v, sheet %v", rep, review, out["sheet"])
	}
}

// TestImportAcceptPlaced: acceptPlaced accepts every placed row without a decision of its
// own, and leaves alone the rows decided (even as undecided, an empty review).
func TestImportAcceptPlaced(t *testing.T) {
	e := newImportEnv(t, 0)
	li := e.login(t, "li")
	_, out := e.upload(t, li, exampleParts(t))
	placed, kept := 0, -1
	for _, r := range out["review"].([]any) {
		r := r.(map[string]any)
		if d := r["decision"]; r["segment"] != "" && (d == "confirmed" || d == "uncertain") {
			placed++
			kept = int(r["row"].(float64))
		}
	}
	if placed < 2 {
		t.Fatalf("%d placed rows", placed)
	}
	raw, _ := json.Marshal(map[string]any{"decisions": []decision{{Row: kept, Review: ""}}, "acceptPlaced": true})
	status, res := e.do(t, li, "POST", "/import/"+out["id"].(string)+"/apply", bytes.NewReader(raw), "application/json", true)
	if status != 200 || res["accepted"] != float64(placed-1) || res["unchanged"] != float64(1) {
		t.Errorf("acceptPlaced: %d %v; want %d accepted, 1 unchanged", status, res, placed-1)
	}
}
