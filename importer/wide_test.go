package importer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestWideRowsAreRefused is a sibling of finding 6 of issue 12, found by the review: the
// loaders bound a sheet row to 256 cells, the importer did not. excelize returns 16,384
// cells for a row that reaches column XFD, so a 37 KB workbook of 3,000 such rows took
// `chainmap import --dry-run` to 6 GB and an out-of-memory crash, and a 60 MB CSV of
// 100,000 empty columns per row held 1 GB. A row wider than the bound (trailing blank
// cells aside) is reported and stops the file; the review workbook is read the same way.
func TestWideRowsAreRefused(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "企业名称")
	f.SetCellValue("Sheet1", "B1", "所属区县")
	f.SetCellValue("Sheet1", "A2", "甲公司")
	f.SetCellValue("Sheet1", "C2", "") // trailing blanks are no width
	f.SetCellValue("Sheet1", "A3", "乙公司")
	f.SetCellValue("Sheet1", "XFD3", "x")
	f.SetCellValue("Sheet1", "A4", "丙公司")
	wide := filepath.Join(dir, "wide.xlsx")
	if err := f.SaveAs(wide); err != nil {
		t.Fatal(err)
	}
	csvWide := writeFile(t, "wide.csv", []byte("企业名称,所属区县\n甲公司,,,,\n乙公司"+strings.Repeat(",", 300)+"x\n丙公司,B\n"))

	for _, path := range []string{wide, csvWide} {
		rep := &Report{}
		lists := ReadLists(t.Context(), []string{path}, ReadOptions{}, rep)
		got := problems(rep)
		if len(got) != 1 || !strings.Contains(got[0], ":3: row has ") || !strings.Contains(got[0], "more than the 256 allowed (reading stopped here)") {
			t.Errorf("%s: problems = %v", filepath.Base(path), got)
		}
		if len(lists) != 1 || len(lists[0].Records) != 1 {
			t.Errorf("%s: want the one row before the wide one, got %+v", filepath.Base(path), lists)
		}
	}

	r := excelize.NewFile()
	r.SetSheetName("Sheet1", reviewSheet)
	r.SetCellValue(reviewSheet, "A1", colDecision)
	r.SetCellValue(reviewSheet, "A2", "accept")
	r.SetCellValue(reviewSheet, "XFD2", "x")
	review := filepath.Join(dir, "review.xlsx")
	if err := r.SaveAs(review); err != nil {
		t.Fatal(err)
	}
	if _, err := readReview(review); err == nil || !strings.Contains(err.Error(), "review.xlsx[审核]:2: row has 16384 cells, more than the 256 allowed") {
		t.Errorf("review workbook with a row to XFD: err = %v", err)
	}
}
