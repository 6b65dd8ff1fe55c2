package loaders

import (
	"strings"

	"github.com/chainmap/chainmap"
)

// edge is a child → parent link inside one table, checked once the table is read. The
// child is held as its entry number in the table's key set plus one (0 for a row without
// id) and the parent as its entry number in the table's set of parents, so that an edge
// is 16 bytes and never keeps its row alive.
type edge struct {
	line   int
	id     uint32
	parent uint32
}

// checker holds what cross-row checks need: the ids seen so far (with the line that
// defined them) and a few attributes other tables refer to. It keeps ids and small
// attributes only, never whole records nor strings that point into them, and keeps the
// big sets (ids, composite keys, credit codes) in compact keySets, so that validating a
// million enterprises stays within tens of megabytes.
type checker struct {
	rep   *Report
	keys  Keys
	files map[chainmap.Kind]string
	// Attributes of segments and regions, small tables.
	segChain    map[string]string
	segUnit     map[string]string
	regionLevel map[string]chainmap.RegionLevel
	// creditCodes holds each credit code with the entry number + 1 of the enterprise
	// that used it first (0 for a row without id); only while the enterprises are read.
	creditCodes *keySet
	edges       map[chainmap.Kind][]edge
	// parents holds, per table, the distinct parent ids its edges name.
	parents map[chainmap.Kind]*keySet
	// unreadable marks tables that could not be read whole; references to them are
	// not checked.
	unreadable map[chainmap.Kind]bool
	flows      []*chainmap.Flow
	flowLines  map[string]int
	// buf is scratch space for stored composite keys.
	buf []byte
}

func newChecker(rep *Report) *checker {
	return &checker{
		rep:         rep,
		keys:        newKeys(),
		files:       map[chainmap.Kind]string{},
		segChain:    map[string]string{},
		segUnit:     map[string]string{},
		regionLevel: map[string]chainmap.RegionLevel{},
		edges:       map[chainmap.Kind][]edge{},
		parents:     map[chainmap.Kind]*keySet{},
		unreadable:  map[chainmap.Kind]bool{},
		flowLines:   map[string]int{},
	}
}

// define records an id (or composite key), reporting duplicates with where the first one
// was. It returns the id's entry number in its kind's set (that of the first definition
// for a duplicate), or ok false for an empty id.
func (c *checker) define(k chainmap.Kind, id string, f *fields, col string) (entry int, ok bool) {
	if id == "" {
		return 0, false
	}
	set := c.keys.sets[k]
	i, dup, err := set.add(id, f.row.line)
	if err != nil {
		f.fail(col, "%s %q: %v", kindNoun(k), id, err)
		return 0, false
	}
	if dup {
		f.fail(col, "duplicate %s %q (first defined at %s:%d)", kindNoun(k), id, c.files[k], set.value(i))
	}
	return i, true
}

// defineComposite records the key made of parts joined by '>' (an operation's or a
// supply link's), stored compactly (see Keys.storedComposite), reporting duplicates as
// define does.
func (c *checker) defineComposite(k chainmap.Kind, f *fields, col string, parts ...string) {
	c.buf = c.keys.storedComposite(c.buf[:0], k, parts)
	set := c.keys.sets[k]
	i, dup, err := set.add(string(c.buf), f.row.line)
	if err != nil {
		f.fail(col, "%s %q: %v", kindNoun(k), strings.Join(parts, ">"), err)
		return
	}
	if dup {
		f.fail(col, "duplicate %s %q (first defined at %s:%d)", kindNoun(k), strings.Join(parts, ">"), c.files[k], set.value(i))
	}
}

// addEdge queues the link from the row's id (entry as returned by define) to its parent.
func (c *checker) addEdge(k chainmap.Kind, entry int, defined bool, parent string, line int, f *fields) {
	ps := c.parents[k]
	if ps == nil {
		ps = newKeySet()
		c.parents[k] = ps
	}
	p, _, err := ps.add(parent, 0)
	if err != nil {
		f.fail("parent", "%q: %v", parent, err)
		return
	}
	e := edge{line: line, parent: uint32(p)}
	if defined {
		e.id = uint32(entry) + 1
	}
	c.edges[k] = append(c.edges[k], e)
}

// ref checks that id names an existing record of kind k.
func (c *checker) ref(k chainmap.Kind, id string, f *fields, col string) {
	if id == "" || c.unreadable[k] {
		return
	}
	if !c.keys.has(k, id) {
		f.fail(col, "unknown %s %q", kindNoun(k), id)
	}
}

func (c *checker) refs(k chainmap.Kind, ids []string, f *fields, col string) {
	for _, id := range ids {
		c.ref(k, id, f, col)
	}
}

