package chainmap

import (
	"math"
	"slices"
	"sort"
	"strconv"
)

// StatsCell is the pre-aggregated share of one segment subtree held by the active
// enterprises of one (region, park) pair: what SegmentStats adds up. An enterprise sits
// in exactly one region and at most one park, so the cells partition the enterprises and
// a scope's figures are sums over the cells whose region or park lies inside it, with no
// enterprise counted twice. Stores build the cells once per loaded dataset (see
// StatsBuilder) so that a province-wide analysis adds up a few hundred cells instead of
// aggregating tens of thousands of enterprises and their operations.
type StatsCell struct {
	Chain  string
	Region string
	// Park is empty for enterprises recorded in no park.
	Park string
	// Segments lists the segments credited, sorted; the slices below run parallel to it.
	Segments    []string
	Enterprises []int
	Revenue     []float64
	WithRevenue []int
	// Sums and Counts hold, per segment, the capacity sums and the number of operations
	// giving a capacity, per dimension of Dimensions (len(Segments)*len(Dimensions)
	// values, segment-major).
	Sums   []float64
	Counts []int
	// Suggested marks a cell holding what suggested placements add to the ordinary cell
	// of the same (chain, region, park): the figures with every operation, less the
	// figures without the suggested ones. SumCells counts its enterprises as
	// SegmentStat.Suggested, and subtracts it whole for verified-only figures.
	// Enterprises with no suggested operation add nothing here, so a dataset without
	// suggestions has no such cells.
	Suggested bool
}

// SegmentNode is what the aggregation needs of a segment: its chain and parent.
type SegmentNode struct {
	Chain  string
	Parent string
}

// StatsBuilder accumulates StatsCells from enterprises and their operations, crediting
// each producing operation to its segment and every ancestor, and each enterprise once
// per segment subtree it is active in. The embedded store and the Neo4j store both use
// it, so the two agree by construction.
type StatsBuilder struct {
	segments map[string]SegmentNode
	cells    map[cellKey]*cellAcc
	credited map[string]bool
}

type cellKey struct {
	chain, region, park string
	suggested           bool
}

type cellAcc struct {
	bySeg map[string]*segAcc
}

type segAcc struct {
	enterprises, withRevenue int
	revenue                  float64
	sums                     []float64
	counts                   []int
}

// NewStatsBuilder starts an aggregation over a dataset whose segments are given by id.
func NewStatsBuilder(segments map[string]SegmentNode) *StatsBuilder {
	return &StatsBuilder{segments: segments, cells: map[cellKey]*cellAcc{}, credited: map[string]bool{}}
}

// StatsOp is the part of an operation the aggregation reads.
type StatsOp struct {
	Segment      string
	Role         string
	CapacityBase *float64
	CapacityDim  string
	// Suggested is true for a placement that nobody has verified (IsSuggested).
	Suggested bool
}

// Add credits one enterprise (its region, park, status and revenue are read) with all of
// its operations. Inactive enterprises and R&D operations are skipped, as SegmentStat
// defines; operations in unknown segments too. An enterprise with suggested operations
// also adds, to the Suggested cells, its figures with every operation less its figures
// without the suggested ones.
func (b *StatsBuilder) Add(e *Enterprise, ops []StatsOp) {
	if !e.Active() {
		return
	}
	b.add(e, ops, false, 1)
	if !slices.ContainsFunc(ops, func(o StatsOp) bool { return o.Suggested }) {
		return
	}
	b.add(e, ops, true, 1)
	verified := slices.DeleteFunc(slices.Clone(ops), func(o StatsOp) bool { return o.Suggested })
	b.add(e, verified, true, -1)
}

// add credits the enterprise's operations to the ordinary or the Suggested cells, with
// sign +1 or -1.
func (b *StatsBuilder) add(e *Enterprise, ops []StatsOp, suggested bool, sign int) {
	region, park, revenue := e.Region, e.Park, e.Revenue
	clear(b.credited)
	for _, o := range ops {
		seg, ok := b.segments[o.Segment]
		if !ok || !CountsForPresence(o.Role) {
			continue
		}
		key := cellKey{seg.Chain, region, park, suggested}
		cell := b.cells[key]
		if cell == nil {
			cell = &cellAcc{bySeg: map[string]*segAcc{}}
			b.cells[key] = cell
		}
		dim := -1
		if o.CapacityBase != nil {
			dim = DimensionIndex(o.CapacityDim)
		}
		// Walk up while the parent is a known segment; the depth bound guards against
		// a parent cycle, which validation rejects but a hand-edited graph could hold.
		id := o.Segment
		for depth := 0; depth <= len(b.segments); depth++ {
			a := cell.bySeg[id]
			if a == nil {
				a = &segAcc{sums: make([]float64, len(Dimensions)), counts: make([]int, len(Dimensions))}
				cell.bySeg[id] = a
			}
			if !b.credited[id] { // segment ids are unique across chains
				b.credited[id] = true
				a.enterprises += sign
				if revenue != nil {
					a.revenue += float64(sign) * *revenue
					a.withRevenue += sign
				}
			}
			if dim >= 0 {
				a.sums[dim] += float64(sign) * *o.CapacityBase
				a.counts[dim] += sign
			}
			parent := b.segments[id].Parent
			if _, ok := b.segments[parent]; !ok || parent == "" {
				break
			}
			id = parent
		}
	}
}

