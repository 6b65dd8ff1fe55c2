package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/chainmap/chainmap"
)

// ErrLoadInProgress is BeginLoad's answer while another load into the same store runs:
// loads into one store are serialised, never interleaved (two interleaved loads used to
// write into one staging graph at once and crash the process).
var ErrLoadInProgress = chainmap.Errorf(chainmap.ECONFLICT, "memstore: another load into this store is in progress")

// BeginLoad starts building a new graph for the dataset, aside from the one being
// served. It refuses while another load runs; that load ends with Commit, or with Abort
// when it fails. The embedded store holds one dataset, replaced whole, so opts.Prune
// changes nothing; in a dry run Commit drops the new graph instead of serving it.
func (s *Store) BeginLoad(_ context.Context, opts chainmap.LoadOptions) (chainmap.LoadSession, error) {
	g := newGraph()
	info := opts.Dataset
	g.info = &info
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging != nil {
		return nil, ErrLoadInProgress
	}
	s.staging = g
	return &load{s: s, g: g, dryRun: opts.DryRun, endGC: lowerGC()}, nil
}

var _ chainmap.StagedLoader = (*Store)(nil)

// StagesLoads says that a load builds its graph aside, served only at Commit, so the
// loader can validate and write in one reading of the dataset (chainmap.StagedLoader).
func (s *Store) StagesLoads() bool { return true }

// load is one load into the embedded store: the graph it builds, served at Commit.
type load struct {
	s      *Store
	g      *graph
	dryRun bool
	// endGC gives the collector its target back (lowerGC) when the load ends.
	endGC func()
	// mu serialises Write and Commit: the graph is indexed outside the store's lock.
	mu sync.Mutex
}

// current reports whether the load is still the store's load in progress.
func (l *load) current() bool {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.staging == l.g
}

// Abort drops the graph a failed load was building; the served graph is untouched.
func (l *load) Abort(context.Context) {
	l.s.mu.Lock()
	if l.s.staging == l.g {
		l.s.staging = nil
		l.endGC()
	}
	l.s.mu.Unlock()
}

func put[T any](m map[string]*T, rows []T, id func(*T) string) {
	for i := range rows {
		r := &rows[i]
		m[id(r)] = r
	}
}

// Write adds one batch of records to the graph being built.
func (l *load) Write(_ context.Context, b chainmap.Batch) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.current() {
		return fmt.Errorf("memstore: Write after the load ended")
	}
	g := l.g
	switch rows := b.(type) {
	case chainmap.Rows[chainmap.Source]:
		put(g.sources, rows, func(r *chainmap.Source) string { return r.ID })
	case chainmap.Rows[chainmap.Chain]:
		put(g.chains, rows, func(r *chainmap.Chain) string { return r.ID })
	case chainmap.Rows[chainmap.Segment]:
		put(g.segments, rows, func(r *chainmap.Segment) string { return r.ID })
	case chainmap.Rows[chainmap.Flow]:
		for i := range rows {
			g.flows = append(g.flows, &rows[i])
		}
	case chainmap.Rows[chainmap.Region]:
		put(g.regions, rows, func(r *chainmap.Region) string { return r.ID })
	case chainmap.Rows[chainmap.Park]:
		put(g.parks, rows, func(r *chainmap.Park) string { return r.ID })
	case chainmap.Rows[chainmap.Enterprise]:
		for i := range rows {
			r := g.compactEnt(&rows[i])
			if n := len(g.ents); n > 0 && g.ents[n-1].id >= r.id {
				g.entsSorted = false
			}
			g.ents = append(g.ents, r)
		}
	case chainmap.Rows[chainmap.Operation]:
		for i := range rows {
			g.ops = append(g.ops, g.compactOp(&rows[i]))
		}
	case chainmap.Rows[chainmap.SupplyLink]:
		for i := range rows {
			g.links = append(g.links, g.compactLink(&rows[i]))
		}
	case chainmap.Rows[chainmap.Project]:
		put(g.projects, rows, func(r *chainmap.Project) string { return r.ID })
	case chainmap.Rows[chainmap.Policy]:
		put(g.policies, rows, func(r *chainmap.Policy) string { return r.ID })
	case chainmap.Rows[chainmap.Goal]:
		put(g.goals, rows, func(r *chainmap.Goal) string { return r.ID })
	case chainmap.Rows[chainmap.Indicator]:
		put(g.indicators, rows, func(r *chainmap.Indicator) string { return r.ID })
	case chainmap.Rows[chainmap.Platform]:
		put(g.platforms, rows, func(r *chainmap.Platform) string { return r.ID })
	case chainmap.Rows[chainmap.Technology]:
		put(g.technologies, rows, func(r *chainmap.Technology) string { return r.ID })
	default:
		return fmt.Errorf("memstore: unexpected batch of %T", b)
	}
	return nil
}

// Commit indexes the new graph and swaps it in (in a dry run, drops it). The embedded
// store always holds exactly one dataset, so what the dataset no longer contains is gone
// with the old graph. The index is built before the store's lock is taken: at a million
// enterprises it takes seconds, during which readers keep being served the old graph.
func (l *load) Commit(context.Context) error {
	l.mu.Lock() // no Write, and no second Commit, while the graph is indexed
	defer l.mu.Unlock()
	if !l.current() {
		return fmt.Errorf("memstore: Commit after the load ended")
	}
	if !l.dryRun {
		if beforeIndex != nil {
			beforeIndex()
		}
		l.g.index() // the load's one writer has finished; nobody else touches l.g
	}
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if l.s.staging != l.g {
		return fmt.Errorf("memstore: Commit after the load ended") // aborted while indexing
	}
	l.s.staging = nil
	l.endGC()
	if !l.dryRun {
		l.s.g = l.g
	}
	return nil
}

// beforeIndex, when set (by a test), runs in Commit just before the index is built.
var beforeIndex func()
