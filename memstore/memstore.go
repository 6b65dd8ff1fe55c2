// Package memstore is the embedded store: an in-process, pure-Go graph held in memory
// and indexed for the queries chainmap makes. It is the zero-setup default of
// `chainmap serve`, loaded at start through the same reader and validation as Neo4j.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"sync"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
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
	_ loaders.Sink    = (*Store)(nil)
	_ loaders.Aborter = (*Store)(nil)
)

// New returns an empty store; load a dataset into it with loaders.Load.
func New() *Store { return &Store{g: newGraph()} }

// graph is one immutable snapshot of a dataset with its indexes.
type graph struct {
	info         *chainmap.DatasetInfo
	sources      map[string]*chainmap.Source
	chains       map[string]*chainmap.Chain
	segments     map[string]*chainmap.Segment
	flows        []*chainmap.Flow
	regions      map[string]*chainmap.Region
	parks        map[string]*chainmap.Park
	enterprises  map[string]*chainmap.Enterprise
	operations   []*chainmap.Operation
	supplyLinks  []*chainmap.SupplyLink
	projects     map[string]*chainmap.Project
	policies     map[string]*chainmap.Policy
	goals        map[string]*chainmap.Goal
	indicators   map[string]*chainmap.Indicator
	platforms    map[string]*chainmap.Platform
	technologies map[string]*chainmap.Technology

	// indexes, built by index()
	enterpriseIDs []string
	segmentIDs    []string
	// byRevenue holds every enterprise, largest revenue first (unknown last), then by id.
	byRevenue     []*chainmap.Enterprise
	entByRegion   map[string][]string
	entByPark     map[string][]string
	projectsByEnt map[string][]*chainmap.Project
	// allStats caches the whole-dataset aggregate per chain and verified-only switch (the
	// graph never changes).
	allStatsMu      sync.Mutex
	allStats        map[string][]chainmap.SegmentStat
	segChildren     map[string][]string
	regionChildren  map[string][]string
	opsByEnterprise map[string][]*chainmap.Operation
	opsBySegment    map[string][]*chainmap.Operation
	linksBySupplier map[string][]*chainmap.SupplyLink
	linksByCustomer map[string][]*chainmap.SupplyLink
	// cells pre-aggregate the segment statistics per (chain, region, park), so a scope's
	// SegmentStats add up the cells inside it; cellsByRegion and cellsByPark index them.
	cells         []chainmap.StatsCell
	cellsByRegion map[string][]int
	cellsByPark   map[string][]int
	// places answers scope membership (chainmap.Places.Cover).
	places *chainmap.Places
}

func newGraph() *graph {
	return &graph{
		sources: map[string]*chainmap.Source{}, chains: map[string]*chainmap.Chain{},
		segments: map[string]*chainmap.Segment{}, regions: map[string]*chainmap.Region{},
		parks: map[string]*chainmap.Park{}, enterprises: map[string]*chainmap.Enterprise{},
		projects: map[string]*chainmap.Project{}, policies: map[string]*chainmap.Policy{},
		goals: map[string]*chainmap.Goal{}, indicators: map[string]*chainmap.Indicator{},
		platforms: map[string]*chainmap.Platform{}, technologies: map[string]*chainmap.Technology{},
	}
}

// ErrLoadInProgress is Begin's answer while another load into the same store runs: loads
// into one store are serialised, never interleaved (two interleaved loads used to write
// into one staging graph at once and crash the process).
var ErrLoadInProgress = chainmap.Errorf(chainmap.ECONFLICT, "memstore: another load into this store is in progress")

// Begin starts building a new graph for the dataset, aside from the one being served. It
// refuses while another load runs; that load ends with End, or with Abort when it fails.
func (s *Store) Begin(_ context.Context, info chainmap.DatasetInfo) error {
	g := newGraph()
	g.info = &info
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging != nil {
		return ErrLoadInProgress
	}
	s.staging = g
	return nil
}

