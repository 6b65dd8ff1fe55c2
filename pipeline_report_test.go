package chainmap

import (
	"testing"
	"time"
)

// TestBuildPipelineReport checks every figure on three hand-built leads.
func TestBuildPipelineReport(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	f := func(v float64) *float64 { return &v }
	jobs := 100
	a := &Lead{ID: "a", Segment: "s1", Park: "p1", Owner: "wang", Stage: LeadSigned, Investment: f(10), Capacity: f(5),
		CapacityUnit: "万吨/年", Jobs: &jobs, LastActivity: day(40), History: []StageChange{
			{To: LeadClue, At: day(0)}, {From: LeadClue, To: LeadContact, At: day(4)},
			{From: LeadContact, To: LeadSigned, At: day(10)}}} // skipped 考察 and 洽谈
	b := &Lead{ID: "b", Segment: "s1", Park: "p2", Owner: "li", Stage: LeadOnHold, HeldFrom: LeadContact,
		Investment: f(2.5), Capacity: f(1), CapacityUnit: "万台/年", LastActivity: day(1), History: []StageChange{
			{To: LeadClue, At: day(0)}, {From: LeadClue, To: LeadContact, At: day(2)},
			{From: LeadContact, To: LeadOnHold, At: day(5)}}}
	c := &Lead{ID: "c", Segment: "s2", Park: "p1", Owner: "wang", Stage: LeadClue, LastActivity: day(1),
		History: []StageChange{{To: LeadClue, At: day(0)}}}
	r := BuildPipelineReport([]*Lead{a, b, c}, day(45), 30)
	if r.Total != 3 || len(r.ByStage) != len(AllLeadStages) {
		t.Fatalf("total %d, %d stage groups", r.Total, len(r.ByStage))
	}
	if g := r.ByStage[0]; g.Key != "线索" || g.Leads != 1 {
		t.Errorf("线索 group %+v", g)
	}
	if g := r.ByStage[4]; g.Key != "签约" || g.Leads != 1 || g.Investment != 10 || g.Jobs != 100 {
		t.Errorf("签约 group %+v", g)
	}
	if g := r.BySegment[0]; g.Key != "s1" || g.Leads != 2 || g.Investment != 12.5 || len(g.Capacity) != 2 ||
		g.Capacity[0] != (UnitFigure{"万台/年", 1}) || g.Capacity[1] != (UnitFigure{"万吨/年", 5}) {
		t.Errorf("segment s1 %+v", g)
	}
	if g := r.ByOwner[1]; g.Key != "wang" || g.Leads != 2 {
		t.Errorf("owner wang %+v", g)
	}
	// Reached: 线索 3, 接洽 2 (a, b), 考察 1, 洽谈 1, 签约 1 (a skipped to it), 注册 0.
	want := []struct{ reached, advanced int }{{3, 2}, {2, 1}, {1, 1}, {1, 1}, {1, 0}, {0, 0}, {0, 0}}
	for i, w := range want {
		c := r.Conversion[i]
		if c.Reached != w.reached || c.Advanced != w.advanced {
			t.Errorf("conversion %s→%s: %d→%d, want %d→%d", c.From, c.To, c.Reached, c.Advanced, w.reached, w.advanced)
		}
	}
	if r.Conversion[0].Rate == nil || *r.Conversion[0].Rate != 2.0/3 || r.Conversion[5].Rate != nil {
		t.Errorf("rates %v %v", r.Conversion[0].Rate, r.Conversion[5].Rate)
	}
	// 线索 stays: a 4 days, b 2 days (c still there) → median 3; 接洽: a 6, b 3 → 4.5.
	if d := r.DaysInStage[0]; d.Samples != 2 || *d.Median != 3 {
		t.Errorf("线索 days %+v", d)
	}
	if d := r.DaysInStage[1]; d.Samples != 2 || *d.Median != 4.5 {
		t.Errorf("接洽 days %+v", d)
	}
	if d := r.DaysInStage[4]; d.Samples != 0 || d.Median != nil {
		t.Errorf("签约 days %+v", d)
	}
	// Stale at day 45 with 30 days: c (activity day 1); not b (on hold), not a (day 40).
	if len(r.Stale) != 1 || r.Stale[0].ID != "c" {
		t.Errorf("stale %v", r.Stale)
	}
}
