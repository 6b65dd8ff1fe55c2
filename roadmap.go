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
}

// Roadmap is the phased plan: phase 1 holds gaps that depend on no other gap of the
// plan; a gap that needs a missing upstream link of the plan comes in a later phase.
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
	phase := map[string]int{}
	var phaseOf func(id string, seen map[string]bool) int
	phaseOf = func(id string, seen map[string]bool) int {
		if p, ok := phase[id]; ok {
			return p
		}
		if seen[id] { // flows are acyclic (checked); guard anyway
			return 1
		}
		seen[id] = true
		p := 1
		for _, u := range in[id].Upstream {
			if ug, ok := in[u.Segment]; ok && ug.Status == StatusMissing {
				p = max(p, phaseOf(u.Segment, seen)+1)
			}
		}
		phase[id] = p
		return p
	}
	rm := &Roadmap{Chain: rep.Chain, Scope: rep.Scope, DataGaps: dataGaps}
	for _, g := range picked {
		st := &RoadmapStep{Phase: phaseOf(g.Segment.ID, map[string]bool{}), Gap: g, Policies: g.Policies, Goals: g.Goals}
		for _, u := range g.Upstream {
			if ug, ok := in[u.Segment]; ok && ug.Status == StatusMissing {
				st.After = append(st.After, u.Segment)
			}
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
