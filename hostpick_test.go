package chainmap

import (
	"strings"
	"testing"
)

// TestHostNeighboursCountOnce: a neighbouring segment reached by two flows (A feeds both
// B1 and B2 of family B), or sitting on both sides of a loop (C ⇄ B2), counts once. By
// hand: park P has 3 enterprises in A and 2 in C; B's neighbours are A (up) and C (up,
// and down by the return flow): 3 + 2 = 5 enterprises, 5 × 3 = 15 points.
func TestHostNeighboursCountOnce(t *testing.T) {
	hp := &hostPicker{
		parks: []*Park{{ID: "P", NameZh: "园"}},
		segs:  []*Segment{{ID: "A"}, {ID: "B"}, {ID: "B1", Parent: "B"}, {ID: "B2", Parent: "B"}, {ID: "C"}},
		flows: []*Flow{{From: "A", To: "B1"}, {From: "A", To: "B2"}, {From: "C", To: "B2"}, {From: "B2", To: "C", Kind: FlowReturn}},
		stats: map[string]map[string]SegmentStat{"P": {"A": {Enterprises: 3}, "C": {Enterprises: 2}}},
	}
	h := hp.pick("B")
	if h == nil || h.Score != 5*pointsHostNeighbor || !strings.Contains(h.ReasonEn, "5 enterprise(s) upstream and 0 downstream") {
		t.Fatalf("host = %+v", h)
	}
}
