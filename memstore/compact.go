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

// compactRows detaches a batch of enterprises from their CSV lines (see above);
// operations and supply links are kept in compact form (records.go), and the other kinds
// are small and kept as read.
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

// opsOf returns the range [i, j) of g.ops holding an enterprise's operations (g.ops is
// sorted by enterprise, then segment), found by binary search instead of a map holding a
// slice per enterprise.
func (g *graph) opsOf(enterprise string) (i, j int) {
	i, _ = slices.BinarySearchFunc(g.ops, enterprise, func(o opRec, e string) int {
		return keyCompare(o.ent, e)
	})
	j = i
	for j < len(g.ops) && g.ops[j].ent == enterprise {
		j++
	}
	return i, j
}

// linksFrom returns the range [i, j) of g.links (sorted by supplier, customer, segment)
// holding the links an enterprise supplies.
func (g *graph) linksFrom(supplier string) (i, j int) {
	i, _ = slices.BinarySearchFunc(g.links, supplier, func(l linkRec, s string) int {
		return keyCompare(l.sup, s)
	})
	j = i
	for j < len(g.links) && g.links[j].sup == supplier {
		j++
	}
	return i, j
}

// linksTo returns the links an enterprise buys through, by key: a range of
// g.linksByCustomer (indexes of g.links stably sorted by customer with keyCompare).
func (g *graph) linksTo(customer string) []int32 {
	i, _ := slices.BinarySearchFunc(g.linksByCustomer, customer, func(l int32, c string) int {
		return keyCompare(g.links[l].cust, c)
	})
	j := i
	for j < len(g.linksByCustomer) && g.links[g.linksByCustomer[j]].cust == customer {
		j++
	}
	return g.linksByCustomer[i:j:j]
}
