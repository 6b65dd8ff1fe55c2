package loaders_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/xuri/excelize/v2"
)

// workbookFromCSV writes the minimal dataset's tables as sheets of one XLSX workbook.
func workbookFromCSV(t *testing.T, dir string, skip map[string]bool) string {
	t.Helper()
	f := excelize.NewFile()
	files, _ := filepath.Glob(filepath.Join(minimal, "*.csv"))
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".csv")
		if skip[name] {
			continue
		}
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			vals := make([]any, len(r))
			for j, v := range r {
				vals[j] = v
			}
			if err := f.SetSheetRow(name, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.DeleteSheet("Sheet1")
	out := filepath.Join(dir, "data.xlsx")
	if err := f.SaveAs(out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestXLSXWorkbookLoadsLikeCSV(t *testing.T) {
	dir := t.TempDir()
	workbookFromCSV(t, dir, nil)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("format: chainmap-dataset/1\nid: minimal\nfocus:\n  chain: widget\n  region: \"110100\"\nworkbook: data.xlsx\n"), 0o644)
	fromXLSX, fromCSV := memstore.New(), memstore.New()
	if _, err := loaders.Load(context.Background(), dir, fromXLSX, loaders.Options{}); err != nil {
		t.Fatalf("load workbook: %v", err)
	}
	if _, err := loaders.Load(context.Background(), minimal, fromCSV, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	a, _ := fromXLSX.Counts(context.Background())
	b, _ := fromCSV.Counts(context.Background())
	if !reflect.DeepEqual(a, b) {
		t.Errorf("workbook counts %v, CSV counts %v", a, b)
	}
}

func TestXLSXProblemsNameTheSheet(t *testing.T) {
	dir := t.TempDir()
	workbookFromCSV(t, dir, nil)
	// A table both as a file and as a sheet is refused; a bad cell names sheet and row.
	copyInto(t, filepath.Join(minimal, "technologies.csv"), filepath.Join(dir, "technologies.csv"))
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte("format: chainmap-dataset/1\nid: minimal\nworkbook: data.xlsx\ntables:\n  technologies: technologies.csv\n"), 0o644)
	f, err := excelize.OpenFile(filepath.Join(dir, "data.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("operations", "D2", "-50")
	f.Save()
	f.Close()
	rep, err := loaders.Validate(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, p := range rep.Problems {
		all = append(all, p.String())
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{`data.xlsx: technologies: sheet "technologies" duplicates table technologies.csv`,
		"data.xlsx[operations]:2: capacity: must not be negative"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in:\n%s", want, joined)
		}
	}
}

func copyInto(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
