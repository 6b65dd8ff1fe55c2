package chainmap_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

// chainABC is A (upstream) → B (midstream) → C (end product), B with a child B1, and a
// coefficient of 2 t of A per t of B.
func chainABC() ([]*chainmap.Segment, []*chainmap.Flow) {
	segs := []*chainmap.Segment{
		{ID: "A", NameZh: "甲", NameEn: "A", Stage: chainmap.StageUpstream, Unit: "万吨/年"},
		{ID: "B", NameZh: "乙", NameEn: "B", Stage: chainmap.StageMidstream, Unit: "万吨/年"},
		{ID: "B1", Parent: "B", NameZh: "乙一", NameEn: "B1", Stage: chainmap.StageMidstream, Unit: "万吨/年"},
		{ID: "C", NameZh: "丙", NameEn: "C", Stage: chainmap.StageEndProduct, Unit: "万件"},
	}
	flows := []*chainmap.Flow{
		{From: "A", To: "B", Coefficient: f(2), CoefficientUnit: "t/t"},
		{From: "B", To: "C"},
	}
	return segs, flows
}

func stats(m map[string]int) map[string]chainmap.SegmentStat {
	out := map[string]chainmap.SegmentStat{}
	for k, v := range m {
		out[k] = chainmap.SegmentStat{Segment: k, Enterprises: v}
	}
	return out
}

func byID(r *chainmap.GapReport) map[string]*chainmap.SegmentGap {
	m := map[string]*chainmap.SegmentGap{}
	for _, g := range r.Segments {
		m[g.Segment.ID] = g
	}
	return m
}

func TestGapRules(t *testing.T) {
	type want struct {
		status chainmap.GapStatus
		kind   chainmap.GapKind
	}
	cases := []struct {
		name      string
		stats     map[string]chainmap.SegmentStat
		overrides []chainmap.ThresholdOverride
		mutate    func([]*chainmap.Segment)
		want      map[string]want
	}{
		{"empty scope: everything missing, nothing on either side",
			stats(nil), nil, nil,
			map[string]want{"A": {chainmap.StatusMissing, chainmap.GapBuild}, "B": {chainmap.StatusMissing, chainmap.GapBuild},
				"B1": {chainmap.StatusMissing, chainmap.GapBuild}, "C": {chainmap.StatusMissing, chainmap.GapBuild}}},
		{"hole in the middle: B missing between present A and C is 补链",
			stats(map[string]int{"A": 3, "C": 2}), nil, nil,
			map[string]want{"A": {chainmap.StatusStrong, chainmap.GapNone}, "B": {chainmap.StatusMissing, chainmap.GapFill},
				"C": {chainmap.StatusStrong, chainmap.GapNone}}},
		{"chain stops: A present, B missing with nothing downstream is 延链",
			stats(map[string]int{"A": 2}), nil, nil,
			map[string]want{"B": {chainmap.StatusMissing, chainmap.GapExtend}, "C": {chainmap.StatusMissing, chainmap.GapBuild}}},
		{"child inherits its family's neighbours",
			stats(map[string]int{"A": 2}), nil, nil,
			map[string]want{"B1": {chainmap.StatusMissing, chainmap.GapExtend}}},
		{"one enterprise is weak under the default threshold of 2",
			stats(map[string]int{"A": 1, "B": 2, "B1": 2, "C": 5}), nil, nil,
			map[string]want{"A": {chainmap.StatusWeak, chainmap.GapStrengthen}, "B": {chainmap.StatusStrong, chainmap.GapNone}}},
		{"dataset threshold: C needs 6",
			stats(map[string]int{"A": 2, "B": 2, "C": 5}), nil,
			func(s []*chainmap.Segment) { s[3].MinEnterprises = i(6) },
			map[string]want{"C": {chainmap.StatusWeak, chainmap.GapStrengthen}}},
		{"query override beats the dataset threshold, per segment over global",
			stats(map[string]int{"A": 1, "B": 1, "C": 5}),
			[]chainmap.ThresholdOverride{{MinEnterprises: i(1)}, {Segment: "C", MinEnterprises: i(9)}},
			func(s []*chainmap.Segment) { s[3].MinEnterprises = i(2) },
			map[string]want{"A": {chainmap.StatusStrong, chainmap.GapNone}, "B": {chainmap.StatusStrong, chainmap.GapNone},
				"C": {chainmap.StatusWeak, chainmap.GapStrengthen}}},
		{"capacity below the threshold is weak; unknown capacity is weak too",
			map[string]chainmap.SegmentStat{"A": {Enterprises: 3, Capacity: f(10)}, "B": {Enterprises: 3}},
			[]chainmap.ThresholdOverride{{Segment: "A", MinCapacity: f(50)}, {Segment: "B", MinCapacity: f(1)}}, nil,
			map[string]want{"A": {chainmap.StatusWeak, chainmap.GapStrengthen}, "B": {chainmap.StatusWeak, chainmap.GapStrengthen}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			segs, flows := chainABC()
			if tc.mutate != nil {
				tc.mutate(segs)
			}
			rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"},
				Segments: segs, Flows: flows, Stats: tc.stats, Overrides: tc.overrides})
			if err != nil {
				t.Fatal(err)
			}
			got := byID(rep)
			for id, w := range tc.want {
				g := got[id]
				if g.Status != w.status || g.Kind != w.kind {
					t.Errorf("%s = %s/%s, want %s/%s (%s)", id, g.Status, g.Kind, w.status, w.kind, g.ReasonEn)
				}
				if g.ReasonZh == "" || g.ReasonEn == "" {
					t.Errorf("%s has no reason", id)
				}
			}
		})
	}
}

