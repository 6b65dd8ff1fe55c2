package memstore

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/chainmap/chainmap"
)

var _ chainmap.ReferenceReader = (*Store)(nil)

// generations numbers the graphs this process builds, so that each has a version of its
// own even when the same dataset is loaded twice.
var generations atomic.Int64

// References returns the reference tables of the graph being served. A graph never
// changes once swapped in (a load builds the next one aside), so its tables are built
// once, on first use, and a reader always gets the tables of exactly one graph.
func (s *Store) References(_ context.Context) (*chainmap.ReferenceTables, error) {
	g := s.snapshot()
	g.refsOnce.Do(func() { g.refs = g.references() })
	return g.refs, nil
}

func (g *graph) references() *chainmap.ReferenceTables {
	id := ""
	if g.info != nil {
		id = g.info.ID
	}
	t := &chainmap.ReferenceTables{
		Version:    fmt.Sprintf("%s#%d", id, g.generation),
		Chains:     byIDs(g.chains, nil, nil),
		Segments:   byIDs(g.segments, nil, nil),
		Flows:      append([]*chainmap.Flow(nil), g.flows...),
		Regions:    byIDs(g.regions, nil, nil),
		Parks:      byIDs(g.parks, nil, nil),
		Policies:   byIDs(g.policies, nil, nil),
		Goals:      byIDs(g.goals, nil, nil),
		Indicators: byIDs(g.indicators, nil, nil),
	}
	return t.Index()
}
