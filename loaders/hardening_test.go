package loaders_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// These tests hold the bounds of issue 12 (findings 4-7): what a dataset folder may make
// validate and load read, hold, wait for or print. See docs/reliability.md.

// validateWithin runs Validate and fails the test, instead of hanging it, if Validate
// has not returned after a generous guard (a FIFO blocked it for ever before).
func validateWithin(t *testing.T, dir string) string {
	t.Helper()
	type result struct {
		rep *loaders.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := loaders.Validate(context.Background(), dir)
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "error: " + r.err.Error()
		}
		var b strings.Builder
		for _, p := range r.rep.Problems {
			b.WriteString(p.String())
			b.WriteByte('\n')
		}
		if r.rep.OK() {
			b.WriteString("OK\n")
		}
		return b.String()
	case <-time.After(30 * time.Second):
		t.Fatalf("validate %s did not return: it blocks", dir)
		return ""
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	os.Remove(link)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinksLeavingTheFolderAreRefused(t *testing.T) {
	outside := t.TempDir()
	copyInto(t, filepath.Join(minimal, "technologies.csv"), filepath.Join(outside, "technologies.csv"))
	copyInto(t, filepath.Join(minimal, "manifest.yaml"), filepath.Join(outside, "manifest.yaml"))
	os.WriteFile(filepath.Join(outside, "b.geojson"), []byte(`{"type":"Feature","id":"110000","geometry":{"type":"Point","coordinates":[116.4,39.9]}}`), 0o644)
	withBoundary := func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i := range lines {
			switch {
			case i == 0:
				lines[i] += ",boundary"
			case strings.HasPrefix(lines[i], "110000,"):
				lines[i] += ",geo/b.geojson"
			default:
				lines[i] += ","
			}
		}
		return strings.Join(lines, "\n") + "\n"
	}
	cases := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"table to a valid file outside", func(dir string) {
			symlink(t, filepath.Join(outside, "technologies.csv"), filepath.Join(dir, "technologies.csv"))
		}, "technologies.csv: cannot open: resolves outside the folder"},
		{"table to a valid file outside, relative", func(dir string) {
			rel, _ := filepath.Rel(dir, filepath.Join(outside, "technologies.csv"))
			symlink(t, rel, filepath.Join(dir, "technologies.csv"))
		}, "technologies.csv: cannot open: resolves outside the folder"},
		{"table to /etc/passwd", func(dir string) {
			symlink(t, "/etc/passwd", filepath.Join(dir, "technologies.csv"))
		}, "technologies.csv: cannot open: resolves outside the folder"},
		{"table to /dev/zero", func(dir string) {
			symlink(t, "/dev/zero", filepath.Join(dir, "technologies.csv"))
		}, "technologies.csv: cannot open: resolves outside the folder"},
		{"manifest to a valid manifest outside", func(dir string) {
			symlink(t, filepath.Join(outside, "manifest.yaml"), filepath.Join(dir, "manifest.yaml"))
		}, "manifest.yaml: cannot read the manifest: resolves outside the folder"},
		{"subfolder outside", func(dir string) {
			symlink(t, outside, filepath.Join(dir, "more"))
			b, _ := os.ReadFile(filepath.Join(dir, "manifest.yaml"))
			os.WriteFile(filepath.Join(dir, "manifest.yaml"), bytes.Replace(b, []byte("technologies: technologies.csv"), []byte("technologies: more/technologies.csv"), 1), 0o644)
		}, "more/technologies.csv: cannot open: resolves outside the folder"},
		{"boundary file outside", func(dir string) {
			symlink(t, filepath.Join(outside, "b.geojson"), filepath.Join(dir, "geo", "b.geojson"))
			b, _ := os.ReadFile(filepath.Join(dir, "regions.csv"))
			os.WriteFile(filepath.Join(dir, "regions.csv"), []byte(withBoundary(string(b))), 0o644)
		}, "regions.csv:3: boundary: cannot read boundary file geo/b.geojson: resolves outside the folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDataset(t, minimal, nil)
			c.setup(dir)
			got := validateWithin(t, dir)
			if !strings.Contains(got, c.want) {
				t.Errorf("want %q; got:\n%s", c.want, got)
			}
			if strings.Contains(got, "root:") {
				t.Errorf("the report echoes /etc/passwd:\n%s", got)
			}
			if _, err := loaders.Load(context.Background(), dir, memstore.New(), loaders.Options{}); err == nil {
				t.Error("load accepted it")
			}
		})
	}

	// Links that stay inside are followed, and the dataset folder may itself be a link.
	t.Run("inside", func(t *testing.T) {
		dir := copyDataset(t, minimal, nil)
		os.Mkdir(filepath.Join(dir, "tables"), 0o755)
		os.Rename(filepath.Join(dir, "technologies.csv"), filepath.Join(dir, "tables", "technologies.csv"))
		symlink(t, "tables/technologies.csv", filepath.Join(dir, "technologies.csv"))
		os.WriteFile(filepath.Join(dir, "geo.json"), []byte(`{"type":"Feature","id":"110000","geometry":{"type":"Point","coordinates":[116.4,39.9]}}`), 0o644)
		symlink(t, "../geo.json", filepath.Join(dir, "geo", "b.geojson"))
		b, _ := os.ReadFile(filepath.Join(dir, "regions.csv"))
		os.WriteFile(filepath.Join(dir, "regions.csv"), []byte(withBoundary(string(b))), 0o644)
		link := filepath.Join(t.TempDir(), "dataset")
		symlink(t, dir, link)
		if got := validateWithin(t, link); got != "OK\n" {
			t.Errorf("links inside the folder: %s", got)
		}
	})
}