// Abort drops the graph a failed load was building; the served graph is untouched.
func (s *Store) Abort(context.Context) {
	s.mu.Lock()
	s.staging = nil
	s.mu.Unlock()
}

func put[T any](m map[string]*T, rows []T, id func(*T) string) {
	for i := range rows {
		r := &rows[i]
		m[id(r)] = r
	}
}

// Write adds one batch of records to the graph being built.
func (s *Store) Write(_ context.Context, b loaders.Batch) error {
	s.mu.Lock()
	g := s.staging
	s.mu.Unlock()
	if g == nil {
		return fmt.Errorf("memstore: Write before Begin")
	}
	switch rows := b.Rows.(type) {
	case []chainmap.Source:
		put(g.sources, rows, func(r *chainmap.Source) string { return r.ID })
	case []chainmap.Chain:
		put(g.chains, rows, func(r *chainmap.Chain) string { return r.ID })
	case []chainmap.Segment:
		put(g.segments, rows, func(r *chainmap.Segment) string { return r.ID })
	case []chainmap.Flow:
		for i := range rows {
			g.flows = append(g.flows, &rows[i])
		}
	case []chainmap.Region:
		put(g.regions, rows, func(r *chainmap.Region) string { return r.ID })
	case []chainmap.Park:
		put(g.parks, rows, func(r *chainmap.Park) string { return r.ID })
	case []chainmap.Enterprise:
		put(g.enterprises, rows, func(r *chainmap.Enterprise) string { return r.ID })
	case []chainmap.Operation:
		for i := range rows {
			g.operations = append(g.operations, &rows[i])
		}
	case []chainmap.SupplyLink:
		for i := range rows {
			g.supplyLinks = append(g.supplyLinks, &rows[i])
		}
	case []chainmap.Project:
		put(g.projects, rows, func(r *chainmap.Project) string { return r.ID })
	case []chainmap.Policy:
		put(g.policies, rows, func(r *chainmap.Policy) string { return r.ID })
	case []chainmap.Goal:
		put(g.goals, rows, func(r *chainmap.Goal) string { return r.ID })
	case []chainmap.Indicator:
		put(g.indicators, rows, func(r *chainmap.Indicator) string { return r.ID })
	case []chainmap.Platform:
		put(g.platforms, rows, func(r *chainmap.Platform) string { return r.ID })
	case []chainmap.Technology:
		put(g.technologies, rows, func(r *chainmap.Technology) string { return r.ID })
	default:
		return fmt.Errorf("memstore: unexpected batch of %T", b.Rows)
	}
	return nil
}

// End indexes the new graph and swaps it in. The embedded store always holds exactly
// one dataset, so what the dataset no longer contains is gone with the old graph.
func (s *Store) End(_ context.Context, _ loaders.Keys) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging == nil {
		return fmt.Errorf("memstore: End before Begin")
	}
	s.staging.index()
	s.g, s.staging = s.staging, nil
	return nil
}

