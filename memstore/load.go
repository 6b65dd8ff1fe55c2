package memstore

import (
	"context"
	"fmt"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
)

// ErrLoadInProgress is Begin's answer while another load into the same store runs: loads
// into one store are serialised, never interleaved (two interleaved loads used to write
// into one staging graph at once and crash the process).
var ErrLoadInProgress = chainmap.Errorf(chainmap.ECONFLICT, "memstore: another load into this store is in progress")

// Begin starts building a new graph for the dataset, aside from the one being served. It
// refuses while another load runs; that load ends with End, or with Abort when it fails.
func (s *Store) Begin(_ context.Context, info chainmap.DatasetInfo) error {
	g := newGraph()
	g.info = &info
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging != nil {
		return ErrLoadInProgress
	}
	s.staging = g
	return nil
}

// Abort drops the graph a failed load was building; the served graph is untouched.
func (s *Store) Abort(context.Context) {
	s.mu.Lock()
	s.staging = nil
	s.mu.Unlock()
}

func put[T any](m map[string]*T, rows []T, id func(*T) string) {
	for i := range rows {
		r := &rows[i]
		m[id(r)] = r
	}
}

// Write adds one batch of records to the graph being built.
func (s *Store) Write(_ context.Context, b loaders.Batch) error {
	s.mu.Lock()
	g := s.staging
	s.mu.Unlock()
	if g == nil {
		return fmt.Errorf("memstore: Write before Begin")
	}
	g.compactRows(b.Rows)
	switch rows := b.Rows.(type) {
	case []chainmap.Source:
		put(g.sources, rows, func(r *chainmap.Source) string { return r.ID })
	case []chainmap.Chain:
		put(g.chains, rows, func(r *chainmap.Chain) string { return r.ID })
	case []chainmap.Segment:
		put(g.segments, rows, func(r *chainmap.Segment) string { return r.ID })
	case []chainmap.Flow:
		for i := range rows {
			g.flows = append(g.flows, &rows[i])
		}
	case []chainmap.Region:
		put(g.regions, rows, func(r *chainmap.Region) string { return r.ID })
	case []chainmap.Park:
		put(g.parks, rows, func(r *chainmap.Park) string { return r.ID })
	case []chainmap.Enterprise:
		put(g.enterprises, rows, func(r *chainmap.Enterprise) string { return r.ID })
	case []chainmap.Operation:
		for i := range rows {
			g.operations = append(g.operations, &rows[i])
		}
	case []chainmap.SupplyLink:
		for i := range rows {
			g.supplyLinks = append(g.supplyLinks, &rows[i])
		}
	case []chainmap.Project:
		put(g.projects, rows, func(r *chainmap.Project) string { return r.ID })
	case []chainmap.Policy:
		put(g.policies, rows, func(r *chainmap.Policy) string { return r.ID })
	case []chainmap.Goal:
		put(g.goals, rows, func(r *chainmap.Goal) string { return r.ID })
	case []chainmap.Indicator:
		put(g.indicators, rows, func(r *chainmap.Indicator) string { return r.ID })
	case []chainmap.Platform:
		put(g.platforms, rows, func(r *chainmap.Platform) string { return r.ID })
	case []chainmap.Technology:
		put(g.technologies, rows, func(r *chainmap.Technology) string { return r.ID })
	default:
		return fmt.Errorf("memstore: unexpected batch of %T", b.Rows)
	}
	return nil
}

// End indexes the new graph and swaps it in. The embedded store always holds exactly
// one dataset, so what the dataset no longer contains is gone with the old graph.
func (s *Store) End(_ context.Context, _ loaders.Keys) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.staging == nil {
		return fmt.Errorf("memstore: End before Begin")
	}
	s.staging.index()
	s.g, s.staging = s.staging, nil
	return nil
}
