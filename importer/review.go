package importer

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chainmap/chainmap/loaders"
	"github.com/xuri/excelize/v2"
)

// The review workbook: one sheet of placements and one listing the segments.
const (
	reviewSheet   = "审核"
	segmentsSheet = "环节"
	colDecision   = "审核 review (accept / reject / 环节编号)"
	colNote       = "审核意见 note"
)

// reviewColumns are the columns of the review sheet; the enterprise fields are there so
// that accepting a firm the importer did not place can add it.
var reviewColumns = []string{"id", "企业名称 name_zh", "统一社会信用代码 credit_code", "区域 region", "园区 park",
	"上级企业 parent", "营业收入（亿元） revenue", "收入年份 revenue_year", "状态 status", "来源 sources", "企业备注 enterprise note",
	"产品 products", "建议环节 segment", "环节名称 segment name", "备选环节 alternatives", "判定 decision", "得分 score",
	"证据 evidence", "排除 ruled out", "已写入 written", colDecision, colNote}

// enterpriseColumns maps review columns back to enterprises.csv columns.
var enterpriseColumns = map[string]string{"id": "id", "企业名称 name_zh": "name_zh", "统一社会信用代码 credit_code": "credit_code",
	"区域 region": "region", "园区 park": "park", "上级企业 parent": "parent", "营业收入（亿元） revenue": "revenue",
	"收入年份 revenue_year": "revenue_year", "状态 status": "status", "来源 sources": "sources", "企业备注 enterprise note": "note"}

// WriteReview writes the review workbook of an import from its rows: one row per firm
// that had any evidence, placed or not, with an empty decision column for the reviewer.
// It returns the number of rows written. (An import given Options.ReviewPath writes the
// workbook as it places, without holding the rows.)
func WriteReview(path string, res *Result) (int, error) {
	rw, err := newReviewWriter(res.segments, res.segmentNames)
	if err != nil {
		return 0, err
	}
	defer rw.f.Close()
	for _, r := range res.Rows {
		if err := rw.add(r); err != nil {
			return 0, err
		}
	}
	return rw.save(path)
}

// reviewWriter streams the review sheet (excelize's stream writer keeps rows past a
// small buffer in a temporary file), so a review of a million firms is not held.
type reviewWriter struct {
	f        *excelize.File
	sw       *excelize.StreamWriter
	n        int
	segments []string
	names    map[string]string
}

