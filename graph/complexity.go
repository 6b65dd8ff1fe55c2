package graph

import (
	"math"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph/generated"
	"github.com/chainmap/chainmap/graph/model"
)

// NewSchema returns the executable schema with per-field costs: a page costs its size
// times what each item selects, so the complexity limit bounds the real work.
func NewSchema(s chainmap.Store, p *chainmap.Pipeline) *generated.Config {
	c := generated.Config{Resolvers: &Resolver{Store: s, Pipeline: p}}
	page := func(first *int, child int) int {
		n := defaultPage
		if first != nil && *first > 0 {
			n = *first
		}
		return cost(1, n, child)
	}
	c.Complexity.Query.Enterprises = func(child int, _ *model.EnterpriseFilter, first *int, _ *string, _ *model.EnterpriseOrder) int {
		return page(first, child)
	}
	c.Complexity.Query.Leads = func(child int, _ *chainmap.LeadFilter, first *int, _ *string) int {
		return page(first, child)
	}
	c.Complexity.Region.Enterprises = func(child int, first *int, _ *string) int { return page(first, child) }
	c.Complexity.Park.Enterprises = func(child int, first *int, _ *string) int { return page(first, child) }
	c.Complexity.Query.InvestmentTargets = func(child int, _ string, _ model.ScopeInput, _ string, first *int) int {
		n := 10
		if first != nil {
			n = *first
		}
		return cost(10, n, child)
	}
	c.Complexity.Query.Roadmap = func(child int, _ string, _ model.ScopeInput, steps, per *int) int {
		n, k := 12, 3
		if steps != nil {
			n = *steps
		}
		if per != nil {
			k = *per
		}
		return cost(50, mulSat(max(n, 0), max(k, 0)), child)
	}
	c.Complexity.Query.Search = func(child int, _ string, first *int) int {
		n := 20
		if first != nil {
			n = *first
		}
		return cost(1, mulSat(4, max(n, 0)), child)
	}
	approvalComplexity(&c)
	// A goal's lead effect reads the leads and runs a what-if analysis.
	c.Complexity.Goal.LeadEffect = func(child int, _ *chainmap.LeadFilter) int { return cost(50, 1, child) }
	return &c
}

// cost is base + n×child, saturating at the largest int: pages nested inside pages with
// huge `first:` values would otherwise overflow into a small or negative cost and pass
// the limit. A negative n (refused later by the resolver) counts as 0.
func cost(base, n, child int) int {
	return addSat(base, mulSat(max(n, 0), max(child, 0)))
}

func mulSat(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
