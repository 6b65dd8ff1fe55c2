package memstore

import (
	"strings"

	"github.com/chainmap/chainmap"
)

// The compact form (issue 18, item 1). At a million enterprises the domain's structs
// were most of the embedded store's memory: an Operation is 280 bytes plus a separate
// allocation for each figure, and most of its strings repeat the same few segments, units
// and statuses. The store keeps operations and supply links as compact records instead:
// low-cardinality strings are symbols (4-byte indexes into the graph's symbol table),
// lists are indexes into interned list tables, figures are values with a presence bit,
// and rare free text sits behind one pointer that is nil when it is all empty. A domain
// record is built only when a query returns it; its figure pointers point into the
// compact record, so building one allocates the struct alone.

// sym is an interned string: an index into the graph's symbol table (0 is "").
type sym uint32

// symtab interns the strings of one graph. ids is only needed while loading and is
// dropped by index; past maxInterned distinct strings, new ones are stored without being
// looked up again (a hostile file of unique "units" cannot grow the map without bound,
// and the table holds no more than the records would).
type symtab struct {
	strs []string
	ids  map[string]sym
}

func newSymtab() *symtab { return &symtab{strs: []string{""}, ids: map[string]sym{}} }

func (t *symtab) put(s string) sym {
	if s == "" {
		return 0
	}
	if i, ok := t.ids[s]; ok {
		return i
	}
	c := strings.Clone(s)
	t.strs = append(t.strs, c)
	i := sym(len(t.strs) - 1)
	if t.ids != nil && len(t.ids) < maxInterned {
		t.ids[c] = i
	}
	return i
}

func (t *symtab) str(i sym) string { return t.strs[i] }

// listtab interns lists (products, designations, citations): 0 is the nil list, and
// each list is shared, capacity clipped, by every record naming it.
type listtab[T ~string] struct {
	lists [][]T
	ids   map[string]uint32
}

func newListtab[T ~string]() *listtab[T] {
	return &listtab[T]{lists: [][]T{nil}, ids: map[string]uint32{}}
}

func (t *listtab[T]) put(l []T, syms *symtab) uint32 {
	if l == nil {
		return 0
	}
	var key string
	switch len(l) {
	case 0:
	case 1:
		key = "\x01" + string(l[0])
	default:
		parts := make([]string, len(l))
		for i, s := range l {
			parts[i] = string(s)
		}
		key = "\x01" + strings.Join(parts, "\x00")
	}
	if i, ok := t.ids[key]; ok {
		return i
	}
	c := make([]T, len(l))
	for i, s := range l {
		c[i] = T(syms.str(syms.put(string(s))))
	}
	t.lists = append(t.lists, c)
	i := uint32(len(t.lists) - 1)
	if t.ids != nil && len(t.ids) < maxInterned {
		t.ids[key] = i
	}
	return i
}

func (t *listtab[T]) get(i uint32) []T {
	l := t.lists[i]
	return l[:len(l):len(l)]
}

// tables are the interning tables of one graph.
type tables struct {
	syms  *symtab
	lists *listtab[string]
	cites *listtab[chainmap.Citation]
}

func newTables() tables {
	return tables{syms: newSymtab(), lists: newListtab[string](), cites: newListtab[chainmap.Citation]()}
}

// done drops the lookup maps once the graph is loaded.
func (t tables) done() { t.syms.ids, t.lists.ids, t.cites.ids = nil, nil, nil }

// presence bits of the optional figures.
const (
	hasCapacity = 1 << iota
	hasCapacityBase
	hasOutput
	hasCapacityYear
	hasOutputYear
)

const (
	hasVolume = 1 << iota
	hasYear
)

func setF(has *uint8, bit uint8, dst *float64, p *float64) {
	if p != nil {
		*has |= bit
		*dst = *p
	}
}

func setI(has *uint8, bit uint8, dst *int, p *int) {
	if p != nil {
		*has |= bit
		*dst = *p
	}
}

func getF(has, bit uint8, p *float64) *float64 {
	if has&bit == 0 {
		return nil
	}
	return p
}

func getI(has, bit uint8, p *int) *int {
	if has&bit == 0 {
		return nil
	}
	return p
}

// opRec is an operation in compact form (see above).
type opRec struct {
	ent                                 string // the enterprise's own id string when it is loaded
	x                                   *opExtra
	capacity, capBase, output           float64
	capYear, outYear                    int
	seg, role, capUnit, capDim, outUnit sym
	capQual, outQual, verif, conf       sym
	products, sources                   uint32
	has                                 uint8
}

// opExtra holds an operation's free text, nil when there is none.
type opExtra struct{ evidence, note string }

func (g *graph) compactOp(o *chainmap.Operation) opRec {
	t := g.tabs
	r := opRec{ent: g.enterpriseID(o.Enterprise), seg: t.syms.put(o.Segment), role: t.syms.put(o.Role),
		capUnit: t.syms.put(o.CapacityUnit), capDim: t.syms.put(o.CapacityDim), outUnit: t.syms.put(o.OutputUnit),
		capQual: t.syms.put(string(o.CapacityQualifier)), outQual: t.syms.put(string(o.OutputQualifier)),
		verif: t.syms.put(o.Verification), conf: t.syms.put(string(o.Confidence)),
		products: t.lists.put(o.Products, t.syms), sources: t.cites.put(o.Sources, t.syms)}
	setF(&r.has, hasCapacity, &r.capacity, o.Capacity)
	setF(&r.has, hasCapacityBase, &r.capBase, o.CapacityBase)
	setF(&r.has, hasOutput, &r.output, o.Output)
	setI(&r.has, hasCapacityYear, &r.capYear, o.CapacityYear)
	setI(&r.has, hasOutputYear, &r.outYear, o.OutputYear)
	if o.Evidence != "" || o.Note != "" {
		r.x = &opExtra{evidence: strings.Clone(o.Evidence), note: strings.Clone(o.Note)}
	}
	return r
}

