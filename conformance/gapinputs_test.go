package conformance

import (
	"context"
	"fmt"
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

// TestGapAnalysisFollowsReloads: a gap analysis (reference tables, the scope's
// statistics and the whole dataset's, which a store implementing
// chainmap.GapInputReader hands out together from one query) is the new dataset's after
// every load, by this store or by another process sharing the database, while readers
// analyse concurrently. The two datasets differ in a reference table (a policy's name)
// and in a statistic (a capacity), so a report mixing two versions shows. The expected
// reports come from the embedded store loaded with the same folder. Run it with -race.
func TestGapAnalysisFollowsReloads(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	copyDir(t, "../testdata/minimal", a)
	copyDir(t, "../testdata/minimal", b)
	rewrite(t, filepath.Join(b, "operations.csv"), func(s string) string {
		return strings.Replace(s, "acme-parts,W2a,producer,3,", "acme-parts,W2a,producer,7,", 1)
	})
	rewrite(t, filepath.Join(b, "policies.csv"), func(s string) string { return strings.Replace(s, "设备补贴", "设备补贴二", 1) })
	queries := []chainmap.GapQuery{
		{Chain: "widget", Scope: chainmap.Scope{Region: "110105"}},
		{Chain: "widget", Scope: chainmap.Scope{Region: "110100"}},
		{Chain: "widget", Scope: chainmap.Scope{Park: "east-sub"}},
		{Chain: "widget", Scope: chainmap.Scope{Region: "110100"}, VerifiedOnly: true},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	want := map[string][]string{}
	for _, dir := range []string{a, b} {
		mem := memstore.New()
		if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, q := range queries {
			want[dir] = append(want[dir], jsonOf(t, must(chainmap.GapAnalysis(ctx, mem, q))))
		}
	}
	for i := range queries {
		if want[a][i] == want[b][i] {
			t.Fatalf("%+v: the two datasets give the same report: the test would prove nothing", queries[i])
		}
	}
	check := func(t *testing.T, st chainmap.Store, load func(dir string)) {
		load(b)
		var wg sync.WaitGroup
		done := make(chan struct{})
		var mu sync.Mutex
		var problems []string
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := chainmap.GapAnalysis(ctx, st, queries[i%len(queries)]); err != nil {
						mu.Lock()
						problems = append(problems, err.Error())
						mu.Unlock()
					}
				}
			}()
		}
		fast := 0
		for n, dir := range []string{a, b, a, b} {
			load(dir)
			for i, q := range queries {
				for range 2 { // the first analysis fills the caches, the second may use them
					if got := jsonOf(t, must(chainmap.GapAnalysis(ctx, st, q))); got != want[dir][i] {
						t.Errorf("after load %d, %+v:\n got %s\nwant %s", n+1, q, got, want[dir][i])
					}
				}
				if g, ok := st.(chainmap.GapInputReader); ok {
					sq := chainmap.StatsQuery{Chain: q.Chain, Scope: q.Scope, VerifiedOnly: q.VerifiedOnly}
					if _, _, _, ok, err := g.GapInputs(ctx, sq); err != nil {
						t.Fatal(err)
					} else if ok {
						fast++
					}
				}
			}
		}
		close(done)
		wg.Wait()
		if len(problems) > 0 {
			t.Errorf("%d readers' errors, the first: %s", len(problems), problems[0])
		}
		if _, ok := st.(chainmap.GapInputReader); ok && fast == 0 {
			t.Error("the one-query path was never taken after a warm analysis: the test exercised only the usual path")
		}
		t.Logf("warm analyses answered by GapInputs in one query: %d of %d", fast, 4*len(queries))
	}
	t.Run("embedded", func(t *testing.T) {
		mem := memstore.New()
		check(t, mem, func(dir string) {
			if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("neo4j", func(t *testing.T) {
		needNeo4j(t)
		if err := neo.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		other, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: os.Getenv("NEO4J_URI"), Username: os.Getenv("NEO4J_USERNAME"),
			Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close(context.Background())
		for i, loader := range []*neo4jstore.Store{neo, other} {
			t.Run(fmt.Sprintf("loaded by %s", map[int]string{0: "this store", 1: "another process"}[i]), func(t *testing.T) {
				check(t, neo, func(dir string) {
					if _, err := loaders.Load(ctx, dir, loader, loaders.Options{Prune: true}); err != nil {
						t.Fatal(err)
					}
				})
			})
		}
	})
}
