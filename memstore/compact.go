package memstore

import (
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
)

// Memory at national scale (issue 18): a loaded record's strings are substrings of the
// CSV line they were read from, so every record pins its whole line, and the same region,
// segment, unit or status id is held once per record. compactRows gives each record its
// own copies instead: the ids an enterprise's operations and supply links name become the
// enterprise's own id string, low-cardinality values (regions, parks, segments, units,
// roles, statuses, citations…) are interned, and the rest is copied out of the line, so the
// line can be freed with its batch.

// maxInterned bounds the interning table of one load: past it, values are copied instead
// (a hostile file of unique "statuses" cannot grow the table without bound).
const maxInterned = 1 << 16

// strtab interns strings for one load.
type strtab map[string]string

func (t strtab) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := t[s]; ok {
		return v
	}
	c := strings.Clone(s)
	if len(t) < maxInterned {
		t[c] = c
	}
	return c
}

func (t strtab) all(l []string) {
	for i, s := range l {
		l[i] = t.get(s)
	}
}

func (t strtab) cites(l []chainmap.Citation) {
	for i, c := range l {
		l[i] = chainmap.Citation(t.get(string(c)))
	}
}

// enterpriseID returns the loaded enterprise's own id string for id, or a copy.
func (g *graph) enterpriseID(id string) string {
	if e := g.enterprises[id]; e != nil {
		return e.ID
	}
	return strings.Clone(id)
}

// compactRows detaches a batch's records from their CSV lines (see above). Kinds other
// than enterprises, operations and supply links are small and kept as read.
func (g *graph) compactRows(rows any) {
	if g.strs == nil {
		g.strs = strtab{}
	}
	t := g.strs
	switch rows := rows.(type) {
	case chainmap.Rows[chainmap.Enterprise]:
		for i := range rows {
			e := &rows[i]
			e.ID, e.NameZh, e.NameEn, e.ShortName = strings.Clone(e.ID), strings.Clone(e.NameZh), strings.Clone(e.NameEn), strings.Clone(e.ShortName)
			e.CreditCode, e.StockCode, e.Parent, e.Note = strings.Clone(e.CreditCode), strings.Clone(e.StockCode), strings.Clone(e.Parent), strings.Clone(e.Note)
			e.Region, e.Park, e.Kind, e.Status = t.get(e.Region), t.get(e.Park), t.get(e.Kind), t.get(e.Status)
			e.Confidence = chainmap.Confidence(t.get(string(e.Confidence)))
			t.all(e.Designations)
			t.cites(e.Sources)
		}
	case chainmap.Rows[chainmap.Operation]:
		for i := range rows {
			o := &rows[i]
			o.Enterprise, o.Segment, o.Role = g.enterpriseID(o.Enterprise), t.get(o.Segment), t.get(o.Role)
			o.CapacityUnit, o.CapacityDim, o.OutputUnit = t.get(o.CapacityUnit), t.get(o.CapacityDim), t.get(o.OutputUnit)
			o.CapacityQualifier = chainmap.Qualifier(t.get(string(o.CapacityQualifier)))
			o.OutputQualifier = chainmap.Qualifier(t.get(string(o.OutputQualifier)))
			o.Verification, o.Evidence, o.Note = t.get(o.Verification), strings.Clone(o.Evidence), strings.Clone(o.Note)
			o.Confidence = chainmap.Confidence(t.get(string(o.Confidence)))
			t.all(o.Products)
			t.cites(o.Sources)
		}
	case chainmap.Rows[chainmap.SupplyLink]:
		for i := range rows {
			l := &rows[i]
			l.Supplier, l.Customer, l.Segment = g.enterpriseID(l.Supplier), g.enterpriseID(l.Customer), t.get(l.Segment)
			l.VolumeUnit, l.Verification, l.Note = t.get(l.VolumeUnit), t.get(l.Verification), strings.Clone(l.Note)
			l.Confidence = chainmap.Confidence(t.get(string(l.Confidence)))
			t.all(l.Products)
			t.cites(l.Sources)
		}
	}
}

// keyCompare compares a+">" with b+">" without building them: the order of records
// sorted by their keys (Operation.Key, SupplyLink.Key: ids joined by ">"), restricted to
// the first id, so a binary search on that id finds a key-sorted range.
func keyCompare(a, b string) int {
	n := min(len(a), len(b))
	if c := strings.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	switch {
	case len(a) == len(b):
		return 0
	case len(a) < len(b):
		return cmpByte('>', b[n])
	}
	return cmpByte(a[n], '>')
}

func cmpByte(x, y byte) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// opsOf returns the operations of an enterprise, by segment: a range of g.operations,
// which is sorted by (enterprise, segment), found by binary search instead of a map
// holding a slice per enterprise. Callers must not append to it.
func (g *graph) opsOf(enterprise string) []*chainmap.Operation {
	i, _ := slices.BinarySearchFunc(g.operations, enterprise, func(o *chainmap.Operation, e string) int {
		return keyCompare(o.Enterprise, e)
	})
	j := i
	for j < len(g.operations) && g.operations[j].Enterprise == enterprise {
		j++
	}
	return g.operations[i:j:j]
}

// linksFrom returns the links an enterprise supplies, by key: a range of g.supplyLinks
// (sorted by supplier, customer, segment).
func (g *graph) linksFrom(supplier string) []*chainmap.SupplyLink {
	i, _ := slices.BinarySearchFunc(g.supplyLinks, supplier, func(l *chainmap.SupplyLink, s string) int {
		return keyCompare(l.Supplier, s)
	})
	j := i
	for j < len(g.supplyLinks) && g.supplyLinks[j].Supplier == supplier {
		j++
	}
	return g.supplyLinks[i:j:j]
}

// linksTo returns the links an enterprise buys through, by key: a range of
// g.linksByCustomer (the links stably sorted by customer with keyCompare).
func (g *graph) linksTo(customer string) []*chainmap.SupplyLink {
	i, _ := slices.BinarySearchFunc(g.linksByCustomer, customer, func(l *chainmap.SupplyLink, c string) int {
		return keyCompare(l.Customer, c)
	})
	j := i
	for j < len(g.linksByCustomer) && g.linksByCustomer[j].Customer == customer {
		j++
	}
	return g.linksByCustomer[i:j:j]
}
