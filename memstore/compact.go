package memstore

import (
	"slices"
	"strings"
)

// maxInterned bounds the lookup maps of one load's interning tables (records.go): past
// it, new values are stored without being looked up again.
const maxInterned = 1 << 16

// enterpriseID returns the loaded enterprise's own id string for id, or a copy, so that
// the operations and links of an enterprise share its id rather than each pinning the
// CSV line it was read from.
func (g *graph) enterpriseID(id string) string {
	if i, ok := g.find(id); ok {
		return g.ents[i].id
	}
	return strings.Clone(id)
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
