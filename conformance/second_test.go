package conformance

import (
	"testing"

	"github.com/chainmap/chainmap"
)

// TestSecondDataset loads a dataset of another chain in another city, written from
// docs/dataset-format.md alone (fictional, illustrative enterprises in Hefei's battery
// chain), and checks the analysis gives what its author designed: nothing in the code is
// specific to aluminium or Zhengzhou.
func TestSecondDataset(t *testing.T) {
	stores := loadAll(t, "../testdata/hefei-battery")
	want := map[string]struct {
		status chainmap.GapStatus
		kind   chainmap.GapKind
	}{
		"bt.U1.1": {chainmap.StatusMissing, chainmap.GapFill},
		"bt.U1.2": {chainmap.StatusMissing, chainmap.GapBuild},
		"bt.U2.0": {chainmap.StatusMissing, chainmap.GapFill},
		"bt.U2.2": {chainmap.StatusMissing, chainmap.GapFill},
		"bt.U2.5": {chainmap.StatusMissing, chainmap.GapFill},
		"bt.S1.1": {chainmap.StatusMissing, chainmap.GapFill},
		"bt.S1.2": {chainmap.StatusMissing, chainmap.GapExtend},
		"bt.U2.3": {chainmap.StatusWeak, chainmap.GapStrengthen},
		"bt.D2":   {chainmap.StatusWeak, chainmap.GapStrengthen},
		"bt.U2.1": {chainmap.StatusStrong, chainmap.GapNone},
		"bt.M1":   {chainmap.StatusStrong, chainmap.GapNone},
		"bt.D1":   {chainmap.StatusStrong, chainmap.GapNone},
		"bt.S2":   {chainmap.StatusStrong, chainmap.GapNone},
	}
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		rep := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "battery", Scope: chainmap.Scope{Region: "340100"}}))
		if rep.Total != 19 || rep.Present != 10 {
			t.Errorf("present %d of %d, want 10 of 19", rep.Present, rep.Total)
		}
		for id, w := range want {
			if g := gapOf(rep, id); g.Status != w.status || g.Kind != w.kind {
				t.Errorf("%s = %s/%s, want %s/%s", id, g.Status, g.Kind, w.status, w.kind)
			}
		}
		if top := rep.Segments[0].Segment.ID; top != "bt.U2.2" {
			t.Errorf("highest-scoring gap = %s, want the anode (bt.U2.2)", top)
		}
		ts := must(chainmap.InvestmentTargets(ctxT(t), s, chainmap.TargetQuery{Chain: "battery", Scope: chainmap.Scope{Region: "340100"}, Segment: "bt.U2.2"}))
		if len(ts) < 2 || ts[0].Enterprise.ID != "x-anode-a" || ts[0].Host == nil || ts[0].Host.Park.ID != "hf-park-c" {
			t.Errorf("anode targets = %v", targetIDs(ts))
		}
	})
}
