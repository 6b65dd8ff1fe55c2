package conformance

import (
	"fmt"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestSecondDataset loads a dataset of another chain in another city, written from
// docs/dataset-format.md alone (fictional, illustrative enterprises in Hefei's battery
// chain), and checks the analysis gives what its author designed: nothing in the code is
// specific to aluminium or Zhengzhou.
func TestSecondDataset(t *testing.T) {
	defer failOnMust(t)
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
			if g := gapOf(t, rep, id); g.Status != w.status || g.Kind != w.kind {
				t.Errorf("%s = %s/%s, want %s/%s", id, g.Status, g.Kind, w.status, w.kind)
			}
		}
		if top := rep.Segments[0].Segment.ID; top != "bt.U2.2" {
			t.Errorf("highest-scoring gap = %s, want the anode (bt.U2.2)", top)
		}
		// The recycling loop (bt.D1 ⇢ bt.S1.2 → bt.U1.1 → … → bt.D1), by hand: kinds and
		// scores above are unchanged (the new neighbours have no local enterprise, and the
		// return flows out of bt.D1 are not demand); in the roadmap the missing recycler
		// bt.S1.2 now comes before the salts it feeds: bt.S1.2 phase 1, bt.U1.1 and bt.U1.2
		// phase 2 (after bt.S1.2), bt.U2.0 phase 3 (after bt.U1.2; it was 2).
		if g := gapOf(t, rep, "bt.S1.2"); len(g.Upstream) != 1 || !g.Upstream[0].Return || len(g.Downstream) != 2 {
			t.Errorf("bt.S1.2 neighbours: up %+v down %+v", g.Upstream, g.Downstream)
		}
		rm := must(chainmap.PlanRoadmap(ctxT(t), s, chainmap.RoadmapQuery{Chain: "battery", Scope: chainmap.Scope{Region: "340100"}, TargetsPerStep: 1}))
		phases := map[string]string{}
		for _, st := range rm.Steps {
			phases[st.Gap.Segment.ID] = fmt.Sprintf("%d%v", st.Phase, st.After)
		}
		for id, w := range map[string]string{"bt.S1.2": "1[]", "bt.U1.1": "2[bt.S1.2]", "bt.U1.2": "2[bt.S1.2]", "bt.U2.0": "3[bt.U1.2]"} {
			if phases[id] != w {
				t.Errorf("roadmap %s = %s, want phase %s", id, phases[id], w)
			}
		}
		ts := must(chainmap.InvestmentTargets(ctxT(t), s, chainmap.TargetQuery{Chain: "battery", Scope: chainmap.Scope{Region: "340100"}, Segment: "bt.U2.2"}))
		if len(ts) < 2 || ts[0].Enterprise.ID != "x-anode-a" || ts[0].Host == nil || ts[0].Host.Park.ID != "hf-park-c" {
			t.Errorf("anode targets = %v", targetIDs(ts))
		}
	})
}
