package importer

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/xuri/excelize/v2"
)

// TestReviewRoundTrip: import, write the review workbook, decide in it as a person would
// in Excel, apply, and import again.
func TestReviewRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	list := writeFile(t, "registry.csv", []byte(registryList))
	res, err := Import(ctx, []string{list}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	review := filepath.Join(t.TempDir(), "review.xlsx")
	if _, err := WriteReview(review, res); err != nil {
		t.Fatal(err)
	}
	foil := entityID(Record{Name: "巩义市示例铝箔有限公司"})
	branch := entityID(Record{Name: "巩义市示例铝箔有限公司郑州分公司"})
	steel := entityID(Record{Name: "河南示例钢结构工程有限公司"})

	f, err := excelize.OpenFile(review)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(reviewSheet)
	decide := func(id, decision, note string) {
		t.Helper()
		i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == id })
		if i < 0 {
			t.Fatalf("no review row for %s; rows: %v", id, rows)
		}
		dc, _ := excelize.CoordinatesToCellName(slices.Index(reviewColumns, colDecision)+1, i+1)
		nc, _ := excelize.CoordinatesToCellName(slices.Index(reviewColumns, colNote)+1, i+1)
		f.SetCellValue(reviewSheet, dc, decision)
		f.SetCellValue(reviewSheet, nc, note)
	}
	decide(foil, "接受", "checked on the firm's site")
	decide(branch, "reject", "a sales office")
	decide(steel, "E2.structure", "also builds aluminium structures")
	decide("yulian", "maybe", "")
	if err := f.SaveAs(review); err != nil {
		t.Fatal(err)
	}

	ar, err := ApplyReview(ctx, review, dir, "tester", false)
	if err != nil {
		t.Fatal(err)
	}
	if ar.Accepted != 1 || ar.Rejected != 1 || ar.Moved != 1 {
		t.Errorf("applied %+v", ar)
	}
	want := review + "[审核]:" // the bad decision is reported with its row
	if len(ar.Problems) != 1 || !strings.HasPrefix(ar.Problems[0].String(), want) ||
		!strings.HasSuffix(ar.Problems[0].String(), `: 审核 review (accept / reject / 环节编号): "maybe" is neither accept, reject nor a segment id of the taxonomy`) {
		t.Errorf("problems = %v", ar.Problems)
	}
	s := snapshot(t, dir)
	ops := s["operations.csv"]
	if !containsLine(ops, foil+",M1b,", ",verified,", "reviewed by tester: checked on the firm's site") {
		t.Errorf("accepted placement not verified:\n%s", lastLines(ops, 3))
	}
	if strings.Contains(ops, branch) || strings.Contains(s["enterprises.csv"], branch) {
		t.Error("rejected placement (and the enterprise only it held) still in the dataset")
	}
	if !containsLine(ops, steel+",E2.structure,", ",verified,") || !strings.Contains(s["enterprises.csv"], steel+",河南示例钢结构工程有限公司,") {
		t.Errorf("the reviewer's own segment was not applied:\n%s", lastLines(ops, 3))
	}
	if !strings.Contains(s[LedgerFile], branch+",M1b,reject,tester,a sales office") {
		t.Errorf("ledger:\n%s", s[LedgerFile])
	}

	// Importing the same list again suggests nothing the reviewer decided.
	_, err = Import(ctx, []string{list}, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := changed(s, snapshot(t, dir)); len(c) != 0 {
		t.Errorf("re-import after review changed %v", c)
	}
	// Applying the same review again changes nothing.
	ar, err = ApplyReview(ctx, review, dir, "tester", false)
	if err != nil {
		t.Fatal(err)
	}
	if c := changed(s, snapshot(t, dir)); len(c) != 0 || ar.Accepted+ar.Rejected+ar.Moved != 0 || ar.Unchanged != 3 {
		t.Errorf("applying the review twice changed %v (%+v)", c, ar)
	}
}

func containsLine(text string, parts ...string) bool {
	for _, l := range strings.Split(text, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}
