package loaders

import (
	"github.com/chainmap/chainmap"
)

// edge is a child → parent link inside one table, checked once the table is read.
type edge struct {
	id, parent string
	line       int
}

// checker holds what cross-row checks need: the ids seen so far (with the line that
// defined them) and a few attributes other tables refer to. It keeps ids and small
// attributes only, never whole records, so that validating a million enterprises stays
// within tens of megabytes.
type checker struct {
	rep         *Report
	ids         map[Kind]map[string]int
	files       map[Kind]string
	segChain    map[string]string
	segUnit     map[string]string
	regionLevel map[string]chainmap.RegionLevel
	creditCodes map[string]string
	edges       map[Kind][]edge
	// unreadable marks tables that could not be read whole; references to them are
	// not checked.
	unreadable map[Kind]bool
	flows      []*chainmap.Flow
	flowLines  map[string]int
}

func newChecker(rep *Report) *checker {
	c := &checker{rep: rep, ids: map[Kind]map[string]int{}, files: map[Kind]string{},
		segChain: map[string]string{}, segUnit: map[string]string{},
		regionLevel: map[string]chainmap.RegionLevel{}, creditCodes: map[string]string{},
		edges: map[Kind][]edge{}, unreadable: map[Kind]bool{}, flowLines: map[string]int{}}
	for _, k := range Kinds {
		c.ids[k] = map[string]int{}
	}
	return c
}

// define records an id (or composite key), reporting duplicates with where the first one was.
func (c *checker) define(k Kind, id string, f *fields, col string) {
	if id == "" {
		return
	}
	if first, dup := c.ids[k][id]; dup {
		f.fail(col, "duplicate %s %q (first defined at %s:%d)", kindNoun(k), id, c.files[k], first)
		return
	}
	c.ids[k][id] = f.row.line
}

// ref checks that id names an existing record of kind k.
func (c *checker) ref(k Kind, id string, f *fields, col string) {
	if id == "" || c.unreadable[k] {
		return
	}
	if _, ok := c.ids[k][id]; !ok {
		f.fail(col, "unknown %s %q", kindNoun(k), id)
	}
}

func (c *checker) refs(k Kind, ids []string, f *fields, col string) {
	for _, id := range ids {
		c.ref(k, id, f, col)
	}
}