func (c *checker) citations(p chainmap.Provenance, f *fields) {
	if c.unreadable[chainmap.KindSources] {
		return
	}
	for _, s := range p.Sources {
		if !c.keys.has(chainmap.KindSources, s.SourceID()) {
			f.fail("sources", "unknown source %q", s.SourceID())
		}
	}
}

// unit checks that a figure's unit converts to the segment's unit.
func (c *checker) unit(segment, unit string, f *fields, col string) {
	su, ok := c.segUnit[segment]
	if !ok || su == "" || unit == "" {
		return
	}
	if _, err := chainmap.ConvertUnit(1, unit, su); err != nil {
		f.fail(col, "unit mismatch: %q does not convert to segment %s's unit %q", unit, segment, su)
	}
}

func kindNoun(k chainmap.Kind) string {
	switch k {
	case chainmap.KindSources:
		return "source"
	case chainmap.KindChains:
		return "chain"
	case chainmap.KindSegments:
		return "segment"
	case chainmap.KindFlows:
		return "flow"
	case chainmap.KindRegions:
		return "region"
	case chainmap.KindParks:
		return "park"
	case chainmap.KindEnterprises:
		return "enterprise"
	case chainmap.KindOperations:
		return "operation"
	case chainmap.KindSupplyLinks:
		return "supply link"
	case chainmap.KindProjects:
		return "project"
	case chainmap.KindPolicies:
		return "policy"
	case chainmap.KindGoals:
		return "goal"
	case chainmap.KindIndicators:
		return "indicator"
	case chainmap.KindPlatforms:
		return "platform"
	case chainmap.KindTechnologies:
		return "technology"
	}
	return string(k)
}

// check runs the cross-row checks of one parsed record.
func (c *checker) check(k chainmap.Kind, rec any, f *fields) {
	switch r := rec.(type) {
	case chainmap.Source:
		c.define(k, r.ID, f, "id")
	case chainmap.Chain:
		c.define(k, r.ID, f, "id")
		c.citations(r.Provenance, f)
	case chainmap.Segment:
		entry, ok := c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindChains, r.Chain, f, "chain")
		c.segChain[strings.Clone(r.ID)] = strings.Clone(r.Chain)
		c.segUnit[strings.Clone(r.ID)] = strings.Clone(r.Unit)
		if r.Parent != "" {
			c.addEdge(k, entry, ok, r.Parent, f.row.lineOf("parent"), f)
		}
		c.priorities(r.Priorities, f)
		c.citations(r.Provenance, f)
	case chainmap.Flow:
		c.define(k, r.Key(), f, "to")
		fl := r
		c.flows = append(c.flows, &fl)
		c.flowLines[r.Key()] = f.row.line
		c.ref(chainmap.KindSegments, r.From, f, "from")
		c.ref(chainmap.KindSegments, r.To, f, "to")
		c.citations(r.Provenance, f)
	case chainmap.Region:
		entry, ok := c.define(k, r.ID, f, "id")
		c.regionLevel[strings.Clone(r.ID)] = chainmap.RegionLevel(strings.Clone(string(r.Level)))
		if r.Parent != "" {
			c.addEdge(k, entry, ok, r.Parent, f.row.lineOf("parent"), f)
		}
		c.citations(r.Provenance, f)
	case chainmap.Park:
		entry, ok := c.define(k, r.ID, f, "id")
		c.refs(chainmap.KindRegions, r.Regions, f, "regions")
		c.refs(chainmap.KindSegments, r.FocusSegments, f, "focus_segments")
		if r.Parent != "" {
			c.addEdge(k, entry, ok, r.Parent, f.row.lineOf("parent"), f)
		}
		c.citations(r.Provenance, f)
	case chainmap.Enterprise:
		entry, ok := c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindRegions, r.Region, f, "region")
		c.ref(chainmap.KindParks, r.Park, f, "park")
		if r.CreditCode != "" {
			c.creditCode(k, entry, ok, r.CreditCode, f)
		}
		if r.Parent != "" {
			c.addEdge(k, entry, ok, r.Parent, f.row.lineOf("parent"), f)
		}
		c.citations(r.Provenance, f)
	case chainmap.Operation:
		c.defineComposite(k, f, "segment", r.Enterprise, r.Segment)
		c.ref(chainmap.KindEnterprises, r.Enterprise, f, "enterprise")
		c.ref(chainmap.KindSegments, r.Segment, f, "segment")
		c.unit(r.Segment, r.CapacityUnit, f, "capacity_unit")
		c.unit(r.Segment, r.OutputUnit, f, "output_unit")
		c.citations(r.Provenance, f)
	case chainmap.SupplyLink:
		c.defineComposite(k, f, "customer", r.Supplier, r.Customer, r.Segment)
		c.ref(chainmap.KindEnterprises, r.Supplier, f, "supplier")
		c.ref(chainmap.KindEnterprises, r.Customer, f, "customer")
		c.ref(chainmap.KindSegments, r.Segment, f, "segment")
		c.citations(r.Provenance, f)
	case chainmap.Project:
		c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindEnterprises, r.Enterprise, f, "enterprise")
		c.ref(chainmap.KindParks, r.Park, f, "park")
		c.ref(chainmap.KindRegions, r.Region, f, "region")
		c.refs(chainmap.KindSegments, r.Segments, f, "segments")
		if len(r.Segments) > 0 {
			c.unit(r.Segments[0], r.CapacityUnit, f, "capacity_unit")
		}
		c.citations(r.Provenance, f)
	case chainmap.Policy:
		c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindSources, r.Document, f, "document")
		c.refs(chainmap.KindSegments, r.Segments, f, "segments")
		c.refs(chainmap.KindRegions, r.Regions, f, "regions")
		c.citations(r.Provenance, f)
	case chainmap.Goal:
		c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindRegions, r.Region, f, "region")
		c.ref(chainmap.KindParks, r.Park, f, "park")
		c.ref(chainmap.KindSegments, r.Segment, f, "segment")
		c.derivation(r.Derive, f)
		c.citations(r.Provenance, f)
	case chainmap.Indicator:
		c.define(k, r.ID, f, "id")
		c.ref(chainmap.KindRegions, r.Region, f, "region")
		c.ref(chainmap.KindParks, r.Park, f, "park")
		c.ref(chainmap.KindSegments, r.Segment, f, "segment")
		c.ref(chainmap.KindRegions, r.ShareOf, f, "share_of")
		c.citations(r.Provenance, f)
	case chainmap.Platform:
		c.define(k, r.ID, f, "id")
		c.refs(chainmap.KindEnterprises, r.Hosts, f, "hosts")
		c.ref(chainmap.KindRegions, r.Region, f, "region")
		c.ref(chainmap.KindParks, r.Park, f, "park")
		c.refs(chainmap.KindSegments, r.Segments, f, "segments")
		c.citations(r.Provenance, f)
	case chainmap.Technology:
		c.define(k, r.ID, f, "id")
		c.refs(chainmap.KindSegments, r.Segments, f, "segments")
		for _, p := range r.Platforms {
			if !c.keys.has(chainmap.KindPlatforms, p) && !c.keys.has(chainmap.KindEnterprises, p) {
				f.fail("platforms", "unknown platform or enterprise %q", p)
			}
		}
		c.citations(r.Provenance, f)
	}
}

