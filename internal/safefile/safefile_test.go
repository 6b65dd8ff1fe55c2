package safefile

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within runs fn and fails the test if it has not returned after a generous guard: a
// hang (a FIFO open) must fail the test rather than block it for ever.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return: it blocks", what)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesEscapesAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "ds")
	write(t, filepath.Join(root, "ok.csv"), "id\n1\n")
	write(t, filepath.Join(root, "sub", "inner.csv"), "id\n2\n")
	write(t, filepath.Join(base, "secret.txt"), "root:x:0:0\n")
	write(t, filepath.Join(base, "outside", "t.csv"), "id\n3\n")
	links := map[string]string{
		"rel-inside.csv": "sub/inner.csv",                // followed
		"escape.csv":     "../secret.txt",                // outside
		"abs.csv":        filepath.Join(root, "ok.csv"),  // absolute, even inside
		"passwd.csv":     "/etc/passwd",                  // outside, absolute
		"zero.csv":       "/dev/zero",                    // a device, outside
		"dirlink":        filepath.Join(base, "outside"), // a folder outside
		"updir":          "../outside",                   // a folder outside, relative
		"loop.csv":       "loop.csv",                     // a loop
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.csv"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, ok := range []string{"ok.csv", "sub/inner.csv", "rel-inside.csv"} {
		f, err := d.Open(ok)
		if err != nil {
			t.Errorf("%s: %v", ok, err)
			continue
		}
		f.Close()
	}
	cases := []struct {
		rel  string
		want error
	}{
		{"escape.csv", ErrOutside}, {"abs.csv", ErrOutside}, {"passwd.csv", ErrOutside},
		{"zero.csv", ErrOutside}, {"dirlink/t.csv", ErrOutside}, {"updir/t.csv", ErrOutside},
		{"../secret.txt", ErrOutside}, {"/etc/passwd", ErrOutside},
		{"fifo.csv", ErrNotRegular}, {"sub", ErrNotRegular}, {"missing.csv", fs.ErrNotExist},
	}
	for _, c := range cases {
		within(t, "Open "+c.rel, func() {
			f, err := d.Open(c.rel)
			if err == nil {
				f.Close()
				t.Errorf("%s: opened", c.rel)
				return
			}
			if !errors.Is(err, c.want) {
				t.Errorf("%s: error %v, want %v", c.rel, err, c.want)
			}
			t.Logf("%s", err)
			if !strings.HasPrefix(err.Error(), c.rel+":") {
				t.Errorf("%s: error does not name the path: %v", c.rel, err)
			}
		})
	}
	if _, err := d.Open("loop.csv"); err == nil {
		t.Error("a symlink loop opened")
	}
	// The folder itself may be a symbolic link: it is resolved once.
	if err := os.Symlink(root, filepath.Join(base, "ds-link")); err != nil {
		t.Fatal(err)
	}
	f, err := Open(filepath.Join(base, "ds-link"), "ok.csv")
	if err != nil {
		t.Fatalf("dataset folder given as a symlink: %v", err)
	}
	f.Close()
	if _, err := OpenDir(filepath.Join(root, "ok.csv")); err == nil {
		t.Error("a file opened as a folder")
	}
}

func TestFIFOWithWriterIsStillRefused(t *testing.T) {
	// A FIFO with a writer attached would not block, but must still not be read.
	root := t.TempDir()
	p := filepath.Join(root, "t.csv")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(p, os.O_RDWR, 0) // O_RDWR does not block on Linux
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	within(t, "Open", func() {
		if _, err := Open(root, "t.csv"); !errors.Is(err, ErrNotRegular) {
			t.Errorf("FIFO: %v", err)
		}
	})
}

