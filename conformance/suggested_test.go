package conformance

import (
	"testing"

	"github.com/chainmap/chainmap"
)

// TestSuggestedPlacements: analyses say how many counted enterprises rest only on
// suggested placements, and count verified placements only when asked, alike on both
// stores. Hand-computed on testdata/minimal, where beta's operation in W2 (20000 吨) and
// delta's in W1 (delta is closed, so it never counts) are suggested: in 北京市辖区 the W2
// subtree holds acme-parts (W2a, 3 万吨/年, verified) and beta (W2, suggested).
func TestSuggestedPlacements(t *testing.T) {
	stores := loadAll(t, "../testdata/minimal")
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		city := chainmap.Scope{Region: "110100"}
		for _, c := range []struct {
			scope        chainmap.Scope
			verifiedOnly bool
			segment      string
			enterprises  int
			suggested    int
		}{
			{city, false, "W2", 2, 1},
			{city, true, "W2", 1, 1},
			{city, false, "W2a", 1, 0},
			{city, true, "W2a", 1, 0},
			{city, false, "W1", 0, 0}, // delta is closed: not counted, not suggested
			{city, true, "W3", 1, 0},
			{chainmap.Scope{}, false, "W2", 2, 1},
			{chainmap.Scope{}, true, "W2", 1, 1},
			{chainmap.Scope{}, true, "W1", 1, 0}, // gamma, verified, in 上海
		} {
			stats, err := s.SegmentStats(ctxT(t), chainmap.StatsQuery{Chain: "widget", Scope: c.scope, VerifiedOnly: c.verifiedOnly})
			if err != nil {
				t.Fatal(err)
			}
			st := statOf(t, stats, c.segment)
			if st.Enterprises != c.enterprises || st.Suggested != c.suggested {
				t.Errorf("%v verifiedOnly=%t %s: enterprises %d, suggested %d; want %d, %d",
					c.scope, c.verifiedOnly, c.segment, st.Enterprises, st.Suggested, c.enterprises, c.suggested)
			}
		}
		// Capacity follows: 3 万吨 (acme-parts) + 2 万吨 (beta's 20000 吨) with every
		// placement, 3 万吨 with verified ones only (W2's unit is 万吨/年).
		caps := map[bool]float64{}
		for _, v := range []bool{false, true} {
			rep, err := chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "widget", Scope: city, VerifiedOnly: v})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range rep.Segments {
				if g.Segment.ID == "W2" {
					if g.Stat.Capacity == nil {
						t.Fatalf("verifiedOnly=%t: W2 has no capacity", v)
					}
					caps[v] = *g.Stat.Capacity
				}
			}
		}
		if caps[false] != 5 || caps[true] != 3 {
			t.Errorf("W2 capacity: %v (every placement, verified only), want 5 and 3", caps)
		}
	})
}

// statOf returns the stat of a segment, failing the test when it is absent (a zero stat
// would pass checks of zero).
func statOf(t *testing.T, stats []chainmap.SegmentStat, segment string) chainmap.SegmentStat {
	t.Helper()
	for _, st := range stats {
		if st.Segment == segment {
			return st
		}
	}
	t.Fatalf("no stat for segment %s", segment)
	return chainmap.SegmentStat{}
}
