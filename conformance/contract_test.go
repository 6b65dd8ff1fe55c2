package conformance

import (
	"slices"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestStoreContract holds both stores to the meanings store.go writes down where they
// used to differ or where nothing checked them: the candidate query's required scope and
// default limit, exact regions in goal and indicator queries, OR between supply-link
// filters and AND between operation filters.
func TestStoreContract(t *testing.T) {
	stores := loadAll(t, "../testdata/minimal")
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		ctx := ctxT(t)
		// Candidates: the scope and the segment are required on every store.
		for name, q := range map[string]chainmap.CandidateQuery{
			"zero scope": {Chain: "widget", Segment: "W1"},
			"two scopes": {Chain: "widget", Segment: "W1", Scope: chainmap.Scope{Region: "110100", Park: "p"}},
			"no segment": {Chain: "widget", Scope: chainmap.Scope{Region: "110105"}},
		} {
			if _, err := s.Candidates(ctx, q); chainmap.ErrorCode(err) != chainmap.EINVALID {
				t.Errorf("candidates, %s: %v, want %s", name, err, chainmap.EINVALID)
			}
		}
		// A limit ≤ 0 means MaxCandidates: the same answer as asking for it.
		sc := chainmap.Scope{Region: "110105"}
		var got [][]string
		for _, limit := range []int{0, -5, chainmap.MaxCandidates, chainmap.MaxCandidates + 1} {
			cs, err := s.Candidates(ctx, chainmap.CandidateQuery{Chain: "widget", Segment: "W1", Scope: sc, Limit: limit})
			if err != nil {
				t.Fatalf("candidates, limit %d: %v", limit, err)
			}
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.Enterprise.ID)
			}
			got = append(got, ids)
		}
		if len(got[0]) == 0 {
			t.Error("no candidates for W1 outside 朝阳区: the limit check proves nothing")
		}
		for i := 1; i < len(got); i++ {
			if !slices.Equal(got[i], got[0]) {
				t.Errorf("candidates differ by limit: %v", got)
			}
		}
		one, err := s.Candidates(ctx, chainmap.CandidateQuery{Chain: "widget", Segment: "W1", Scope: sc, Limit: 1})
		if err != nil || len(one) != 1 {
			t.Errorf("candidates, limit 1: %d, %v", len(one), err)
		}

		// Goals and indicators: Region is the exact region, not a subtree.
		if gs, err := s.Goals(ctx, chainmap.GoalQuery{Region: "110000"}); err != nil || len(gs) != 0 {
			t.Errorf("goals of 110000 (the province above the goals' city): %d, %v, want none", len(gs), err)
		}
		if gs, err := s.Goals(ctx, chainmap.GoalQuery{Region: "110100"}); err != nil || len(gs) != 2 {
			t.Errorf("goals of 110100: %d, %v, want 2", len(gs), err)
		}
		if is, err := s.Indicators(ctx, chainmap.IndicatorQuery{Region: "100000"}); err != nil || len(is) != 0 {
			t.Errorf("indicators of 100000: %d, %v, want none", len(is), err)
		}

		// Supply links: suppliers OR customers.
		links, err := s.SupplyLinks(ctx, chainmap.SupplyLinkQuery{Suppliers: []string{"gamma"}, Customers: []string{"acme"}})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, l := range links {
			keys = append(keys, l.Supplier+">"+l.Customer)
		}
		if want := []string{"acme-parts>acme", "gamma>beta"}; !slices.Equal(sorted(keys), want) {
			t.Errorf("supply links of supplier gamma or customer acme: %v, want %v", keys, want)
		}
		// Operations: enterprises AND segments.
		ops, err := s.Operations(ctx, chainmap.OperationQuery{Enterprises: []string{"gamma", "beta"}, Segments: []string{"W1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ops) != 1 || ops[0].Enterprise != "gamma" || ops[0].Segment != "W1" {
			t.Errorf("operations of gamma or beta in W1: %v, want gamma's W1 only", ops)
		}
	})
}

func sorted(l []string) []string {
	c := slices.Clone(l)
	slices.Sort(c)
	return c
}