// operation builds the domain record of g.ops[i]; its figures point into the compact
// record, which never changes once the graph is served.
func (g *graph) operation(i int32, o *chainmap.Operation) {
	r, t := &g.ops[i], g.tabs
	*o = chainmap.Operation{Enterprise: r.ent, Segment: t.syms.str(r.seg), Role: t.syms.str(r.role),
		Capacity: getF(r.has, hasCapacity, &r.capacity), CapacityUnit: t.syms.str(r.capUnit),
		CapacityYear: getI(r.has, hasCapacityYear, &r.capYear),
		CapacityBase: getF(r.has, hasCapacityBase, &r.capBase), CapacityDim: t.syms.str(r.capDim),
		Output: getF(r.has, hasOutput, &r.output), OutputUnit: t.syms.str(r.outUnit),
		OutputYear:        getI(r.has, hasOutputYear, &r.outYear),
		CapacityQualifier: chainmap.Qualifier(t.syms.str(r.capQual)), OutputQualifier: chainmap.Qualifier(t.syms.str(r.outQual)),
		Products: t.lists.get(r.products), Verification: t.syms.str(r.verif),
		Provenance: chainmap.Provenance{Sources: t.cites.get(r.sources), Confidence: chainmap.Confidence(t.syms.str(r.conf))}}
	if r.x != nil {
		o.Evidence, o.Note = r.x.evidence, r.x.note
	}
}

// operations builds the domain records of the given operations in one allocation.
func (g *graph) operations(idx []int32) []*chainmap.Operation {
	if len(idx) == 0 {
		return nil
	}
	buf := make([]chainmap.Operation, len(idx))
	out := make([]*chainmap.Operation, len(idx))
	for k, i := range idx {
		g.operation(i, &buf[k])
		out[k] = &buf[k]
	}
	return out
}

// linkRec is a supply link in compact form.
type linkRec struct {
	sup, cust                 string // the enterprises' own id strings when loaded
	x                         *linkExtra
	volume                    float64
	year                      int
	seg, volUnit, verif, conf sym
	products, sources         uint32
	has                       uint8
}

// linkExtra holds a link's note, nil when it has none.
type linkExtra struct{ note string }

func (g *graph) compactLink(l *chainmap.SupplyLink) linkRec {
	t := g.tabs
	r := linkRec{sup: g.enterpriseID(l.Supplier), cust: g.enterpriseID(l.Customer), seg: t.syms.put(l.Segment),
		volUnit: t.syms.put(l.VolumeUnit), verif: t.syms.put(l.Verification), conf: t.syms.put(string(l.Confidence)),
		products: t.lists.put(l.Products, t.syms), sources: t.cites.put(l.Sources, t.syms)}
	setF(&r.has, hasVolume, &r.volume, l.Volume)
	setI(&r.has, hasYear, &r.year, l.Year)
	if l.Note != "" {
		r.x = &linkExtra{note: strings.Clone(l.Note)}
	}
	return r
}

func (g *graph) link(i int32, l *chainmap.SupplyLink) {
	r, t := &g.links[i], g.tabs
	*l = chainmap.SupplyLink{Supplier: r.sup, Customer: r.cust, Segment: t.syms.str(r.seg),
		Products: t.lists.get(r.products), Volume: getF(r.has, hasVolume, &r.volume),
		VolumeUnit: t.syms.str(r.volUnit), Year: getI(r.has, hasYear, &r.year), Verification: t.syms.str(r.verif),
		Provenance: chainmap.Provenance{Sources: t.cites.get(r.sources), Confidence: chainmap.Confidence(t.syms.str(r.conf))}}
	if r.x != nil {
		l.Note = r.x.note
	}
}

// supplyLinks builds the domain records of the given links in one allocation.
func (g *graph) supplyLinks(idx []int32) []*chainmap.SupplyLink {
	if len(idx) == 0 {
		return nil
	}
	buf := make([]chainmap.SupplyLink, len(idx))
	out := make([]*chainmap.SupplyLink, len(idx))
	for k, i := range idx {
		g.link(i, &buf[k])
		out[k] = &buf[k]
	}
	return out
}

// span returns the indexes i..j-1.
func span(i, j int) []int32 {
	out := make([]int32, 0, j-i)
	for k := i; k < j; k++ {
		out = append(out, int32(k))
	}
	return out
}

// cmpKey compares the keys parts a and b would make joined by ">" (Operation.Key,
// SupplyLink.Key) without building them.
func cmpKey(a, b []string) int {
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if i == len(a)-1 {
			return strings.Compare(a[i], b[i])
		}
		if c := keyCompare(a[i], b[i]); c != 0 {
			return c
		}
		// One part is the other followed by ">": an id holding the separator.
		return strings.Compare(strings.Join(a[i:], ">"), strings.Join(b[i:], ">"))
	}
	return 0
}
