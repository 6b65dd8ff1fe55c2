package chainmap

import (
	"context"
	"fmt"
)

// GapQuery asks for the gap analysis of a chain in a scope.
type GapQuery struct {
	Chain     string
	Scope     Scope
	Overrides []ThresholdOverride
}

// GapAnalysis gathers what the gap rules need from a store, with a fixed number of
// calls whatever the size of the graph (the per-segment aggregation happens in the
// store), and applies the rules.
func GapAnalysis(ctx context.Context, s Store, q GapQuery) (*GapReport, error) {
	in, err := gatherGapInput(ctx, s, q)
	if err != nil {
		return nil, err
	}
	return AnalyseGaps(*in)
}

func gatherGapInput(ctx context.Context, s Store, q GapQuery) (*GapInput, error) {
	if err := q.Scope.Validate(); err != nil {
		return nil, err
	}
	chains, err := s.Chains(ctx, IDQuery{IDs: []string{q.Chain}})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: %w", err)
	}
	if len(chains) == 0 {
		return nil, Errorf(ENOTFOUND, "no chain %q", q.Chain)
	}
	in := &GapInput{Chain: q.Chain, Scope: q.Scope, Overrides: q.Overrides}
	if in.Segments, err = s.Segments(ctx, SegmentQuery{Chain: q.Chain}); err != nil {
		return nil, fmt.Errorf("gap analysis: segments: %w", err)
	}
	for _, o := range q.Overrides {
		if o.Segment != "" && !hasSegment(in.Segments, o.Segment) {
			return nil, Errorf(EINVALID, "threshold override names segment %q, which is not in chain %q", o.Segment, q.Chain)
		}
	}
	if in.Flows, err = s.Flows(ctx, FlowQuery{Chain: q.Chain}); err != nil {
		return nil, fmt.Errorf("gap analysis: flows: %w", err)
	}
	local, err := s.SegmentStats(ctx, StatsQuery{Chain: q.Chain, Scope: q.Scope})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: stats: %w", err)
	}
	all, err := s.SegmentStats(ctx, StatsQuery{Chain: q.Chain})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: stats: %w", err)
	}
	in.Stats, in.Everywhere = statMap(local), statMap(all)
	scopeRegions, err := scopeRegionIDs(ctx, s, q.Scope)
	if err != nil {
		return nil, err
	}
	covering, err := regionAncestors(ctx, s, scopeRegions)
	if err != nil {
		return nil, fmt.Errorf("gap analysis: regions: %w", err)
	}
	policies, err := s.Policies(ctx, PolicyQuery{})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: policies: %w", err)
	}
	for _, p := range policies {
		if len(p.Regions) == 0 || anyOf(p.Regions, covering) {
			in.Policies = append(in.Policies, p)
		}
	}
	goals, err := s.Goals(ctx, GoalQuery{})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: goals: %w", err)
	}
	for _, g := range goals {
		if (g.Region != "" && covering[g.Region]) || (g.Park != "" && g.Park == q.Scope.Park) {
			in.Goals = append(in.Goals, g)
		}
	}
	if in.Indicators, err = s.Indicators(ctx, IndicatorQuery{}); err != nil {
		return nil, fmt.Errorf("gap analysis: indicators: %w", err)
	}
	return in, nil
}

func hasSegment(segs []*Segment, id string) bool {
	for _, s := range segs {
		if s.ID == id {
			return true
		}
	}
	return false
}

func statMap(l []SegmentStat) map[string]SegmentStat {
	m := make(map[string]SegmentStat, len(l))
	for _, s := range l {
		m[s.Segment] = s
	}
	return m
}

// scopeRegionIDs returns the region of a region scope, or the regions a park spans.
func scopeRegionIDs(ctx context.Context, s Store, sc Scope) ([]string, error) {
	if sc.Region != "" {
		return []string{sc.Region}, nil
	}
	parks, err := s.Parks(ctx, ParkQuery{IDs: []string{sc.Park}})
	if err != nil {
		return nil, fmt.Errorf("gap analysis: park: %w", err)
	}
	if len(parks) == 0 {
		return nil, Errorf(ENOTFOUND, "no park %q", sc.Park)
	}
	return parks[0].Regions, nil
}

// regionAncestors returns the given regions and all their ancestors, walking up one
// level per store call (a handful of calls: administrative trees are shallow).
func regionAncestors(ctx context.Context, s Store, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	frontier := ids
	for depth := 0; len(frontier) > 0 && depth < 16; depth++ {
		regs, err := s.Regions(ctx, RegionQuery{IDs: frontier})
		if err != nil {
			return nil, err
		}
		frontier = nil
		for _, r := range regs {
			out[r.ID] = true
			if r.Parent != "" && !out[r.Parent] {
				frontier = append(frontier, r.Parent)
			}
		}
	}
	return out, nil
}

func anyOf(l []string, m map[string]bool) bool {
	for _, x := range l {
		if m[x] {
			return true
		}
	}
	return false
}
