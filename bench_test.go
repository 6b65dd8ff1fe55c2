package chainmap_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/chainmap/chainmap"
)

// Benchmarks of the pure gap rules on synthetic inputs of realistic sizes: a chain of
// 25 segments (the synthetic datasets), 100 (a detailed plan such as Zhengzhou's with
// product families) and 400 (a national taxonomy), with flows between neighbouring
// stages, policies, goals and location-quotient indicators; and the 200-candidate pool
// the target ranking receives from a store. The rules see aggregates only, so their cost
// does not depend on the number of enterprises: these are the whole in-process cost of
// an analysis apart from the store calls. cmd/chainbench runs them for docs/performance.md.

var benchStages = []chainmap.Stage{"upstream", "midstream", "downstream", "end_product"}

// benchGapInput builds a chain of about n segments: per stage, tops with two children
// each, every top feeding every top of the next stage with a coefficient.
func benchGapInput(n int) chainmap.GapInput {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	tops := max(1, n/(3*len(benchStages)))
	in := chainmap.GapInput{Chain: "c", Scope: chainmap.Scope{Region: "410100"},
		Stats: map[string]chainmap.SegmentStat{}, Everywhere: map[string]chainmap.SegmentStat{}}
	var prev []string
	for si, st := range benchStages {
		var cur []string
		for t := 0; t < tops; t++ {
			top := fmt.Sprintf("s%d.%d", si, t)
			cur = append(cur, top)
			ids := []string{top}
			in.Segments = append(in.Segments, &chainmap.Segment{ID: top, Chain: "c", NameZh: "环节" + top, Stage: st, Order: t, Unit: "万吨/年"})
			for k := 0; k < 2; k++ {
				id := fmt.Sprintf("%s.%c", top, 'a'+k)
				ids = append(ids, id)
				in.Segments = append(in.Segments, &chainmap.Segment{ID: id, Chain: "c", Parent: top, NameZh: "环节" + id, Stage: st, Order: 10*t + k, Unit: "万吨/年"})
				v := 100 + r.Float64()*900
				in.Indicators = append(in.Indicators, &chainmap.Indicator{ID: "ind-" + id, Metric: "output", Region: "410100", Segment: id,
					Value: &v, Unit: "万吨", ShareOf: "410000", Share: ptr(5 + r.Float64()*20)})
			}
			for _, id := range ids {
				if r.IntN(3) > 0 { // a third of the segments are missing locally
					c := r.Float64() * 500
					in.Stats[id] = chainmap.SegmentStat{Segment: id, Enterprises: 1 + r.IntN(40), Capacity: &c, Revenue: r.Float64() * 100, WithRevenue: 1}
				}
				if r.IntN(10) > 0 {
					in.Everywhere[id] = chainmap.SegmentStat{Segment: id, Enterprises: 50 + r.IntN(5000)}
				}
			}
		}
		for _, p := range prev {
			for _, c := range cur {
				in.Flows = append(in.Flows, &chainmap.Flow{From: p, To: c, Coefficient: ptr(0.5 + r.Float64()), CoefficientUnit: "t/t"})
			}
		}
		prev = cur
	}
	for p := 0; p < 10; p++ {
		in.Policies = append(in.Policies, &chainmap.Policy{ID: fmt.Sprintf("pol%d", p), Document: "SYN", TitleZh: "补贴", Instrument: "subsidy",
			Segments: []string{in.Segments[r.IntN(len(in.Segments))].ID}})
	}
	for g := 0; g < 3; g++ {
		in.Goals = append(in.Goals, &chainmap.Goal{ID: fmt.Sprintf("goal%d", g), NameZh: "目标", Metric: "capacity", Region: "410100",
			Segment: in.Segments[r.IntN(len(in.Segments))].ID, TargetYear: 2027, Comparator: "ge", TargetValue: 100})
	}
	return in
}

func ptr(v float64) *float64 { return &v }

func BenchmarkAnalyseGaps(b *testing.B) {
	for _, n := range []int{25, 100, 400} {
		in := benchGapInput(n)
		b.Run(fmt.Sprintf("segments=%d", len(in.Segments)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := chainmap.AnalyseGaps(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchCandidates(n int) []chainmap.Candidate {
	r := rand.New(rand.NewPCG(2, uint64(n)))
	des := []string{"规上", "专精特新", "高新", "上市", "链主"}
	out := make([]chainmap.Candidate, n)
	for i := range out {
		rev, capv := r.Float64()*200, r.Float64()*300
		lon, lat := 80+r.Float64()*45, 20+r.Float64()*25
		e := &chainmap.Enterprise{ID: fmt.Sprintf("e%07d", i), NameZh: fmt.Sprintf("合成企业%07d", i), Region: "110101", Revenue: &rev}
		for _, d := range des {
			if r.IntN(4) == 0 {
				e.Designations = append(e.Designations, d)
			}
		}
		c := chainmap.Candidate{Enterprise: e, Capacity: &capv, Segments: []string{"s1.0.a"}, LinksToScope: r.IntN(3), Lon: &lon, Lat: &lat}
		for p := 0; p < r.IntN(3); p++ {
			y := 2023 + p
			c.Projects = append(c.Projects, &chainmap.Project{ID: fmt.Sprintf("pj%d-%d", i, p), NameZh: "项目", Stage: "signed", StartYear: &y})
		}
		out[i] = c
	}
	return out
}

func BenchmarkRankTargets(b *testing.B) {
	for _, n := range []int{20, 200} {
		cands := benchCandidates(n)
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ts := chainmap.RankTargets(cands, "s1.0.a", []float64{113.6, 34.7}); len(ts) != n {
					b.Fatalf("got %d targets", len(ts))
				}
			}
		})
	}
}

func BenchmarkBuildRoadmap(b *testing.B) {
	for _, n := range []int{25, 100, 400} {
		rep, err := chainmap.AnalyseGaps(benchGapInput(n))
		if err != nil {
			b.Fatal(err)
		}
		for _, steps := range []int{12, 50} {
			b.Run(fmt.Sprintf("segments=%d/steps=%d", len(rep.Segments), steps), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if rm := chainmap.BuildRoadmap(rep, steps); len(rm.Steps) == 0 {
						b.Fatal("empty roadmap")
					}
				}
			})
		}
	}
}
