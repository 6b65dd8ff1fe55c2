package importer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestSpillRoundTrip(t *testing.T) {
	sp, err := newSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	recs := []Record{
		{File: "a.csv", Line: 7, Source: "IMPORT-1", Name: "示例铝业有限公司", CreditCode: "91410181MA40AAA1X", Products: []string{"铝板", "铝带"}, RevenueYear: 2024, Revenue: "1.2"},
		{},
		{Name: strings.Repeat("长", 5000), Scope: "铝箔生产", Employees: "12"},
	}
	for i := range recs {
		if got := sp.put(&recs[i]); got != int32(i) {
			t.Fatalf("put %d returned %d", i, got)
		}
	}
	for i := len(recs) - 1; i >= 0; i-- {
		got, err := sp.get(int32(i))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, recs[i]) {
			t.Errorf("record %d: got %+v, want %+v", i, got, recs[i])
		}
	}
	if _, err := decodeRecord([]byte{0x05, 0x01, 0xff}); err == nil {
		t.Error("a truncated record decoded without an error")
	}
}

// A key whose 64-bit hash another key already holds is still found exactly: resolution
// never merges two firms because their hashes collide.
func TestResolverHashCollision(t *testing.T) {
	rep := &Report{}
	rs, err := newResolver(nil, rep, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.close()
	rs.add(Record{File: "a.csv", Line: 2, Name: "甲铝业有限公司"})
	// Pretend 乙's name hashes like 甲's: its slot is taken by entity 0.
	rs.byName[keyHash("n", nameKey("乙铝业有限公司"))] = keyRef{0, 0}
	rs.add(Record{File: "a.csv", Line: 3, Name: "乙铝业有限公司"})
	rs.add(Record{File: "a.csv", Line: 4, Name: "乙铝业有限公司", County: "巩义市"})
	if len(rs.ents) != 2 {
		t.Fatalf("%d entities, want 2 (甲, 乙)", len(rs.ents))
	}
	if len(rep.Merges) != 1 || !strings.Contains(rep.Merges[0], "a.csv:4 乙铝业有限公司 = a.csv:3 乙铝业有限公司") {
		t.Errorf("merges %q, want line 4 merged with line 3 only", rep.Merges)
	}
	if e := rs.entity(1); e.Rec.County != "巩义市" || len(e.Rows) != 2 {
		t.Errorf("乙 = %+v with %d rows", e.Rec, len(e.Rows))
	}
}

// The CSV is read in two passes of 64 KiB chunks: a character cut by a chunk's end is
// still UTF-8, and a GBK file is still detected and decoded.
func TestCSVStreamEncoding(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	b.WriteString("企业名称,经营范围\n")
	for b.Len() < 3<<16 {
		b.WriteString("巩义示例铝业有限公司,铝板生产\n")
	}
	utf := filepath.Join(dir, "utf8.csv")
	os.WriteFile(utf, b.Bytes(), 0o644)
	gbkBytes, err := simplifiedchinese.GBK.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	gbk := filepath.Join(dir, "gbk.csv")
	os.WriteFile(gbk, gbkBytes, 0o644)
	want := strings.Count(b.String(), "\n") - 1
	for _, p := range []string{utf, gbk} {
		rep := &Report{}
		lists := ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
		if len(lists) != 1 || len(lists[0].Records) != want || lists[0].Records[want-1].Name != "巩义示例铝业有限公司" {
			t.Fatalf("%s: %d lists, problems %v", p, len(lists), rep.Problems)
		}
		decoded := strings.Contains(strings.Join(rep.Notes, "\n"), "decoded as GBK")
		if decoded != (p == gbk) {
			t.Errorf("%s: notes %q", p, rep.Notes)
		}
		if !rep.OK() {
			t.Errorf("%s: problems %v", p, rep.Problems)
		}
	}
}

// A workbook's rows past those held to find the header are streamed, and a merged range
// down there is still filled from its top-left cell.
func TestXLSXMergedRangeFarDown(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"企业名称", "所属区县"})
	for r := 2; r <= 100; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		f.SetSheetRow("Sheet1", cell, &[]any{fmt.Sprintf("示例%d铝业有限公司", r), "荥阳市"})
	}
	f.SetCellValue("Sheet1", "B80", "巩义市")
	f.SetCellValue("Sheet1", "B81", "")
	f.MergeCell("Sheet1", "B80", "B81")
	path := filepath.Join(t.TempDir(), "far.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	rep := &Report{}
	lists := ReadLists(context.Background(), []string{path}, ReadOptions{}, rep)
	if len(lists) != 1 || len(lists[0].Records) != 99 {
		t.Fatalf("%d lists; problems %v", len(lists), rep.Problems)
	}
	for _, r := range lists[0].Records {
		want := "荥阳市"
		if r.Line == 80 || r.Line == 81 {
			want = "巩义市"
		}
		if r.County != want {
			t.Errorf("line %d: county %q, want %q", r.Line, r.County, want)
		}
	}
}

// A firm on many rows costs a few reads of the spill per row, not one per row merged
// before it. Here one code comes with a new name on each of n rows, then the last name
// alone n times: checking a name against every record of its entity took n² reads.
func TestResolveRepeatedRowsReadsLinearly(t *testing.T) {
	rep := &Report{}
	rs, err := newResolver(nil, rep, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.close()
	const n = 1000
	code := composeCreditCode("91410181", "MA40AAA1")
	for i := range n {
		rs.add(Record{File: "a.csv", Line: i + 2, Name: fmt.Sprintf("示例%d铝业有限公司", i), CreditCode: code})
	}
	for i := range n {
		rs.add(Record{File: "b.csv", Line: i + 2, Name: fmt.Sprintf("示例%d铝业有限公司", n-1)})
	}
	if len(rs.ents) != 1 || len(rep.Merges) != 2*n-1 {
		t.Fatalf("%d entities, %d merges", len(rs.ents), len(rep.Merges))
	}
	if rs.sp.reads > 20*n {
		t.Errorf("%d reads of the spill for %d rows", rs.sp.reads, 2*n)
	}
}

// A CSV changed between the pass that hashes it and the pass that reads its rows is
// reported, so a list still being written is not taken for the one its source id names.
func TestCSVChangedWhileReadIsReported(t *testing.T) {
	var b strings.Builder
	b.WriteString("企业名称,经营范围\n")
	for i := range 100 {
		fmt.Fprintf(&b, "示例%d铝业有限公司,铝板生产\n", i)
	}
	p := filepath.Join(t.TempDir(), "growing.csv")
	os.WriteFile(p, []byte(b.String()), 0o644)
	rep := &Report{}
	g, _ := readCSVStream(context.Background(), p, DefaultLimits, rep)
	if g == nil || g.more == nil {
		t.Fatalf("grid %v, problems %v", g, rep.Problems)
	}
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("示例追加铝业有限公司,铝板生产\n")
	f.Close()
	for {
		if _, _, ok := g.more(); !ok {
			break
		}
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Msg, "the file changed while it was being read") {
		t.Errorf("problems %v", rep.Problems)
	}
	// Unchanged, the same file reads without a problem.
	rep = &Report{}
	ReadLists(context.Background(), []string{p}, ReadOptions{}, rep)
	if !rep.OK() {
		t.Errorf("unchanged file: %v", rep.Problems)
	}
}
