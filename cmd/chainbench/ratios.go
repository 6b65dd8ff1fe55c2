package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// RatioFile is the machine-readable companion of docs/performance.md, written by the same
// run: per tier and question, chainmap's p50 divided by the best hand-written Cypher's p50
// measured beside it. The CI smoke tier compares its own ratios with it (issue 18 item 5):
// ratios, not absolute times, because the machine is shared and its speed moves.
type RatioFile struct {
	Date    string `json:"date"`
	Commit  string `json:"commit"`
	Smoke   bool   `json:"smoke"`
	Command string `json:"command,omitempty"`
	// Note says where the figures come from when a person, not a run, wrote the file.
	Note string `json:"note,omitempty"`
	// Ratios maps tier → question (gap-city, gap-province) → chainmap ÷ best Cypher, p50.
	Ratios map[string]map[string]float64 `json:"ratios"`
	// LoadAvg is each tier's load average at its start and end, to judge the noise.
	LoadAvg map[string][]string `json:"loadavg,omitempty"`
}

// guardedQuestions are the questions whose ratios the guard compares.
var guardedQuestions = []string{"gap-city", "gap-province"}

// ratiosOf extracts the guarded ratios of a run (tiers measured on Neo4j only).
func ratiosOf(r *Results) RatioFile {
	f := RatioFile{Date: r.Machine.Date, Commit: r.Machine.Commit, Smoke: r.Smoke, Command: r.Command,
		Ratios: map[string]map[string]float64{}, LoadAvg: map[string][]string{}}
	for _, t := range r.Tiers {
		if t.Neo4j == nil {
			continue
		}
		m := map[string]float64{}
		for _, q := range guardedQuestions {
			if x := t.Neo4j.Ratio[q]; x > 0 {
				m[q] = x
			}
		}
		if len(m) > 0 {
			f.Ratios[t.Tier] = m
			f.LoadAvg[t.Tier] = t.LoadAvg
		}
	}
	return f
}

// ratiosPath is where a report's ratios go: beside it, with the extension .json.
func ratiosPath(report string) string {
	return strings.TrimSuffix(report, filepath.Ext(report)) + ".json"
}

func writeRatios(path string, f RatioFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readRatios(path string) (RatioFile, error) {
	var f RatioFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("ratio guard: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("ratio guard: %s: %w", path, err)
	}
	if len(f.Ratios) == 0 {
		return f, fmt.Errorf("ratio guard: %s holds no ratios", path)
	}
	return f, nil
}

// RatioCheck is the comparison of one question in one tier.
type RatioCheck struct {
	Tier, Question     string
	Committed, Current float64
	// Factor is the limit: Current may be at most Factor × Committed.
	Factor float64
	// Worse is true when the current ratio is more than factor × the committed one, or
	// was not measured at all.
	Worse bool
}

func (c RatioCheck) String() string {
	cur := ratio(c.Current)
	if c.Current == 0 {
		cur = "not measured"
	}
	verdict := "ok"
	if c.Worse {
		verdict = "WORSE"
	}
	return fmt.Sprintf("tier %s %s: chainmap ÷ best Cypher now %s, committed %s (limit %s): %s",
		c.Tier, c.Question, cur, ratio(c.Committed), ratio(c.Committed*c.Factor), verdict)
}

// compareRatios compares every committed ratio of the tiers the current run measured
// (tiers it did not run are skipped: the smoke test runs 10k only). A ratio counts as
// worse when it is more than factor × the committed one; lower is always fine.
func compareRatios(committed, current RatioFile, factor float64) []RatioCheck {
	var out []RatioCheck
	tiers := make([]string, 0, len(committed.Ratios))
	for t := range committed.Ratios {
		tiers = append(tiers, t)
	}
	sort.Strings(tiers)
	for _, t := range tiers {
		cur, ran := current.Ratios[t]
		if !ran {
			continue
		}
		for _, q := range sortedKeys(committed.Ratios[t]) {
			c := RatioCheck{Tier: t, Question: q, Committed: committed.Ratios[t][q], Current: cur[q], Factor: factor}
			c.Worse = c.Current <= 0 || c.Current > factor*c.Committed
			out = append(out, c)
		}
	}
	return out
}

// guard compares a run with the committed ratios, prints every comparison and returns an
// error naming the regressions, or when no tier of the run was in the committed file.
func guard(path string, res *Results, factor float64) error {
	committed, err := readRatios(path)
	if err != nil {
		return err
	}
	checks := compareRatios(committed, ratiosOf(res), factor)
	fmt.Printf("ratio guard: against %s (run of %s, commit %s), failing above %.1f× the committed ratio\n", path, committed.Date, committed.Commit, factor)
	var worse []string
	for _, c := range checks {
		fmt.Println("  " + c.String())
		if c.Worse {
			worse = append(worse, c.Tier+" "+c.Question)
		}
	}
	if len(checks) == 0 {
		return fmt.Errorf("ratio guard: %s has no ratios for the tiers this run measured", path)
	}
	if len(worse) > 0 {
		return fmt.Errorf("ratio guard: %d ratio(s) more than %.1f× worse than %s: %s", len(worse), factor, path, strings.Join(worse, ", "))
	}
	return nil
}
