package memstore

import (
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/chainmap/chainmap"
)

// graph is one immutable snapshot of a dataset with its indexes.
type graph struct {
	info     *chainmap.DatasetInfo
	sources  map[string]*chainmap.Source
	chains   map[string]*chainmap.Chain
	segments map[string]*chainmap.Segment
	flows    []*chainmap.Flow
	regions  map[string]*chainmap.Region
	parks    map[string]*chainmap.Park
	// ents holds the enterprises in compact form (ents.go), sorted by id once loaded
	// (entsSorted; see sortEnts); ops and links hold the operations and supply links in
	// compact form (records.go), sorted by key once loaded; tabs interns their strings
	// and lists.
	ents         []entRec
	entsSorted   bool
	ops          []opRec
	links        []linkRec
	tabs         tables
	projects     map[string]*chainmap.Project
	policies     map[string]*chainmap.Policy
	goals        map[string]*chainmap.Goal
	indicators   map[string]*chainmap.Indicator
	platforms    map[string]*chainmap.Platform
	technologies map[string]*chainmap.Technology

	// indexes, built by index()
	segmentIDs []string
	// byRevenue holds every enterprise (index into ents), largest revenue first (unknown
	// last), then by id; entByRegion and entByPark list them by region and park, in id
	// order.
	byRevenue     []int32
	entByRegion   map[string][]int32
	entByPark     map[string][]int32
	projectsByEnt map[string][]*chainmap.Project
	// allStats caches the whole-dataset aggregate per chain and verified-only switch (the
	// graph never changes).
	allStatsMu     sync.Mutex
	allStats       map[string][]chainmap.SegmentStat
	segChildren    map[string][]string
	regionChildren map[string][]string
	// opsBySegment holds the indexes of each segment's operations in g.ops, in key order.
	opsBySegment map[string][]int32
	// linksByCustomer holds the indexes of the supply links stably sorted by customer
	// (linksTo); an enterprise's operations and supplied links are ranges of ops and
	// links (opsOf, linksFrom).
	linksByCustomer []int32
	// cells pre-aggregate the segment statistics per (chain, region, park), so a scope's
	// SegmentStats add up the cells inside it; cellsByRegion and cellsByPark index them.
	cells         []chainmap.StatsCell
	cellsByRegion map[string][]int
	cellsByPark   map[string][]int
	// places answers scope membership (chainmap.Places.Cover).
	places *chainmap.Places
	// generation numbers this graph among those the process built; refs are its
	// reference tables, built once on first use (References).
	generation int64
	refsOnce   sync.Once
	refs       *chainmap.ReferenceTables
}

func newGraph() *graph {
	return &graph{generation: generations.Add(1), tabs: newTables(), entsSorted: true,
		sources: map[string]*chainmap.Source{}, chains: map[string]*chainmap.Chain{},
		segments: map[string]*chainmap.Segment{}, regions: map[string]*chainmap.Region{},
		parks:    map[string]*chainmap.Park{},
		projects: map[string]*chainmap.Project{}, policies: map[string]*chainmap.Policy{},
		goals: map[string]*chainmap.Goal{}, indicators: map[string]*chainmap.Indicator{},
		platforms: map[string]*chainmap.Platform{}, technologies: map[string]*chainmap.Technology{},
	}
}

// index builds the indexes of a loaded graph. Its two larger strands run at once (the
// machine chainmap runs on has a few cores and nothing else to do at start-up): sorting
// the operations then building the statistics cells from them, and everything else.
func (g *graph) index() {
	g.sortEnts()
	g.tabs.done()
	syms := g.tabs.syms
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		g.sortOps()
		g.indexStats()
	}()
	g.segmentIDs = sortedKeys(g.segments)
	g.byRevenue = span(0, len(g.ents))
	g.sortByOrder(chainmap.SortByRevenue, g.byRevenue)
	g.allStats = map[string][]chainmap.SegmentStat{}
	g.projectsByEnt = map[string][]*chainmap.Project{}
	for _, id := range sortedKeys(g.projects) {
		p := g.projects[id]
		if p.Enterprise != "" {
			g.projectsByEnt[p.Enterprise] = append(g.projectsByEnt[p.Enterprise], p)
		}
	}
	g.entByRegion, g.entByPark = map[string][]int32{}, map[string][]int32{}
	for i := range g.ents {
		e := &g.ents[i]
		region := g.str(e.region)
		g.entByRegion[region] = append(g.entByRegion[region], int32(i))
		if e.park != 0 {
			park := g.str(e.park)
			g.entByPark[park] = append(g.entByPark[park], int32(i))
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
	slices.SortFunc(g.links, func(a, b linkRec) int {
		return cmpKey([]string{a.sup, a.cust, syms.str(a.seg)}, []string{b.sup, b.cust, syms.str(b.seg)})
	})
	g.linksByCustomer = span(0, len(g.links))
	slices.SortStableFunc(g.linksByCustomer, func(a, b int32) int { return keyCompare(g.links[a].cust, g.links[b].cust) })
	g.places = chainmap.NewPlaces(maps.Values(g.regions), maps.Values(g.parks))
	wg.Wait()
	g.opsBySegment = map[string][]int32{}
	for i := range g.ops {
		seg := syms.str(g.ops[i].seg)
		g.opsBySegment[seg] = append(g.opsBySegment[seg], int32(i))
	}
}

// sortOps puts the operations in key order (Operation.Key). Files usually list them
// grouped by enterprise, in id order: then only each enterprise's few operations need
// ordering (at a million enterprises, a fifth of the time of sorting them all).
func (g *graph) sortOps() {
	syms := g.tabs.syms
	cmp := func(a, b opRec) int {
		return cmpKey([]string{a.ent, syms.str(a.seg)}, []string{b.ent, syms.str(b.seg)})
	}
	start := 0
	for i := 1; i <= len(g.ops); i++ {
		if i < len(g.ops) && g.ops[i].ent == g.ops[start].ent {
			continue
		}
		// g.ops[start:i] is one enterprise's run; the next run must be of a later one
		// (keyCompare says so unless an id holds the separator, left to the full sort).
		if i < len(g.ops) && keyCompare(g.ops[start].ent, g.ops[i].ent) >= 0 {
			slices.SortFunc(g.ops, cmp)
			return
		}
		slices.SortFunc(g.ops[start:i], cmp)
		start = i
	}
}

// indexStats builds the statistics cells from every enterprise and its operations.
func (g *graph) indexStats() {
	nodes := make(map[string]chainmap.SegmentNode, len(g.segments))
	for id, sg := range g.segments {
		nodes[id] = chainmap.SegmentNode{Chain: sg.Chain, Parent: sg.Parent}
	}
	b := chainmap.NewStatsBuilder(nodes)
	var ops []chainmap.StatsOp
	v := g.viewer()
	for n := range g.ents {
		e := v.at(int32(n))
		ops = ops[:0]
		i, j := g.opsOf(e.ID)
		for k := i; k < j; k++ {
			o := &g.ops[k]
			ops = append(ops, chainmap.StatsOp{Segment: g.str(o.seg), Role: g.str(o.role),
				CapacityBase: getF(o.has, hasCapacityBase, &o.capBase), CapacityDim: g.str(o.capDim),
				Suggested: chainmap.IsSuggested(g.str(o.verif))})
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

// str returns an interned string of the graph.
func (g *graph) str(x sym) string { return g.tabs.syms.strs[x] }

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
