package conformance

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/neo4jstore"
)

// plainStore hides a store's ReferenceReader, so that the gap analysis reads every
// reference table through the Store methods, as before the tables were cached.
type plainStore struct{ chainmap.Store }

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReferenceTables: each store's reference tables are what its Store methods list,
// and a gap analysis through them answers exactly as one through the Store methods, for
// scopes of every level, parks, and unknown chains, regions and parks (same error code).
func TestReferenceTables(t *testing.T) {
	stores := loadAll(t, "../data/zhengzhou-aluminium")
	each(t, stores, func(t *testing.T, s chainmap.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // some 150 analyses
		defer cancel()
		rr, ok := s.(chainmap.ReferenceReader)
		if !ok {
			t.Fatalf("%T does not hand out reference tables", s)
		}
		refs := must(rr.References(ctx))
		if refs.Live || refs.Version == "" {
			t.Errorf("tables of a settled dataset should be cached under a version: live %v, version %q", refs.Live, refs.Version)
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"chains", refs.Chains, must(s.Chains(ctx, chainmap.IDQuery{}))},
			{"segments", refs.Segments, must(s.Segments(ctx, chainmap.SegmentQuery{}))},
			{"flows", refs.Flows, must(s.Flows(ctx, chainmap.FlowQuery{}))},
			{"regions", refs.Regions, must(s.Regions(ctx, chainmap.RegionQuery{}))},
			{"parks", refs.Parks, must(s.Parks(ctx, chainmap.ParkQuery{}))},
			{"policies", refs.Policies, must(s.Policies(ctx, chainmap.PolicyQuery{}))},
			{"goals", refs.Goals, must(s.Goals(ctx, chainmap.GoalQuery{}))},
			{"indicators", refs.Indicators, must(s.Indicators(ctx, chainmap.IndicatorQuery{}))},
		} {
			if g, w := jsonOf(t, c.got), jsonOf(t, c.want); g != w || g == "null" {
				t.Errorf("%s: the tables hold\n%s\nthe store lists\n%s", c.name, g, w)
			}
		}
		if again := must(rr.References(ctx)); again != refs {
			t.Errorf("a second call on the same version should return the cached tables")
		}
		// Up to three regions of every level and five parks keep the test short on Neo4j.
		var scopes []chainmap.Scope
		perLevel := map[chainmap.RegionLevel]int{}
		for _, r := range refs.Regions {
			if perLevel[r.Level]++; perLevel[r.Level] <= 3 {
				scopes = append(scopes, chainmap.Scope{Region: r.ID})
			}
		}
		for _, p := range refs.Parks[:min(5, len(refs.Parks))] {
			scopes = append(scopes, chainmap.Scope{Park: p.ID})
		}
		scopes = append(scopes, chainmap.Scope{Region: "no-such-region"}, chainmap.Scope{Park: "no-such-park"})
		chains := []string{"no-such-chain"}
		for _, c := range refs.Chains {
			chains = append(chains, c.ID)
		}
		compared := 0
		for _, chain := range chains {
			for _, sc := range scopes {
				for _, verified := range []bool{false, true} {
					q := chainmap.GapQuery{Chain: chain, Scope: sc, VerifiedOnly: verified}
					got, gerr := chainmap.GapAnalysis(ctx, s, q)
					want, werr := chainmap.GapAnalysis(ctx, plainStore{s}, q)
					if (gerr == nil) != (werr == nil) || (gerr != nil && chainmap.ErrorCode(gerr) != chainmap.ErrorCode(werr)) {
						t.Fatalf("%+v: with the tables %v, without %v", q, gerr, werr)
					}
					if gerr != nil {
						continue
					}
					if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
						t.Fatalf("%+v: the report through the tables differs:\n%s\nthrough the store:\n%s", q, g, w)
					}
					compared++
				}
			}
		}
		if compared < 20 {
			t.Errorf("only %d reports compared", compared)
		}
	})
}