func TestGapCompletenessAndOrder(t *testing.T) {
	segs, flows := chainABC()
	rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows,
		Stats: stats(map[string]int{"A": 3, "C": 2})})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Present != 2 || rep.Total != 4 || rep.Completeness != 0.5 {
		t.Errorf("completeness = %d/%d = %v", rep.Present, rep.Total, rep.Completeness)
	}
	if rep.Segments[0].Segment.ID != "B" {
		t.Errorf("highest score = %s, want B (补链)", rep.Segments[0].Segment.ID)
	}
	for k := 1; k < len(rep.Segments); k++ {
		if rep.Segments[k].Score > rep.Segments[k-1].Score {
			t.Errorf("not sorted by score")
		}
	}
	// Every score is the sum of its factors.
	for _, g := range rep.Segments {
		sum := 0.0
		for _, fc := range g.Factors {
			sum += fc.Points
		}
		if sum != g.Score {
			t.Errorf("%s: score %v but factors sum to %v", g.Segment.ID, g.Score, sum)
		}
	}
	var up *chainmap.StageCompleteness
	for k := range rep.ByStage {
		if rep.ByStage[k].Stage == chainmap.StageUpstream {
			up = &rep.ByStage[k]
		}
	}
	if up == nil || up.Present != 1 || up.Total != 1 {
		t.Errorf("upstream completeness = %+v", up)
	}
}

func TestGapMassBalance(t *testing.T) {
	segs, flows := chainABC()
	// B makes 30万吨 and needs 2 t of A per t: 60万吨 of A; A supplies 45万吨.
	st := map[string]chainmap.SegmentStat{"A": {Enterprises: 2, Capacity: f(45)}, "B": {Enterprises: 2, Capacity: f(30)}}
	rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows, Stats: st})
	if err != nil {
		t.Fatal(err)
	}
	b := byID(rep)["A"].Balances
	if len(b) != 1 || fv(b[0].Demand) != "60" || fv(b[0].Supply) != "45" || fv(b[0].Net) != "-15" || b[0].Kind != "DEFICIT" {
		t.Fatalf("balance = %+v", b)
	}
	// A surplus when supply exceeds demand: local ingot leaves unprocessed.
	st["A"] = chainmap.SegmentStat{Enterprises: 2, Capacity: f(100)}
	rep, _ = chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows, Stats: st})
	if b := byID(rep)["B"].Balances; len(b) != 1 || b[0].Kind != "SURPLUS" || fv(b[0].Net) != "40" {
		t.Errorf("surplus balance = %+v", b)
	}
	// Units that do not convert are reported, not computed.
	flows[0].CoefficientUnit = "kWh/t"
	rep, _ = chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows, Stats: st})
	if b := byID(rep)["A"].Balances; len(b) != 1 || b[0].Kind != "" || b[0].Demand != nil || b[0].Net != nil || fv(b[0].Supply) != "100" ||
		b[0].Note != `not computed: the coefficient's numerator "kWh" (energy) does not convert to A's unit "万吨/年" (mass)` {
		t.Errorf("mismatched units = %+v (note %q)", b, b[0].Note)
	}
}

