package memstore

import (
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
)

// entRec is an enterprise in compact form (see records.go): g.ents holds them sorted by
// id once loaded, so an enterprise is an index (int32) into it, found by binary search.
type entRec struct {
	id, name                         string // ID, NameZh
	x                                *entExtra
	lon, lat, revenue                float64
	revYear, employees, empYear      int
	region, park, kind, status, conf sym
	designations, sources            uint32
	has                              uint8
}

// entExtra holds an enterprise's rarer strings, nil when they are all empty.
type entExtra struct{ nameEn, shortName, creditCode, parent, stockCode, note string }

const (
	hasLon = 1 << iota
	hasLat
	hasRevenue
	hasRevenueYear
	hasEmployees
	hasEmployeesYear
)

func (g *graph) compactEnt(e *chainmap.Enterprise) entRec {
	t := g.tabs
	r := entRec{id: strings.Clone(e.ID), name: strings.Clone(e.NameZh), region: t.syms.put(e.Region),
		park: t.syms.put(e.Park), kind: t.syms.put(e.Kind), status: t.syms.put(e.Status),
		conf: t.syms.put(string(e.Confidence)), designations: t.lists.put(e.Designations, t.syms),
		sources: t.cites.put(e.Sources, t.syms)}
	setF(&r.has, hasLon, &r.lon, e.Lon)
	setF(&r.has, hasLat, &r.lat, e.Lat)
	setF(&r.has, hasRevenue, &r.revenue, e.Revenue)
	setI(&r.has, hasRevenueYear, &r.revYear, e.RevenueYear)
	setI(&r.has, hasEmployees, &r.employees, e.Employees)
	setI(&r.has, hasEmployeesYear, &r.empYear, e.EmployeesYear)
	if x := (entExtra{e.NameEn, e.ShortName, e.CreditCode, e.Parent, e.StockCode, e.Note}); x != (entExtra{}) {
		r.x = &entExtra{strings.Clone(x.nameEn), strings.Clone(x.shortName), strings.Clone(x.creditCode),
			strings.Clone(x.parent), strings.Clone(x.stockCode), strings.Clone(x.note)}
	}
	return r
}

// enterprise fills e with the domain record of g.ents[i]. Its figures point into the
// compact record and its lists are shared: building one allocates nothing but e.
func (g *graph) enterprise(i int32, e *chainmap.Enterprise) {
	r, t := &g.ents[i], g.tabs
	*e = chainmap.Enterprise{ID: r.id, NameZh: r.name, Region: t.syms.str(r.region), Park: t.syms.str(r.park),
		Lon: getF(r.has, hasLon, &r.lon), Lat: getF(r.has, hasLat, &r.lat),
		Revenue: getF(r.has, hasRevenue, &r.revenue), RevenueYear: getI(r.has, hasRevenueYear, &r.revYear),
		Employees: getI(r.has, hasEmployees, &r.employees), EmployeesYear: getI(r.has, hasEmployeesYear, &r.empYear),
		Designations: t.lists.get(r.designations), Kind: t.syms.str(r.kind), Status: t.syms.str(r.status),
		Provenance: chainmap.Provenance{Sources: t.cites.get(r.sources), Confidence: chainmap.Confidence(t.syms.str(r.conf))}}
	if x := r.x; x != nil {
		e.NameEn, e.ShortName, e.CreditCode, e.Parent, e.StockCode, e.Note = x.nameEn, x.shortName, x.creditCode, x.parent, x.stockCode, x.note
	}
}

// enterprises builds the domain records of the given enterprises in one allocation.
func (g *graph) enterprises(idx []int32) []*chainmap.Enterprise {
	if len(idx) == 0 {
		return nil
	}
	buf := make([]chainmap.Enterprise, len(idx))
	out := make([]*chainmap.Enterprise, len(idx))
	for k, i := range idx {
		g.enterprise(i, &buf[k])
		out[k] = &buf[k]
	}
	return out
}

// viewer lends the domain record of one enterprise at a time, refilled on each call, to
// the domain's rules (filters, chainmap.StatsBuilder): one allocation per query instead
// of one per enterprise. The record is valid until the next call and must not be kept.
type viewer struct {
	g *graph
	e chainmap.Enterprise
}

func (g *graph) viewer() *viewer { return &viewer{g: g} }

func (v *viewer) at(i int32) *chainmap.Enterprise {
	v.g.enterprise(i, &v.e)
	return &v.e
}

// orderKey sets the fields of e that the enterprise orders read (chainmap.LessEnterprise,
// Cursor.After: revenue, Chinese name, id), and only those: comparing orders over
// hundreds of thousands of enterprises must not build, or even clear, whole records, so
// e must hold nothing but order keys (start from a zero Enterprise).
// TestOrderKeysSortLikeRecords checks that it sorts as the whole records do.
func (g *graph) orderKey(i int32, e *chainmap.Enterprise) {
	r := &g.ents[i]
	e.ID, e.NameZh, e.Revenue = r.id, r.name, getF(r.has, hasRevenue, &r.revenue)
}

// sortByOrder sorts enterprise indexes in a page order (chainmap.LessEnterprise). The
// order is total (ties end at the id, which is unique, and loaded figures are finite), so
// an unstable sort gives the one answer.
func (g *graph) sortByOrder(sortBy string, idx []int32) {
	var a, b chainmap.Enterprise
	slices.SortFunc(idx, func(i, j int32) int {
		g.orderKey(i, &a)
		g.orderKey(j, &b)
		switch {
		case chainmap.LessEnterprise(sortBy, &a, &b):
			return -1
		case chainmap.LessEnterprise(sortBy, &b, &a):
			return 1
		}
		return 0
	})
}

// find returns the index of the enterprise with the given id.
func (g *graph) find(id string) (int32, bool) {
	g.sortEnts()
	i, ok := slices.BinarySearchFunc(g.ents, id, func(r entRec, id string) int { return strings.Compare(r.id, id) })
	return int32(i), ok
}

// sortEnts puts g.ents in id order once a load has written them (files are usually in
// id order already, which costs one pass to check). A later record with the id of an
// earlier one replaces it, as writing a map would.
func (g *graph) sortEnts() {
	if g.entsSorted {
		return
	}
	g.entsSorted = true
	cmp := func(a, b entRec) int { return strings.Compare(a.id, b.id) }
	if slices.IsSortedFunc(g.ents, cmp) && !hasAdjacentDup(g.ents) {
		return
	}
	slices.SortStableFunc(g.ents, cmp)
	out := g.ents[:0]
	for i := range g.ents {
		if i+1 < len(g.ents) && g.ents[i+1].id == g.ents[i].id {
			continue // keep the last written
		}
		out = append(out, g.ents[i])
	}
	clear(g.ents[len(out):])
	g.ents = out
}

func hasAdjacentDup(l []entRec) bool {
	for i := 1; i < len(l); i++ {
		if l[i].id == l[i-1].id {
			return true
		}
	}
	return false
}
