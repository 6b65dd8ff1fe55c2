package server_test

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/chainmap/chainmap"
)

// countingStore counts every store call, per method, to prove that resolvers batch. It
// wraps the store without embedding it, so a method added to chainmap.Store fails to
// compile here until it is counted too.
type countingStore struct {
	s     chainmap.Store
	calls atomic.Int64
	mu    sync.Mutex
	by    map[string]int
}

var _ chainmap.Store = (*countingStore)(nil)

func newCounting(s chainmap.Store) *countingStore { return &countingStore{s: s, by: map[string]int{}} }

func (c *countingStore) n() int { return int(c.calls.Load()) }

// perMethod returns a copy of the calls per method so far.
func (c *countingStore) perMethod() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.by))
	for k, v := range c.by {
		out[k] = v
	}
	return out
}

func (c *countingStore) count(method string) {
	c.calls.Add(1)
	c.mu.Lock()
	c.by[method]++
	c.mu.Unlock()
}

func (c *countingStore) Ping(ctx context.Context) error {
	c.count("Ping")
	return c.s.Ping(ctx)
}

func (c *countingStore) Info(ctx context.Context) (*chainmap.DatasetInfo, error) {
	c.count("Info")
	return c.s.Info(ctx)
}

func (c *countingStore) Counts(ctx context.Context) (map[string]int, error) {
	c.count("Counts")
	return c.s.Counts(ctx)
}

func (c *countingStore) Sources(ctx context.Context, q chainmap.IDQuery) ([]*chainmap.Source, error) {
	c.count("Sources")
	return c.s.Sources(ctx, q)
}

func (c *countingStore) Chains(ctx context.Context, q chainmap.IDQuery) ([]*chainmap.Chain, error) {
	c.count("Chains")
	return c.s.Chains(ctx, q)
}

func (c *countingStore) Segments(ctx context.Context, q chainmap.SegmentQuery) ([]*chainmap.Segment, error) {
	c.count("Segments")
	return c.s.Segments(ctx, q)
}

func (c *countingStore) Flows(ctx context.Context, q chainmap.FlowQuery) ([]*chainmap.Flow, error) {
	c.count("Flows")
	return c.s.Flows(ctx, q)
}

func (c *countingStore) Regions(ctx context.Context, q chainmap.RegionQuery) ([]*chainmap.Region, error) {
	c.count("Regions")
	return c.s.Regions(ctx, q)
}

func (c *countingStore) Parks(ctx context.Context, q chainmap.ParkQuery) ([]*chainmap.Park, error) {
	c.count("Parks")
	return c.s.Parks(ctx, q)
}

func (c *countingStore) Enterprises(ctx context.Context, q chainmap.EnterpriseQuery) (*chainmap.EnterprisePage, error) {
	c.count("Enterprises")
	return c.s.Enterprises(ctx, q)
}

func (c *countingStore) Operations(ctx context.Context, q chainmap.OperationQuery) ([]*chainmap.Operation, error) {
	c.count("Operations")
	return c.s.Operations(ctx, q)
}

func (c *countingStore) SupplyLinks(ctx context.Context, q chainmap.SupplyLinkQuery) ([]*chainmap.SupplyLink, error) {
	c.count("SupplyLinks")
	return c.s.SupplyLinks(ctx, q)
}

func (c *countingStore) Projects(ctx context.Context, q chainmap.ProjectQuery) ([]*chainmap.Project, error) {
	c.count("Projects")
	return c.s.Projects(ctx, q)
}

func (c *countingStore) Policies(ctx context.Context, q chainmap.PolicyQuery) ([]*chainmap.Policy, error) {
	c.count("Policies")
	return c.s.Policies(ctx, q)
}

func (c *countingStore) Goals(ctx context.Context, q chainmap.GoalQuery) ([]*chainmap.Goal, error) {
	c.count("Goals")
	return c.s.Goals(ctx, q)
}

func (c *countingStore) Indicators(ctx context.Context, q chainmap.IndicatorQuery) ([]*chainmap.Indicator, error) {
	c.count("Indicators")
	return c.s.Indicators(ctx, q)
}

func (c *countingStore) Platforms(ctx context.Context, q chainmap.IDQuery) ([]*chainmap.Platform, error) {
	c.count("Platforms")
	return c.s.Platforms(ctx, q)
}

func (c *countingStore) Technologies(ctx context.Context, q chainmap.IDQuery) ([]*chainmap.Technology, error) {
	c.count("Technologies")
	return c.s.Technologies(ctx, q)
}

func (c *countingStore) SegmentStats(ctx context.Context, q chainmap.StatsQuery) ([]chainmap.SegmentStat, error) {
	c.count("SegmentStats")
	return c.s.SegmentStats(ctx, q)
}

func (c *countingStore) Candidates(ctx context.Context, q chainmap.CandidateQuery) ([]chainmap.Candidate, error) {
	c.count("Candidates")
	return c.s.Candidates(ctx, q)
}