// priorities checks that every priority tag's clause cites a known source.
func (c *checker) priorities(ps []chainmap.Priority, f *fields) {
	for _, p := range ps {
		if cl := p.Clause(); cl != "" && !c.unreadable[chainmap.KindSources] {
			if !c.keys.has(chainmap.KindSources, cl.SourceID()) {
				f.fail("priorities", "unknown source %q in %q", cl.SourceID(), string(p))
			}
		}
	}
}

// creditCode checks that no two enterprises share a credit code; entry is the
// enterprise's key-set entry (ok false when its id was refused).
func (c *checker) creditCode(k chainmap.Kind, entry int, ok bool, code string, f *fields) {
	if c.creditCodes == nil {
		c.creditCodes = newKeySet()
	}
	owner := 0
	if ok {
		owner = entry + 1
	}
	if i, dup, err := c.creditCodes.add(code, owner); err != nil {
		f.fail("credit_code", "credit code %s: %v", code, err)
	} else if dup {
		other := ""
		if o := c.creditCodes.value(i); o > 0 {
			other = c.keys.sets[k].key(o - 1)
		}
		f.fail("credit_code", "credit code %s is also used by enterprise %q", code, other)
	}
}

// derivation checks the segments a goal's derivation names.
func (c *checker) derivation(derive string, f *fields) {
	d, err := chainmap.ParseDerivation(derive)
	if err != nil || derive == "" {
		return
	}
	if d.Segment != "" {
		c.ref(chainmap.KindSegments, d.Segment, f, "derive")
	}
	if d.Field == "segment" {
		c.ref(chainmap.KindSegments, d.Text, f, "derive")
	}
}

