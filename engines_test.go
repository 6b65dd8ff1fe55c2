package chainmap_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// Table tests of the engines that read a store (WhatIf, ComposeCluster, PlanRoadmap), on
// testdata/minimal with answers computed by hand. In 北京市辖区 (110100): acme (W3) and
// acme-parts (W2a) in 朝阳 110105, in the east-park cluster and its east-sub park; beta
// (W2, a suggested placement) in 海淀 110108; delta (W1) is closed. gamma (W1, 100万吨/年)
// is in 上海. Flows W1 → W2 → W3; W2's threshold is 2 enterprises, W1's 1.

func minimal(t *testing.T) chainmap.Store {
	t.Helper()
	s := memstore.New()
	if _, err := loaders.Load(context.Background(), "testdata/minimal", s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	return s
}

func statOf(t *testing.T, r *chainmap.GapReport, id string) chainmap.SegmentStat {
	t.Helper()
	for _, g := range r.Segments {
		if g.Segment.ID == id {
			return g.Stat
		}
	}
	t.Fatalf("no segment %s", id)
	return chainmap.SegmentStat{}
}

func TestWhatIfTable(t *testing.T) {
	s := minimal(t)
	city := chainmap.Scope{Region: "110100"}
	cap := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		name        string
		add, remove []chainmap.WhatIfChange
		segment     string
		before      int
		after       int
		capAfter    *float64 // nil: not checked
	}{
		// gamma brought to 朝阳 fills W1 and brings its own 100万吨/年 (issue 15: an
		// existing enterprise without a given capacity brings its known capacity).
		{name: "attract gamma", add: []chainmap.WhatIfChange{{Enterprise: "gamma", Segment: "W1", Region: "110105"}},
			segment: "W1", before: 0, after: 1, capAfter: cap(100)},
		// a new firm with a given capacity counts once in W2a and once in its parent W2.
		{name: "new firm", add: []chainmap.WhatIfChange{{Name: "新厂", Segment: "W2a", Region: "110108", Capacity: cap(2)}},
			segment: "W2", before: 2, after: 3},
		// acme-parts leaves W2a: W2 keeps beta only.
		{name: "remove acme-parts", remove: []chainmap.WhatIfChange{{Enterprise: "acme-parts", Segment: "W2a"}},
			segment: "W2", before: 2, after: 1},
		// adding an enterprise already counted in the subtree counts nothing more.
		{name: "already there", add: []chainmap.WhatIfChange{{Enterprise: "beta", Segment: "W2a"}},
			segment: "W2", before: 2, after: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := chainmap.WhatIf(context.Background(), s, chainmap.WhatIfQuery{Chain: "widget", Scope: city, Add: c.add, Remove: c.remove})
			if err != nil {
				t.Fatal(err)
			}
			if b, a := statOf(t, res.Before, c.segment).Enterprises, statOf(t, res.After, c.segment).Enterprises; b != c.before || a != c.after {
				t.Errorf("%s: %d → %d enterprises, want %d → %d", c.segment, b, a, c.before, c.after)
			}
			if c.capAfter != nil {
				if got := statOf(t, res.After, c.segment).Capacity; got == nil || *got != *c.capAfter {
					t.Errorf("%s capacity after: %v, want %v", c.segment, got, *c.capAfter)
				}
			}
		})
	}
	// Outside the scope is refused, as is an unknown segment.
	for name, q := range map[string]chainmap.WhatIfQuery{
		"outside":         {Chain: "widget", Scope: city, Add: []chainmap.WhatIfChange{{Name: "x", Segment: "W1", Region: "310000"}}},
		"unknown segment": {Chain: "widget", Scope: city, Add: []chainmap.WhatIfChange{{Name: "x", Segment: "nope", Region: "110105"}}},
	} {
		if _, err := chainmap.WhatIf(context.Background(), s, q); chainmap.ErrorCode(err) != chainmap.EINVALID {
			t.Errorf("%s: %v, want %s", name, err, chainmap.EINVALID)
		}
	}
}

func TestComposeClusterTable(t *testing.T) {
	s := minimal(t)
	cc, err := chainmap.ComposeCluster(context.Background(), s, "widget", "east-park", "")
	if err != nil {
		t.Fatal(err)
	}
	// The cluster covers 朝阳: acme and acme-parts. Reference: 朝阳's parent, 110100
	// (acme, acme-parts, beta active in the chain). W2 1 in the park (acme-parts, through
	// W2a) of 2 in the city: LQ (1/2)/(2/3) = 0.75; W2a and W3 (1/2)/(1/3) = 1.5; W1 none.
	if cc.Reference != "110100" || cc.Enterprises != 2 || cc.Coverage != 0.75 {
		t.Errorf("reference %s, enterprises %d, coverage %v; want 110100, 2, 0.75", cc.Reference, cc.Enterprises, cc.Coverage)
	}
	want := map[string]*float64{"W1": nil, "W2": ptr(0.75), "W2a": ptr(1.5), "W3": ptr(1.5)}
	for _, sg := range cc.Segments {
		w, ok := want[sg.Segment.ID]
		if !ok {
			t.Errorf("unexpected segment %s", sg.Segment.ID)
			continue
		}
		if (w == nil) != (sg.LQ == nil) || (w != nil && *w != *sg.LQ) {
			t.Errorf("%s: LQ %v, want %v", sg.Segment.ID, orNil(sg.LQ), orNil(w))
		}
	}
	if _, err := chainmap.ComposeCluster(context.Background(), s, "widget", "nowhere", ""); chainmap.ErrorCode(err) != chainmap.ENOTFOUND {
		t.Errorf("unknown park: %v", err)
	}
}

func TestPlanRoadmapTable(t *testing.T) {
	s := minimal(t)
	rm, err := chainmap.PlanRoadmap(context.Background(), s, chainmap.RoadmapQuery{Chain: "widget", Scope: chainmap.Scope{Region: "110100"}})
	if err != nil {
		t.Fatal(err)
	}
	// W1 is missing in the city and gamma operates in it in 上海: a step, not a data gap,
	// with gamma its target. W2 holds 2 (acme-parts and beta) and needs 2: not a step.
	var w1 *chainmap.RoadmapStep
	for _, st := range rm.Steps {
		if st.Gap.Segment.ID == "W1" {
			w1 = st
		}
		if st.Gap.Segment.ID == "W2" {
			t.Errorf("W2 meets its threshold but is a step: %+v", st.Gap.Status)
		}
	}
	if w1 == nil {
		t.Fatalf("no step for the missing W1: %d steps, data gaps %d", len(rm.Steps), len(rm.DataGaps))
	}
	var targets []string
	for _, tg := range w1.Targets {
		targets = append(targets, tg.Enterprise.ID)
	}
	if !slices.Equal(targets, []string{"gamma"}) || w1.Phase != 1 {
		t.Errorf("W1: phase %d, targets %v; want phase 1, [gamma]", w1.Phase, targets)
	}
}

func orNil(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
