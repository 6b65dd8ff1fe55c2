package chainmap

import "context"

// ReferenceTables are the small tables an analysis reads whole — chains, segments, flows,
// regions, parks, policies, goals and indicators — all of one dataset version. Their size
// follows the chain definitions and the administrative map, not the number of
// enterprises, so a store can hand them out from memory: on Neo4j that turns a gap
// analysis's eight reference reads (and its walk up the region tree, one level per round
// trip) into one version check.
//
// The tables are shared between requests: callers must not modify the slices or the
// records they point to. Every slice is ordered as the Store method that lists the same
// records orders it (by id; flows by key).
type ReferenceTables struct {
	// Version identifies the dataset state the tables describe (opaque; it changes with
	// every load).
	Version string
	// Live is true when the tables were read while a load was under way (or after an
	// interrupted one): not cached, and they may mix old and new records, as every other
	// read during a load may.
	Live       bool
	Chains     []*Chain
	Segments   []*Segment
	Flows      []*Flow
	Regions    []*Region
	Parks      []*Park
	Policies   []*Policy
	Goals      []*Goal
	Indicators []*Indicator

	regions map[string]*Region
	parks   map[string]*Park
	chains  map[string]*Chain
}

// ReferenceReader is implemented by stores that can hand out every reference table of one
// dataset version in a single call. A reader never sees tables of two versions mixed:
// a load that runs meanwhile gives either the old tables or the new ones.
type ReferenceReader interface {
	References(ctx context.Context) (*ReferenceTables, error)
}

// GapInputReader is implemented by stores that can answer, in one call, a scope's
// statistics together with the reference tables and the whole-dataset statistics of the
// same dataset version. On Neo4j, with the tables and the whole-dataset figures cached for
// the version the scope's statistics query reads, a gap analysis is one round trip
// instead of two, and its three inputs are of one version by construction (issue 18).
//
// ok false means the store cannot answer that way now (nothing cached yet, a load under
// way or just finished, a scope or chain that is not there) and the caller gathers as
// usual, which also reports a missing chain, region or park in its fixed order; err is
// a failure of the store itself.
type GapInputReader interface {
	GapInputs(ctx context.Context, q StatsQuery) (refs *ReferenceTables, local, all []SegmentStat, ok bool, err error)
}

// Index builds the lookups the accessors below use; stores call it once, before sharing
// the tables.
func (t *ReferenceTables) Index() *ReferenceTables {
	t.regions = make(map[string]*Region, len(t.Regions))
	for _, r := range t.Regions {
		t.regions[r.ID] = r
	}
	t.parks = make(map[string]*Park, len(t.Parks))
	for _, p := range t.Parks {
		t.parks[p.ID] = p
	}
	t.chains = make(map[string]*Chain, len(t.Chains))
	for _, c := range t.Chains {
		t.chains[c.ID] = c
	}
	return t
}

// Chain returns the chain with this id, or nil.
func (t *ReferenceTables) Chain(id string) *Chain { return t.chains[id] }

// Park returns the park with this id, or nil.
func (t *ReferenceTables) Park(id string) *Park { return t.parks[id] }

// ChainSegments returns the chain's segments by id, as Store.Segments(SegmentQuery{Chain}).
func (t *ReferenceTables) ChainSegments(chain string) []*Segment {
	var out []*Segment
	for _, s := range t.Segments {
		if s.Chain == chain {
			out = append(out, s)
		}
	}
	return out
}

// ChainFlows returns the flows from or to a segment of the chain, by key, as
// Store.Flows(FlowQuery{Chain}).
func (t *ReferenceTables) ChainFlows(chain string) []*Flow {
	in := map[string]bool{}
	for _, s := range t.Segments {
		if s.Chain == chain {
			in[s.ID] = true
		}
	}
	var out []*Flow
	for _, f := range t.Flows {
		if in[f.From] || in[f.To] {
			out = append(out, f)
		}
	}
	return out
}

// RegionAncestors returns the given regions that exist and all their ancestors, as
// regionAncestors does through the store (at most 16 levels up).
func (t *ReferenceTables) RegionAncestors(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		r := t.regions[id]
		for depth := 0; r != nil && depth < 16 && !out[r.ID]; depth++ {
			out[r.ID] = true
			r = t.regions[r.Parent]
		}
	}
	return out
}
