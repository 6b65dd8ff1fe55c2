package graph

import (
	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph/generated"
	"github.com/chainmap/chainmap/graph/model"
)

// NewSchema returns the executable schema with per-field costs: a page costs its size
// times what each item selects, so the complexity limit bounds the real work.
func NewSchema(s chainmap.Store) *generated.Config {
	c := generated.Config{Resolvers: &Resolver{Store: s}}
	page := func(first *int, child int) int {
		n := defaultPage
		if first != nil && *first > 0 {
			n = *first
		}
		return 1 + n*child
	}
	c.Complexity.Query.Enterprises = func(child int, _ *model.EnterpriseFilter, first *int, _ *string, _ *model.EnterpriseOrder) int {
		return page(first, child)
	}
	c.Complexity.Region.Enterprises = func(child int, first *int, _ *string) int { return page(first, child) }
	c.Complexity.Park.Enterprises = func(child int, first *int, _ *string) int { return page(first, child) }
	c.Complexity.Query.InvestmentTargets = func(child int, _ string, _ model.ScopeInput, _ string, first *int) int {
		n := 10
		if first != nil {
			n = *first
		}
		return 10 + n*child
	}
	c.Complexity.Query.Roadmap = func(child int, _ string, _ model.ScopeInput, steps, per *int) int {
		n, k := 12, 3
		if steps != nil {
			n = *steps
		}
		if per != nil {
			k = *per
		}
		return 50 + n*k*child
	}
	c.Complexity.Query.Search = func(child int, _ string, first *int) int {
		n := 20
		if first != nil {
			n = *first
		}
		return 1 + 4*n*child
	}
	return &c
}
