package neo4jstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/chainmap/chainmap"
)

var _ chainmap.ReferenceReader = (*Store)(nil)

// References returns the reference tables (chains, segments, flows, regions, parks,
// policies, goals, indicators) of the loaded dataset. They are cached per dataset version
// (the ids, completion times and statuses of the loads, read in one small query per
// call), so a load by this process or by any other that shares the database ends the
// cache at the next call. While a load is under way or after an interrupted one (a
// status other than complete) nothing is cached and the tables are read live, as before.
// Tables are cached only when the version read after them is the one read before, so a
// cached set never mixes two loads.
func (s *Store) References(ctx context.Context) (*chainmap.ReferenceTables, error) {
	version, err := s.datasetVersion(ctx)
	if err != nil {
		return nil, err
	}
	if t := s.refs.Load(); t != nil && t.Version == version && settled(version) {
		return t, nil
	}
	if !settled(version) {
		t, err := s.readReferences(ctx, version)
		if t != nil {
			t.Live = true
		}
		return t, err
	}
	// One reader fills the cache; the others wait for it instead of reading too.
	s.refsMu.Lock()
	defer s.refsMu.Unlock()
	if t := s.refs.Load(); t != nil && t.Version == version {
		return t, nil
	}
	t, err := s.readReferences(ctx, version)
	if err != nil {
		return nil, err
	}
	after, err := s.datasetVersion(ctx)
	if err != nil {
		return nil, err
	}
	if after != version {
		t.Live = true // a load began (and perhaps ended) while the tables were read
	} else {
		s.refs.Store(t)
	}
	return t, nil
}

// settled says whether a dataset version describes finished loads only: a load under
// way, or one that was interrupted, keeps changing (or may change) the graph.
func settled(version string) bool {
	if version == "" {
		return false
	}
	for _, part := range strings.Split(version, ",") {
		if !strings.HasSuffix(part, ":complete") {
			return false
		}
	}
	return true
}

// forgetReferences drops the cached tables; a load by this process calls it when it
// begins and ends (the version check would notice anyway, one call later).
func (s *Store) forgetReferences() { s.refs.Store(nil) }

// readReferences reads every reference table through the store's own queries,
// concurrently.
func (s *Store) readReferences(ctx context.Context, version string) (*chainmap.ReferenceTables, error) {
	t := &chainmap.ReferenceTables{Version: version}
	reads := []func() error{
		func() (err error) { t.Chains, err = s.Chains(ctx, chainmap.IDQuery{}); return wrapRef("chains", err) },
		func() (err error) {
			t.Segments, err = s.Segments(ctx, chainmap.SegmentQuery{})
			return wrapRef("segments", err)
		},
		func() (err error) { t.Flows, err = s.Flows(ctx, chainmap.FlowQuery{}); return wrapRef("flows", err) },
		func() (err error) {
			t.Regions, err = s.Regions(ctx, chainmap.RegionQuery{})
			return wrapRef("regions", err)
		},
		func() (err error) { t.Parks, err = s.Parks(ctx, chainmap.ParkQuery{}); return wrapRef("parks", err) },
		func() (err error) {
			t.Policies, err = s.Policies(ctx, chainmap.PolicyQuery{})
			return wrapRef("policies", err)
		},
		func() (err error) { t.Goals, err = s.Goals(ctx, chainmap.GoalQuery{}); return wrapRef("goals", err) },
		func() (err error) {
			t.Indicators, err = s.Indicators(ctx, chainmap.IndicatorQuery{})
			return wrapRef("indicators", err)
		},
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = read()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return t.Index(), nil
}

func wrapRef(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("neo4j: reference tables: %s: %w", what, err)
}
