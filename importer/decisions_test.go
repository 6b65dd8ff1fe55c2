package importer

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/xuri/excelize/v2"
)

// TestApplyDecisionsEqualsWorkbook: the same decisions given through ApplyDecisions (the
// web page) and through a filled-in workbook (the command line) leave byte-identical
// datasets.
func TestApplyDecisionsEqualsWorkbook(t *testing.T) {
	ctx := context.Background()
	list := writeFile(t, "registry.csv", []byte(registryList))
	viaBook := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	viaWeb := neotest.CopyDataset(t, "../data/zhengzhou-aluminium")
	resBook, err := Import(ctx, []string{list}, viaBook, Options{})
	if err != nil {
		t.Fatal(err)
	}
	resWeb, err := Import(ctx, []string{list}, viaWeb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	foil := entityID(Record{Name: "巩义市示例铝箔有限公司"})
	branch := entityID(Record{Name: "巩义市示例铝箔有限公司郑州分公司"})
	steel := entityID(Record{Name: "河南示例钢结构工程有限公司"})
	want := map[string][2]string{foil: {"accept", "checked"}, branch: {"拒绝", "a sales office"}, steel: {"E2.structure", ""}, "yulian": {"maybe", ""}}

	review := filepath.Join(t.TempDir(), "review.xlsx")
	if _, err := WriteReview(review, resBook); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(review)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(reviewSheet)
	for i, r := range rows {
		if d, ok := want[r[0]]; ok {
			dc, _ := excelize.CoordinatesToCellName(slices.Index(reviewColumns, colDecision)+1, i+1)
			nc, _ := excelize.CoordinatesToCellName(slices.Index(reviewColumns, colNote)+1, i+1)
			f.SetCellValue(reviewSheet, dc, d[0])
			f.SetCellValue(reviewSheet, nc, d[1])
		}
	}
	if err := f.SaveAs(review); err != nil {
		t.Fatal(err)
	}
	arBook, err := ApplyReview(ctx, review, viaBook, "tester", false)
	if err != nil {
		t.Fatal(err)
	}

	var ds []Decision
	for i, r := range ReviewTable(resWeb) {
		if d, ok := want[r[0]]; ok {
			ds = append(ds, Decision{Line: i + 2, Row: r, Review: d[0], Note: d[1]})
		}
	}
	if len(ds) != 4 {
		t.Fatalf("%d of the 4 firms decided on are in the review table", len(ds))
	}
	arWeb, err := ApplyDecisions(ctx, ds, "review", viaWeb, "tester", false)
	if err != nil {
		t.Fatal(err)
	}
	if arWeb.Accepted != arBook.Accepted || arWeb.Rejected != arBook.Rejected || arWeb.Moved != arBook.Moved || arWeb.Accepted != 1 || arWeb.Moved != 1 {
		t.Errorf("applied web %+v, workbook %+v", arWeb, arBook)
	}
	if len(arWeb.Problems) != 1 || arWeb.Problems[0].File != "review[审核]" || arWeb.Problems[0].Line < 2 {
		t.Errorf("problems = %v", arWeb.Problems)
	}
	a, b := snapshot(t, viaBook), snapshot(t, viaWeb)
	if len(a) != len(b) {
		t.Errorf("files: workbook %d, web %d", len(a), len(b))
	}
	for name, v := range a {
		if b[name] != v {
			t.Errorf("%s differs between the workbook and the web decisions", name)
		}
	}

	if _, err := ApplyDecisions(ctx, []Decision{{Line: 2, Row: []string{"x"}, Review: "accept"}}, "review", viaWeb, "t", true); err == nil {
		t.Error("a row of the wrong width was accepted")
	}
}

func TestReviewColumnNames(t *testing.T) {
	for _, c := range []string{ReviewColID, ReviewColName, ReviewColRegion, ReviewColProducts, ReviewColSegment, ReviewColSegmentName,
		ReviewColAlternatives, ReviewColDecision, ReviewColScore, ReviewColEvidence, ReviewColRuledOut, ReviewColWritten, ReviewColReview, ReviewColNote} {
		if !slices.Contains(ReviewColumns(), c) {
			t.Errorf("%q is not a column of the review sheet", c)
		}
	}
}
