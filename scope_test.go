package chainmap

import (
	"slices"
	"testing"
)

func TestScopeCover(t *testing.T) {
	regions := []*Region{{ID: "cn"}, {ID: "city", Parent: "cn"}, {ID: "gongyi", Parent: "city"}, {ID: "town", Parent: "gongyi"},
		{ID: "dengfeng", Parent: "city"}, {ID: "other", Parent: "cn"}}
	parks := []*Park{
		{ID: "zone", Kind: "zone", Regions: []string{"gongyi"}},
		{ID: "sub", Kind: "park", Parent: "zone", Regions: []string{"town"}},
		{ID: "plain", Kind: "park", Regions: []string{"dengfeng"}},
		{ID: "cluster", Kind: "cluster", Regions: []string{"dengfeng", "other"}},
	}
	pl := NewPlaces(slices.Values(regions), slices.Values(parks))
	type place struct{ region, park string }
	for _, c := range []struct {
		scope   Scope
		inside  []place
		outside []place
	}{
		// A change placed only in a park is inside when any region the park spans is.
		{Scope{Region: "city"}, []place{{"city", ""}, {"town", ""}, {"dengfeng", "plain"}, {"", "cluster"}},
			[]place{{"other", ""}, {"cn", ""}, {"unknown", ""}, {"", "unknown"}, {"other", "cluster"}}},
		// A zone covers its sub-parks and every enterprise in the regions it spans.
		{Scope{Park: "zone"}, []place{{"town", ""}, {"gongyi", ""}, {"", "sub"}, {"other", "sub"}},
			[]place{{"dengfeng", ""}, {"city", ""}, {"dengfeng", "plain"}}},
		// A plain park covers only what is recorded in it (and its sub-parks).
		{Scope{Park: "plain"}, []place{{"dengfeng", "plain"}}, []place{{"dengfeng", ""}, {"city", "plain-x"}}},
		{Scope{Park: "cluster"}, []place{{"dengfeng", ""}, {"other", ""}, {"", "plain"}}, []place{{"gongyi", ""}}},
		{Scope{}, []place{{"anything", ""}, {"", ""}}, nil},
	} {
		cov, err := pl.Cover(c.scope)
		if err != nil {
			t.Fatalf("%v: %v", c.scope, err)
		}
		for _, p := range c.inside {
			if !pl.ContainsPlace(cov, p.region, p.park) {
				t.Errorf("%v: %v should be inside", c.scope, p)
			}
		}
		for _, p := range c.outside {
			if pl.ContainsPlace(cov, p.region, p.park) {
				t.Errorf("%v: %v should be outside", c.scope, p)
			}
		}
	}
	for _, sc := range []Scope{{Region: "nowhere"}, {Park: "nowhere"}} {
		if _, err := pl.Cover(sc); ErrorCode(err) != ENOTFOUND {
			t.Errorf("%v: %v, want ENOTFOUND", sc, err)
		}
	}
}
