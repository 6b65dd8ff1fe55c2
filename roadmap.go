package chainmap

import (
	"context"
	"sort"
)

// RoadmapQuery asks for the investment-promotion roadmap of a chain in a scope.
type RoadmapQuery struct {
	Chain string
	Scope Scope
	// Steps bounds how many gaps the roadmap takes, highest score first (default 12).
	Steps int
	// TargetsPerStep is how many targets each step names (default 3).
	TargetsPerStep int
	Overrides      []ThresholdOverride
}

// RoadmapStep is one gap to close, with whom, where and with which support.
type RoadmapStep struct {
	Phase    int
	Gap      *SegmentGap
	Targets  []*Target
	Host     *HostPark
	Policies []*Policy
	Goals    []*Goal
	// After lists the earlier steps' segments this one depends on (missing upstream links).
	After []string
	// Loop lists the other segments of the plan on the same loop of flows (a strongly
	// connected component): they depend on each other and share this step's phase.
	Loop []string
}

// Roadmap is the phased plan: phase 1 holds gaps that depend on no other gap of the
// plan; a gap that needs a missing upstream link of the plan comes in a later phase;
// the gaps of one loop share a phase.
type Roadmap struct {
	Chain string
	Scope Scope
	Steps []*RoadmapStep
	// DataGaps are missing links that no enterprise in the dataset operates in: there is
	// nobody to attract yet, so they call for research (or better data), not a step.
	DataGaps []*SegmentGap
}

// BuildRoadmap orders gaps by dependency and score (pure: table-tested). gaps is a gap
// report's segments; only MISSING and WEAK ones are taken, at most steps of them.
func BuildRoadmap(rep *GapReport, steps int) *Roadmap {
	if steps <= 0 {
		steps = 12
	}
	var picked, dataGaps []*SegmentGap
	for _, g := range rep.Segments { // already sorted by score
		switch {
		case g.Status == StatusStrong:
		case g.Status == StatusMissing && g.Elsewhere == 0:
			dataGaps = append(dataGaps, g)
		case len(picked) < steps:
			picked = append(picked, g)
		}
	}
	in := map[string]*SegmentGap{}
	for _, g := range picked {
		in[g.Segment.ID] = g
	}
	// A gap depends on the missing upstream neighbours that are also in the plan (you
	// cannot feed a link whose input is still missing). Flows may loop (recycling), so the
	// dependencies are grouped into strongly connected components: the members of one
	// loop depend on each other and share a phase; a component's phase is one more than
	// that of any component it depends on.
	deps := map[string][]string{}
	for _, g := range picked {
		for _, u := range g.Upstream {
			if ug, ok := in[u.Segment]; ok && ug.Status == StatusMissing && u.Segment != g.Segment.ID {
				deps[g.Segment.ID] = append(deps[g.Segment.ID], u.Segment)
			}
		}
	}
	ids := make([]string, len(picked))
	for i, g := range picked {
		ids[i] = g.Segment.ID
	}
	comp, comps := stronglyConnected(ids, deps)
	compPhase := make([]int, len(comps))
	// Tarjan's algorithm returns components dependencies first, so one pass suffices.
	for c, members := range comps {
		p := 1
		for _, id := range members {
			for _, d := range deps[id] {
				if dc := comp[d]; dc != c {
					p = max(p, compPhase[dc]+1)
				}
			}
		}
		compPhase[c] = p
	}
	rm := &Roadmap{Chain: rep.Chain, Scope: rep.Scope, DataGaps: dataGaps}
	for _, g := range picked {
		c := comp[g.Segment.ID]
		st := &RoadmapStep{Phase: compPhase[c], Gap: g, Policies: g.Policies, Goals: g.Goals}
		for _, d := range deps[g.Segment.ID] {
			if comp[d] != c {
				st.After = append(st.After, d)
			}
		}
		if len(comps[c]) > 1 {
			for _, id := range comps[c] {
				if id != g.Segment.ID {
					st.Loop = append(st.Loop, id)
				}
			}
			sort.Strings(st.Loop)
		}
		rm.Steps = append(rm.Steps, st)
	}
	sort.SliceStable(rm.Steps, func(i, j int) bool {
		if rm.Steps[i].Phase != rm.Steps[j].Phase {
			return rm.Steps[i].Phase < rm.Steps[j].Phase
		}
		return rm.Steps[i].Gap.Score > rm.Steps[j].Gap.Score
	})
	return rm
}

// PlanRoadmap runs the gap analysis, builds the roadmap and names targets and a host
// park for every step.
func PlanRoadmap(ctx context.Context, s Store, q RoadmapQuery) (*Roadmap, error) {
	rep, err := GapAnalysis(ctx, s, GapQuery{Chain: q.Chain, Scope: q.Scope, Overrides: q.Overrides})
	if err != nil {
		return nil, err
	}
	rm := BuildRoadmap(rep, q.Steps)
	per := q.TargetsPerStep
	if per <= 0 {
		per = 3
	}
	hp, err := newHostPicker(ctx, s, q.Chain, q.Scope)
	if err != nil {
		return nil, err
	}
	origin, err := scopePoint(ctx, s, q.Scope)
	if err != nil {
		return nil, err
	}
	for _, st := range rm.Steps {
		ts, err := investmentTargets(ctx, s, TargetQuery{Chain: q.Chain, Scope: q.Scope, Segment: st.Gap.Segment.ID, First: per}, hp, origin)
		if err != nil {
			return nil, err
		}
		st.Targets = ts
		st.Host = hp.pick(st.Gap.Segment.ID)
	}
	return rm, nil
}

// stronglyConnected groups nodes into strongly connected components of the graph given
// by deps (node → nodes it depends on), with Tarjan's algorithm. Components come out
// dependencies first; comp maps each node to its component's index. Nodes are visited in
// the given order, so the result is deterministic.
func stronglyConnected(nodes []string, deps map[string][]string) (comp map[string]int, comps [][]string) {
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	comp = map[string]int{}
	next := 0
	var visit func(n string)
	visit = func(n string) {
		index[n], low[n] = next, next
		next++
		stack = append(stack, n)
		onStack[n] = true
		for _, d := range deps[n] {
			if _, seen := index[d]; !seen {
				visit(d)
				low[n] = min(low[n], low[d])
			} else if onStack[d] {
				low[n] = min(low[n], index[d])
			}
		}
		if low[n] == index[n] {
			var members []string
			for {
				m := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[m] = false
				comp[m] = len(comps)
				members = append(members, m)
				if m == n {
					break
				}
			}
			comps = append(comps, members)
		}
	}
	for _, n := range nodes {
		if _, seen := index[n]; !seen {
			visit(n)
		}
	}
	return comp, comps
}