func TestReadAllBounds(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "m.yaml"), strings.Repeat("a", 100))
	d, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if b, err := d.ReadFile(context.Background(), "m.yaml", 100); err != nil || len(b) != 100 {
		t.Fatalf("exactly the bound: %d bytes, %v", len(b), err)
	}
	_, err = d.ReadFile(context.Background(), "m.yaml", 99)
	var le *LimitError
	if !errors.As(err, &le) || le.File != "m.yaml" {
		t.Fatalf("over the bound: %v", err)
	}
	// A stream with no size (a growing file) is cut while reading.
	_, err = ReadAll(context.Background(), io.LimitReader(zeros{}, 1<<20), "s", 1000)
	if !errors.As(err, &le) {
		t.Fatalf("stream over the bound: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadAll(ctx, zeros{}, "s", -1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// hugeCell streams a CSV whose second row holds one cell of n bytes, without ever
// holding it.
func hugeCell(n int64) io.Reader {
	return io.MultiReader(strings.NewReader("id,note\n1,"), io.LimitReader(repeat('x'), n), strings.NewReader("\n"))
}

type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
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

func TestCSVGuardStopsAHugeCellWithBoundedMemory(t *testing.T) {
	lim := CSVLimits{File: -1, Row: 1 << 20, Cell: 256 << 10}
	var err error
	alloc := allocated(func() {
		cr := csv.NewReader(NewCSVGuard(context.Background(), hugeCell(200<<20), "t.csv", lim))
		for err == nil {
			_, err = cr.Read()
		}
	})
	var le *LimitError
	if !errors.As(err, &le) || le.What != "cell" || le.Line != 2 || le.Field != 2 {
		t.Fatalf("200 MB cell: %v", err)
	}
	if alloc > 64<<20 {
		t.Fatalf("200 MB cell: %d MB allocated before the refusal", alloc>>20)
	}
	t.Logf("200 MB cell refused after %d KB allocated: %v", alloc>>10, err)
}

func TestCSVGuardCountsLikeCSV(t *testing.T) {
	in := "a,b\n\"x,\"\"y\"\"\nz\",2\n" + `"` + strings.Repeat("q", 20) + `",1` + "\n"
	lim := CSVLimits{File: -1, Row: 100, Cell: 22}
	recs, err := csv.NewReader(NewCSVGuard(context.Background(), strings.NewReader(in), "t", lim)).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "x,\"y\"\nz" {
		t.Fatalf("within bounds: %q %v", recs, err)
	}
	lim.Cell = 21
	_, err = csv.NewReader(NewCSVGuard(context.Background(), strings.NewReader(in), "t", lim)).ReadAll()
	var le *LimitError
	if !errors.As(err, &le) || le.Line != 4 || le.Field != 1 {
		t.Fatalf("cell of 22 bytes over 21: %v", err)
	}
	// A line without any line break or delimiter is stopped by the row bound.
	_, err = io.Copy(io.Discard, NewCSVGuard(context.Background(), repeat('x'), "t", CSVLimits{File: -1, Row: 1000}))
	if !errors.As(err, &le) || le.What != "row" {
		t.Fatalf("endless line: %v", err)
	}
	_, err = io.Copy(io.Discard, NewCSVGuard(context.Background(), strings.NewReader(strings.Repeat("a\n", 100)), "t", CSVLimits{File: 150}))
	if !errors.As(err, &le) || le.What != "file" || le.Line != 76 {
		t.Fatalf("file bound: %v", err)
	}
}

// bomb builds a zip with one part of n bytes of spaces, and returns it.
func bomb(t *testing.T, n int64) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, io.LimitReader(repeat(' '), n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckZip(t *testing.T) {
	lim := ZipLimits{Part: 64 << 20, Total: 128 << 20, Entries: 100, Ratio: 100, RatioFloor: 1 << 20}
	b := bomb(t, 32<<20) // 32 MB of whitespace in about 32 KB
	err := CheckZip(bytes.NewReader(b), int64(len(b)), "book.xlsx", lim)
	var le *LimitError
	if !errors.As(err, &le) || le.What != "ratio" || le.Part != "xl/worksheets/sheet1.xml" {
		t.Fatalf("whitespace bomb of %d bytes: %v", len(b), err)
	}
	lim.Ratio = 0
	lim.Part = 16 << 20
	if err := CheckZip(bytes.NewReader(b), int64(len(b)), "book.xlsx", lim); !errors.As(err, &le) || !strings.Contains(err.Error(), "book.xlsx: part xl/worksheets/sheet1.xml: part (uncompressed) is larger than 16777216 bytes") {
		t.Fatalf("part over its bound: %v", err)
	}
	if err := CheckZip(strings.NewReader("PK not really"), 13, "book.xlsx", lim); err == nil || !strings.Contains(err.Error(), "book.xlsx: not a zip") {
		t.Fatalf("not a zip: %v", err)
	}
	lim = ZipLimits{Part: 64 << 20, Small: 16 << 20, Large: func(p string) bool { return p == "xl/worksheets/sheet1.xml" }}
	if err := CheckZip(bytes.NewReader(b), int64(len(b)), "book.xlsx", lim); err != nil {
		t.Fatalf("a large part allowed large: %v", err)
	}
	lim.Large = func(string) bool { return false }
	if err := CheckZip(bytes.NewReader(b), int64(len(b)), "book.xlsx", lim); !errors.As(err, &le) || le.Limit != 16<<20 {
		t.Fatalf("a small part over its bound: %v", err)
	}
	lim = ZipLimits{Part: 64 << 20, Small: 64 << 20, SmallTotal: 16 << 20, Large: func(string) bool { return false }}
	if err := CheckZip(bytes.NewReader(b), int64(len(b)), "book.xlsx", lim); !errors.As(err, &le) || le.Limit != 16<<20 || !strings.Contains(err.Error(), "other than sheets") {
		t.Fatalf("small parts over their total: %v", err)
	}
	small := bomb(t, 1000)
	if err := CheckZip(bytes.NewReader(small), int64(len(small)), "book.xlsx", ZipLimits{Part: 1 << 20, Total: 1 << 20, Entries: 10, Ratio: 100, RatioFloor: 1 << 20}); err != nil {
		t.Fatalf("a small part: %v", err)
	}
}

// TestZipDeclaredSizeIsEnforced holds the assumption CheckZip rests on: a part that
// declares fewer bytes than it inflates to fails while it is read.
func TestZipDeclaredSizeIsEnforced(t *testing.T) {
	var payload, buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var comp bytes.Buffer
	{
		tmp := zip.NewWriter(&comp)
		w, _ := tmp.Create("p")
		io.Copy(w, io.LimitReader(repeat(' '), 10<<20))
		tmp.Close()
	}
	zr, err := zip.NewReader(bytes.NewReader(comp.Bytes()), int64(comp.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := zr.File[0].OpenRaw()
	io.Copy(&payload, raw)
	hdr := zr.File[0].FileHeader
	hdr.UncompressedSize64 = 1000 // the lie
	w, err := zw.CreateRaw(&hdr)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload.Bytes())
	zw.Close()
	if err := CheckZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "lie.xlsx", ZipLimits{Part: 1 << 20, Ratio: 100, RatioFloor: 1 << 20}); err != nil {
		t.Fatalf("declared sizes pass the check: %v", err)
	}
	zr, _ = zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	if err == nil || n > 1000 {
		t.Fatalf("a part inflating past its declared size read %d bytes, err %v", n, err)
	}
}

func TestDeviceInsideTheFolderIsRefused(t *testing.T) {
	root := t.TempDir()
	if err := syscall.Mknod(filepath.Join(root, "zero.csv"), syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
		t.Skipf("cannot make a device node here: %v", err)
	}
	within(t, "Open", func() {
		if _, err := Open(root, "zero.csv"); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "character device") {
			t.Errorf("device: %v", err)
		}
	})
}
