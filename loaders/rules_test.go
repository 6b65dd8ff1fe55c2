package loaders

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated section of docs/dataset-format.md")

const (
	docPath    = "../docs/dataset-format.md"
	rulesBegin = "<!-- rules:begin (generated from loaders/rules.go by `go test ./loaders -run TestFormatDocMatchesRules -update`; do not edit by hand) -->\n"
	rulesEnd   = "<!-- rules:end -->"
)

// TestFormatDocMatchesRules fails when the rule tables of the format documentation
// differ from the validator's own (loaders/rules.go), so the two cannot drift.
func TestFormatDocMatchesRules(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, rulesBegin), strings.Index(doc, rulesEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated rules section (%q … %q)", docPath, rulesBegin, rulesEnd)
	}
	got, want := doc[i+len(rulesBegin):j], "\n"+RulesMarkdown()+"\n"
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc[:i+len(rulesBegin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/dataset-format.md's rules differ from loaders/rules.go; run go test ./loaders -run TestFormatDocMatchesRules -update\n--- doc\n%s\n--- rules\n%s", got, want)
}

// row builds one raw row of a table from column → value pairs.
func row(cols ...string) *rawRow {
	r := &rawRow{file: "t.csv", line: 2, index: map[string]int{}}
	for i := 0; i+1 < len(cols); i += 2 {
		r.index[cols[i]] = len(r.values)
		r.values = append(r.values, cols[i+1])
	}
	return r
}

// TestRequiredWhenRulesApply checks each rule of the table on a row: refused without
// the column, accepted with it (and with `unknown` for a year).
func TestRequiredWhenRulesApply(t *testing.T) {
	for _, r := range RequiredWhenRules {
		when := "1"
		if r.Equals != "" {
			when = r.Equals
		}
		rep := &Report{}
		f := &fields{rep: rep, row: row(r.When, when), kind: r.Kind}
		f.checkRequiredWhen()
		if ps := problemsOn(rep, r.Column); len(ps) != 1 || !strings.Contains(ps[0].Msg, "is required when "+r.When) {
			t.Errorf("%s.%s without %s: %+v", r.Kind, r.Column, r.Column, rep.Problems)
		}
		given := "x"
		if strings.HasSuffix(r.Column, "_year") {
			given = UnknownYear
		}
		rep = &Report{}
		f = &fields{rep: rep, row: row(r.When, when, r.Column, given), kind: r.Kind}
		f.checkRequiredWhen()
		if strings.HasSuffix(r.Column, "_year") {
			if y := f.year(r.Column); y != nil {
				t.Errorf("%s.%s = unknown read as %d", r.Kind, r.Column, *y)
			}
		}
		if len(problemsOn(rep, r.Column)) != 0 {
			t.Errorf("%s.%s given as %q: %+v", r.Kind, r.Column, given, rep.Problems)
		}
	}
}

// TestFigureColumnsNeedSources checks that every figure column of the table, given
// alone without a source, is refused unless marked illustrative — thresholds included.
func TestFigureColumnsNeedSources(t *testing.T) {
	for k, cols := range FigureColumns {
		for _, c := range cols {
			rep := &Report{}
			f := &fields{rep: rep, row: row(c, "1"), kind: k}
			f.provenance(false)
			if len(rep.Problems) != 1 || rep.Problems[0].Field != "sources" {
				t.Errorf("%s.%s without a source: %+v", k, c, rep.Problems)
			}
			rep = &Report{}
			f = &fields{rep: rep, row: row(c, "1", "confidence", "illustrative"), kind: k}
			if f.provenance(false); len(rep.Problems) != 0 {
				t.Errorf("%s.%s illustrative: %+v", k, c, rep.Problems)
			}
		}
	}
}

// problemsOn lists the problems reported on one column.
func problemsOn(rep *Report, col string) []Problem {
	var out []Problem
	for _, p := range rep.Problems {
		if p.Field == col {
			out = append(out, p)
		}
	}
	return out
}

// TestOneOfRulesApply: a goal or indicator without region and park is refused on its
// first column; with either it passes.
func TestOneOfRulesApply(t *testing.T) {
	for _, r := range OneOfRules {
		rep := &Report{}
		(&fields{rep: rep, row: row("id", "x"), kind: r.Kind}).checkRequiredWhen()
		if ps := problemsOn(rep, r.Columns[0]); len(ps) != 1 || !strings.Contains(ps[0].Msg, r.Why) {
			t.Errorf("%s without %v: %+v", r.Kind, r.Columns, rep.Problems)
		}
		for _, c := range r.Columns {
			rep = &Report{}
			(&fields{rep: rep, row: row(c, "1"), kind: r.Kind}).checkRequiredWhen()
			if len(problemsOn(rep, r.Columns[0])) != 0 {
				t.Errorf("%s with %s: %+v", r.Kind, c, rep.Problems)
			}
		}
	}
}