// Cells returns the accumulated cells, ordered by chain, region and park, each ordinary
// cell before the Suggested cell of the same key. Suggested cells whose every figure came
// to zero are left out.
func (b *StatsBuilder) Cells() []StatsCell {
	keys := make([]cellKey, 0, len(b.cells))
	for k := range b.cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.chain != c.chain {
			return a.chain < c.chain
		}
		if a.region != c.region {
			return a.region < c.region
		}
		if a.park != c.park {
			return a.park < c.park
		}
		return !a.suggested && c.suggested
	})
	out := make([]StatsCell, 0, len(keys))
	for _, k := range keys {
		acc := b.cells[k]
		c := StatsCell{Chain: k.chain, Region: k.region, Park: k.park, Suggested: k.suggested}
		for id, a := range acc.bySeg {
			if k.suggested && a.zero() {
				continue
			}
			c.Segments = append(c.Segments, id)
		}
		if len(c.Segments) == 0 {
			continue
		}
		sort.Strings(c.Segments)
		for _, id := range c.Segments {
			a := acc.bySeg[id]
			c.Enterprises = append(c.Enterprises, a.enterprises)
			c.Revenue = append(c.Revenue, a.revenue)
			c.WithRevenue = append(c.WithRevenue, a.withRevenue)
			c.Sums = append(c.Sums, a.sums...)
			c.Counts = append(c.Counts, a.counts...)
		}
		out = append(out, c)
	}
	return out
}

// zero reports whether a Suggested cell's share of a segment came to nothing.
func (a *segAcc) zero() bool {
	return a.enterprises == 0 && a.withRevenue == 0 && a.revenue == 0 &&
		!slices.ContainsFunc(a.counts, func(n int) bool { return n != 0 })
}

// SumCells adds up cells into one SegmentStat per segment of the chain (segments in the
// order given, with their units), zero for segments no cell credits. The caller passes
// only the cells inside the scope; cells of other chains are ignored. Suggested cells
// count into SegmentStat.Suggested and, when verifiedOnly, are subtracted, so the
// figures are those of verified placements alone.
func SumCells(chain string, segments []*Segment, cells []StatsCell, verifiedOnly bool) []SegmentStat {
	type acc struct {
		st     SegmentStat
		sums   []float64
		counts []int
	}
	accs := make(map[string]*acc, len(segments))
	for _, s := range segments {
		accs[s.ID] = &acc{st: SegmentStat{Segment: s.ID}, sums: make([]float64, len(Dimensions)), counts: make([]int, len(Dimensions))}
	}
	nd := len(Dimensions)
	for _, c := range cells {
		if c.Chain != chain {
			continue
		}
		sign := 1
		if c.Suggested && verifiedOnly {
			sign = -1
		}
		for i, id := range c.Segments {
			a := accs[id]
			if a == nil {
				continue
			}
			if i < len(c.Enterprises) && c.Suggested {
				a.st.Suggested += c.Enterprises[i]
			}
			if c.Suggested && !verifiedOnly {
				continue // already counted in the ordinary cell
			}
			if i < len(c.Enterprises) {
				a.st.Enterprises += sign * c.Enterprises[i]
			}
			if i < len(c.Revenue) {
				a.st.Revenue += float64(sign) * c.Revenue[i]
			}
			if i < len(c.WithRevenue) {
				a.st.WithRevenue += sign * c.WithRevenue[i]
			}
			for d := 0; d < nd; d++ {
				if j := i*nd + d; j < len(c.Sums) && j < len(c.Counts) {
					a.sums[d] += float64(sign) * c.Sums[j]
					a.counts[d] += sign * c.Counts[j]
				}
			}
		}
	}
	out := make([]SegmentStat, 0, len(segments))
	for _, s := range segments {
		a := accs[s.ID]
		st := a.st
		st.Revenue = RoundSum(st.Revenue)
		if c, ok := CapacityFromDims(s.Unit, a.sums, a.counts); ok {
			c = RoundSum(c)
			st.Capacity = &c
		}
		out = append(out, st)
	}
	return out
}

// RoundSum rounds a sum of dataset figures to 12 significant digits: far finer than any
// figure a dataset records, coarse enough to drop the last-bit noise of floating-point
// addition, so that sums taken in different orders (per cell, or live in Neo4j) print
// the same and users never see 973.7299999999997.
func RoundSum(x float64) float64 {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
	if err != nil {
		return x
	}
	return r
}
