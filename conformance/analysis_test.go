package conformance

import (
	"encoding/json"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestAnalysisZhengzhou holds the analysis to what the seed itself states, on both
// stores, and checks both stores give the same answers.
func TestAnalysisZhengzhou(t *testing.T) {
	defer failOnMust(t)
	stores := loadAll(t, "../data/zhengzhou-aluminium")
	city := chainmap.Scope{Region: "410100"}

	t.Run("end products are small (终端制品规模偏小): weak or missing", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			rep := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: city}))
			for _, g := range rep.Segments {
				if g.Segment.Stage == chainmap.StageEndProduct && g.Status == chainmap.StatusStrong {
					t.Errorf("end product %s is STRONG in Zhengzhou; the seed calls end products small", g.Segment.ID)
				}
			}
			g := gapOf(t, rep, "M1a")
			if g.Status == chainmap.StatusMissing {
				t.Errorf("plate/strip (长江以北最大的铝板带箔加工生产基地) is missing")
			}
			if rep.Completeness <= 0 || rep.Completeness >= 1 || rep.Total != len(rep.Segments) {
				t.Errorf("completeness %v of %d", rep.Completeness, rep.Total)
			}
		})
	})

	t.Run("巩义 covers rolling", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			rep := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: chainmap.Scope{Region: "410181"}}))
			for _, id := range []string{"M1", "M1a", "M1b"} {
				if g := gapOf(t, rep, id); g.Stat.Enterprises == 0 {
					t.Errorf("巩义 has no enterprise in %s", id)
				}
			}
			park := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: chainmap.Scope{Park: "gongyi-zone"}}))
			if g := gapOf(t, park, "M1a"); g.Stat.Enterprises == 0 {
				t.Errorf("the 巩义 zone (with its sub-parks) has no plate/strip enterprise")
			}
		})
	})

	t.Run("whatIf takes an existing enterprise's known capacity", func(t *testing.T) {
		defer failOnMust(t)
		capOf := func(r *chainmap.GapReport, id string) float64 {
			if c := gapOf(t, r, id).Stat.Capacity; c != nil {
				return *c
			}
			return 0
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			run := func(add, remove []chainmap.WhatIfChange) *chainmap.WhatIfResult {
				return must(chainmap.WhatIf(ctxT(t), s, chainmap.WhatIfQuery{Chain: "aluminium", Scope: city, Add: add, Remove: remove}))
			}
			// 南山 (烟台) records 15万吨/年 of plate and strip: attracting it to 巩义 without a
			// capacity brings those 15 to M1a and to its parent M1.
			res := run([]chainmap.WhatIfChange{{Enterprise: "nanshan", Segment: "M1a", Region: "410181"}}, nil)
			for _, sg := range []string{"M1a", "M1"} {
				if d := capOf(res.After, sg) - capOf(res.Before, sg); d != 15 {
					t.Errorf("%s capacity moved by %v, want the 15 南山 records", sg, d)
				}
			}
			// A capacity given wins over the known one.
			one := 1.0
			res = run([]chainmap.WhatIfChange{{Enterprise: "nanshan", Segment: "M1a", Region: "410181", Capacity: &one}}, nil)
			if d := capOf(res.After, "M1a") - capOf(res.Before, "M1a"); d != 1 {
				t.Errorf("explicit capacity: M1a moved by %v, want 1", d)
			}
			// 中部陆港 is in the scope already: adding it again adds nothing, removing it
			// takes its 1500万吨/年 away.
			res = run([]chainmap.WhatIfChange{{Enterprise: "zhongbu-lugang", Segment: "S3"}}, nil)
			if d := capOf(res.After, "S3") - capOf(res.Before, "S3"); d != 0 {
				t.Errorf("re-adding an enterprise in scope moved S3 by %v, want 0", d)
			}
			res = run(nil, []chainmap.WhatIfChange{{Enterprise: "zhongbu-lugang", Segment: "S3"}})
			if d := capOf(res.After, "S3") - capOf(res.Before, "S3"); d != -1500 {
				t.Errorf("removing 中部陆港 moved S3 by %v, want -1500", d)
			}
		})
	})

	t.Run("the seed's key projects close the gaps they aim at", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			projects := must(s.Projects(ctxT(t), chainmap.ProjectQuery{Region: "410100"}))
			var add []chainmap.WhatIfChange
			for _, p := range projects {
				if !cites(p.Provenance, "SEED#三(三)1") || p.Enterprise == "" {
					continue
				}
				for _, sg := range p.Segments {
					add = append(add, chainmap.WhatIfChange{Enterprise: p.Enterprise, Segment: sg, Park: p.Park, Region: p.Region})
				}
			}
			if len(add) < 6 {
				t.Fatalf("only %d project segments", len(add))
			}
			res := must(chainmap.WhatIf(ctxT(t), s, chainmap.WhatIfQuery{Chain: "aluminium", Scope: city, Add: add}))
			for _, c := range add {
				if g := gapOf(t, res.After, c.Segment); g.Status == chainmap.StatusMissing {
					t.Errorf("after project of %s, %s is still missing", c.Enterprise, c.Segment)
				}
			}
			// 明泰's automotive sheet fills the car-body link, missing today.
			if b, a := gapOf(t, res.Before, "E1.body"), gapOf(t, res.After, "E1.body"); b.Status != chainmap.StatusMissing || a.Status == chainmap.StatusMissing {
				t.Errorf("E1.body: %s → %s, want MISSING → present", b.Status, a.Status)
			}
			if len(res.Changes) == 0 || res.After.Present <= res.Before.Present {
				t.Errorf("what-if changed nothing: %d → %d present", res.Before.Present, res.After.Present)
			}
			// Nothing was written: the graph still answers as before.
			again := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: city}))
			if again.Present != res.Before.Present {
				t.Errorf("what-if wrote to the store: %d present now, %d before", again.Present, res.Before.Present)
			}
		})
	})

	t.Run("targets and host parks", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			ts := must(chainmap.InvestmentTargets(ctxT(t), s, chainmap.TargetQuery{Chain: "aluminium", Scope: city, Segment: "E1.wheel", First: 5}))
			cov := must(chainmap.CoverScope(ctxT(t), s, city))
			if len(ts) == 0 || ts[0].Enterprise.ID != "dicastal" {
				t.Fatalf("wheel targets = %v, want 中信戴卡 first", targetIDs(ts))
			}
			for _, tg := range ts {
				if tg.Enterprise.Region == "" || tg.Host == nil || tg.ReasonZh == "" {
					t.Errorf("target %s lacks region, host or reason", tg.Enterprise.ID)
				}
				// Inside means anywhere in the city's subtree or its parks, not only 410100 itself.
				if cov.Contains(tg.Enterprise.Region, tg.Enterprise.Park) {
					t.Errorf("target %s (%s) is inside the scope", tg.Enterprise.ID, tg.Enterprise.Region)
				}
			}
		})
	})

	t.Run("goals progress", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			g := must(s.Goals(ctxT(t), chainmap.GoalQuery{IDs: []string{"enterprises-ge-50-2021"}}))[0]
			p := must(chainmap.ProgressOf(ctxT(t), s, g))
			// Enterprises without a revenue are not counted: the count is a lower bound.
			if !p.Derived || p.Current == nil || p.Qualifier != chainmap.QualifierAtLeast {
				t.Fatalf("progress = %+v", p)
			}
			// At least n against 8–10: unknown unless n already exceeds 10.
			if want := *p.Current > 10; (p.OnTrack == nil) == want || (p.OnTrack != nil && *p.OnTrack) {
				t.Errorf("at least %v against 8–10: on track %v", *p.Current, p.OnTrack)
			}
			// Count by hand: active enterprises in Zhengzhou with revenue ≥ 50亿元.
			page := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{Region: "410100"}))
			n := 0
			for _, e := range page.Enterprises {
				if e.Active() && e.Revenue != nil && *e.Revenue >= 50 {
					n++
				}
			}
			if int(*p.Current) != n {
				t.Errorf("derived %v, counted %d", *p.Current, n)
			}
		})
	})

	t.Run("same answers on both stores", func(t *testing.T) {
		defer failOnMust(t)
		if len(stores) < 2 {
			t.Skip("Neo4j not configured")
		}
		questions := map[string]func(s chainmap.Store) (any, error){
			"stats city": func(s chainmap.Store) (any, error) {
				return s.SegmentStats(ctxT(t), chainmap.StatsQuery{Chain: "aluminium", Scope: city})
			},
			"stats park": func(s chainmap.Store) (any, error) {
				return s.SegmentStats(ctxT(t), chainmap.StatsQuery{Chain: "aluminium", Scope: chainmap.Scope{Park: "gongyi-zone"}})
			},
			"gaps": func(s chainmap.Store) (any, error) {
				return chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: city})
			},
			"candidates": func(s chainmap.Store) (any, error) {
				return s.Candidates(ctxT(t), chainmap.CandidateQuery{Chain: "aluminium", Segment: "M1", Scope: city, Limit: 50})
			},
			"roadmap": func(s chainmap.Store) (any, error) {
				return chainmap.PlanRoadmap(ctxT(t), s, chainmap.RoadmapQuery{Chain: "aluminium", Scope: city, Steps: 6})
			},
			"cluster": func(s chainmap.Store) (any, error) {
				return chainmap.ComposeCluster(ctxT(t), s, "aluminium", "gongyi-zone", "")
			},
		}
		for name, ask := range questions {
			var first []byte
			for i, sc := range stores {
				v, err := ask(sc.store)
				if err != nil {
					t.Fatalf("%s on %s: %v", name, sc.name, err)
				}
				b, _ := json.Marshal(v)
				if i == 0 {
					first = b
				} else if string(b) != string(first) {
					t.Errorf("%s differs between %s and %s:\n%s\n%s", name, stores[0].name, sc.name, first, b)
				}
			}
		}
	})
}

func gapOf(t *testing.T, r *chainmap.GapReport, id string) *chainmap.SegmentGap {
	t.Helper()
	for _, g := range r.Segments {
		if g.Segment.ID == id {
			return g
		}
	}
	t.Fatalf("the report has no segment %s (a zero gap would pass checks of zero)", id)
	return nil
}

func targetIDs(ts []*chainmap.Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Enterprise.ID)
	}
	return out
}
