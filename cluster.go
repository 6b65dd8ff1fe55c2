package chainmap

import (
	"context"
	"fmt"
	"sort"
)

// ClusterSegment is one segment as a park holds it, against a reference region.
type ClusterSegment struct {
	Segment     *Segment
	Enterprises int
	Capacity    *float64
	// LQ is the park's specialisation against the reference region, on enterprise
	// counts: (park_X / park_total) / (ref_X / ref_total); nil when undefined.
	LQ *float64
}

// ClusterComposition is what a park (cluster) actually holds of a chain.
type ClusterComposition struct {
	Park  *Park
	Chain string
	// Reference is the region the park is compared with.
	Reference string
	// Enterprises counts the park's active enterprises in the chain.
	Enterprises int
	ByStage     []StageCompleteness
	Segments    []ClusterSegment
	// Coverage is the share of the chain's segments present in the park.
	Coverage float64
	Projects []*Project
	// Hostable are the reference region's gaps in the park's focus segments (or their
	// families): what the park could host.
	Hostable []*SegmentGap
}

// ComposeCluster describes a park's composition for a chain against a reference region
// (default: the region the park lies in, one level up when that is a county).
func ComposeCluster(ctx context.Context, s Store, chain, park, reference string) (*ClusterComposition, error) {
	parks, err := s.Parks(ctx, ParkQuery{IDs: []string{park}})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	if len(parks) == 0 {
		return nil, Errorf(ENOTFOUND, "no park %q", park)
	}
	p := parks[0]
	if reference == "" {
		reference, err = defaultReference(ctx, s, p)
		if err != nil {
			return nil, err
		}
	}
	segs, err := s.Segments(ctx, SegmentQuery{Chain: chain})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	if len(segs) == 0 {
		return nil, Errorf(ENOTFOUND, "no chain %q", chain)
	}
	local, err := s.SegmentStats(ctx, StatsQuery{Chain: chain, Scope: Scope{Park: park}})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	ref, err := s.SegmentStats(ctx, StatsQuery{Chain: chain, Scope: Scope{Region: reference}})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	parkTotal, err := s.Enterprises(ctx, EnterpriseQuery{Park: park, Chain: chain, Status: StatusActive, First: 1})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	refTotal, err := s.Enterprises(ctx, EnterpriseQuery{Region: reference, Chain: chain, Status: StatusActive, First: 1})
	if err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	lm, rm := statMap(local), statMap(ref)
	cc := &ClusterComposition{Park: p, Chain: chain, Reference: reference, Enterprises: parkTotal.Total}
	stages := map[Stage]*StageCompleteness{}
	present := 0
	for _, sg := range segs {
		l, r := lm[sg.ID], rm[sg.ID]
		cs := ClusterSegment{Segment: sg, Enterprises: l.Enterprises, Capacity: l.Capacity}
		if parkTotal.Total > 0 && refTotal.Total > 0 && r.Enterprises > 0 {
			v := round((float64(l.Enterprises) / float64(parkTotal.Total)) / (float64(r.Enterprises) / float64(refTotal.Total)))
			cs.LQ = &v
		}
		cc.Segments = append(cc.Segments, cs)
		st := stages[sg.Stage]
		if st == nil {
			st = &StageCompleteness{Stage: sg.Stage}
			stages[sg.Stage] = st
		}
		st.Total++
		if l.Enterprises > 0 {
			st.Present++
			present++
		}
	}
	cc.Coverage = float64(present) / float64(len(segs))
	for _, stg := range Stages {
		if st := stages[stg]; st != nil {
			cc.ByStage = append(cc.ByStage, *st)
		}
	}
	sort.SliceStable(cc.Segments, func(i, j int) bool {
		a, b := cc.Segments[i].Segment, cc.Segments[j].Segment
		if StageRank(a.Stage) != StageRank(b.Stage) {
			return StageRank(a.Stage) < StageRank(b.Stage)
		}
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return a.ID < b.ID
	})
	if cc.Projects, err = s.Projects(ctx, ProjectQuery{Park: park}); err != nil {
		return nil, fmt.Errorf("cluster composition: %w", err)
	}
	rep, err := GapAnalysis(ctx, s, GapQuery{Chain: chain, Scope: Scope{Region: reference}})
	if err != nil {
		return nil, err
	}
	focus := map[string]bool{}
	for _, f := range p.FocusSegments {
		for id := range familyOf(segs, f) {
			focus[id] = true
		}
	}
	for _, g := range rep.Segments {
		if g.Status != StatusStrong && focus[g.Segment.ID] {
			cc.Hostable = append(cc.Hostable, g)
		}
	}
	return cc, nil
}

// defaultReference is the park's region, or its parent when the park sits in a county
// (a cluster is compared with its city), or the parent shared by several regions.
func defaultReference(ctx context.Context, s Store, p *Park) (string, error) {
	if len(p.Regions) == 0 {
		return "", Errorf(EINVALID, "park %q spans no region", p.ID)
	}
	regs, err := s.Regions(ctx, RegionQuery{IDs: p.Regions})
	if err != nil {
		return "", err
	}
	if len(regs) == 0 {
		return "", Errorf(ENOTFOUND, "park %q spans unknown regions", p.ID)
	}
	r := regs[0]
	if r.Level.Rank() >= LevelCounty.Rank() && r.Parent != "" {
		return r.Parent, nil
	}
	return r.ID, nil
}