func TestSpecialFilesAreRefusedWithoutBlocking(t *testing.T) {
	for _, file := range []string{"technologies.csv", "manifest.yaml", "geo.json", "data.xlsx"} {
		t.Run(file, func(t *testing.T) {
			dir := copyDataset(t, minimal, nil)
			os.Remove(filepath.Join(dir, file))
			if err := syscall.Mkfifo(filepath.Join(dir, file), 0o644); err != nil {
				t.Fatal(err)
			}
			switch file {
			case "geo.json":
				b, _ := os.ReadFile(filepath.Join(dir, "regions.csv"))
				s := strings.Replace(string(b), "id,name_zh,name_en,level,parent,lon,lat\n", "id,name_zh,name_en,level,parent,lon,lat,boundary\n", 1)
				s = strings.Replace(s, "100000,中国,China,country,,,\n", "100000,中国,China,country,,,,geo.json\n", 1)
				os.WriteFile(filepath.Join(dir, "regions.csv"), []byte(s), 0o644)
			case "data.xlsx":
				b, _ := os.ReadFile(filepath.Join(dir, "manifest.yaml"))
				os.WriteFile(filepath.Join(dir, "manifest.yaml"), append(b, "workbook: data.xlsx\n"...), 0o644)
			}
			got := validateWithin(t, dir)
			if !strings.Contains(got, "not a regular file: it is a named pipe (FIFO)") {
				t.Errorf("FIFO as %s: %s", file, got)
			}
		})
	}
	t.Run("the folder is a file", func(t *testing.T) {
		if got := validateWithin(t, filepath.Join(minimal, "manifest.yaml")); !strings.Contains(got, "not a folder") {
			t.Errorf("got %s", got)
		}
	})
}

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// sparse writes head and extends the file to size bytes with a hole: zero bytes that
// take no disk and are never held by the test.
func sparse(t *testing.T, path, head string, size int64) {
	t.Helper()
	if err := os.WriteFile(path, []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func TestHugeCellIsRefusedWithBoundedMemory(t *testing.T) {
	dir := copyDataset(t, minimal, nil)
	// A 200 MB cell with no line break (zero bytes, as a hole): it was read whole
	// (991 MB allocated) before the cell's length was checked.
	sparse(t, filepath.Join(dir, "technologies.csv"), "id,name_zh,category,segments,platforms,sources\nt1,", 200<<20)
	var got string
	alloc := allocated(func() { got = validateWithin(t, dir) })
	if !strings.Contains(got, "technologies.csv:2: name_zh: cell in column 2 is longer than 131074 bytes (reading stopped here)") {
		t.Errorf("200 MB cell: %s", got)
	}
	if alloc > 64<<20 {
		t.Errorf("200 MB cell: %d MB allocated", alloc>>20)
	}
	t.Logf("200 MB cell: %d MB allocated", alloc>>20)

	// A table larger than its bound is refused from its size.
	sparse(t, filepath.Join(dir, "technologies.csv"), "id,name_zh\n", 4<<30+1)
	if got := validateWithin(t, dir); !strings.Contains(got, "technologies.csv: file is 4294967297 bytes, more than the 4294967296 allowed") {
		t.Errorf("4 GB table: %s", got)
	}
}

func TestEchoedValuesAreClipped(t *testing.T) {
	long := strings.Repeat("列", 30000) // 90 KB: under the streaming bound, echoed before
	dir := copyDataset(t, minimal, map[string]func(string) string{
		"technologies.csv": replace("id,name_zh,", "id,"+long+",name_zh,"),
	})
	got := validateWithin(t, dir)
	want := "technologies.csv:1: " + strings.Repeat("列", 120) + "…: unknown column"
	if !strings.Contains(got, want) {
		t.Errorf("long header cell not clipped: %d bytes of report", len(got))
	}
	if len(got) > 4000 {
		t.Errorf("report of %d bytes for one long header cell", len(got))
	}
	// A 200 MB header cell is refused while it streams; nothing of it is echoed.
	sparse(t, filepath.Join(dir, "technologies.csv"), "id,", 200<<20)
	got = validateWithin(t, dir)
	if !strings.Contains(got, "technologies.csv:1: cell in column 2 is longer than") || len(got) > 4000 {
		t.Errorf("200 MB header cell: %d bytes: %.500s", len(got), got)
	}
}

// bloatWorkbook pads part of the workbook at path with pad bytes of whitespace inside
// its XML, the way a hostile or broken export bloats a small file.
func bloatWorkbook(t *testing.T, path, part string, pad int64) {
	t.Helper()
	rewritePart(t, path, part, func(b []byte, w io.Writer) {
		i := bytes.LastIndex(b, []byte("</worksheet>"))
		w.Write(b[:i])
		io.Copy(w, io.LimitReader(spaces{}, pad))
		w.Write(b[i:])
	})
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestWorkbookZipBombIsRefused(t *testing.T) {
	dir := t.TempDir()
	book := workbookFromCSV(t, dir, nil)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("format: chainmap-dataset/1\nid: minimal\nfocus:\n  chain: widget\n  region: \"110100\"\nworkbook: data.xlsx\n"), 0o644)
	zr, err := zip.OpenReader(book)
	if err != nil {
		t.Fatal(err)
	}
	part := ""
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/sheet") && part == "" {
			part = f.Name
		}
	}
	zr.Close()
	// 48 MB of whitespace in a sheet: about 50 KB stored, over 16 MB so excelize
	// inflated it to a temporary file and parsed it all without a word.
	bloatWorkbook(t, book, part, 48<<20)
	st, _ := os.Stat(book)
	var got string
	alloc := allocated(func() { got = validateWithin(t, dir) })
	want := "data.xlsx: cannot open the workbook: part " + part + ": compressed part expands more than 100 times: refused as a zip bomb"
	if !strings.Contains(got, want) {
		t.Errorf("workbook of %d bytes holding 48 MB of whitespace: %s", st.Size(), got)
	}
	if alloc > 64<<20 {
		t.Errorf("zip bomb: %d MB allocated", alloc>>20)
	}
}

