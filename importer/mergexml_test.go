package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestBlankWideRowsDoNotLoadTheSheet (found by the issue 12 review): rows whose far cell
// is a blank one at column XFD pass the row-width bound (trailing blanks are no width),
// but excelize's merged-cell reader built the whole sheet with every row filled out to
// XFD (1,000 such rows of a 17 KB workbook: 3.3 GB, 16 s; 3,000 ran out of memory). Merged
// ranges are now read from the sheet's XML as it streams, and still filled in.
func TestBlankWideRowsDoNotLoadTheSheet(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "企业名称")
	var base bytes.Buffer
	if err := f.Write(&base); err != nil {
		t.Fatal(err)
	}
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c><c r="B1" t="inlineStr"><is><t>所属区县</t></is></c></row>`)
	for r := 2; r <= 1000; r++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>公司%d</t></is></c><c r="B%d" t="inlineStr"><is><t>巩义市</t></is></c><c r="XFD%d"/></row>`, r, r, r, r, r)
	}
	sheet := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		rows.String() + `</sheetData><mergeCells count="2"><mergeCell ref="B2:B3"/><mergeCell ref="C1:XFD1"/></mergeCells></worksheet>`
	zr, err := zip.NewReader(bytes.NewReader(base.Bytes()), int64(base.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		w, _ := zw.Create(e.Name)
		if e.Name == "xl/worksheets/sheet1.xml" {
			w.Write([]byte(sheet))
			continue
		}
		rc, _ := e.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		w.Write(b.Bytes())
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "blank-wide.xlsx")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep := &Report{}
	lists := ReadLists(t.Context(), []string{path}, ReadOptions{}, rep)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("reading a %d-byte workbook allocated %d MB", out.Len(), alloc>>20)
	}
	if len(lists) != 1 || len(lists[0].Records) != 999 {
		t.Fatalf("want 999 rows read, got %d lists; problems %v", len(lists), problems(rep))
	}
	// The merged B2:B3 reads as a person sees it: 巩义市 in both rows.
	if got := lists[0].Records[1]; got.County != "巩义市" || got.Line != 3 {
		t.Errorf("line %d's merged county: %q, want 巩义市 on line 3", got.Line, got.County)
	}
}