// finishTable checks a table's hierarchy once all its rows are known: parents exist,
// segments keep to their chain, regions nest coarse to fine, and there is no cycle.
func (c *checker) finishTable(k chainmap.Kind) {
	if k == chainmap.KindFlows {
		// Flows may loop (recycling, return flows); only a loop through a flow the data
		// marks one_way is an error, reported at that flow's line.
		if cyc := chainmap.OneWayCycle(c.flows); cyc != nil {
			c.rep.add(c.files[k], c.flowLines[cyc[0]+">"+cyc[1]], "one_way",
				"flows form a cycle through the one-way flow %s → %s: %s (a one-way flow can never come back; drop one_way if the material does return)",
				cyc[0], cyc[1], joinArrow(cyc))
		}
		c.flows = nil
	}
	if k == chainmap.KindEnterprises {
		c.creditCodes = nil // no other table has credit codes: free them before operations
	}
	edges := c.edges[k]
	if len(edges) == 0 {
		return
	}
	file := c.files[k]
	set := c.keys.sets[k]
	// Nodes are entry numbers + 1 in the table's key set; 0 is "no node".
	idOf := func(n uint32) string {
		if n == 0 {
			return ""
		}
		return set.key(int(n) - 1)
	}
	// Resolve each distinct parent once: node, or 0 for an unknown id.
	ps := c.parents[k]
	resolved := make([]uint32, ps.Len())
	for i := range resolved {
		if p, ok := set.find(ps.key(i)); ok {
			resolved[i] = uint32(p) + 1
		}
	}
	parent := newNodeMap(len(edges), set.Len()) // node → parent node
	for _, e := range edges {
		p := resolved[e.parent]
		if p == 0 {
			c.rep.add(file, e.line, "parent", "unknown %s %q", kindNoun(k), ps.key(int(e.parent)))
			continue
		}
		switch k {
		case chainmap.KindSegments:
			id, pid := idOf(e.id), idOf(p)
			if c.segChain[id] != c.segChain[pid] {
				c.rep.add(file, e.line, "parent", "segment %q belongs to chain %q, its parent %q to chain %q",
					id, c.segChain[id], pid, c.segChain[pid])
				continue
			}
		case chainmap.KindRegions:
			id, pid := idOf(e.id), idOf(p)
			if cl, pl := c.regionLevel[id].Rank(), c.regionLevel[pid].Rank(); pl >= cl && cl >= 0 {
				c.rep.add(file, e.line, "parent", "region %q (%s) cannot sit inside %q (%s): the parent must be coarser",
					id, c.regionLevel[id], pid, c.regionLevel[pid])
				continue
			}
		}
		if e.id != 0 {
			parent.set(e.id, p)
		}
	}
	// Cycle detection: follow parents from every node, colouring as we go.
	const (
		white = 0
		grey  = 1
		black = 2
	)
	colour := newNodeMap(len(edges), set.Len())
	lastEdge := newNodeMap(len(edges), set.Len()) // node → index + 1 of its last edge
	for i, e := range edges {
		if e.id != 0 {
			lastEdge.set(e.id, uint32(i)+1)
		}
	}
	var path []uint32
	for _, e := range edges {
		if e.id == 0 || colour.get(e.id) != white {
			continue
		}
		path = path[:0]
		n := e.id
		for n != 0 && colour.get(n) == white {
			colour.set(n, grey)
			path = append(path, n)
			n = parent.get(n)
		}
		if n != 0 && colour.get(n) == grey {
			// n is on the current path: report the cycle once, at n's row.
			cyc := []string{idOf(n)}
			for p := parent.get(n); p != n; p = parent.get(p) {
				cyc = append(cyc, idOf(p))
			}
			cyc = append(cyc, idOf(n))
			c.rep.add(file, edges[lastEdge.get(n)-1].line, "parent", "cycle in the %s hierarchy: %s", kindNoun(k), joinArrow(cyc))
		}
		for _, p := range path {
			colour.set(p, black)
		}
	}
	c.edges[k] = nil
	delete(c.parents, k)
}

// nodeMap maps the nodes of a hierarchy (entry numbers + 1) to a uint32, 0 by default:
// a slice over every entry when many rows have an edge, a map over the few otherwise,
// so that neither a big hierarchy nor a big table with a handful of parents costs much.
type nodeMap struct {
	dense  []uint32
	sparse map[uint32]uint32
}

func newNodeMap(edges, entries int) *nodeMap {
	if edges*16 >= entries {
		return &nodeMap{dense: make([]uint32, entries+1)}
	}
	return &nodeMap{sparse: make(map[uint32]uint32, edges)}
}

func (m *nodeMap) get(n uint32) uint32 {
	if m.dense != nil {
		return m.dense[n]
	}
	return m.sparse[n]
}

func (m *nodeMap) set(n, v uint32) {
	if m.dense != nil {
		m.dense[n] = v
		return
	}
	m.sparse[n] = v
}

func joinArrow(ids []string) text {
	return text(strings.Join(ids, " → "))
}