func newReviewWriter(segments []string, names map[string]string) (*reviewWriter, error) {
	f := excelize.NewFile()
	rw := &reviewWriter{f: f, segments: segments, names: names}
	f.SetSheetName("Sheet1", reviewSheet)
	writeSegmentsSheet(f, segments, names)
	// The decision column's drop-down covers the whole column: the number of rows is not
	// known until the last firm is placed, and a stream writer keeps what the sheet had.
	col, _ := excelize.ColumnNumberToName(slices.Index(reviewColumns, colDecision) + 1)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows)
	dv.SetSqrefDropList(fmt.Sprintf("'%s'!$A$2:$A$%d", segmentsSheet, len(segments)+3))
	if err := f.AddDataValidation(reviewSheet, dv); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(reviewSheet)
	if err == nil {
		err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	if err == nil {
		err = sw.SetColWidth(18, 19, 60)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	rw.sw = sw
	return rw, rw.row(reviewColumns)
}

func (rw *reviewWriter) row(vals []string) error {
	rw.n++
	cell, _ := excelize.CoordinatesToCellName(1, rw.n)
	row := make([]any, len(vals))
	for i, v := range vals {
		row[i] = v
	}
	return rw.sw.SetRow(cell, row)
}

// add writes the row of a firm that had evidence; others are not for review.
func (rw *reviewWriter) add(r Row) error {
	if r.Placement.Primary == "" && len(r.Placement.RuledOut) == 0 {
		return nil
	}
	return rw.row(reviewRow(r, rw.names))
}

// save writes the workbook and returns the number of firms in it.
func (rw *reviewWriter) save(path string) (int, error) {
	if err := rw.sw.Flush(); err != nil {
		return 0, err
	}
	return rw.n - 1, rw.f.SaveAs(path)
}

func setRow(f *excelize.File, sheet string, n int, vals []string) {
	cell, _ := excelize.CoordinatesToCellName(1, n)
	row := make([]any, len(vals))
	for i, v := range vals {
		row[i] = v
	}
	f.SetSheetRow(sheet, cell, &row)
}

func reviewRow(r Row, names map[string]string) []string {
	p, e := r.Placement, r.Enterprise
	written := "no"
	if r.Written {
		written = "yes"
	} else if r.Skipped != "" {
		written = "no: " + r.Skipped
	}
	return []string{e["id"], e["name_zh"], e["credit_code"], e["region"], e["park"], e["parent"], e["revenue"],
		e["revenue_year"], e["status"], e["sources"], e["note"], strings.Join(r.Entity.Rec.Products, ";"),
		p.Primary, names[p.Primary], strings.Join(p.Alternatives, ";"), p.Decision, strconv.Itoa(p.Score), p.EvidenceText(),
		strings.Join(p.RuledOut, "; "), written, "", ""}
}

func writeSegmentsSheet(f *excelize.File, segments []string, names map[string]string) {
	f.NewSheet(segmentsSheet)
	setRow(f, segmentsSheet, 1, []string{"环节编号 / decision", "环节名称"})
	setRow(f, segmentsSheet, 2, []string{"accept", "接受建议环节"})
	setRow(f, segmentsSheet, 3, []string{"reject", "不在链上 / 建议有误"})
	for i, id := range segments {
		setRow(f, segmentsSheet, i+4, []string{id, names[id]})
	}
}

// ApplyResult counts what a review changed.
type ApplyResult struct {
	Problems                             []loaders.Problem
	Accepted, Rejected, Moved, Unchanged int
}

// ApplyReview applies the decisions of a filled-in review workbook to the dataset in
// dir: accept makes the suggested operation verified (adding the firm if the importer
// had not placed it), reject removes it, a segment id moves it there, verified. Every
// decision is kept in the ledger so a later import does not suggest a rejected
// placement again. A bad decision cell is reported and the others still applied.
func ApplyReview(ctx context.Context, path, dir, reviewer string, dryRun bool) (*ApplyResult, error) {
	rows, err := readReview(path)
	if err != nil {
		return nil, err
	}
	return applyReviewed(ctx, rows, path, dir, reviewer, dryRun)
}

// applyReviewed applies reviewed rows (from a workbook, or from the web page through
// ApplyDecisions) to the dataset in dir; path names the review in problems.
func applyReviewed(ctx context.Context, rows []reviewed, path, dir, reviewer string, dryRun bool) (*ApplyResult, error) {
	ds, err := OpenDataset(ctx, dir)
	if err != nil {
		return nil, err
	}
	tabs, err := openTables(ds)
	if err != nil {
		return nil, err
	}
	res := &ApplyResult{}
	for _, r := range rows {
		tabs.applyOne(r, reviewer, res, path)
	}
	if dryRun {
		return res, nil
	}
	return res, tabs.commit(ctx, dir)
}

// reviewed is one row of a filled-in review sheet.
type reviewed struct {
	line int
	cols map[string]string
}

func readReview(path string) ([]reviewed, error) {
	raw, err := readBounded(context.Background(), path, DefaultLimits)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: DefaultLimits.UnzipBytes, UnzipXMLSizeLimit: DefaultLimits.UnzipXMLBytes})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	grid, err := reviewRows(f, path)
	if err != nil {
		return nil, err
	}
	if len(grid) == 0 || slices.Index(grid[0], colDecision) < 0 {
		return nil, fmt.Errorf("%s[%s]:1: the header has no %q column", path, reviewSheet, colDecision)
	}
	var out []reviewed
	for i, rec := range grid[1:] {
		r := reviewed{line: i + 2, cols: map[string]string{}}
		for j, h := range grid[0] {
			if j < len(rec) {
				r.cols[h] = strings.TrimSpace(rec[j])
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// reviewRows reads the review sheet row by row within DefaultLimits: the workbook comes
// back from whoever edited it, and excelize's GetRows would hold every row at its widest
// (16,384 cells for a row reaching column XFD) before anything could check it.
func reviewRows(f *excelize.File, path string) ([][]string, error) {
	rows, err := f.Rows(reviewSheet)
	if err != nil {
		return nil, fmt.Errorf("%s: no sheet %q: is this a review workbook written by chainmap import --review?", path, reviewSheet)
	}
	defer rows.Close()
	var grid [][]string
	for n := 1; rows.Next(); n++ {
		rec, err := rows.Columns()
		if err != nil {
			return nil, fmt.Errorf("%s[%s]:%d: %w", path, reviewSheet, n, err)
		}
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		if len(rec) > DefaultLimits.Columns {
			return nil, fmt.Errorf("%s[%s]:%d: row has %d cells, more than the %d allowed", path, reviewSheet, n, len(rec), DefaultLimits.Columns)
		}
		if n > DefaultLimits.Rows {
			return nil, fmt.Errorf("%s[%s]: more than %d rows", path, reviewSheet, DefaultLimits.Rows)
		}
		grid = append(grid, rec)
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%s[%s]: %w", path, reviewSheet, err)
	}
	return grid, nil
}

var (
	acceptWords = []string{"accept", "accepted", "yes", "y", "ok", "是", "通过", "同意", "接受", "√", "✓"}
	rejectWords = []string{"reject", "rejected", "no", "n", "否", "不通过", "拒绝", "驳回", "×", "✗"}
)

func (t *tables) applyOne(r reviewed, reviewer string, res *ApplyResult, path string) {
	d := r.cols[colDecision]
	if d == "" {
		res.Unchanged++
		return
	}
	fail := func(col, format string, args ...any) {
		res.Problems = append(res.Problems, loaders.Problem{File: path + "[" + reviewSheet + "]", Line: r.line, Field: col, Msg: fmt.Sprintf(format, args...)})
	}
	ent, seg, note := r.cols["id"], r.cols["建议环节 segment"], r.cols[colNote]
	if ent == "" {
		fail("id", "is empty: the row cannot be applied")
		return
	}
	who := reviewer
	if who == "" {
		who = "reviewer"
	}
	switch low := strings.ToLower(d); {
	case slices.Contains(acceptWords, low):
		if seg == "" {
			fail(colDecision, "accept, but no segment was suggested: write the segment id instead")
			return
		}
		count(&res.Accepted, res, t.verify(r, ent, seg, who, note))
	case slices.Contains(rejectWords, low):
		count(&res.Rejected, res, t.reject(ent, seg, who, note))
	case t.segs[d].ID != "":
		if d == seg {
			count(&res.Accepted, res, t.verify(r, ent, seg, who, note))
			return
		}
		moved := false
		if seg != "" {
			moved = t.reject(ent, seg, who, "moved to "+d+"; "+note)
		}
		moved = t.verify(r, ent, d, who, note) || moved
		count(&res.Moved, res, moved)
	default:
		fail(colDecision, "%q is neither accept, reject nor a segment id of the taxonomy", d)
	}
}

// count adds one to n when the decision changed the dataset, else to Unchanged.
func count(n *int, res *ApplyResult, changed bool) {
	if changed {
		*n++
	} else {
		res.Unchanged++
	}
}

// verify makes the operation (ent, seg) verified with the reviewer's note, adding the
// enterprise and the operation when the import had not written them.
func (t *tables) verify(r reviewed, ent, seg, who, note string) bool {
	changed := t.ledger.record(ent, seg, "accept", who, note)
	if t.ent.find(map[string]string{"id": ent}) < 0 {
		vals := map[string]string{}
		for rc, ec := range enterpriseColumns {
			vals[ec] = r.cols[rc]
		}
		if t.ent.find(map[string]string{"id": vals["parent"]}) < 0 {
			vals["parent"] = ""
		}
		t.ent.add(vals)
	}
	i := t.ops.find(map[string]string{"enterprise": ent, "segment": seg})
	if i < 0 {
		t.ops.add(map[string]string{"enterprise": ent, "segment": seg, "role": "producer", "products": r.cols["产品 products"],
			"evidence": r.cols["证据 evidence"], "sources": r.cols["来源 sources"], "verification": "suggested"})
		i = len(t.ops.rows) - 1
	}
	if t.ops.get(i, "verification") == "verified" {
		return changed
	}
	t.ops.set(i, "verification", "verified")
	t.ops.set(i, "confidence", "sourced")
	reviewNote := "reviewed by " + who
	if note != "" {
		reviewNote += ": " + note
	}
	t.ops.set(i, "note", strings.TrimPrefix(t.ops.get(i, "note")+"; "+reviewNote, "; "))
	return true
}

// reject removes a suggested operation, and the enterprise the import added for it when
// nothing else holds it.
func (t *tables) reject(ent, seg, who, note string) bool {
	changed := t.ledger.record(ent, seg, "reject", who, note)
	i := t.ops.find(map[string]string{"enterprise": ent, "segment": seg})
	if i < 0 || t.ops.get(i, "verification") != "suggested" {
		return changed
	}
	t.ops.remove(i)
	t.dropOrphan(ent)
	return true
}

// dropOrphan removes an enterprise that only the import added (all its sources are
// imported lists), once it has no operation left and no enterprise names it as parent.
func (t *tables) dropOrphan(ent string) {
	if t.ops.find(map[string]string{"enterprise": ent}) >= 0 || t.ent.find(map[string]string{"parent": ent}) >= 0 {
		return
	}
	i := t.ent.find(map[string]string{"id": ent})
	if i < 0 {
		return
	}
	for _, s := range strings.Split(t.ent.get(i, "sources"), ";") {
		if !strings.HasPrefix(s, "IMPORT-") {
			return
		}
	}
	t.ent.remove(i)
}