func (g *graph) index() {
	g.enterpriseIDs = sortedKeys(g.enterprises)
	g.segmentIDs = sortedKeys(g.segments)
	g.byRevenue = make([]*chainmap.Enterprise, 0, len(g.enterprises))
	for _, id := range g.enterpriseIDs {
		g.byRevenue = append(g.byRevenue, g.enterprises[id])
	}
	sort.SliceStable(g.byRevenue, func(i, j int) bool {
		return chainmap.LessEnterprise(chainmap.SortByRevenue, g.byRevenue[i], g.byRevenue[j])
	})
	g.allStats = map[string][]chainmap.SegmentStat{}
	g.projectsByEnt = map[string][]*chainmap.Project{}
	for _, id := range sortedKeys(g.projects) {
		p := g.projects[id]
		if p.Enterprise != "" {
			g.projectsByEnt[p.Enterprise] = append(g.projectsByEnt[p.Enterprise], p)
		}
	}
	g.entByRegion, g.entByPark = map[string][]string{}, map[string][]string{}
	for _, id := range g.enterpriseIDs {
		e := g.enterprises[id]
		g.entByRegion[e.Region] = append(g.entByRegion[e.Region], id)
		if e.Park != "" {
			g.entByPark[e.Park] = append(g.entByPark[e.Park], id)
		}
	}
	g.segChildren = map[string][]string{}
	for _, id := range sortedKeys(g.segments) {
		if p := g.segments[id].Parent; p != "" {
			g.segChildren[p] = append(g.segChildren[p], id)
		}
	}
	g.regionChildren = map[string][]string{}
	for _, id := range sortedKeys(g.regions) {
		if p := g.regions[id].Parent; p != "" {
			g.regionChildren[p] = append(g.regionChildren[p], id)
		}
	}
	sort.Slice(g.flows, func(i, j int) bool { return g.flows[i].Key() < g.flows[j].Key() })
	sort.Slice(g.operations, func(i, j int) bool { return g.operations[i].Key() < g.operations[j].Key() })
	sort.Slice(g.supplyLinks, func(i, j int) bool { return g.supplyLinks[i].Key() < g.supplyLinks[j].Key() })
	g.opsByEnterprise = map[string][]*chainmap.Operation{}
	g.opsBySegment = map[string][]*chainmap.Operation{}
	for _, o := range g.operations {
		g.opsByEnterprise[o.Enterprise] = append(g.opsByEnterprise[o.Enterprise], o)
		g.opsBySegment[o.Segment] = append(g.opsBySegment[o.Segment], o)
	}
	g.linksBySupplier = map[string][]*chainmap.SupplyLink{}
	g.linksByCustomer = map[string][]*chainmap.SupplyLink{}
	for _, l := range g.supplyLinks {
		g.linksBySupplier[l.Supplier] = append(g.linksBySupplier[l.Supplier], l)
		g.linksByCustomer[l.Customer] = append(g.linksByCustomer[l.Customer], l)
	}
	g.places = chainmap.NewPlaces(maps.Values(g.regions), maps.Values(g.parks))
	g.indexStats()
}

