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
	if rr, ok := s.(ReferenceReader); ok {
		return gatherWithReferences(ctx, s, rr, q)
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
	return finishGapInput(in, q, local, all, covering, policies, goals)
}

// gatherWithReferences reads the reference tables of one dataset version in one call
// and only the two aggregates from the store, concurrently: on Neo4j a city's analysis
// then costs the version check and the statistics queries instead of about twelve round
// trips (issue 18). A store that can hand out all three at once (GapInputReader) is
// asked first: one query when its caches hold the version. Errors come in the same order
// as gatherGapInput's.
func gatherWithReferences(ctx context.Context, s Store, rr ReferenceReader, q GapQuery) (*GapInput, error) {
	if g, ok := s.(GapInputReader); ok {
		refs, local, all, ok, err := g.GapInputs(ctx, StatsQuery{Chain: q.Chain, Scope: q.Scope, VerifiedOnly: q.VerifiedOnly})
		if err != nil {
			return nil, wrapErr("stats", err)
		}
		if ok && refs.Chain(q.Chain) != nil && (q.Scope.Park == "" || refs.Park(q.Scope.Park) != nil) {
			return finishWithReferences(refs, local, all, q)
		}
	}
	var (
		refs       *ReferenceTables
		local, all []SegmentStat
		errs       [3]error
		wg         sync.WaitGroup
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		var err error
		refs, err = rr.References(ctx)
		errs[0] = wrapErr("reference tables", err)
	}()
	go func() {
		defer wg.Done()
		var err error
		local, err = s.SegmentStats(ctx, StatsQuery{Chain: q.Chain, Scope: q.Scope, VerifiedOnly: q.VerifiedOnly})
		errs[1] = wrapErr("stats", err)
	}()
	go func() {
		defer wg.Done()
		var err error
		all, err = s.SegmentStats(ctx, StatsQuery{Chain: q.Chain, VerifiedOnly: q.VerifiedOnly})
		errs[2] = wrapErr("stats", err)
	}()
	wg.Wait()
	if errs[0] != nil {
		return nil, errs[0]
	}
	if refs.Chain(q.Chain) == nil {
		return nil, Errorf(ENOTFOUND, "no chain %q", q.Chain)
	}
	if errs[1] != nil {
		return nil, errs[1]
	}
	if q.Scope.Park != "" && refs.Park(q.Scope.Park) == nil {
		return nil, Errorf(ENOTFOUND, "no park %q", q.Scope.Park)
	}
	if errs[2] != nil {
		return nil, errs[2]
	}
	return finishWithReferences(refs, local, all, q)
}

// finishWithReferences builds the analysis input from the reference tables and the two
// aggregates.
func finishWithReferences(refs *ReferenceTables, local, all []SegmentStat, q GapQuery) (*GapInput, error) {
	scopeRegions := []string{q.Scope.Region}
	if q.Scope.Park != "" {
		scopeRegions = refs.Park(q.Scope.Park).Regions
	}
	in := &GapInput{Chain: q.Chain, Scope: q.Scope, Overrides: q.Overrides,
		Segments: refs.ChainSegments(q.Chain), Flows: refs.ChainFlows(q.Chain),
		Indicators: append([]*Indicator(nil), refs.Indicators...)}
	return finishGapInput(in, q, local, all, refs.RegionAncestors(scopeRegions), refs.Policies, refs.Goals)
}

// finishGapInput checks the overrides against the chain's segments and keeps the
// policies and goals that apply to the scope (those of the scope's regions and their
// ancestors, or of the park itself).
func finishGapInput(in *GapInput, q GapQuery, local, all []SegmentStat, covering map[string]bool, policies []*Policy, goals []*Goal) (*GapInput, error) {
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
