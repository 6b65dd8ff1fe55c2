package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/memstore"
)

// dump writes, as JSON lines, the answers of many store calls on the loaded dataset: a
// build before and after a change to memstore must write the same bytes.
func dump(ctx context.Context, s *memstore.Store, w io.Writer) error {
	enc := json.NewEncoder(w)
	put := func(name string, v any, err error) error {
		if err != nil {
			v = "error: " + err.Error()
		}
		return enc.Encode(map[string]any{"call": name, "answer": v})
	}
	chains, err := s.Chains(ctx, chainmap.IDQuery{})
	if err != nil {
		return err
	}
	segs, err := s.Segments(ctx, chainmap.SegmentQuery{})
	if err != nil {
		return err
	}
	regions, err := s.Regions(ctx, chainmap.RegionQuery{})
	if err != nil {
		return err
	}
	parks, err := s.Parks(ctx, chainmap.ParkQuery{})
	if err != nil {
		return err
	}
	// Some regions of each level (every 97th), the first parks.
	var scopes []chainmap.Scope
	for i, r := range regions {
		if i%97 == 0 || r.Parent == "" {
			scopes = append(scopes, chainmap.Scope{Region: r.ID})
		}
	}
	for i, p := range parks {
		if i%23 == 0 {
			scopes = append(scopes, chainmap.Scope{Park: p.ID})
		}
	}
	ops, err := s.Operations(ctx, chainmap.OperationQuery{})
	if err := put("operations", ops, err); err != nil {
		return err
	}
	links, err := s.SupplyLinks(ctx, chainmap.SupplyLinkQuery{})
	if err := put("supplyLinks", links, err); err != nil {
		return err
	}
	all, err := s.Enterprises(ctx, chainmap.EnterpriseQuery{})
	if err := put("enterprises", all, err); err != nil {
		return err
	}
	var ids []string
	if all != nil {
		for i, e := range all.Enterprises {
			if i%101 == 0 {
				ids = append(ids, e.ID)
			}
		}
	}
	ids = append(ids, "no-such-enterprise")
	for _, id := range ids[:min(len(ids), 40)] {
		o, err := s.Operations(ctx, chainmap.OperationQuery{Enterprises: []string{id, id}})
		if err := put("operations of "+id, o, err); err != nil {
			return err
		}
		l, err := s.SupplyLinks(ctx, chainmap.SupplyLinkQuery{Suppliers: []string{id}, Customers: []string{id}})
		if err := put("links of "+id, l, err); err != nil {
			return err
		}
	}
	e, err := s.Enterprises(ctx, chainmap.EnterpriseQuery{IDs: ids})
	if err := put("enterprises by id", e, err); err != nil {
		return err
	}
	for _, sg := range segs {
		o, err := s.Operations(ctx, chainmap.OperationQuery{Segments: []string{sg.ID}})
		if err := put("operations in "+sg.ID, len(o), err); err != nil {
			return err
		}
	}
	rev := 10.0
	queries := []chainmap.EnterpriseQuery{{}, {Status: "active"}, {Designation: "规上"}, {MinRevenue: &rev}, {Text: "0001"}, {Text: "E00012"}}
	for _, sc := range scopes[:min(len(scopes), 12)] {
		queries = append(queries, chainmap.EnterpriseQuery{Region: sc.Region, Park: sc.Park})
	}
	for _, sg := range segs[:min(len(segs), 6)] {
		queries = append(queries, chainmap.EnterpriseQuery{Segment: sg.ID}, chainmap.EnterpriseQuery{Chain: sg.Chain, MaxRevenue: &rev})
	}
	for _, q := range queries {
		for _, order := range []string{chainmap.SortByID, chainmap.SortByRevenue, chainmap.SortByName} {
			q.Sort, q.First, q.After = order, 25, ""
			for page := 0; page < 3; page++ {
				p, err := s.Enterprises(ctx, q)
				b, _ := json.Marshal(q)
				if err := put("enterprises "+string(b), p, err); err != nil {
					return err
				}
				if err != nil || !p.HasNext {
					break
				}
				q.After = p.EndCursor
			}
		}
	}
	for _, c := range chains {
		for _, sc := range append([]chainmap.Scope{{}}, scopes...) {
			for _, v := range []bool{false, true} {
				st, err := s.SegmentStats(ctx, chainmap.StatsQuery{Chain: c.ID, Scope: sc, VerifiedOnly: v})
				if err := put(fmt.Sprintf("stats %s %+v %t", c.ID, sc, v), st, err); err != nil {
					return err
				}
			}
		}
	}
	for i, sg := range segs {
		for j, sc := range scopes[:min(len(scopes), 8)] {
			if (i+j)%3 != 0 {
				continue
			}
			for _, limit := range []int{3, 200} {
				c, err := s.Candidates(ctx, chainmap.CandidateQuery{Chain: sg.Chain, Segment: sg.ID, Scope: sc, Limit: limit})
				if err := put(fmt.Sprintf("candidates %s %+v %d", sg.ID, sc, limit), c, err); err != nil {
					return err
				}
			}
		}
	}
	counts, err := s.Counts(ctx)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := put("count "+k, counts[k], err); err != nil {
			return err
		}
	}
	return nil
}
