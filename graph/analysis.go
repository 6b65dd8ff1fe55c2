package graph

import (
	"context"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph/model"
)

// bounded checks an optional count argument against its range.
func bounded(name string, v *int, def, max int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 1 || *v > max {
		return 0, chainmap.Errorf(chainmap.EINVALID, "%s must be between 1 and %d, got %d", name, max, *v)
	}
	return *v, nil
}

func (r *Resolver) investmentTargets(ctx context.Context, chain string, scope model.ScopeInput, segment string, first *int) ([]*chainmap.Target, error) {
	n, err := bounded("first", first, 10, 100)
	if err != nil {
		return nil, err
	}
	return chainmap.InvestmentTargets(ctx, r.Store, chainmap.TargetQuery{Chain: chain, Scope: scopeOf(scope), Segment: segment, First: n})
}

func (r *Resolver) clusterComposition(ctx context.Context, park string, chain, against *string) (*chainmap.ClusterComposition, error) {
	c := deref(chain)
	if c == "" {
		info, err := r.Store.Info(ctx)
		if err != nil {
			return nil, err
		}
		c = info.FocusChain
	}
	return chainmap.ComposeCluster(ctx, r.Store, c, park, deref(against))
}

func (r *Resolver) roadmap(ctx context.Context, chain string, scope model.ScopeInput, steps, perStep *int) (*chainmap.Roadmap, error) {
	n, err := bounded("steps", steps, 12, 50)
	if err != nil {
		return nil, err
	}
	k, err := bounded("targetsPerStep", perStep, 3, 10)
	if err != nil {
		return nil, err
	}
	return chainmap.PlanRoadmap(ctx, r.Store, chainmap.RoadmapQuery{Chain: chain, Scope: scopeOf(scope), Steps: n, TargetsPerStep: k})
}

func changesOf(in []*model.WhatIfInput) []chainmap.WhatIfChange {
	out := make([]chainmap.WhatIfChange, 0, len(in))
	for _, c := range in {
		out = append(out, chainmap.WhatIfChange{Enterprise: deref(c.Enterprise), Name: deref(c.Name), Segment: c.Segment,
			Capacity: c.Capacity, Park: deref(c.Park), Region: deref(c.Region)})
	}
	return out
}

func (r *Resolver) whatIf(ctx context.Context, chain string, scope model.ScopeInput, add, remove []*model.WhatIfInput, addLeads *chainmap.LeadFilter) (*chainmap.WhatIfResult, error) {
	adds := changesOf(add)
	if addLeads != nil {
		p, err := r.pipeline()
		if err != nil {
			return nil, err
		}
		fromLeads, err := p.WhatIfAdditions(ctx, *addLeads)
		if err != nil {
			return nil, err
		}
		adds = append(adds, fromLeads...)
	}
	if len(adds)+len(remove) > 100 {
		return nil, chainmap.Errorf(chainmap.EINVALID, "at most 100 what-if changes at once")
	}
	return chainmap.WhatIf(ctx, r.Store, chainmap.WhatIfQuery{Chain: chain, Scope: scopeOf(scope), Add: adds, Remove: changesOf(remove)})
}

// progress computes a goal's progress once per request, however many of its fields are asked.
func (r *Resolver) progress(ctx context.Context, g *chainmap.Goal) (*chainmap.GoalProgress, error) {
	l := r.loaders(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.progress[g.ID]; ok {
		return p, nil
	}
	p, err := chainmap.ProgressOf(ctx, r.Store, g)
	if err != nil {
		return nil, err
	}
	l.progress[g.ID] = p
	return p, nil
}
