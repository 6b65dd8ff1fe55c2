// Package memstore is the embedded store: an in-process, pure-Go graph held in memory
// and indexed for the queries chainmap makes. It is the zero-setup default of
// `chainmap serve`, loaded at start through the same reader and validation as Neo4j.
package memstore

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/chainmap/chainmap"
)

// Store is the embedded graph store. It is safe for concurrent use; a load builds a new
// graph aside and swaps it in whole, so readers never see half a dataset.
type Store struct {
	mu      sync.RWMutex
	g       *graph
	staging *graph
}

var (
	_ chainmap.Store  = (*Store)(nil)
	_ chainmap.Loader = (*Store)(nil)
)

// New returns an empty store; load a dataset into it with loaders.Load.
func New() *Store { return &Store{g: newGraph()} }

func (s *Store) snapshot() *graph {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.g
}

// Ping always succeeds: the embedded store lives in the process.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

// Info describes the loaded dataset.
func (s *Store) Info(_ context.Context) (*chainmap.DatasetInfo, error) {
	g := s.snapshot()
	if g.info == nil {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no dataset is loaded")
	}
	info := *g.info
	return &info, nil
}

// Counts returns the number of records of each kind.
func (s *Store) Counts(_ context.Context) (map[string]int, error) {
	g := s.snapshot()
	return map[string]int{
		"sources": len(g.sources), "chains": len(g.chains), "segments": len(g.segments),
		"flows": len(g.flows), "regions": len(g.regions), "parks": len(g.parks),
		"enterprises": len(g.ents), "operations": len(g.ops),
		"supply_links": len(g.links), "projects": len(g.projects), "policies": len(g.policies),
		"goals": len(g.goals), "indicators": len(g.indicators), "platforms": len(g.platforms),
		"technologies": len(g.technologies),
	}, nil
}

// byIDs returns the records with the given ids (all when ids is empty), sorted by id,
// keeping those that pass keep.
func byIDs[T any](m map[string]*T, ids []string, keep func(*T) bool) []*T {
	var keys []string
	if len(ids) == 0 {
		keys = sortedKeys(m)
	} else {
		keys = uniqueSorted(ids)
	}
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok && (keep == nil || keep(v)) {
			out = append(out, v)
		}
	}
	return out
}

