package memstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/chainmap/chainmap"
)

// SegmentStats aggregates the scope's active, producing enterprises per segment subtree
// by adding up the statistics cells (see chainmap.StatsCell) of the regions and parks
// inside the scope: the cost follows the number of regions and parks in the scope, not
// the number of its enterprises. The whole-dataset aggregate is cached per snapshot.
func (s *Store) SegmentStats(_ context.Context, q chainmap.StatsQuery) ([]chainmap.SegmentStat, error) {
	g := s.snapshot()
	cacheKey := fmt.Sprintf("%s\x00%t", q.Chain, q.VerifiedOnly)
	if q.Scope == (chainmap.Scope{}) {
		g.allStatsMu.Lock()
		defer g.allStatsMu.Unlock()
		if st, ok := g.allStats[cacheKey]; ok {
			return append([]chainmap.SegmentStat(nil), st...), nil
		}
	}
	idx, err := g.scopeCells(q.Scope)
	if err != nil {
		return nil, err
	}
	cells := make([]chainmap.StatsCell, 0, len(idx))
	for _, i := range idx {
		cells = append(cells, g.cells[i])
	}
	var segs []*chainmap.Segment
	for _, id := range g.segmentIDs {
		if sg := g.segments[id]; sg.Chain == q.Chain {
			segs = append(segs, sg)
		}
	}
	out := chainmap.SumCells(q.Chain, segs, cells, q.VerifiedOnly)
	if q.Scope == (chainmap.Scope{}) {
		g.allStats[cacheKey] = append([]chainmap.SegmentStat(nil), out...)
	}
	return out, nil
}