// refsDatasets writes two versions of one dataset that differ in three reference tables
// (a chain's, a policy's and a region's name).
func refsDatasets(t *testing.T) (a, b string) {
	a, b = t.TempDir(), t.TempDir()
	copyDir(t, "../testdata/minimal", a)
	copyDir(t, "../testdata/minimal", b)
	rewrite(t, filepath.Join(b, "chains.csv"), func(s string) string { return strings.Replace(s, "小部件", "小部件二", 1) })
	rewrite(t, filepath.Join(b, "policies.csv"), func(s string) string { return strings.Replace(s, "设备补贴", "设备补贴二", 1) })
	rewrite(t, filepath.Join(b, "regions.csv"), func(s string) string { return strings.Replace(s, "北京市", "北京市二", 1) })
	return a, b
}

// refsKind says which dataset a set of tables comes from: "a", "b", or "mixed" when its
// tables disagree.
func refsKind(t *testing.T, r *chainmap.ReferenceTables) string {
	kinds := map[string]bool{}
	for _, table := range []any{r.Chains, r.Policies, r.Regions} {
		if strings.Contains(jsonOf(t, table), "二") {
			kinds["b"] = true
		} else {
			kinds["a"] = true
		}
	}
	switch {
	case len(kinds) > 1:
		return "mixed"
	case kinds["b"]:
		return "b"
	}
	return "a"
}

// checkReloads loads a then b then a… while readers ask for the reference tables: no
// reader gets a set that mixes the two (live tables read during a load are allowed to:
// every read during a load may), and after each load the tables are the new dataset's.
func checkReloads(t *testing.T, rr chainmap.ReferenceReader, load func(dir string), a, b string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		seen     = map[string]int{}
		problems []string
		done     = make(chan struct{})
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				r, err := rr.References(ctx)
				mu.Lock()
				switch {
				case err != nil:
					problems = append(problems, err.Error())
				case r.Live:
					seen["live"]++
				default:
					k := refsKind(t, r)
					seen[k]++
					if k == "mixed" {
						problems = append(problems, "tables of version "+r.Version+" mix both datasets")
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i, dir := range []string{b, a, b, a, b} {
		load(dir)
		want := map[string]string{a: "a", b: "b"}[dir]
		r, err := rr.References(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := refsKind(t, r); got != want || r.Live {
			t.Errorf("after load %d (%s) the tables are %s (live %v), want %s", i+1, dir, got, r.Live, want)
		}
	}
	close(done)
	wg.Wait()
	t.Logf("tables seen by the readers: %v", seen)
	if len(problems) > 0 {
		t.Errorf("%d problems, the first: %s", len(problems), problems[0])
	}
	if seen["a"]+seen["b"] == 0 {
		t.Error("the readers saw no settled tables")
	}
}

// TestReferencesFollowReloads: the cached tables end with a load, by this store or (on
// Neo4j) by another process sharing the database, and concurrent readers never get a set
// that mixes two loads. Run it with -race.
func TestReferencesFollowReloads(t *testing.T) {
	a, b := refsDatasets(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t.Run("embedded", func(t *testing.T) {
		mem := memstore.New()
		load := func(dir string) {
			if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
				t.Fatalf("load %s: %v", dir, err)
			}
		}
		load(a)
		checkReloads(t, mem, load, a, b)
	})
	t.Run("neo4j", func(t *testing.T) {
		needNeo4j(t)
		if err := neo.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		loadNeo(t, a, false)
		// Another process: its own driver and store, loading the same database.
		other, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: os.Getenv("NEO4J_URI"), Username: os.Getenv("NEO4J_USERNAME"),
			Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close(context.Background())
		if _, err := neo.References(ctx); err != nil { // cached for a, before the other process loads
			t.Fatal(err)
		}
		checkReloads(t, neo, func(dir string) {
			if _, err := loaders.Load(ctx, dir, other, loaders.Options{}); err != nil {
				t.Fatalf("load %s by another process: %v", dir, err)
			}
		}, a, b)
	})
}
