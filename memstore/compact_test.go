package memstore

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/synth"
)

// TestOrderKeysSortLikeRecords checks the shortcut of sortByOrder and the page cursor:
// ordering by the fields orderKey fills must give the order of the whole records and the
// same cursor decisions; it fails if chainmap.LessEnterprise or Cursor.After starts
// reading a field orderKey leaves empty.
func TestOrderKeysSortLikeRecords(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "synth")
	if _, err := synth.Generate(dir, synth.Options{Enterprises: 3000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	s := New()
	if _, err := loaders.Load(context.Background(), dir, s, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	g := s.snapshot()
	all := span(0, len(g.ents))
	// names repeat in real data: give some enterprises the same name and revenue so that
	// the id breaks the ties
	for i := 0; i+1 < len(g.ents); i += 7 {
		g.ents[i+1].name, g.ents[i+1].revenue, g.ents[i+1].has = g.ents[i].name, g.ents[i].revenue, g.ents[i].has
	}
	full := g.enterprises(all)
	for _, order := range []string{chainmap.SortByRevenue, chainmap.SortByName, chainmap.SortByID} {
		want := slices.Clone(full)
		slices.SortStableFunc(want, func(a, b *chainmap.Enterprise) int {
			switch {
			case chainmap.LessEnterprise(order, a, b):
				return -1
			case chainmap.LessEnterprise(order, b, a):
				return 1
			}
			return 0
		})
		got := slices.Clone(all)
		slices.Reverse(got)
		g.sortByOrder(order, got)
		gotIDs, wantIDs := make([]string, len(got)), make([]string, len(want))
		for k := range got {
			gotIDs[k], wantIDs[k] = g.ents[got[k]].id, want[k].ID
		}
		if !reflect.DeepEqual(gotIDs, wantIDs) {
			t.Fatalf("order %s: sorting by order keys differs from sorting the records", order)
		}
		cur, err := chainmap.DecodeCursor(chainmap.EncodeCursor(order, want[len(want)/2]), order)
		if err != nil {
			t.Fatal(err)
		}
		var key chainmap.Enterprise
		for k, e := range full {
			if g.orderKey(int32(k), &key); cur.After(&key) != cur.After(e) {
				t.Fatalf("order %s: the cursor places %s differently by its order key", order, e.ID)
			}
		}
	}
}

// TestEnterprisesOutOfOrder writes enterprises out of id order and one id twice, as a
// direct writer may: the store serves them in id order, the later record replacing the
// earlier, and operations written before the last enterprise batch still find theirs.
func TestEnterprisesOutOfOrder(t *testing.T) {
	ctx := context.Background()
	s := New()
	l, err := s.BeginLoad(ctx, chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	rev := 3.5
	writes := []chainmap.Batch{
		chainmap.Rows[chainmap.Enterprise]{{ID: "b", NameZh: "乙", Region: "r"}, {ID: "a", NameZh: "甲", Region: "r"}},
		chainmap.Rows[chainmap.Operation]{{Enterprise: "a", Segment: "s"}},
		chainmap.Rows[chainmap.Enterprise]{{ID: "c", NameZh: "丙", Region: "r"}, {ID: "b", NameZh: "乙二", Region: "r", Revenue: &rev}},
		chainmap.Rows[chainmap.Operation]{{Enterprise: "c", Segment: "s"}, {Enterprise: "zz", Segment: "s"}},
	}
	for _, b := range writes {
		if err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	p := must(s.Enterprises(ctx, chainmap.EnterpriseQuery{}))
	var got []string
	for _, e := range p.Enterprises {
		got = append(got, e.ID+"/"+e.NameZh)
	}
	if want := []string{"a/甲", "b/乙二", "c/丙"}; !reflect.DeepEqual(got, want) || p.Total != 3 {
		t.Errorf("enterprises %v (total %d), want %v", got, p.Total, want)
	}
	if e := must(s.Enterprises(ctx, chainmap.EnterpriseQuery{IDs: []string{"b"}})).Enterprises; len(e) != 1 || e[0].Revenue == nil || *e[0].Revenue != rev {
		t.Errorf("b: %+v, want the later record with revenue %g", e, rev)
	}
	ops := must(s.Operations(ctx, chainmap.OperationQuery{}))
	var keys []string
	for _, o := range ops {
		keys = append(keys, o.Key())
	}
	if want := []string{"a>s", "c>s", "zz>s"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("operations %v, want %v", keys, want)
	}
}

// TestCmpKey holds cmpKey to the order of the joined keys, ids holding the separator
// included.
func TestCmpKey(t *testing.T) {
	parts := []string{"", "a", "a>", "a>b", "ab", "b", ">", "a>>"}
	for _, a1 := range parts {
		for _, a2 := range parts {
			for _, b1 := range parts {
				for _, b2 := range parts {
					a, b := []string{a1, a2}, []string{b1, b2}
					want := 0
					if ja, jb := a1+">"+a2, b1+">"+b2; ja < jb {
						want = -1
					} else if ja > jb {
						want = 1
					}
					if got := cmpKey(a, b); got != want {
						t.Fatalf("cmpKey(%q, %q) = %d, want %d", a, b, got, want)
					}
				}
			}
		}
	}
}

// TestSortOps checks that sorting run by run, when the operations come grouped by
// enterprise in order, gives the order of the full sort, and that operations not so
// grouped (an enterprise's operations apart, enterprises out of order, an id holding the
// separator) are fully sorted.
func TestSortOps(t *testing.T) {
	build := func(keys [][2]string) *graph {
		g := newGraph()
		for _, k := range keys {
			g.ops = append(g.ops, opRec{ent: k[0], seg: g.tabs.syms.put(k[1])})
		}
		return g
	}
	keysOf := func(g *graph) []string {
		var out []string
		for _, o := range g.ops {
			out = append(out, o.ent+">"+g.str(o.seg))
		}
		return out
	}
	for _, keys := range [][][2]string{
		{{"a", "s2"}, {"a", "s1"}, {"b", "s3"}, {"b", "s1"}, {"c", "s1"}},
		{{"a", "s2"}, {"b", "s1"}, {"a", "s1"}},
		{{"b", "s1"}, {"a", "s2"}, {"a", "s1"}},
		{{"a", "x"}, {"a-b", "s"}, {"a>b", "s"}, {"a", "s"}},
		{{"a>b", "s"}, {"a", "b>t"}, {"a", "b"}},
		{},
	} {
		g := build(keys)
		g.sortOps()
		got := keysOf(g)
		want := slices.Clone(got)
		slices.Sort(want) // Operation.Key order
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: sortOps gave %v, want %v", keys, got, want)
		}
	}
}
