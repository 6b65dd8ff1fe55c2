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

// TestScopeStatsFollowReloads: a scope's segment statistics (from the statistics cells
// and the caches kept per dataset version) are the new dataset's after every load — by
// this store or by another process sharing the database — while readers ask for them
// concurrently. The expected figures come from the embedded store loaded with
// the same folder. Run it with -race.
func TestScopeStatsFollowReloads(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	copyDir(t, "../testdata/minimal", a)
	copyDir(t, "../testdata/minimal", b)
	// b: acme-parts (110105, east-sub) makes 7 万吨/年 instead of 3.
	rewrite(t, filepath.Join(b, "operations.csv"), func(s string) string {
		return strings.Replace(s, "acme-parts,W2a,producer,3,", "acme-parts,W2a,producer,7,", 1)
	})
	queries := []chainmap.StatsQuery{
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
			want[dir] = append(want[dir], jsonOf(t, must(mem.SegmentStats(ctx, q))))
		}
	}
	if want[a][0] == want[b][0] {
		t.Fatal("the two datasets give the same figures: the test would prove nothing")
	}
	check := func(t *testing.T, st chainmap.Store, load func(dir string)) {
		load(b) // the readers start on a loaded graph
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
					if _, err := st.SegmentStats(ctx, queries[i%len(queries)]); err != nil {
						mu.Lock()
						problems = append(problems, err.Error())
						mu.Unlock()
					}
				}
			}()
		}
		for n, dir := range []string{a, b, a, b} {
			load(dir)
			for i, q := range queries {
				for range 2 { // the first answer fills the cache, the second reads it
					if got := jsonOf(t, must(st.SegmentStats(ctx, q))); got != want[dir][i] {
						t.Errorf("after load %d, %+v: %s, want %s", n+1, q, got, want[dir][i])
					}
				}
			}
		}
		close(done)
		wg.Wait()
		if len(problems) > 0 {
			t.Errorf("%d readers' errors, the first: %s", len(problems), problems[0])
		}
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
