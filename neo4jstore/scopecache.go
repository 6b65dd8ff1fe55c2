package neo4jstore

import (
	"fmt"
	"sync"

	"github.com/chainmap/chainmap"
)

// scopeStatsCache holds the segment statistics of scopes (a city, a park, a province)
// for one settled dataset version: what a gap analysis of a small scope spends most of
// its database time on after the reference tables (issue 18, goal 2). A request still
// reads the dataset version and checks the scope exists (preflight, one small query);
// a hit then costs no other query. Entries of another version are dropped when the
// version changes; at most maxScopeStats entries are kept.
type scopeStatsCache struct {
	mu      sync.Mutex
	version string
	m       map[string][]chainmap.SegmentStat
}

// maxScopeStats bounds the cached scopes (each entry is one chain's segments).
const maxScopeStats = 4096

func scopeStatsKey(q chainmap.StatsQuery) string {
	return fmt.Sprintf("%s|%s|%s|%t", q.Chain, q.Scope.Region, q.Scope.Park, q.VerifiedOnly)
}

// get returns a copy of the cached statistics of q at version.
func (c *scopeStatsCache) get(version string, q chainmap.StatsQuery) ([]chainmap.SegmentStat, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return nil, false
	}
	st, ok := c.m[scopeStatsKey(q)]
	if !ok {
		return nil, false
	}
	return cloneStats(st), true
}

// put keeps a copy of q's statistics at version (a settled one: the caller checks).
func (c *scopeStatsCache) put(version string, q chainmap.StatsQuery, st []chainmap.SegmentStat) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version, c.m = version, map[string][]chainmap.SegmentStat{}
	}
	if len(c.m) >= maxScopeStats {
		return
	}
	c.m[scopeStatsKey(q)] = cloneStats(st)
}

// forget drops every entry (a load by this process began or ended).
func (c *scopeStatsCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version, c.m = "", nil
}

// cloneStats copies statistics so that a caller changing its copy (the capacity a
// pointer) cannot change the cached one.
func cloneStats(in []chainmap.SegmentStat) []chainmap.SegmentStat {
	out := make([]chainmap.SegmentStat, len(in))
	for i, st := range in {
		out[i] = st
		if st.Capacity != nil {
			v := *st.Capacity
			out[i].Capacity = &v
		}
	}
	return out
}