// TestGapBalanceWithoutCoefficientUnit is the regression of issue 15: both sides in kt,
// a coefficient without a unit, used to read "units do not convert ( per ; kt → kt)" with
// supply and demand 0. Now the supply is kept, demand is unknown, and the note says why.
func TestGapBalanceWithoutCoefficientUnit(t *testing.T) {
	segs := []*chainmap.Segment{
		{ID: "A", NameZh: "甲", Stage: chainmap.StageUpstream, Unit: "kt"},
		{ID: "B", NameZh: "乙", Stage: chainmap.StageMidstream, Unit: "kt"},
	}
	flows := []*chainmap.Flow{{From: "A", To: "B", Coefficient: f(1.2)}}
	st := map[string]chainmap.SegmentStat{"A": {Enterprises: 2, Capacity: f(50)}, "B": {Enterprises: 2, Capacity: f(40)}}
	rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows, Stats: st})
	if err != nil {
		t.Fatal(err)
	}
	b := byID(rep)["A"].Balances
	if len(b) != 1 || fv(b[0].Supply) != "50" || b[0].Demand != nil || b[0].Net != nil || b[0].Kind != "" {
		t.Fatalf("balance = %+v", b)
	}
	if want := "not computed: the coefficient 1.2 of A → B has no unit (coefficient_unit), so what B needs of A is unknown"; b[0].Note != want {
		t.Errorf("note = %q, want %q", b[0].Note, want)
	}
	// With its unit the same flow balances: 40 kt of B need 48 kt of A; 50 are local.
	flows[0].CoefficientUnit = "t/t"
	rep, _ = chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows, Stats: st})
	if b := byID(rep)["A"].Balances; len(b) != 1 || fv(b[0].Demand) != "48" || fv(b[0].Net) != "2" || b[0].Kind != "BALANCED" {
		t.Errorf("balance with unit = %+v", b)
	}
}

// TestGapCycles: flows may loop. Worked by hand on A → B → C with C → A as a return flow
// (scrap back to the raw material) and a two-way pair B ⇄ D.
func TestGapCycles(t *testing.T) {
	segs, flows := chainABC()
	segs = append(segs, &chainmap.Segment{ID: "D", NameZh: "丁", NameEn: "D", Stage: chainmap.StageMidstream})
	flows = append(flows,
		&chainmap.Flow{From: "C", To: "A", Kind: chainmap.FlowReturn},
		&chainmap.Flow{From: "B", To: "D"}, &chainmap.Flow{From: "D", To: "B"})
	// A missing; C (downstream of A only by the return flow) present; B missing; D present.
	rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows,
		Stats: stats(map[string]int{"C": 3, "D": 2})})
	if err != nil {
		t.Fatalf("a loop is refused: %v", err)
	}
	g := byID(rep)
	// A: upstream C (return: scrap comes in), downstream B (missing). C's scrap feeding A
	// makes C an upstream source: EXTEND (the local chain stops before A).
	if g["A"].Kind != chainmap.GapExtend || len(g["A"].Upstream) != 1 || !g["A"].Upstream[0].Return {
		t.Errorf("A = %s, upstream %+v", g["A"].Kind, g["A"].Upstream)
	}
	// C's downstream A is reached only by the return flow: not demand for C.
	if d := g["C"].Downstream; len(d) != 1 || d[0].Segment != "A" || !d[0].Return {
		t.Errorf("C downstream = %+v", d)
	}
	// B: upstream A (missing) and D, downstream C (present) and D: FILL; D is listed on
	// both sides but its 2 enterprises count once: +4 for neighbours, not +4 twice.
	if g["B"].Kind != chainmap.GapFill || g["B"].LocalUpstream != 2 || g["B"].LocalDownstream != 5 {
		t.Errorf("B = %s, local up %d down %d", g["B"].Kind, g["B"].LocalUpstream, g["B"].LocalDownstream)
	}
	for _, fc := range g["B"].Factors {
		if fc.Name == "neighbours" && fc.Points != 10 { // (2 + 5 − 2) × 2
			t.Errorf("B neighbours = %v, want 10", fc.Points)
		}
	}
}

