package chainmap

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestRankTargets checks every scoring factor of docs/gap-analysis.md on candidates whose
// scores are computed by hand in the comments.
func TestRankTargets(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cands := []Candidate{
		// capacity 20·100/100 = 20, revenue 15·ln(11)/ln(11) = 15, 链主 10, one link 10,
		// one live project 8: 63.
		{Enterprise: &Enterprise{ID: "a", NameZh: "甲", Revenue: f(10), Designations: []string{"链主"}},
			Capacity: f(100), LinksToScope: 1, Projects: []*Project{{NameZh: "扩建", Stage: "construction"}}},
		// capacity 20·50/100 = 10, listed by stock code 5, three links capped at 20, a
		// cancelled project counts nothing: 35.
		{Enterprise: &Enterprise{ID: "b", NameZh: "乙", StockCode: "600000"},
			Capacity: f(50), LinksToScope: 3, Projects: []*Project{{NameZh: "取消", Stage: "cancelled"}}},
		// the same as b: a tie, broken by id.
		{Enterprise: &Enterprise{ID: "a-c", NameZh: "丙", StockCode: "000001"}, Capacity: f(50), LinksToScope: 3},
		// at the scope's own point: distance 0 gives the full 10; nothing else is known.
		{Enterprise: &Enterprise{ID: "d", NameZh: "丁"}, Lon: f(113.6), Lat: f(34.7)},
		// 2,000 km or more away gives nothing; 上市 both designated and by stock code counts once.
		{Enterprise: &Enterprise{ID: "e", NameZh: "戊", StockCode: "1", Designations: []string{"上市", "unknown"}}, Lon: f(-74), Lat: f(40.7)},
	}
	got := RankTargets(cands, "seg", []float64{113.6, 34.7})
	var order []string
	scores := map[string]float64{}
	for _, tg := range got {
		order = append(order, tg.Enterprise.ID)
		scores[tg.Enterprise.ID] = tg.Score
		if tg.Segment != "seg" {
			t.Errorf("%s: segment %q", tg.Enterprise.ID, tg.Segment)
		}
		var sum float64
		for _, fc := range tg.Factors {
			sum += fc.Points
		}
		if math.Abs(sum-tg.Score) > 1e-9 {
			t.Errorf("%s: factors add up to %g, score %g", tg.Enterprise.ID, sum, tg.Score)
		}
	}
	if want := []string{"a", "a-c", "b", "d", "e"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	for id, want := range map[string]float64{"a": 63, "b": 35, "a-c": 35, "d": 10, "e": 5} {
		if scores[id] != want {
			t.Errorf("%s: score %g, want %g", id, scores[id], want)
		}
	}
	d := got[3]
	if d.DistanceKm == nil || *d.DistanceKm != 0 || !strings.Contains(d.ReasonEn, "no size figures are known") {
		t.Errorf("d: distance %v, reason %q", d.DistanceKm, d.ReasonEn)
	}
	if !strings.Contains(got[0].ReasonZh, "产能100") || !strings.Contains(got[0].ReasonZh, "链主") {
		t.Errorf("a: reason %q does not name its capacity and designation", got[0].ReasonZh)
	}
	if len(RankTargets(nil, "seg", nil)) != 0 {
		t.Error("no candidates, some targets")
	}
}