// scopeCells returns the indexes of the statistics cells inside a scope, in order.
func (g *graph) scopeCells(sc chainmap.Scope) ([]int, error) {
	parks, regions, err := g.scopeSets(sc)
	if err != nil {
		return nil, err
	}
	if sc == (chainmap.Scope{}) {
		all := make([]int, len(g.cells))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	seen := map[int]bool{}
	for p := range parks {
		for _, i := range g.cellsByPark[p] {
			seen[i] = true
		}
	}
	for r := range regions {
		for _, i := range g.cellsByRegion[r] {
			seen[i] = true
		}
	}
	out := make([]int, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out, nil
}

// scopeEnterprises lists the enterprises inside a scope (all of them for a zero scope),
// through the region and park indexes.
func (g *graph) scopeEnterprises(sc chainmap.Scope) ([]int32, error) {
	parks, regions, err := g.scopeSets(sc)
	if err != nil {
		return nil, err
	}
	if sc == (chainmap.Scope{}) {
		return span(0, len(g.ents)), nil
	}
	var out []int32
	seen := map[int32]bool{}
	add := func(idx []int32) {
		for _, i := range idx {
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	for p := range parks {
		add(g.entByPark[p])
	}
	for r := range regions {
		add(g.entByRegion[r])
	}
	return out, nil
}

// scopeSets returns the parks and regions a scope covers (chainmap.Places.Cover; both nil
// for a zero scope), or ENOTFOUND. An enterprise is inside the scope when its park or its
// region is covered.
func (g *graph) scopeSets(sc chainmap.Scope) (parks, regions map[string]bool, err error) {
	if sc == (chainmap.Scope{}) {
		return nil, nil, nil
	}
	cov, err := g.places.Cover(sc)
	return cov.Parks, cov.Regions, err
}

// scopeFilter returns a predicate for enterprises inside a scope (a zero scope keeps all).
func (g *graph) scopeFilter(sc chainmap.Scope) (func(*chainmap.Enterprise) bool, error) {
	parks, regions, err := g.scopeSets(sc)
	if err != nil {
		return nil, err
	}
	if sc == (chainmap.Scope{}) {
		return func(*chainmap.Enterprise) bool { return true }, nil
	}
	return func(e *chainmap.Enterprise) bool { return parks[e.Park] || regions[e.Region] }, nil
}

// Candidates returns enterprises outside the scope operating in the segment subtree.
func (s *Store) Candidates(_ context.Context, q chainmap.CandidateQuery) ([]chainmap.Candidate, error) {
	q, err := q.Normalise()
	if err != nil {
		return nil, err
	}
	g := s.snapshot()
	seg := g.segments[q.Segment]
	if seg == nil {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no segment %q", q.Segment)
	}
	inScope, err := g.scopeFilter(q.Scope)
	if err != nil {
		return nil, err
	}
	type acc struct {
		c      chainmap.Candidate
		sums   []float64
		counts []int
	}
	byEnt := map[int32]*acc{}
	var order []int32
	credit := func(i int32, o *opRec) {
		a := byEnt[i]
		if a == nil {
			e := new(chainmap.Enterprise)
			g.enterprise(i, e)
			a = &acc{c: chainmap.Candidate{Enterprise: e}, sums: make([]float64, len(chainmap.Dimensions)), counts: make([]int, len(chainmap.Dimensions))}
			byEnt[i] = a
			order = append(order, i)
		}
		a.c.Segments = append(a.c.Segments, g.str(o.seg))
		if i := chainmap.DimensionIndex(g.str(o.capDim)); o.has&hasCapacityBase != 0 && i >= 0 {
			a.sums[i] += o.capBase
			a.counts[i]++
		}
	}
	v := g.viewer()
	subs := subtree(g.segChildren, q.Segment)
	nOps := 0
	for sub := range subs {
		nOps += len(g.opsBySegment[sub])
	}
	// Ranking keeps the largest by revenue. When the subtree holds many operations,
	// walking enterprises from the largest revenue down and stopping once the limit is
	// reached (and the ties at its revenue taken) costs about limit × enterprises ÷
	// operations steps instead of one per operation.
	if q.Limit > 0 && nOps*nOps > q.Limit*len(g.byRevenue) {
		var last float64
		for _, n := range g.byRevenue {
			e := v.at(n)
			if len(order) >= q.Limit && chainmap.RevenueKey(e) < last {
				break
			}
			if !e.Active() || inScope(e) {
				continue
			}
			found := false
			i, j := g.opsOf(e.ID)
			for k := i; k < j; k++ {
				if o := &g.ops[k]; subs[g.str(o.seg)] && chainmap.CountsForPresence(g.str(o.role)) {
					credit(n, o)
					found = true
				}
			}
			if found {
				last = chainmap.RevenueKey(e)
			}
		}
	} else {
		for sub := range subs {
			for _, k := range g.opsBySegment[sub] {
				o := &g.ops[k]
				n, ok := g.find(o.ent)
				if !ok || !chainmap.CountsForPresence(g.str(o.role)) {
					continue
				}
				if e := v.at(n); !e.Active() || inScope(e) {
					continue
				}
				credit(n, o)
			}
		}
	}
	out := make([]chainmap.Candidate, 0, len(byEnt))
	for _, id := range order {
		a := byEnt[id]
		if c, ok := chainmap.CapacityFromDims(seg.Unit, a.sums, a.counts); ok {
			c = chainmap.RoundSum(c)
			a.c.Capacity = &c
		}
		sort.Strings(a.c.Segments)
		out = append(out, a.c)
	}
	chainmap.SortCandidates(out)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	for i := range out {
		c := &out[i]
		e := c.Enterprise
		i, j := g.linksFrom(e.ID)
		for k := i; k < j; k++ {
			if n, ok := g.find(g.links[k].cust); ok && inScope(v.at(n)) {
				c.LinksToScope++
			}
		}
		for _, k := range g.linksTo(e.ID) {
			if n, ok := g.find(g.links[k].sup); ok && inScope(v.at(n)) {
				c.LinksToScope++
			}
		}
		c.Projects = append(c.Projects, g.projectsByEnt[e.ID]...)
		chainmap.SortProjects(c.Projects)
		c.Lon, c.Lat = e.Lon, e.Lat
		if c.Lon == nil {
			if r := g.regions[e.Region]; r != nil {
				c.Lon, c.Lat = r.Lon, r.Lat
			}
		}
	}
	return out, nil
}
