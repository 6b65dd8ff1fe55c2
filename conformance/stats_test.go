package conformance

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/synth"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestStatsCellsMatchLiveAggregation holds the pre-aggregated statistics (chainmap.StatsCell,
// built at load by both stores) to the live aggregation Neo4j falls back to when the cells
// are stale: for every chain, every region, every park and the whole dataset of a
// synthetic dataset and of the bundled one, the embedded store's cells, Neo4j's cells and
// Neo4j's live query must give the same SegmentStats, and a stale marker must switch
// Neo4j to the live query rather than to old cells.
func TestStatsCellsMatchLiveAggregation(t *testing.T) {
	defer failOnMust(t)
	needNeo4j(t)
	synthDir := filepath.Join(t.TempDir(), "synth")
	if _, err := synth.Generate(synthDir, synth.Options{Enterprises: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{synthDir, "../data/zhengzhou-aluminium"} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			defer failOnMust(t)
			stores := loadAll(t, dir)
			mem, nj := stores[0].store, stores[1].store
			chains := must(mem.Chains(ctxT(t), chainmap.IDQuery{}))
			regions := must(mem.Regions(ctxT(t), chainmap.RegionQuery{}))
			parks := must(mem.Parks(ctxT(t), chainmap.ParkQuery{}))
			var queries []chainmap.StatsQuery
			for _, c := range chainIDs(chains) {
				queries = append(queries, chainmap.StatsQuery{Chain: c})
				for _, r := range regions {
					queries = append(queries, chainmap.StatsQuery{Chain: c, Scope: chainmap.Scope{Region: r.ID}})
				}
				for _, p := range parks {
					queries = append(queries, chainmap.StatsQuery{Chain: c, Scope: chainmap.Scope{Park: p.ID}})
				}
			}
			// The same questions counting verified placements only.
			for _, q := range slices.Clone(queries) {
				q.VerifiedOnly = true
				queries = append(queries, q)
			}
			answers := func(s chainmap.Store) []string {
				out := make([]string, len(queries))
				for i, q := range queries {
					b, _ := json.Marshal(must(s.SegmentStats(ctxT(t), q)))
					out[i] = string(b)
				}
				return out
			}
			want := answers(mem)
			nonEmpty := 0
			for _, a := range want {
				if len(a) > 2 && a != "null" {
					nonEmpty++
				}
			}
			if nonEmpty == 0 {
				t.Fatal("no query has any segment: the comparison would prove nothing")
			}
			compare := func(what string, got []string) {
				t.Helper()
				bad := 0
				for i := range queries {
					if !sameStats(got[i], want[i]) {
						if bad++; bad <= 3 {
							t.Errorf("%s: %+v:\n embedded %s\n neo4j    %s", what, queries[i], want[i], got[i])
						}
					}
				}
				if bad > 0 {
					t.Errorf("%s: %d of %d answers differ", what, bad, len(queries))
				}
			}
			compare("neo4j cells", answers(nj))
			// Mark the cells stale: Neo4j must aggregate live and still agree.
			setStatsVersion(t, "stale")
			// Poison one cell so that reading stale cells would show.
			poison(t)
			compare("neo4j live", answers(nj))
			if err := neo.BuildStats(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			compare("neo4j rebuilt cells", answers(nj))
		})
	}
}

// sameStats compares two JSON-encoded []SegmentStat: counts exactly, sums to 1e-9
// relative (the live query adds in another order than the cells).
func sameStats(a, b string) bool {
	if a == b {
		return true
	}
	var x, y []chainmap.SegmentStat
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil || len(x) != len(y) {
		return false
	}
	near := func(p, q float64) bool { return math.Abs(p-q) <= 1e-9*math.Max(1, math.Max(math.Abs(p), math.Abs(q))) }
	for i := range x {
		p, q := x[i], y[i]
		if p.Segment != q.Segment || p.Enterprises != q.Enterprises || p.WithRevenue != q.WithRevenue || !near(p.Revenue, q.Revenue) ||
			(p.Capacity == nil) != (q.Capacity == nil) || (p.Capacity != nil && !near(*p.Capacity, *q.Capacity)) {
			return false
		}
	}
	return true
}

func chainIDs(cs []*chainmap.Chain) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func setStatsVersion(t *testing.T, v string) {
	t.Helper()
	runWrite(t, `MATCH (m:StatsMeta) SET m.version = $v`, map[string]any{"v": v})
}

func poison(t *testing.T) {
	t.Helper()
	runWrite(t, `MATCH (c:SegmentStats) SET c.enterprises = [x IN c.enterprises | x + 1000]`, nil)
}

func runWrite(t *testing.T, cypher string, params map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := neo4j.ExecuteQuery(ctx, driver(t), cypher, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(database())); err != nil {
		t.Fatal(err)
	}
}

// TestCandidatesRankedAlike holds both stores' candidate ranking to the same answer on a
// synthetic dataset large enough that both take their revenue-ordered walk for small
// limits and their whole-subtree ranking for large ones: every segment of a chain, in a
// city, a province and a park, at limits 3, 20 and 200.
func TestCandidatesRankedAlike(t *testing.T) {
	defer failOnMust(t)
	needNeo4j(t)
	dir := filepath.Join(t.TempDir(), "synth")
	if _, err := synth.Generate(dir, synth.Options{Enterprises: 3000, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	stores := loadAll(t, dir)
	mem, nj := stores[0].store, stores[1].store
	segs := must(mem.Segments(ctxT(t), chainmap.SegmentQuery{Chain: "c1"}))
	parks := must(mem.Parks(ctxT(t), chainmap.ParkQuery{}))
	scopes := []chainmap.Scope{{Region: "110100"}, {Region: "110000"}, {Park: parks[0].ID}}
	compared, nonEmpty := 0, 0
	for _, sg := range segs {
		for _, sc := range scopes {
			for _, limit := range []int{3, 20, 200} {
				q := chainmap.CandidateQuery{Chain: "c1", Segment: sg.ID, Scope: sc, Limit: limit}
				a, _ := json.Marshal(must(mem.Candidates(ctxT(t), q)))
				b, _ := json.Marshal(must(nj.Candidates(ctxT(t), q)))
				compared++
				if len(a) > 4 {
					nonEmpty++
				}
				if string(a) != string(b) {
					t.Errorf("candidates %+v differ:\n embedded %.600s\n neo4j    %.600s", q, a, b)
				}
			}
		}
	}
	if nonEmpty < compared/2 {
		t.Fatalf("only %d of %d candidate lists are non-empty: the comparison proves little", nonEmpty, compared)
	}
}
