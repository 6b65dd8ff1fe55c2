package importer

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkImportList reads, resolves, locates and places a synthetic registry list of
// 100,000 invented firms (chainmap gen --list-out) against the Zhengzhou dataset, without
// writing, and reports rows/s and the process's peak RSS (VmHWM, which includes the test
// binary and everything before; the CLI figure in docs/import.md is cleaner). Run:
// go test ./importer -run XXX -bench ImportList -benchtime 1x
func BenchmarkImportList(b *testing.B) {
	const rows = 100_000
	p := filepath.Join(b.TempDir(), "list.csv")
	var buf bytes.Buffer
	if err := WriteSyntheticList(&buf, rows, 1); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	ds, err := OpenDataset(b.Context(), "../data/zhengzhou-aluminium")
	if err != nil {
		b.Fatal(err)
	}
	cl := NewClassifier(ds.Segments)
	b.ResetTimer()
	for b.Loop() {
		rep := &Report{}
		lists := ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
		ents := Resolve(lists, ds.Enterprises, rep)
		Locate(ents, ds, rep)
		for _, e := range ents {
			cl.Place(e.Rec)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/1024, "peakRSS-MiB")
	}
}

// vmHWM returns the process's peak resident set size in KiB, from /proc (0 elsewhere).
func vmHWM() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
