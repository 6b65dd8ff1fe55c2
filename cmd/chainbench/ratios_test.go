package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ratioRun(city, province float64) *Results {
	return &Results{Machine: Machine{Date: "d", Commit: "c"}, Tiers: []*TierResult{{Tier: "10k",
		Neo4j: &StoreResult{Ratio: map[string]float64{"gap-city": city, "gap-province": province}}}}}
}

// TestCompareRatios: a ratio more than the factor times the committed one is worse, one
// below it (or better) is fine, a question not measured is worse, and a tier the run did
// not measure is skipped.
func TestCompareRatios(t *testing.T) {
	committed := RatioFile{Ratios: map[string]map[string]float64{
		"10k":  {"gap-city": 2.0, "gap-province": 1.5},
		"100k": {"gap-city": 1.0},
	}}
	checks := compareRatios(committed, ratiosOf(ratioRun(4.5, 2.9)), 2)
	if len(checks) != 2 {
		t.Fatalf("want the two 10k questions compared (100k was not run), got %v", checks)
	}
	byQ := map[string]RatioCheck{}
	for _, c := range checks {
		byQ[c.Question] = c
	}
	if c := byQ["gap-city"]; !c.Worse || c.Current != 4.5 || c.Committed != 2.0 {
		t.Errorf("city 4.5× against 2.0× should be worse: %+v", c)
	}
	if c := byQ["gap-province"]; c.Worse {
		t.Errorf("province 2.9× against 1.5× is within 2×: %+v", c)
	}
	if s := byQ["gap-city"].String(); !strings.Contains(s, "4.50×") || !strings.Contains(s, "2.00×") || !strings.Contains(s, "WORSE") {
		t.Errorf("the message must print both ratios and the verdict: %q", s)
	}
	// Faster than committed is always fine; not measured is not.
	checks = compareRatios(committed, ratiosOf(ratioRun(0.5, 0)), 2)
	for _, c := range checks {
		if c.Question == "gap-city" && c.Worse {
			t.Errorf("a better ratio failed: %+v", c)
		}
		if c.Question == "gap-province" && (!c.Worse || !strings.Contains(c.String(), "not measured")) {
			t.Errorf("a question not measured must fail the guard: %+v %s", c, c)
		}
	}
}

// TestGuard runs the whole guard on a committed file: it fails naming the worse question,
// passes on fine ratios, and fails when the file is missing or holds no tier of the run.
func TestGuard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "performance.json")
	if err := writeRatios(path, ratiosOf(ratioRun(2.0, 1.5))); err != nil {
		t.Fatal(err)
	}
	if err := guard(path, ratioRun(2.1, 3.0), 2); err != nil {
		t.Errorf("ratios within 2× failed: %v", err)
	}
	err := guard(path, ratioRun(4.1, 1.0), 2)
	if err == nil || !strings.Contains(err.Error(), "10k gap-city") || strings.Contains(err.Error(), "gap-province") {
		t.Errorf("want a failure naming 10k gap-city only, got %v", err)
	}
	if err := guard(filepath.Join(dir, "missing.json"), ratioRun(1, 1), 2); err == nil {
		t.Error("a missing committed file must fail the guard")
	}
	other := ratioRun(1, 1)
	other.Tiers[0].Tier = "1m"
	if err := guard(path, other, 2); err == nil {
		t.Error("a run with no tier in common must fail the guard")
	}
	if err := os.WriteFile(path, []byte(`{"ratios": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := guard(path, ratioRun(1, 1), 2); err == nil {
		t.Error("an empty committed file must fail the guard")
	}
}

// TestRatiosPath: the ratio file sits beside the report.
func TestRatiosPath(t *testing.T) {
	if got := ratiosPath("docs/performance.md"); got != "docs/performance.json" {
		t.Errorf("got %s", got)
	}
}
