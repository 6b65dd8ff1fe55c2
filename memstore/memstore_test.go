package memstore

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/synth"
)

// TestRevenueWalkPagesLikeSorting pages through enterprises by revenue, every page, for
// several filters, once walking the revenue order and once sorting the matches: the
// pages, cursors and totals must be the same.
func TestRevenueWalkPagesLikeSorting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "synth")
	if _, err := synth.Generate(dir, synth.Options{Enterprises: 4000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	s := New()
	ctx := context.Background()
	if _, err := loaders.Load(ctx, dir, s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	biggest, most := "", 0 // the park with the most enterprises
	for _, p := range must(s.Parks(ctx, chainmap.ParkQuery{})) {
		if n := must(s.Enterprises(ctx, chainmap.EnterpriseQuery{Park: p.ID})).Total; n > most {
			biggest, most = p.ID, n
		}
	}
	queries := []chainmap.EnterpriseQuery{
		{Region: "110000"}, {Region: "110100"}, {Park: biggest}, {Segment: "c1.s11"},
		{Region: "110000", Chain: "c2"}, {Region: "110000", MinRevenue: ptr(5.0)},
	}
	pages := func(q chainmap.EnterpriseQuery) (ids []string, totals []int) {
		q.Sort, q.First = chainmap.SortByRevenue, 3
		for {
			p := must(s.Enterprises(ctx, q))
			totals = append(totals, p.Total)
			for _, e := range p.Enterprises {
				ids = append(ids, e.ID)
			}
			if !p.HasNext {
				return ids, totals
			}
			q.After = p.EndCursor
		}
	}
	defer func(old int) { revenueWalkMin = old }(revenueWalkMin)
	for _, q := range queries {
		revenueWalkMin = 1 << 30
		sorted, sortedTotals := pages(q)
		revenueWalkMin = 0
		walked, walkedTotals := pages(q)
		if len(sorted) < 5 { // at least two pages
			t.Fatalf("%+v: only %d matches, the comparison proves little", q, len(sorted))
		}
		if !reflect.DeepEqual(sorted, walked) || !reflect.DeepEqual(sortedTotals, walkedTotals) {
			t.Errorf("%+v: walk differs from sort:\n sorted %v %v\n walked %v %v", q, sortedTotals, sorted, walkedTotals, walked)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// TestEmptyStoreAnswersScopedQueries: before the first load (a server starting, a test
// reading while it loads) a scoped question is answered ENOTFOUND, never a panic (it
// dereferenced the places index, built by the first load).
func TestEmptyStoreAnswersScopedQueries(t *testing.T) {
	s := New()
	ctx := context.Background()
	for _, sc := range []chainmap.Scope{{Region: "110105"}, {Park: "east-park"}} {
		if _, err := s.SegmentStats(ctx, chainmap.StatsQuery{Chain: "widget", Scope: sc}); chainmap.ErrorCode(err) != chainmap.ENOTFOUND {
			t.Errorf("stats of %+v on an empty store: %v", sc, err)
		}
	}
}