func (c *checker) citations(p chainmap.Provenance, f *fields) {
	if c.unreadable[KindSources] {
		return
	}
	for _, s := range p.Sources {
		if _, ok := c.ids[KindSources][s.SourceID()]; !ok {
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

func kindNoun(k Kind) string {
	switch k {
	case KindSources:
		return "source"
	case KindChains:
		return "chain"
	case KindSegments:
		return "segment"
	case KindFlows:
		return "flow"
	case KindRegions:
		return "region"
	case KindParks:
		return "park"
	case KindEnterprises:
		return "enterprise"
	case KindOperations:
		return "operation"
	case KindSupplyLinks:
		return "supply link"
	case KindProjects:
		return "project"
	case KindPolicies:
		return "policy"
	case KindGoals:
		return "goal"
	case KindIndicators:
		return "indicator"
	case KindPlatforms:
		return "platform"
	case KindTechnologies:
		return "technology"
	}
	return string(k)
}

// check runs the cross-row checks of one parsed record.
func (c *checker) check(k Kind, rec any, f *fields) {
	switch r := rec.(type) {
	case chainmap.Source:
		c.define(k, r.ID, f, "id")
	case chainmap.Chain:
		c.define(k, r.ID, f, "id")
		c.citations(r.Provenance, f)
	case chainmap.Segment:
		c.define(k, r.ID, f, "id")
		c.ref(KindChains, r.Chain, f, "chain")
		c.segChain[r.ID] = r.Chain
		c.segUnit[r.ID] = r.Unit
		if r.Parent != "" {
			c.edges[k] = append(c.edges[k], edge{r.ID, r.Parent, f.row.lineOf("parent")})
		}
		for _, p := range r.Priorities {
			if cl := p.Clause(); cl != "" && !c.unreadable[KindSources] {
				if _, ok := c.ids[KindSources][cl.SourceID()]; !ok {
					f.fail("priorities", "unknown source %q in %q", cl.SourceID(), string(p))
				}
			}
		}
		c.citations(r.Provenance, f)
	case chainmap.Flow:
		c.define(k, r.Key(), f, "to")
		fl := r
		c.flows = append(c.flows, &fl)
		c.flowLines[r.Key()] = f.row.line
		c.ref(KindSegments, r.From, f, "from")
		c.ref(KindSegments, r.To, f, "to")
		c.citations(r.Provenance, f)
	case chainmap.Region:
		c.define(k, r.ID, f, "id")
		c.regionLevel[r.ID] = r.Level
		if r.Parent != "" {
			c.edges[k] = append(c.edges[k], edge{r.ID, r.Parent, f.row.lineOf("parent")})
		}
		c.citations(r.Provenance, f)
	case chainmap.Park:
		c.define(k, r.ID, f, "id")
		c.refs(KindRegions, r.Regions, f, "regions")
		c.refs(KindSegments, r.FocusSegments, f, "focus_segments")
		if r.Parent != "" {
			c.edges[k] = append(c.edges[k], edge{r.ID, r.Parent, f.row.lineOf("parent")})
		}
		c.citations(r.Provenance, f)
	case chainmap.Enterprise:
		c.define(k, r.ID, f, "id")
		c.ref(KindRegions, r.Region, f, "region")
		c.ref(KindParks, r.Park, f, "park")
		if r.CreditCode != "" {
			if other, dup := c.creditCodes[r.CreditCode]; dup {
				f.fail("credit_code", "credit code %s is also used by enterprise %q", r.CreditCode, other)
			} else {
				c.creditCodes[r.CreditCode] = r.ID
			}
		}
		if r.Parent != "" {
			c.edges[k] = append(c.edges[k], edge{r.ID, r.Parent, f.row.lineOf("parent")})
		}
		c.citations(r.Provenance, f)
	case chainmap.Operation:
		c.define(k, r.Key(), f, "segment")
		c.ref(KindEnterprises, r.Enterprise, f, "enterprise")
		c.ref(KindSegments, r.Segment, f, "segment")
		c.unit(r.Segment, r.CapacityUnit, f, "capacity_unit")
		c.unit(r.Segment, r.OutputUnit, f, "output_unit")
		c.citations(r.Provenance, f)
	case chainmap.SupplyLink:
		c.define(k, r.Key(), f, "customer")
		c.ref(KindEnterprises, r.Supplier, f, "supplier")
		c.ref(KindEnterprises, r.Customer, f, "customer")
		c.ref(KindSegments, r.Segment, f, "segment")
		c.citations(r.Provenance, f)
	case chainmap.Project:
		c.define(k, r.ID, f, "id")
		c.ref(KindEnterprises, r.Enterprise, f, "enterprise")
		c.ref(KindParks, r.Park, f, "park")
		c.ref(KindRegions, r.Region, f, "region")
		c.refs(KindSegments, r.Segments, f, "segments")
		if len(r.Segments) > 0 {
			c.unit(r.Segments[0], r.CapacityUnit, f, "capacity_unit")
		}
		c.citations(r.Provenance, f)
	case chainmap.Policy:
		c.define(k, r.ID, f, "id")
		c.ref(KindSources, r.Document, f, "document")
		c.refs(KindSegments, r.Segments, f, "segments")
		c.refs(KindRegions, r.Regions, f, "regions")
		c.citations(r.Provenance, f)
	case chainmap.Goal:
		c.define(k, r.ID, f, "id")
		c.ref(KindRegions, r.Region, f, "region")
		c.ref(KindParks, r.Park, f, "park")
		c.ref(KindSegments, r.Segment, f, "segment")
		if d, err := chainmap.ParseDerivation(r.Derive); err == nil && r.Derive != "" {
			if d.Segment != "" {
				c.ref(KindSegments, d.Segment, f, "derive")
			}
			if d.Field == "segment" {
				c.ref(KindSegments, d.Text, f, "derive")
			}
		}
		c.citations(r.Provenance, f)
	case chainmap.Indicator:
		c.define(k, r.ID, f, "id")
		c.ref(KindRegions, r.Region, f, "region")
		c.ref(KindParks, r.Park, f, "park")
		c.ref(KindSegments, r.Segment, f, "segment")
		c.ref(KindRegions, r.ShareOf, f, "share_of")
		c.citations(r.Provenance, f)
	case chainmap.Platform:
		c.define(k, r.ID, f, "id")
		c.refs(KindEnterprises, r.Hosts, f, "hosts")
		c.ref(KindRegions, r.Region, f, "region")
		c.ref(KindParks, r.Park, f, "park")
		c.refs(KindSegments, r.Segments, f, "segments")
		c.citations(r.Provenance, f)
	case chainmap.Technology:
		c.define(k, r.ID, f, "id")
		c.refs(KindSegments, r.Segments, f, "segments")
		for _, p := range r.Platforms {
			_, isPlatform := c.ids[KindPlatforms][p]
			_, isEnterprise := c.ids[KindEnterprises][p]
			if !isPlatform && !isEnterprise {
				f.fail("platforms", "unknown platform or enterprise %q", p)
			}
		}
		c.citations(r.Provenance, f)
	}
}

// finishTable checks a table's hierarchy once all its rows are known: parents exist,
// segments keep to their chain, regions nest coarse to fine, and there is no cycle.
func (c *checker) finishTable(k Kind) {
	if k == KindFlows {
		if cyc := chainmap.FlowCycle(c.flows); cyc != nil {
			c.rep.add(c.files[k], c.flowLines[cyc[len(cyc)-2]+">"+cyc[len(cyc)-1]], "to",
				"flows form a cycle: %s (a chain's flows must not loop back)", joinArrow(cyc))
		}
		c.flows = nil
	}
	edges := c.edges[k]
	if len(edges) == 0 {
		return
	}
	file := c.files[k]
	parent := make(map[string]string, len(edges))
	for _, e := range edges {
		if _, ok := c.ids[k][e.parent]; !ok {
			c.rep.add(file, e.line, "parent", "unknown %s %q", kindNoun(k), e.parent)
			continue
		}
		switch k {
		case KindSegments:
			if c.segChain[e.id] != c.segChain[e.parent] {
				c.rep.add(file, e.line, "parent", "segment %q belongs to chain %q, its parent %q to chain %q",
					e.id, c.segChain[e.id], e.parent, c.segChain[e.parent])
				continue
			}
		case KindRegions:
			if cl, pl := c.regionLevel[e.id].Rank(), c.regionLevel[e.parent].Rank(); pl >= cl && cl >= 0 {
				c.rep.add(file, e.line, "parent", "region %q (%s) cannot sit inside %q (%s): the parent must be coarser",
					e.id, c.regionLevel[e.id], e.parent, c.regionLevel[e.parent])
				continue
			}
		}
		parent[e.id] = e.parent
	}
	// Cycle detection: follow parents from every node, colouring as we go.
	const (
		white = 0
		grey  = 1
		black = 2
	)
	colour := make(map[string]int, len(parent))
	lineOf := make(map[string]int, len(edges))
	for _, e := range edges {
		lineOf[e.id] = e.line
	}
	for _, e := range edges {
		if colour[e.id] != white {
			continue
		}
		var path []string
		n := e.id
		for n != "" && colour[n] == white {
			colour[n] = grey
			path = append(path, n)
			n = parent[n]
		}
		if n != "" && colour[n] == grey {
			// n is on the current path: report the cycle once, at n's row.
			cyc := []string{n}
			for p := parent[n]; p != n; p = parent[p] {
				cyc = append(cyc, p)
			}
			cyc = append(cyc, n)
			c.rep.add(file, lineOf[n], "parent", "cycle in the %s hierarchy: %s", kindNoun(k), joinArrow(cyc))
		}
		for _, p := range path {
			colour[p] = black
		}
	}
	c.edges[k] = nil
}

func joinArrow(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += " → "
		}
		s += id
	}
	return s
}
