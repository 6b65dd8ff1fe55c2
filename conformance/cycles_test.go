package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestRoadmapLoopOnBothStores adds a return flow W3 → W2 (scrapped widgets back into
// parts) to the minimal dataset, closing the loop W2 → W3 → W2, and checks on both stores
// the roadmap for 上海 (310000), worked by hand: only W1 is local there (gamma), so W2,
// W2a and W3 are missing. W2 needs W3 (by the return flow) and W3 needs W2: one loop, one
// phase (1: nothing outside the loop is missing upstream of it — W1 is present), ordered by
// score inside it. W2a has no flows of its own and takes its parent's, so it needs W3:
// phase 2, after W3.
func TestRoadmapLoopOnBothStores(t *testing.T) {
	defer failOnMust(t)
	dir := t.TempDir()
	copyDir(t, "../testdata/minimal", dir)
	flows := "from,to,coefficient,coefficient_unit,kind,one_way,confidence\nW1,W2,1.5,t/t,,true,illustrative\nW2,W3,,,,,\nW3,W2,,,return,,\n"
	if err := os.WriteFile(filepath.Join(dir, "flows.csv"), []byte(flows), 0o644); err != nil {
		t.Fatal(err)
	}
	stores := loadAll(t, dir)
	var answers []string
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		rm := must(chainmap.PlanRoadmap(ctxT(t), s, chainmap.RoadmapQuery{Chain: "widget", Scope: chainmap.Scope{Region: "310000"}, TargetsPerStep: 1}))
		got := map[string]string{}
		var order []string
		for _, st := range rm.Steps {
			got[st.Gap.Segment.ID] = fmt.Sprintf("phase %d after %v loop %v", st.Phase, st.After, st.Loop)
			order = append(order, fmt.Sprintf("%s:%d:%.0f", st.Gap.Segment.ID, st.Phase, st.Gap.Score))
		}
		want := map[string]string{
			"W2":  "phase 1 after [] loop [W3]",
			"W3":  "phase 1 after [] loop [W2]",
			"W2a": "phase 2 after [W3] loop []",
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: %s, want %s (roadmap %v)", id, got[id], w, order)
			}
		}
		// Inside the loop's phase, steps run by score.
		for i := 1; i < len(rm.Steps); i++ {
			a, b := rm.Steps[i-1], rm.Steps[i]
			if a.Phase == b.Phase && a.Gap.Score < b.Gap.Score {
				t.Errorf("phase %d not ordered by score: %v", a.Phase, order)
			}
		}
		answers = append(answers, fmt.Sprint(order))
	})
	if len(answers) == 2 && answers[0] != answers[1] {
		t.Errorf("stores differ: %s / %s", answers[0], answers[1])
	}
}
