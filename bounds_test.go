package chainmap_test

import (
	"fmt"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestMeetsQualified checks the goal rule on figures that are bounds, by hand: a bound
// meets a goal when every value it allows does, fails it when none does, and cannot tell
// otherwise.
func TestMeetsQualified(t *testing.T) {
	ge70 := &chainmap.Goal{Comparator: "ge", TargetValue: 70}
	gt70 := &chainmap.Goal{Comparator: "gt", TargetValue: 70}
	le50 := &chainmap.Goal{Comparator: "le", TargetValue: 50}
	between := &chainmap.Goal{Comparator: "between", TargetValue: 8, TargetMax: f(10)}
	approx := &chainmap.Goal{Comparator: "approx", TargetValue: 50}
	for _, c := range []struct {
		g    *chainmap.Goal
		v    float64
		q    chainmap.Qualifier
		want string
	}{
		{ge70, 70, "", "true"},
		{ge70, 70, chainmap.QualifierMoreThan, "true"},  // 超过70% meets ≥ 70%
		{ge70, 70, chainmap.QualifierAtLeast, "true"},   // 70%以上 meets ≥ 70%
		{gt70, 70, chainmap.QualifierAtLeast, "nil"},    // 70 itself would not
		{gt70, 70, chainmap.QualifierMoreThan, "true"},  // every value is > 70
		{ge70, 60, chainmap.QualifierMoreThan, "nil"},   // more than 60: 65 or 80
		{ge70, 60, chainmap.QualifierAtMost, "false"},   // at most 60 never reaches 70
		{ge70, 70, chainmap.QualifierLessThan, "false"}, // below 70 never meets ≥ 70
		{ge70, 70, chainmap.QualifierAtMost, "nil"},     // 70 would
		{le50, 60, chainmap.QualifierMoreThan, "false"},
		{le50, 40, chainmap.QualifierLessThan, "true"},
		{between, 1, chainmap.QualifierAtLeast, "nil"}, // a lower-bound count of 1: could be 9
		{between, 11, chainmap.QualifierAtLeast, "false"},
		{between, 7, chainmap.QualifierAtMost, "false"},
		{approx, 52, chainmap.QualifierAbout, "true"}, // about: compared as it stands
		{approx, 60, chainmap.QualifierMoreThan, "false"},
		{approx, 50, chainmap.QualifierMoreThan, "nil"},
	} {
		got := "nil"
		if r := chainmap.MeetsQualified(c.g, c.v, c.q); r != nil {
			got = fmt.Sprint(*r)
		}
		if got != c.want {
			t.Errorf("%s %v with %s %v: %s, want %s", c.g.Comparator, c.g.TargetValue, c.q, c.v, got, c.want)
		}
	}
}

// TestLocationQuotientSkipsBounds: a local figure that is a bound is left out of the LQ,
// so with one exact pair left there is no LQ (two are needed); an approximate one counts.
func TestLocationQuotientSkipsBounds(t *testing.T) {
	segs, flows := chainABC()
	year := i(2018)
	run := func(q chainmap.Qualifier) map[string]*chainmap.SegmentGap {
		ind := []*chainmap.Indicator{
			{ID: "a", Metric: "output", Region: "1", Segment: "A", Year: year, Value: f(20), Unit: "万吨", ShareOf: "0", Share: f(10), Qualifier: q},
			{ID: "b", Metric: "output", Region: "1", Segment: "B", Year: year, Value: f(80), Unit: "万吨", ShareOf: "0", Share: f(50)},
		}
		rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows,
			Stats: stats(map[string]int{"A": 5, "B": 5, "C": 5}), Indicators: ind})
		if err != nil {
			t.Fatal(err)
		}
		return byID(rep)
	}
	if g := run(chainmap.QualifierMoreThan); g["A"].LQ != nil || g["B"].LQ != nil {
		t.Errorf("with a bound: LQ A=%v B=%v, want none", g["A"].LQ, g["B"].LQ)
	}
	if g := run(chainmap.QualifierAbout); g["A"].LQ == nil || *g["A"].LQ != 0.36 {
		t.Errorf("with an approximate figure: LQ A=%v, want 0.36", g["A"].LQ)
	}
}

// TestRoadmapLoopsSharePhase: X and Y feed each other (a loop), Z needs X, W needs
// nothing. By hand: {X, Y} depend on no other gap, so with W they are phase 1, ordered by
// score (Y 60, X 50, W 40); Z needs the missing X: phase 2, after X.
func TestRoadmapLoopsSharePhase(t *testing.T) {
	gap := func(id string, score float64, up ...string) *chainmap.SegmentGap {
		g := &chainmap.SegmentGap{Segment: &chainmap.Segment{ID: id}, Status: chainmap.StatusMissing, Score: score, Elsewhere: 1}
		for _, u := range up {
			g.Upstream = append(g.Upstream, chainmap.Neighbour{Segment: u})
		}
		return g
	}
	rep := &chainmap.GapReport{Segments: []*chainmap.SegmentGap{
		gap("Z", 70, "X"), gap("Y", 60, "X"), gap("X", 50, "Y"), gap("W", 40)}}
	rm := chainmap.BuildRoadmap(rep, 12)
	var got []string
	for _, st := range rm.Steps {
		got = append(got, fmt.Sprintf("%s:%d:after%v:loop%v", st.Gap.Segment.ID, st.Phase, st.After, st.Loop))
	}
	want := []string{"Y:1:after[]:loop[X]", "X:1:after[]:loop[Y]", "W:1:after[]:loop[]", "Z:2:after[X]:loop[]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roadmap = %v\nwant      %v", got, want)
	}
}
