package conformance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/chainmap/chainmap/loaders"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// needNeo4j skips a Neo4j-only test when Neo4j is not configured (TestMain has already
// failed the run if NEO4J_REQUIRED=1).
func needNeo4j(t *testing.T) {
	t.Helper()
	if neo == nil {
		t.Skip("!!! NEO4J_URI not set: Neo4j load tests skipped")
	}
}

func driver(t *testing.T) neo4j.DriverWithContext {
	t.Helper()
	return neotest.Driver(t, os.Getenv("NEO4J_URI"), os.Getenv("NEO4J_USERNAME"), os.Getenv("NEO4J_PASSWORD"))
}

func database() string {
	if db := os.Getenv("NEO4J_DATABASE"); db != "" {
		return db
	}
	return "neo4j"
}

// fingerprint summarises the shared Neo4j's whole graph (see neotest.Fingerprint).
func fingerprint(t *testing.T) (nodes, rels int, hash string) {
	t.Helper()
	return neotest.Fingerprint(t, driver(t), database())
}

// loadNeo loads dir into the shared Neo4j and returns what the load changed.
func loadNeo(t *testing.T, dir string, prune bool) map[chainmap.Kind]chainmap.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := loaders.Load(ctx, dir, neo, loaders.Options{Prune: prune})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return rep.Changes
}

func TestLoadTwiceChangesNothing(t *testing.T) {
	needNeo4j(t)
	if err := neo.Reset(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	dir := "../data/zhengzhou-aluminium"
	first := loadNeo(t, dir, false)
	n1, r1, h1 := fingerprint(t)
	second := loadNeo(t, dir, false)
	n2, r2, h2 := fingerprint(t)
	t.Logf("bundled dataset: %d nodes, %d relationships, fingerprint %s", n1, r1, h1)
	if n1 != n2 || r1 != r2 || h1 != h2 {
		t.Errorf("second load changed the graph: %d/%d/%s then %d/%d/%s", n1, r1, h1, n2, r2, h2)
	}
	created := 0
	for _, c := range first {
		created += c.Created
	}
	if created == 0 {
		t.Errorf("first load reported nothing created: %+v", first)
	}
	if len(second) == 0 {
		t.Error("second load reported no counts at all")
	}
	for k, c := range second {
		if c.Created != 0 || c.Updated != 0 || c.Removed != 0 {
			t.Errorf("second load reported changes to %s: %+v", k, c)
		}
	}
}

func TestDryRunAndPrune(t *testing.T) {
	needNeo4j(t)
	if err := neo.Reset(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	loadNeo(t, "../testdata/minimal", false)
	// A new version of the dataset: one enterprise gone, one renamed.
	dir := t.TempDir()
	copyDir(t, "../testdata/minimal", dir)
	rewrite(t, filepath.Join(dir, "enterprises.csv"), func(s string) string {
		s = strings.Replace(s, "delta,德尔塔,Delta,,110108,,,,,,,closed,\n", "", 1)
		return strings.Replace(s, "beta,贝塔,Beta", "beta,贝塔新,Beta", 1)
	})
	rewrite(t, filepath.Join(dir, "operations.csv"), func(s string) string {
		return strings.Replace(s, "delta,W1,producer,,,,,,suggested,\n", "", 1)
	})
	before, _, hBefore := fingerprint(t)

	rep, err := loaders.Load(ctxT(t), dir, neo, loaders.Options{Prune: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	dry := rep.Changes
	if after, _, h := fingerprint(t); after != before || h != hBefore {
		t.Fatal("dry run wrote to the graph")
	}
	if c := dry[chainmap.KindEnterprises]; c.Updated != 1 || c.Removed != 1 || c.Created != 0 {
		t.Errorf("dry run enterprises = %+v, want 1 updated, 1 removed", c)
	}
	if c := dry[chainmap.KindOperations]; c.Removed != 1 {
		t.Errorf("dry run operations = %+v, want 1 removed", c)
	}

	real := loadNeo(t, dir, true)
	if c := real[chainmap.KindEnterprises]; c.Updated != 1 || c.Removed != 1 {
		t.Errorf("prune load enterprises = %+v", c)
	}
	_, _, hPruned := fingerprint(t)
	// The pruned graph must equal a clean load of the new version.
	if err := neo.Reset(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	loadNeo(t, dir, false)
	if _, _, hClean := fingerprint(t); hClean != hPruned {
		t.Errorf("pruned graph %s differs from a clean load %s", hPruned, hClean)
	}
}

// TestKilledLoadResumes kills `chainmap load` with SIGKILL halfway through a synthetic
// dataset, runs it again, and checks the graph equals a clean load.
func TestKilledLoadResumes(t *testing.T) {
	needNeo4j(t)
	if testing.Short() {
		t.Skip("short mode")
	}
	bin := buildChainmap(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "gen", "--enterprises", "20000", "--seed", "7", "--out", data).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	if err := neo.Reset(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "load", "--batch-size", "500", "--no-progress", data)
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once enterprises are being written but before the end.
	d := driver(t)
	deadline := time.Now().Add(2 * time.Minute)
	killedAt := -1
	for time.Now().Before(deadline) {
		res, err := neo4j.ExecuteQuery(ctxT(t), d, "MATCH (e:Enterprise) RETURN count(e)", nil,
			neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database()))
		if err == nil {
			if n := int(res.Records[0].Values[0].(int64)); n >= 3000 {
				cmd.Process.Signal(syscall.SIGKILL)
				killedAt = n
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Wait()
	if killedAt < 0 {
		t.Fatal("the load never reached 3000 enterprises")
	}
	st, err := neo.LoadStatus(ctxT(t), "synthetic-20000-7")
	if err != nil || st != "loading" {
		t.Fatalf("after the kill the dataset status is %q (%v), want loading", st, err)
	}
	nKilled, _, _ := fingerprint(t)
	if out, err := exec.Command(bin, "load", "--no-progress", data).CombinedOutput(); err != nil {
		t.Fatalf("second load: %v\n%s", err, out)
	} else if !strings.Contains(string(out), "did not finish") {
		t.Errorf("second load did not say it completes an interrupted one:\n%s", out)
	}
	n1, r1, h1 := fingerprint(t)
	if err := neo.Reset(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "load", "--no-progress", data).CombinedOutput(); err != nil {
		t.Fatalf("clean load: %v\n%s", err, out)
	}
	n2, r2, h2 := fingerprint(t)
	t.Logf("killed at %d enterprises (%d nodes); resumed: %d nodes %d rels %s; clean: %d nodes %d rels %s",
		killedAt, nKilled, n1, r1, h1, n2, r2, h2)
	if n1 != n2 || r1 != r2 || h1 != h2 {
		t.Errorf("resumed load differs from a clean load")
	}
}

func buildChainmap(t *testing.T) string { return neotest.BuildChainmap(t) }

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func rewrite(t *testing.T, path string, fn func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := fn(string(b))
	if s == string(b) {
		t.Fatalf("rewrite of %s changed nothing", path)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