// sheetPart returns the zip part of the named sheet, from the workbook's relationships.
func sheetPart(t *testing.T, book, sheet string) string {
	t.Helper()
	zr, err := zip.OpenReader(book)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	read := func(name string) string {
		for _, f := range zr.File {
			if f.Name == name {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				return string(b)
			}
		}
		t.Fatalf("no %s in the workbook", name)
		return ""
	}
	m := regexp.MustCompile(`<sheet [^>]*name="` + sheet + `"[^>]*r:id="([^"]+)"`).FindStringSubmatch(read("xl/workbook.xml"))
	if m == nil {
		t.Fatalf("no sheet %s", sheet)
	}
	r := regexp.MustCompile(`Id="` + m[1] + `"[^>]*Target="/?(?:xl/)?([^"]+)"|Target="/?(?:xl/)?([^"]+)"[^>]*Id="` + m[1] + `"`).FindStringSubmatch(read("xl/_rels/workbook.xml.rels"))
	if r == nil {
		t.Fatalf("no relationship %s", m[1])
	}
	return "xl/" + r[1] + r[2]
}

// rewritePart replaces part in the workbook at path by what edit makes of it.
func rewritePart(t *testing.T, path, part string, edit func(old []byte, w io.Writer)) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == part {
			found = true
			edit(b, w)
			continue
		}
		w.Write(b)
	}
	zr.Close()
	zw.Close()
	if !found {
		t.Fatalf("no part %s", part)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWorkbookWideRowsAreRefused(t *testing.T) {
	dir := t.TempDir()
	book := workbookFromCSV(t, dir, nil)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("format: chainmap-dataset/1\nid: minimal\nfocus:\n  chain: widget\n  region: \"110100\"\nworkbook: data.xlsx\n"), 0o644)
	// One cell in the last column (XFD) on each of 20,000 rows: a workbook of about
	// 100 KB for which excelize returns 16,384 cells per row, 327 million in all (32 s
	// and 22 GB allocated before).
	rewritePart(t, book, sheetPart(t, book, "technologies"), func(old []byte, w io.Writer) {
		i := bytes.LastIndex(old, []byte("</sheetData>"))
		w.Write(old[:i])
		for r := 3; r < 20003; r++ {
			fmt.Fprintf(w, `<row r="%d"><c r="XFD%d"><v>1</v></c></row>`, r, r)
		}
		w.Write(old[i:])
	})
	var got string
	alloc := allocated(func() { got = validateWithin(t, dir) })
	if !strings.Contains(got, "data.xlsx[technologies]:3: row has 16384 cells, more than the 256 allowed (reading stopped here)") {
		t.Errorf("wide rows: %s", got)
	}
	if alloc > 64<<20 {
		t.Errorf("wide rows: %d MB allocated", alloc>>20)
	}
}