func uniqueSorted(ids []string) []string {
	c := append([]string(nil), ids...)
	sort.Strings(c)
	out := c[:0]
	for i, v := range c {
		if i == 0 || v != c[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// subtree returns id and every descendant in a parent → children index.
func subtree(children map[string][]string, id string) map[string]bool {
	return chainmap.Subtree(children, id)
}

// Sources returns sources by id.
func (s *Store) Sources(_ context.Context, q chainmap.IDQuery) ([]*chainmap.Source, error) {
	return byIDs(s.snapshot().sources, q.IDs, nil), nil
}

// Chains returns chains by id.
func (s *Store) Chains(_ context.Context, q chainmap.IDQuery) ([]*chainmap.Chain, error) {
	return byIDs(s.snapshot().chains, q.IDs, nil), nil
}

// Segments returns segments by id and/or chain.
func (s *Store) Segments(_ context.Context, q chainmap.SegmentQuery) ([]*chainmap.Segment, error) {
	return byIDs(s.snapshot().segments, q.IDs, func(x *chainmap.Segment) bool {
		return q.Chain == "" || x.Chain == q.Chain
	}), nil
}

// Flows returns the flows of a chain or touching the given segments, by (from, to).
func (s *Store) Flows(_ context.Context, q chainmap.FlowQuery) ([]*chainmap.Flow, error) {
	g := s.snapshot()
	segs := set(q.Segments)
	var out []*chainmap.Flow
	for _, f := range g.flows {
		if q.Chain != "" {
			from, to := g.segments[f.From], g.segments[f.To]
			if (from == nil || from.Chain != q.Chain) && (to == nil || to.Chain != q.Chain) {
				continue
			}
		}
		if len(segs) > 0 && !segs[f.From] && !segs[f.To] {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// Regions returns regions by id and/or parent.
func (s *Store) Regions(_ context.Context, q chainmap.RegionQuery) ([]*chainmap.Region, error) {
	return byIDs(s.snapshot().regions, q.IDs, func(x *chainmap.Region) bool {
		return q.Parent == "" || x.Parent == q.Parent
	}), nil
}

// Parks returns parks by id and/or spanned region subtree.
func (s *Store) Parks(_ context.Context, q chainmap.ParkQuery) ([]*chainmap.Park, error) {
	g := s.snapshot()
	var within map[string]bool
	if q.Region != "" {
		within = subtree(g.regionChildren, q.Region)
	}
	return byIDs(g.parks, q.IDs, func(x *chainmap.Park) bool {
		if within == nil {
			return true
		}
		for _, r := range x.Regions {
			if within[r] {
				return true
			}
		}
		return false
	}), nil
}

// a variable so that tests can compare both paths

// Operations returns operations by enterprise and/or segment, ordered by (enterprise, segment).
func (s *Store) Operations(_ context.Context, q chainmap.OperationQuery) ([]*chainmap.Operation, error) {
	g := s.snapshot()
	var idx []int32
	switch {
	case len(q.Enterprises) > 0:
		segs := set(q.Segments)
		for _, e := range uniqueSorted(q.Enterprises) {
			i, j := g.opsOf(e)
			for k := i; k < j; k++ {
				if len(segs) == 0 || segs[g.str(g.ops[k].seg)] {
					idx = append(idx, int32(k))
				}
			}
		}
	case len(q.Segments) > 0:
		for _, sg := range uniqueSorted(q.Segments) {
			idx = append(idx, g.opsBySegment[sg]...)
		}
		slices.Sort(idx) // g.ops is in key order
	default:
		idx = span(0, len(g.ops))
	}
	return g.operations(idx), nil
}

// SupplyLinks returns links supplied by or to the given enterprises, ordered by key.
func (s *Store) SupplyLinks(_ context.Context, q chainmap.SupplyLinkQuery) ([]*chainmap.SupplyLink, error) {
	g := s.snapshot()
	if len(q.Suppliers) == 0 && len(q.Customers) == 0 {
		return g.supplyLinks(span(0, len(g.links))), nil
	}
	seen := map[int32]bool{}
	var idx []int32
	add := func(k int32) {
		if !seen[k] {
			seen[k] = true
			idx = append(idx, k)
		}
	}
	for _, e := range q.Suppliers {
		i, j := g.linksFrom(e)
		for k := i; k < j; k++ {
			add(int32(k))
		}
	}
	for _, e := range q.Customers {
		for _, k := range g.linksTo(e) {
			add(k)
		}
	}
	slices.Sort(idx) // g.links is in key order
	return g.supplyLinks(idx), nil
}

// Projects returns projects by id, enterprise, park, region subtree or segment subtree.
func (s *Store) Projects(_ context.Context, q chainmap.ProjectQuery) ([]*chainmap.Project, error) {
	g := s.snapshot()
	ents := set(q.Enterprises)
	var regions, segs map[string]bool
	if q.Region != "" {
		regions = subtree(g.regionChildren, q.Region)
	}
	if q.Segment != "" {
		segs = subtree(g.segChildren, q.Segment)
	}
	return byIDs(g.projects, q.IDs, func(p *chainmap.Project) bool {
		if len(ents) > 0 && !ents[p.Enterprise] {
			return false
		}
		if q.Park != "" && p.Park != q.Park {
			return false
		}
		if regions != nil && !g.projectInRegions(p, regions) {
			return false
		}
		if segs != nil && !anyIn(p.Segments, segs) {
			return false
		}
		return true
	}), nil
}

// projectInRegions places a project by its region, else its park's regions.
func (g *graph) projectInRegions(p *chainmap.Project, regions map[string]bool) bool {
	if p.Region != "" {
		return regions[p.Region]
	}
	if pk := g.parks[p.Park]; pk != nil {
		return anyIn(pk.Regions, regions)
	}
	return false
}

func anyIn(l []string, m map[string]bool) bool {
	for _, x := range l {
		if m[x] {
			return true
		}
	}
	return false
}

// Policies returns policies by id or supported segment.
func (s *Store) Policies(_ context.Context, q chainmap.PolicyQuery) ([]*chainmap.Policy, error) {
	return byIDs(s.snapshot().policies, q.IDs, func(p *chainmap.Policy) bool {
		return q.Segment == "" || contains(p.Segments, q.Segment)
	}), nil
}

// Goals returns goals by id or scope region.
func (s *Store) Goals(_ context.Context, q chainmap.GoalQuery) ([]*chainmap.Goal, error) {
	return byIDs(s.snapshot().goals, q.IDs, func(x *chainmap.Goal) bool {
		return q.Region == "" || x.Region == q.Region
	}), nil
}

// Indicators returns indicators by id, region or metric.
func (s *Store) Indicators(_ context.Context, q chainmap.IndicatorQuery) ([]*chainmap.Indicator, error) {
	return byIDs(s.snapshot().indicators, q.IDs, func(x *chainmap.Indicator) bool {
		return (q.Region == "" || x.Region == q.Region) && (q.Metric == "" || x.Metric == q.Metric)
	}), nil
}

// Platforms returns platforms by id.
func (s *Store) Platforms(_ context.Context, q chainmap.IDQuery) ([]*chainmap.Platform, error) {
	return byIDs(s.snapshot().platforms, q.IDs, nil), nil
}

// Technologies returns technologies by id.
func (s *Store) Technologies(_ context.Context, q chainmap.IDQuery) ([]*chainmap.Technology, error) {
	return byIDs(s.snapshot().technologies, q.IDs, nil), nil
}
