package chainmap

import (
	"context"
	"iter"
	"maps"
	"slices"
)

// Places indexes the regions and parks of a dataset by id and by parent: what scope
// membership needs. Both stores and what-if build one and ask it what a scope covers,
// so the rule lives in Cover alone.
type Places struct {
	regions        map[string]*Region
	parks          map[string]*Park
	regionChildren map[string][]string
	parkChildren   map[string][]string
}

// NewPlaces indexes the given regions and parks.
func NewPlaces(regions iter.Seq[*Region], parks iter.Seq[*Park]) *Places {
	pl := &Places{regions: map[string]*Region{}, parks: map[string]*Park{},
		regionChildren: map[string][]string{}, parkChildren: map[string][]string{}}
	for r := range regions {
		pl.regions[r.ID] = r
		if r.Parent != "" {
			pl.regionChildren[r.Parent] = append(pl.regionChildren[r.Parent], r.ID)
		}
	}
	for p := range parks {
		pl.parks[p.ID] = p
		if p.Parent != "" {
			pl.parkChildren[p.Parent] = append(pl.parkChildren[p.Parent], p.ID)
		}
	}
	return pl
}

// Coverage is what a scope covers: the parks and the regions whose enterprises are
// inside it. The zero Coverage (of the zero scope) covers everything.
type Coverage struct {
	Parks, Regions map[string]bool
	all            bool
}

// Cover is the rule of scope membership (docs/gap-analysis.md, "Scope"): a region scope
// covers the region's subtree; a park scope covers the park and the parks inside it and,
// for a zone or cluster (ParkCoversRegions, like the "1区+2集群"), the subtrees of the
// regions it spans. The zero scope covers everything. An unknown region or park is
// ENOTFOUND.
func (pl *Places) Cover(sc Scope) (Coverage, error) {
	if pl == nil {
		pl = &Places{} // no dataset loaded: every named region and park is unknown
	}
	switch {
	case sc.Region != "":
		if pl.regions[sc.Region] == nil {
			return Coverage{}, Errorf(ENOTFOUND, "no region %q", sc.Region)
		}
		return Coverage{Parks: map[string]bool{}, Regions: Subtree(pl.regionChildren, sc.Region)}, nil
	case sc.Park != "":
		p := pl.parks[sc.Park]
		if p == nil {
			return Coverage{}, Errorf(ENOTFOUND, "no park %q", sc.Park)
		}
		regions := map[string]bool{}
		if ParkCoversRegions(p) {
			for _, r := range p.Regions {
				for id := range Subtree(pl.regionChildren, r) {
					regions[id] = true
				}
			}
		}
		return Coverage{Parks: Subtree(pl.parkChildren, sc.Park), Regions: regions}, nil
	}
	return Coverage{all: true}, nil
}

// Contains reports whether an enterprise located in region, and in park (may be empty),
// is inside the scope: its park or its region is covered.
func (c Coverage) Contains(region, park string) bool {
	return c.all || c.Parks[park] || c.Regions[region]
}

// ContainsPlace is Contains for a place that may name only a park (a what-if change
// placed in a park without a region): such a place is inside when the park is, or when
// any region the park spans is.
func (pl *Places) ContainsPlace(c Coverage, region, park string) bool {
	if c.Contains(region, park) {
		return true
	}
	if p := pl.parks[park]; region == "" && p != nil {
		for _, r := range p.Regions {
			if c.Regions[r] {
				return true
			}
		}
	}
	return false
}

// CoverScope reads the store's regions and parks and returns what the scope covers (for
// clients, which ask the API rather than re-derive the rule).
func CoverScope(ctx context.Context, s Store, sc Scope) (Coverage, error) {
	if err := sc.Validate(); err != nil {
		return Coverage{}, err
	}
	regions, err := s.Regions(ctx, RegionQuery{})
	if err != nil {
		return Coverage{}, err
	}
	parks, err := s.Parks(ctx, ParkQuery{})
	if err != nil {
		return Coverage{}, err
	}
	return NewPlaces(slices.Values(regions), slices.Values(parks)).Cover(sc)
}

// ParkIDs returns the covered parks' ids, sorted.
func (c Coverage) ParkIDs() []string { return slices.Sorted(maps.Keys(c.Parks)) }

// RegionIDs returns the covered regions' ids, sorted.
func (c Coverage) RegionIDs() []string { return slices.Sorted(maps.Keys(c.Regions)) }
