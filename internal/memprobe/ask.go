package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"slices"

	"github.com/chainmap/chainmap"
)

// ask writes, as JSON lines, the answers of a few questions on the focus chain and region
// of a large dataset, where -dump's every-operation listing would be gigabytes: the
// counts, segment statistics of the whole graph, the province and a city, a gap analysis,
// investment candidates and enterprise pages. The same questions asked of the embedded
// store and of Neo4j loaded with the same dataset must give the same lines.
func ask(ctx context.Context, s chainmap.Store, chain, province, city string, w io.Writer) error {
	enc := json.NewEncoder(w)
	put := func(name string, v any, err error) error {
		if err != nil {
			v = "error: " + err.Error()
		}
		return enc.Encode(map[string]any{"call": name, "answer": v})
	}
	counts, err := s.Counts(ctx)
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if err := put("count "+k, counts[k], err); err != nil {
			return err
		}
	}
	scopes := []chainmap.Scope{{}, {Region: province}, {Region: city}}
	for _, sc := range scopes {
		st, err := s.SegmentStats(ctx, chainmap.StatsQuery{Chain: chain, Scope: sc})
		if err := put("stats "+chain+" "+sc.Region, st, err); err != nil {
			return err
		}
	}
	for _, sc := range scopes[1:] {
		g, err := chainmap.GapAnalysis(ctx, s, chainmap.GapQuery{Chain: chain, Scope: sc})
		if err := put("gapAnalysis "+chain+" "+sc.Region, g, err); err != nil {
			return err
		}
	}
	segs, err := s.Segments(ctx, chainmap.SegmentQuery{Chain: chain})
	if err != nil {
		return err
	}
	for _, sg := range segs[:min(len(segs), 3)] {
		c, err := s.Candidates(ctx, chainmap.CandidateQuery{Chain: chain, Segment: sg.ID, Scope: chainmap.Scope{Region: city}, Limit: 10})
		if err := put("candidates "+sg.ID+" "+city, c, err); err != nil {
			return err
		}
	}
	for _, q := range []chainmap.EnterpriseQuery{
		{Region: city, Sort: chainmap.SortByRevenue, First: 10},
		{Region: province, Sort: chainmap.SortByID, First: 10},
		{Chain: chain, Region: province, Sort: chainmap.SortByName, First: 10},
	} {
		p, err := s.Enterprises(ctx, q)
		b, _ := json.Marshal(q)
		if err := put("enterprises "+string(b), p, err); err != nil {
			return err
		}
	}
	return nil
}