// indexStats builds the statistics cells from every enterprise and its operations.
func (g *graph) indexStats() {
	nodes := make(map[string]chainmap.SegmentNode, len(g.segments))
	for id, sg := range g.segments {
		nodes[id] = chainmap.SegmentNode{Chain: sg.Chain, Parent: sg.Parent}
	}
	b := chainmap.NewStatsBuilder(nodes)
	var ops []chainmap.StatsOp
	for _, id := range g.enterpriseIDs {
		e := g.enterprises[id]
		ops = ops[:0]
		for _, o := range g.opsByEnterprise[id] {
			ops = append(ops, chainmap.StatsOp{Segment: o.Segment, Role: o.Role, CapacityBase: o.CapacityBase, CapacityDim: o.CapacityDim,
				Suggested: chainmap.IsSuggested(o.Verification)})
		}
		b.Add(e, ops)
	}
	g.cells = b.Cells()
	g.cellsByRegion, g.cellsByPark = map[string][]int{}, map[string][]int{}
	for i, c := range g.cells {
		g.cellsByRegion[c.Region] = append(g.cellsByRegion[c.Region], i)
		if c.Park != "" {
			g.cellsByPark[c.Park] = append(g.cellsByPark[c.Park], i)
		}
	}
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

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
		"enterprises": len(g.enterprises), "operations": len(g.operations),
		"supply_links": len(g.supplyLinks), "projects": len(g.projects), "policies": len(g.policies),
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
			for _, o := range g.opsBySegment[sub] {
				if e := g.enterprises[o.Enterprise]; e != nil && !seen[e.ID] {
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
var revenueWalkMin = 2000 // a variable so that tests can compare both paths

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
			for _, o := range g.opsByEnterprise[e.ID] {
				if segs != nil && !segs[o.Segment] {
					continue
				}
				if q.Chain != "" {
					if sg := g.segments[o.Segment]; sg == nil || sg.Chain != q.Chain {
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

// Operations returns operations by enterprise and/or segment, ordered by (enterprise, segment).
func (s *Store) Operations(_ context.Context, q chainmap.OperationQuery) ([]*chainmap.Operation, error) {
	g := s.snapshot()
	var out []*chainmap.Operation
	switch {
	case len(q.Enterprises) > 0:
		segs := set(q.Segments)
		for _, e := range uniqueSorted(q.Enterprises) {
			for _, o := range g.opsByEnterprise[e] {
				if len(segs) == 0 || segs[o.Segment] {
					out = append(out, o)
				}
			}
		}
	case len(q.Segments) > 0:
		for _, sg := range uniqueSorted(q.Segments) {
			out = append(out, g.opsBySegment[sg]...)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	default:
		out = append(out, g.operations...)
	}
	return out, nil
}

// SupplyLinks returns links supplied by or to the given enterprises, ordered by key.
func (s *Store) SupplyLinks(_ context.Context, q chainmap.SupplyLinkQuery) ([]*chainmap.SupplyLink, error) {
	g := s.snapshot()
	if len(q.Suppliers) == 0 && len(q.Customers) == 0 {
		return append([]*chainmap.SupplyLink(nil), g.supplyLinks...), nil
	}
	seen := map[*chainmap.SupplyLink]bool{}
	var out []*chainmap.SupplyLink
	for _, e := range q.Suppliers {
		for _, l := range g.linksBySupplier[e] {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	for _, e := range q.Customers {
		for _, l := range g.linksByCustomer[e] {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, nil
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
func (g *graph) scopeEnterprises(sc chainmap.Scope) ([]*chainmap.Enterprise, error) {
	parks, regions, err := g.scopeSets(sc)
	if err != nil {
		return nil, err
	}
	if sc == (chainmap.Scope{}) {
		out := make([]*chainmap.Enterprise, 0, len(g.enterpriseIDs))
		for _, id := range g.enterpriseIDs {
			out = append(out, g.enterprises[id])
		}
		return out, nil
	}
	var out []*chainmap.Enterprise
	seen := map[string]bool{}
	add := func(ids []string) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, g.enterprises[id])
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
	byEnt := map[string]*acc{}
	var order []string
	credit := func(e *chainmap.Enterprise, o *chainmap.Operation) {
		a := byEnt[e.ID]
		if a == nil {
			a = &acc{c: chainmap.Candidate{Enterprise: e}, sums: make([]float64, len(chainmap.Dimensions)), counts: make([]int, len(chainmap.Dimensions))}
			byEnt[e.ID] = a
			order = append(order, e.ID)
		}
		a.c.Segments = append(a.c.Segments, o.Segment)
		if i := chainmap.DimensionIndex(o.CapacityDim); o.CapacityBase != nil && i >= 0 {
			a.sums[i] += *o.CapacityBase
			a.counts[i]++
		}
	}
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
		for _, e := range g.byRevenue {
			if len(order) >= q.Limit && chainmap.RevenueKey(e) < last {
				break
			}
			if !e.Active() || inScope(e) {
				continue
			}
			found := false
			for _, o := range g.opsByEnterprise[e.ID] {
				if subs[o.Segment] && chainmap.CountsForPresence(o.Role) {
					credit(e, o)
					found = true
				}
			}
			if found {
				last = chainmap.RevenueKey(e)
			}
		}
	} else {
		for sub := range subs {
			for _, o := range g.opsBySegment[sub] {
				e := g.enterprises[o.Enterprise]
				if e == nil || !e.Active() || !chainmap.CountsForPresence(o.Role) || inScope(e) {
					continue
				}
				credit(e, o)
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
		for _, l := range g.linksBySupplier[e.ID] {
			if ce := g.enterprises[l.Customer]; ce != nil && inScope(ce) {
				c.LinksToScope++
			}
		}
		for _, l := range g.linksByCustomer[e.ID] {
			if se := g.enterprises[l.Supplier]; se != nil && inScope(se) {
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
