package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The review sheet's columns a program reads by name (the web page's review table).
const (
	ReviewColID           = "id"
	ReviewColName         = "企业名称 name_zh"
	ReviewColRegion       = "区域 region"
	ReviewColProducts     = "产品 products"
	ReviewColSegment      = "建议环节 segment"
	ReviewColSegmentName  = "环节名称 segment name"
	ReviewColAlternatives = "备选环节 alternatives"
	ReviewColDecision     = "判定 decision"
	ReviewColScore        = "得分 score"
	ReviewColEvidence     = "证据 evidence"
	ReviewColRuledOut     = "排除 ruled out"
	ReviewColWritten      = "已写入 written"
	// ReviewColReview and ReviewColNote are the reviewer's columns.
	ReviewColReview = colDecision
	ReviewColNote   = colNote
)

// ReviewColumns returns the header of the review sheet.
func ReviewColumns() []string { return slices.Clone(reviewColumns) }

// ReviewTable returns the rows of the review sheet of an import, in ReviewColumns
// order: one per firm that had any evidence, placed or ruled out, the reviewer's two
// columns empty. WriteReview writes exactly these rows.
func ReviewTable(res *Result) [][]string {
	var out [][]string
	for _, r := range res.Rows {
		if r.Placement.Primary == "" && len(r.Placement.RuledOut) == 0 {
			continue
		}
		out = append(out, reviewRow(r, res.segmentNames))
	}
	return out
}

// SegmentChoice is a segment a reviewer may move a firm to.
type SegmentChoice struct {
	ID     string `json:"id"`
	NameZh string `json:"nameZh"`
}

// SegmentChoices lists the taxonomy's segments, as the review workbook's drop-down does.
func (res *Result) SegmentChoices() []SegmentChoice {
	out := make([]SegmentChoice, len(res.segments))
	for i, id := range res.segments {
		out[i] = SegmentChoice{ID: id, NameZh: res.segmentNames[id]}
	}
	return out
}

// Decision is a reviewer's decision on one review row, made somewhere other than the
// workbook (the web page): Row is the row as ReviewTable gave it (never as a client sent
// it back), Review the decision cell (accept / reject / a segment id, the same words the
// workbook takes), Note the reviewer's note, Line the row's number in problems.
type Decision struct {
	Line   int
	Row    []string
	Review string
	Note   string
}

// ApplyDecisions applies decisions to the dataset in dir exactly as ApplyReview applies
// a filled-in workbook (same words, same effects, same ledger, validated and restored on
// failure); label names the review in problems, as the workbook's path does.
func ApplyDecisions(ctx context.Context, decisions []Decision, label, dir, reviewer string, dryRun bool) (*ApplyResult, error) {
	rows := make([]reviewed, 0, len(decisions))
	for _, d := range decisions {
		if len(d.Row) != len(reviewColumns) {
			return nil, fmt.Errorf("%s: row %d has %d columns, not the %d of the review sheet", label, d.Line, len(d.Row), len(reviewColumns))
		}
		r := reviewed{line: d.Line, cols: map[string]string{}}
		for i, h := range reviewColumns {
			r.cols[h] = strings.TrimSpace(d.Row[i])
		}
		r.cols[colDecision] = strings.TrimSpace(d.Review)
		r.cols[colNote] = strings.TrimSpace(d.Note)
		rows = append(rows, r)
	}
	return applyReviewed(ctx, rows, label, dir, reviewer, dryRun)
}
