package chainmap

import (
	"context"
	"fmt"
	"sync"
)

// GapQuery asks for the gap analysis of a chain in a scope.
type GapQuery struct {
	Chain     string
	Scope     Scope
	Overrides []ThresholdOverride
	// VerifiedOnly counts verified placements only, in the scope and everywhere (see
	// StatsQuery.VerifiedOnly); every segment still says how many it left out.
	VerifiedOnly bool
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

// gatherGapInput runs the store calls it needs concurrently: they are independent reads,
// and on Neo4j each is a round trip, so their latencies overlap instead of adding up.
// Errors are reported in a fixed order (chain, segments, scope…), whatever finishes first.
func gatherGapInput(ctx context.Context, s Store, q GapQuery) (*GapInput, error) {
	if err := q.Scope.Validate(); err != nil {
		return nil, err
	}
	in := &GapInput{Chain: q.Chain, Scope: q.Scope, Overrides: q.Overrides}
	var (
		chains     []*Chain
		local, all []SegmentStat
		covering   map[string]bool
		policies   []*Policy
		goals      []*Goal
		errs       [9]error
		wg         sync.WaitGroup
	)
	run := func(i int, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	run(0, func() (err error) {
		chains, err = s.Chains(ctx, IDQuery{IDs: []string{q.Chain}})
		return wrapErr("chain", err)
	})
	run(1, func() (err error) {
		in.Segments, err = s.Segments(ctx, SegmentQuery{Chain: q.Chain})
		return wrapErr("segments", err)
	})
	run(2, func() (err error) {
		local, err = s.SegmentStats(ctx, StatsQuery{Chain: q.Chain, Scope: q.Scope, VerifiedOnly: q.VerifiedOnly})
		return wrapErr("stats", err)
	})
	run(3, func() error {
		scopeRegions, err := scopeRegionIDs(ctx, s, q.Scope)
		if err != nil {
			return err
		}
		covering, err = regionAncestors(ctx, s, scopeRegions)
		return wrapErr("regions", err)
	})
	run(4, func() (err error) {
		in.Flows, err = s.Flows(ctx, FlowQuery{Chain: q.Chain})
		return wrapErr("flows", err)
	})
	run(5, func() (err error) {
		all, err = s.SegmentStats(ctx, StatsQuery{Chain: q.Chain, VerifiedOnly: q.VerifiedOnly})
		return wrapErr("stats", err)
	})
	run(6, func() (err error) { policies, err = s.Policies(ctx, PolicyQuery{}); return wrapErr("policies", err) })
	run(7, func() (err error) { goals, err = s.Goals(ctx, GoalQuery{}); return wrapErr("goals", err) })
	run(8, func() (err error) {
		in.Indicators, err = s.Indicators(ctx, IndicatorQuery{})
		return wrapErr("indicators", err)
	})
	wg.Wait()
	if errs[0] == nil && len(chains) == 0 {
		return nil, Errorf(ENOTFOUND, "no chain %q", q.Chain)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, o := range q.Overrides {
		if err := o.Validate(); err != nil {
			return nil, err
		}
		if o.Segment != "" && !hasSegment(in.Segments, o.Segment) {
			return nil, Errorf(EINVALID, "threshold override names segment %q, which is not in chain %q", o.Segment, q.Chain)
		}
	}
	in.Stats, in.Everywhere = statMap(local), statMap(all)
	for _, p := range policies {
		if len(p.Regions) == 0 || anyOf(p.Regions, covering) {
			in.Policies = append(in.Policies, p)
		}
	}
	for _, g := range goals {
		if (g.Region != "" && covering[g.Region]) || (g.Park != "" && g.Park == q.Scope.Park) {
			in.Goals = append(in.Goals, g)
		}
	}
	return in, nil
}

// wrapErr adds what the gap analysis was reading to a store error, keeping nil nil.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gap analysis: %s: %w", what, err)
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
