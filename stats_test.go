package chainmap

import (
	"reflect"
	"testing"
)

func TestStatsBuilderAndSumCells(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	// Chain "al": P has children A and B; Q is a root. Chain "x": X.
	nodes := map[string]SegmentNode{
		"P": {Chain: "al"}, "A": {Chain: "al", Parent: "P"}, "B": {Chain: "al", Parent: "P"},
		"Q": {Chain: "al"}, "X": {Chain: "x"},
	}
	segs := []*Segment{{ID: "A", Unit: "万吨"}, {ID: "B", Unit: "万吨"}, {ID: "P", Unit: "万吨"}, {ID: "Q", Unit: "台"}}
	tonnes := func(wt float64) StatsOp { return StatsOp{CapacityBase: f(wt * 10000), CapacityDim: "mass"} }
	type ent struct {
		region, park, status string
		revenue              *float64
		ops                  []StatsOp
	}
	with := func(op StatsOp, seg, role string) StatsOp { op.Segment, op.Role = seg, role; return op }
	ents := []ent{
		// in A and B: counted once in P, capacities add up in P
		{"r1", "", "", f(10), []StatsOp{with(tonnes(2), "A", ""), with(tonnes(3), "B", "")}},
		// same region, in a park: its own cell
		{"r1", "k1", "active", f(5), []StatsOp{with(tonnes(1), "A", "producer")}},
		// no revenue; an R&D operation (ignored) and one in another chain
		{"r2", "", "", nil, []StatsOp{with(StatsOp{}, "Q", ""), with(tonnes(9), "A", "rnd"), with(StatsOp{}, "X", "")}},
		// inactive: ignored entirely
		{"r1", "", "closed", f(100), []StatsOp{with(tonnes(50), "A", "")}},
		// unknown segment: ignored
		{"r1", "", "", f(1), []StatsOp{with(tonnes(1), "nope", "")}},
	}
	b := NewStatsBuilder(nodes)
	for _, e := range ents {
		b.Add(&Enterprise{Region: e.region, Park: e.park, Status: e.status, Revenue: e.revenue}, e.ops)
	}
	cells := b.Cells()
	var keys [][3]string
	for _, c := range cells {
		keys = append(keys, [3]string{c.Chain, c.Region, c.Park})
	}
	wantKeys := [][3]string{{"al", "r1", ""}, {"al", "r1", "k1"}, {"al", "r2", ""}, {"x", "r2", ""}}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("cells %v, want %v", keys, wantKeys)
	}
	if got := cells[0].Segments; !reflect.DeepEqual(got, []string{"A", "B", "P"}) {
		t.Fatalf("segments of the first cell %v", got)
	}

	stat := func(st []SegmentStat, id string) SegmentStat {
		for _, s := range st {
			if s.Segment == id {
				return s
			}
		}
		t.Fatalf("no %s in %+v", id, st)
		return SegmentStat{}
	}
	cases := []struct {
		name     string
		cells    []StatsCell
		seg      string
		n, withR int
		revenue  float64
		capacity *float64
	}{
		{"parent counts an enterprise once", cells[:1], "P", 1, 1, 10, f(5)},
		{"leaf", cells[:1], "A", 1, 1, 10, f(2)},
		{"two cells add up", cells[:2], "P", 2, 2, 15, f(6)},
		{"two cells add up in a leaf", cells[:2], "A", 2, 2, 15, f(3)},
		{"R&D ignored, no revenue", cells, "Q", 1, 0, 0, nil},
		{"R&D capacity not counted", cells, "A", 2, 2, 15, f(3)},
		{"no cells", nil, "P", 0, 0, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := stat(SumCells("al", segs, c.cells, false), c.seg)
			if got.Enterprises != c.n || got.WithRevenue != c.withR || got.Revenue != c.revenue ||
				(got.Capacity == nil) != (c.capacity == nil) || (got.Capacity != nil && *got.Capacity != *c.capacity) {
				t.Errorf("%s = %+v (capacity %v), want n=%d withRevenue=%d revenue=%v capacity=%v",
					c.seg, got, deref(got.Capacity), c.n, c.withR, c.revenue, deref(c.capacity))
			}
		})
	}
	if got := SumCells("al", segs, cells, false); len(got) != len(segs) || got[0].Segment != "A" || got[3].Segment != "Q" {
		t.Errorf("SumCells keeps the segments' order: %+v", got)
	}
}

func TestStatsBuilderParentCycle(t *testing.T) {
	// Validation rejects cycles; the builder must still terminate on one.
	b := NewStatsBuilder(map[string]SegmentNode{"A": {Chain: "c", Parent: "B"}, "B": {Chain: "c", Parent: "A"}})
	b.Add(&Enterprise{Region: "r"}, []StatsOp{{Segment: "A"}})
	cells := b.Cells()
	if len(cells) != 1 || !reflect.DeepEqual(cells[0].Enterprises, []int{1, 1}) {
		t.Fatalf("cells %+v", cells)
	}
}

func TestRoundSum(t *testing.T) {
	for in, want := range map[float64]float64{0: 0, 973.7299999999997: 973.73, 0.1 + 0.2: 0.3, 1e-20: 1e-20, 123456789012345: 123456789012000} {
		if got := RoundSum(in); got != want {
			t.Errorf("RoundSum(%v) = %v, want %v", in, got, want)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