func TestOneWayCycle(t *testing.T) {
	_, flows := chainABC()
	flows = append(flows, &chainmap.Flow{From: "C", To: "A", Kind: chainmap.FlowReturn})
	if c := chainmap.OneWayCycle(flows); c != nil {
		t.Errorf("a loop of two-way flows reported: %v", c)
	}
	flows[0].OneWay = true // A → B can never come back
	if c := chainmap.OneWayCycle(flows); strings.Join(c, ">") != "A>B>C>A" {
		t.Errorf("cycle through the one-way flow = %v, want A>B>C>A", c)
	}
}

func TestGapNoEnterpriseAnywhere(t *testing.T) {
	segs, flows := chainABC()
	in := chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows,
		Stats: stats(map[string]int{"A": 2}), Everywhere: stats(map[string]int{"A": 2, "B": 4})}
	rep, err := chainmap.AnalyseGaps(in)
	if err != nil {
		t.Fatal(err)
	}
	g := byID(rep)
	hasFactor := func(s *chainmap.SegmentGap, name string) bool {
		for _, fc := range s.Factors {
			if fc.Name == name {
				return true
			}
		}
		return false
	}
	if hasFactor(g["B"], "no candidates") || !hasFactor(g["C"], "no candidates") {
		t.Errorf("B (found elsewhere) and C (nowhere) factors: %+v / %+v", g["B"].Factors, g["C"].Factors)
	}
}

func TestGapLocationQuotient(t *testing.T) {
	segs, flows := chainABC()
	year := i(2018)
	// Local outputs 20 (A) and 80 (B), each a share of the province: A 10%, B 50%.
	// Province: A 200, B 160. LQ_A = (20/100)/(200/360) = 0.36; LQ_B = (80/100)/(160/360) = 1.8.
	ind := []*chainmap.Indicator{
		{ID: "a", Metric: "output", Region: "1", Segment: "A", Year: year, Value: f(20), Unit: "万吨", ShareOf: "0", Share: f(10)},
		{ID: "b", Metric: "output", Region: "1", Segment: "B", Year: year, Value: f(80), Unit: "万吨", ShareOf: "0", Share: f(50)},
	}
	rep, err := chainmap.AnalyseGaps(chainmap.GapInput{Chain: "x", Scope: chainmap.Scope{Region: "1"}, Segments: segs, Flows: flows,
		Stats: stats(map[string]int{"A": 5, "B": 5, "C": 5}), Indicators: ind})
	if err != nil {
		t.Fatal(err)
	}
	g := byID(rep)
	if g["A"].LQ == nil || *g["A"].LQ != 0.36 || g["B"].LQ == nil || *g["B"].LQ != 1.8 || g["C"].LQ != nil {
		t.Fatalf("LQ A=%v B=%v C=%v", g["A"].LQ, g["B"].LQ, g["C"].LQ)
	}
	if g["A"].Status != chainmap.StatusWeak || g["B"].Status != chainmap.StatusStrong {
		t.Errorf("A %s (LQ below 1 should be weak), B %s", g["A"].Status, g["B"].Status)
	}
}

func TestScopeValidate(t *testing.T) {
	for _, sc := range []chainmap.Scope{{}, {Region: "1", Park: "p"}} {
		if sc.Validate() == nil {
			t.Errorf("%+v accepted", sc)
		}
	}
}

func fv(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
