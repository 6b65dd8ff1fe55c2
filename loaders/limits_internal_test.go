package loaders

import (
	"context"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

func TestReportTextIsBounded(t *testing.T) {
	rep := &Report{}
	long := strings.Repeat("x", 4096)
	for range MaxProblems {
		rep.add(long, 1, long, "%s and %s", text(long), long)
	}
	total := 0
	for _, p := range rep.Problems {
		total += len(p.String())
		if len(p.File) > 3*maxEcho+3 || len(p.Field) > 3*maxEcho+3 || len(p.Msg) > maxMessage+3 {
			t.Fatalf("problem not clipped: file %d, field %d, message %d bytes", len(p.File), len(p.Field), len(p.Msg))
		}
	}
	if total > maxReportBytes+2*maxMessage || rep.Dropped == 0 || rep.OK() {
		t.Errorf("report of %d problems, %d bytes, %d dropped", len(rep.Problems), total, rep.Dropped)
	}
}

func TestClip(t *testing.T) {
	for in, want := range map[string]string{
		"short":                        "short",
		strings.Repeat("é", maxEcho):   strings.Repeat("é", maxEcho),
		strings.Repeat("链", maxEcho+1): strings.Repeat("链", maxEcho) + "…",
	} {
		if got := clip(in); got != want {
			t.Errorf("clip(%d bytes) = %d bytes %q…", len(in), len(got), got[:min(len(got), 12)])
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"企业 enterprises.csv": "企业 enterprises.csv",
		"a\nb.csv":           `a\nb.csv`,
		"\x1b[31mred":        `\x1b[31mred`,
		"txt\u202Egpj.csv":   `txt\u202egpj.csv`,
		"bad\xffbyte":        `bad\xffbyte`,
		"real \uFFFD stays":  "real \uFFFD stays",
		"tab\there":          `tab\there`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRowBoundAdmitsANationalRegistry: a table may hold the operations of a registry of
// 20M enterprises at up to two operations each (`chainmap gen` makes 1-2; the 10M tier's
// operations.csv has 14.7M rows and was refused by the former bound of 10M rows).
func TestRowBoundAdmitsANationalRegistry(t *testing.T) {
	if need := 2 * 20_000_000; maxRows < need {
		t.Errorf("a table holds at most %d rows; 20M enterprises with two operations each need %d", maxRows, need)
	}
}

func TestTableRowsAreBounded(t *testing.T) {
	defer func(n int) { maxRows = n }(maxRows)
	maxRows = 3
	rep, err := Validate(context.Background(), "../testdata/minimal")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range rep.Problems {
		if p.File == "enterprises.csv" && p.Line == 5 && strings.Contains(p.Msg, "table has more than 3 rows (reading stopped here)") {
			found = true
		}
	}
	if !found || rep.Rows[chainmap.KindEnterprises] != 3 {
		t.Errorf("rows of enterprises: %d, problems %v", rep.Rows[chainmap.KindEnterprises], rep.Problems)
	}
}