func TestOddNamesCannotForgeReportLines(t *testing.T) {
	dir := copyDataset(t, minimal, map[string]func(string) string{
		// A table name with a line break and an escape sequence, and a header cell with
		// a bidirectional override: echoed raw, they forged report lines and recoloured
		// the terminal.
		"manifest.yaml":    replace("technologies: technologies.csv", `technologies: "te\nch: fake problem\e[31m.csv"`),
		"enterprises.csv":  replace("id,name_zh,", "id,name\u202e_zh,"),
		"technologies.csv": func(s string) string { return s },
	})
	got := validateWithin(t, dir)
	for _, want := range []string{`te\nch: fake problem\x1b[31m.csv: cannot open: file does not exist`,
		`enterprises.csv:1: name\u202e_zh: unknown column`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.ContainsAny(got, "\x1b\u202e") || strings.Contains(got, "\nch: fake") {
		t.Errorf("raw control characters in the report:\n%q", got)
	}
}

func TestDeepYAMLIsRefused(t *testing.T) {
	dir := copyDataset(t, minimal, map[string]func(string) string{
		"manifest.yaml": replace("  chains: chains.csv\n  segments: segments.csv\n  flows: flows.csv\n", "  taxonomy: taxonomy.yaml\n"),
		"taxonomy.yaml": func(string) string { return "chains: " + strings.Repeat("[", 1<<20) },
	})
	var got string
	alloc := allocated(func() { got = validateWithin(t, dir) })
	if !strings.Contains(got, "taxonomy.yaml: not valid YAML: yaml: exceeded max depth of 10000") {
		t.Errorf("1 MB of nesting: %.300s", got)
	}
	if alloc > 256<<20 {
		t.Errorf("1 MB of nesting: %d MB allocated", alloc>>20)
	}
	t.Logf("1 MB of YAML nesting: %d MB allocated: %.200s", alloc>>20, got)
}

func TestCancelledReadStops(t *testing.T) {
	for _, dir := range []string{minimal, "../testdata/broken/workbook-wide-rows"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := loaders.Validate(ctx, dir); !errors.Is(err, context.Canceled) {
			t.Errorf("validate %s with a cancelled context: %v", dir, err)
		}
		if _, err := loaders.Load(ctx, minimal, memstore.New(), loaders.Options{}); !errors.Is(err, context.Canceled) {
			t.Errorf("load with a cancelled context: %v", err)
		}
	}
}
