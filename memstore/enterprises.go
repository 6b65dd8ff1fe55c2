package memstore

import (
	"context"
	"sort"

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
	var matches []*chainmap.Enterprise
	presorted := false // matches already in the page order
	switch {
	case len(q.IDs) > 0:
		for _, id := range uniqueSorted(q.IDs) {
			if e, ok := g.enterprises[id]; ok && keep(e) {
				matches = append(matches, e)
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
		for _, e := range ents { // an unknown region or park simply matches nothing
			if keep(e) {
				matches = append(matches, e)
			}
		}
		if sortBy == chainmap.SortByID {
			sort.Slice(matches, func(i, j int) bool { return matches[i].ID < matches[j].ID })
		}
	case q.Segment != "":
		// Start from the subtree's operations, not from every enterprise.
		seen := map[string]bool{}
		for sub := range subtree(g.segChildren, q.Segment) {
			for _, k := range g.opsBySegment[sub] {
				if e := g.enterprises[g.ops[k].ent]; e != nil && !seen[e.ID] {
					seen[e.ID] = true
					if keep(e) {
						matches = append(matches, e)
					}
				}
			}
		}
		if sortBy == chainmap.SortByID {
			sort.Slice(matches, func(i, j int) bool { return matches[i].ID < matches[j].ID })
		}
	case sortBy == chainmap.SortByRevenue:
		presorted = true
		for _, e := range g.byRevenue {
			if keep(e) {
				matches = append(matches, e)
			}
		}
	default:
		for _, id := range g.enterpriseIDs {
			if e := g.enterprises[id]; keep(e) {
				matches = append(matches, e)
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
		sort.SliceStable(matches, func(i, j int) bool { return chainmap.LessEnterprise(sortBy, matches[i], matches[j]) })
	}
	page := &chainmap.EnterprisePage{Total: -1}
	if !q.SkipTotal {
		page.Total = total
	}
	for _, e := range matches {
		if cur != nil && !cur.After(e) {
			continue
		}
		if q.First > 0 && len(page.Enterprises) >= q.First {
			page.HasNext = true
			break
		}
		page.Enterprises = append(page.Enterprises, e)
	}
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
func (g *graph) revenueWalk(keep func(*chainmap.Enterprise) bool, cur *chainmap.Cursor, n int) []*chainmap.Enterprise {
	var out []*chainmap.Enterprise
	for _, e := range g.byRevenue {
		if cur != nil && !cur.After(e) {
			continue
		}
		if keep(e) {
			if out = append(out, e); len(out) >= n {
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
