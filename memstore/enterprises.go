package memstore

import (
	"context"
	"slices"

	"github.com/chainmap/chainmap"
)

// Enterprises returns enterprises by id, or one page of those matching the filters, in
// the requested order.
func (s *Store) Enterprises(_ context.Context, q chainmap.EnterpriseQuery) (*chainmap.EnterprisePage, error) {
	g := s.snapshot()
	sortBy, err := sortOf(q.Sort)
	if err != nil {
		return nil, err
	}
	keep, err := g.enterpriseFilter(q)
	if err != nil {
		return nil, err
	}
	var cur *chainmap.Cursor
	if q.After != "" {
		c, err := chainmap.DecodeCursor(q.After, sortBy)
		if err != nil {
			return nil, err
		}
		cur = &c
	}
	v := g.viewer()
	var matches []int32
	presorted := false // matches already in the page order
	switch {
	case len(q.IDs) > 0:
		for _, id := range uniqueSorted(q.IDs) {
			if i, ok := g.find(id); ok && keep(v.at(i)) {
				matches = append(matches, i)
			}
		}
	case q.Region != "" || q.Park != "":
		// Start from the scope's enterprises (region and park indexes), not from all.
		sc := chainmap.Scope{Region: q.Region}
		if q.Region == "" {
			sc = chainmap.Scope{Park: q.Park}
		}
		ents, err := g.scopeEnterprises(sc)
		if err != nil && chainmap.ErrorCode(err) != chainmap.ENOTFOUND {
			return nil, err
		}
		for _, i := range ents { // an unknown region or park simply matches nothing
			if keep(v.at(i)) {
				matches = append(matches, i)
			}
		}
		if sortBy == chainmap.SortByID {
			slices.Sort(matches) // g.ents is in id order
		}
	case q.Segment != "":
		// Start from the subtree's operations, not from every enterprise.
		seen := map[int32]bool{}
		for sub := range subtree(g.segChildren, q.Segment) {
			for _, k := range g.opsBySegment[sub] {
				if i, ok := g.find(g.ops[k].ent); ok && !seen[i] {
					seen[i] = true
					if keep(v.at(i)) {
						matches = append(matches, i)
					}
				}
			}
		}
		if sortBy == chainmap.SortByID {
			slices.Sort(matches)
		}
	case sortBy == chainmap.SortByRevenue:
		presorted = true
		for _, i := range g.byRevenue {
			if keep(v.at(i)) {
				matches = append(matches, i)
			}
		}
	default:
		for i := range g.ents {
			if keep(v.at(int32(i))) {
				matches = append(matches, int32(i))
			}
		}
	}
	total := len(matches)
	if sortBy == chainmap.SortByRevenue && !presorted && q.First > 0 && len(matches) > revenueWalkMin {
		// Sorting tens of thousands of matches to show twenty costs more than walking the
		// dataset's revenue order until the page (and one more) is found.
		matches = g.revenueWalk(keep, cur, q.First+1)
		presorted = true
	}
	if sortBy != chainmap.SortByID && !presorted {
		g.sortByOrder(sortBy, matches)
	}
	page := &chainmap.EnterprisePage{Total: -1}
	if !q.SkipTotal {
		page.Total = total
	}
	var key chainmap.Enterprise
	var pageIdx []int32
	for _, i := range matches {
		if cur != nil {
			if g.orderKey(i, &key); !cur.After(&key) {
				continue
			}
		}
		if q.First > 0 && len(pageIdx) >= q.First {
			page.HasNext = true
			break
		}
		pageIdx = append(pageIdx, i)
	}
	page.Enterprises = g.enterprises(pageIdx)
	if n := len(page.Enterprises); n > 0 {
		page.EndCursor = chainmap.EncodeCursor(sortBy, page.Enterprises[n-1])
	}
	return page, nil
}

// revenueWalkMin is the number of matches above which a page by revenue walks byRevenue
// instead of sorting the matches.
var revenueWalkMin = 2000

// revenueWalk returns, in revenue order, up to n enterprises that keep accepts and that
// come after the cursor (if any).
func (g *graph) revenueWalk(keep func(*chainmap.Enterprise) bool, cur *chainmap.Cursor, n int) []int32 {
	var out []int32
	v := g.viewer()
	for _, i := range g.byRevenue {
		e := v.at(i)
		if cur != nil && !cur.After(e) {
			continue
		}
		if keep(e) {
			if out = append(out, i); len(out) >= n {
				break
			}
		}
	}
	return out
}

func sortOf(s string) (string, error) {
	switch s {
	case "", chainmap.SortByID:
		return chainmap.SortByID, nil
	case chainmap.SortByRevenue, chainmap.SortByName:
		return s, nil
	}
	return "", chainmap.Errorf(chainmap.EINVALID, "unknown order %q", s)
}

func (g *graph) enterpriseFilter(q chainmap.EnterpriseQuery) (func(*chainmap.Enterprise) bool, error) {
	var regions map[string]bool
	if q.Region != "" {
		regions = subtree(g.regionChildren, q.Region)
	}
	var inPark func(*chainmap.Enterprise) bool
	if q.Park != "" {
		f, err := g.scopeFilter(chainmap.Scope{Park: q.Park})
		switch {
		case chainmap.ErrorCode(err) == chainmap.ENOTFOUND:
			f = func(*chainmap.Enterprise) bool { return false } // an unknown park holds nothing
		case err != nil:
			return nil, err
		}
		inPark = f
	}
	var inSegments func(*chainmap.Enterprise) bool
	if q.Segment != "" || q.Chain != "" {
		// Test the enterprise's own operations (a handful) rather than building a set
		// from every operation of the dataset on each call.
		var segs map[string]bool
		if q.Segment != "" {
			segs = subtree(g.segChildren, q.Segment)
		}
		inSegments = func(e *chainmap.Enterprise) bool {
			i, j := g.opsOf(e.ID)
			for k := i; k < j; k++ {
				seg := g.str(g.ops[k].seg)
				if segs != nil && !segs[seg] {
					continue
				}
				if q.Chain != "" {
					if sg := g.segments[seg]; sg == nil || sg.Chain != q.Chain {
						continue
					}
				}
				return true
			}
			return false
		}
	}
	return func(e *chainmap.Enterprise) bool {
		if regions != nil && !regions[e.Region] {
			return false
		}
		if inPark != nil && !inPark(e) {
			return false
		}
		if inSegments != nil && !inSegments(e) {
			return false
		}
		if q.Designation != "" && !contains(e.Designations, q.Designation) {
			return false
		}
		if q.Status != "" {
			st := e.Status
			if st == "" {
				st = chainmap.StatusActive
			}
			if st != q.Status {
				return false
			}
		}
		if q.MinRevenue != nil && (e.Revenue == nil || *e.Revenue < *q.MinRevenue) {
			return false
		}
		if q.MaxRevenue != nil && (e.Revenue == nil || *e.Revenue > *q.MaxRevenue) {
			return false
		}
		if q.Text != "" && !chainmap.MatchesText(e, q.Text) {
			return false
		}
		return true
	}, nil
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
