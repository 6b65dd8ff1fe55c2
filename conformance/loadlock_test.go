package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/neo4jstore"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// openNeo opens a second handle on the shared Neo4j, as another loader process would.
func openNeo(t *testing.T) *neo4jstore.Store {
	t.Helper()
	s, err := neo4jstore.Open(ctxT(t), neo4jstore.Config{URI: os.Getenv("NEO4J_URI"), Username: os.Getenv("NEO4J_USERNAME"),
		Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// cypher runs one statement on the shared Neo4j, for setting up a lock by hand.
func cypher(t *testing.T, stmt string) {
	t.Helper()
	if _, err := neo4j.ExecuteQuery(ctxT(t), driver(t), stmt, nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(database())); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// cleanLocks removes the load lock and the Dataset nodes these tests begin loads of.
func cleanLocks(t *testing.T) {
	cypher(t, "MATCH (l:LoadLock) DELETE l")
	cypher(t, "MATCH (d:Dataset) WHERE d.id STARTS WITH 'lock-' DETACH DELETE d")
}

func lockOpts(id string) chainmap.LoadOptions {
	return chainmap.LoadOptions{Dataset: chainmap.DatasetInfo{ID: id}}
}

// wantConflict checks that err refuses a load naming the holder and the lock's age.
func wantConflict(t *testing.T, err error, holder ...string) {
	t.Helper()
	if chainmap.ErrorCode(err) != chainmap.ECONFLICT {
		t.Fatalf("err = %v, want CONFLICT", err)
	}
	for _, h := range append(holder, "another load is in progress", "has held the load lock for") {
		if !strings.Contains(err.Error(), h) {
			t.Errorf("error %q does not say %q", err, h)
		}
	}
}

// TestConcurrentLoadsRefused: one load at a time per database, whichever process runs
// it. Loads starting together: exactly one gets the lock, the others are refused naming
// its holder; after Abort (or Commit) the next load starts.
func TestConcurrentLoadsRefused(t *testing.T) {
	needNeo4j(t)
	cleanLocks(t)
	t.Cleanup(func() { cleanLocks(t) })
	other := openNeo(t)
	first, err := neo.BeginLoad(ctxT(t), lockOpts("lock-a"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.BeginLoad(ctxT(t), lockOpts("lock-b"))
	wantConflict(t, err, fmt.Sprintf("pid %d", os.Getpid()), `loading "lock-a"`)
	_, err = loaders.Load(ctxT(t), "../testdata/minimal", other, loaders.Options{})
	wantConflict(t, err, `loading "lock-a"`)
	if err := other.Reset(ctxT(t)); chainmap.ErrorCode(err) != chainmap.ECONFLICT || !strings.Contains(err.Error(), `loading "lock-a"`) {
		t.Errorf("Reset during a load: %v, want CONFLICT naming the load", err)
	}
	first.Abort(ctxT(t))

	// Started together: one wins.
	const n = 4
	var wg sync.WaitGroup
	sessions := make([]chainmap.LoadSession, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := neo
			if i%2 == 1 {
				st = other
			}
			sessions[i], errs[i] = st.BeginLoad(ctxT(t), lockOpts(fmt.Sprintf("lock-race-%d", i)))
		}()
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] == nil {
			won++
			defer sessions[i].Abort(context.Background())
		} else {
			wantConflict(t, errs[i], `loading "lock-race-`)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d simultaneous loads got the lock, want 1: %v", won, n, errs)
	}
}

// TestLoadLockExpires: the lock of a loader that stopped without releasing it (another
// host, so its process cannot be checked) blocks loads until it expires, then the next
// load takes it; a loader of this host that no longer runs loses it at once; a load
// whose lock was taken from it cannot commit, and its Abort leaves the new holder's lock.
func TestLoadLockExpires(t *testing.T) {
	needNeo4j(t)
	cleanLocks(t)
	t.Cleanup(func() { cleanLocks(t) })
	cypher(t, `CREATE (:LoadLock {name: 'load', token: 'crashed', holder: 'elsewhere pid 1 loading "x"', host: 'elsewhere',
pid: 1, taken_at: timestamp() - 600000, expires_at: timestamp() + 60000})`)
	_, err := neo.BeginLoad(ctxT(t), lockOpts("lock-after-crash"))
	wantConflict(t, err, `elsewhere pid 1 loading "x"`, "lock for 10m")

	cypher(t, "MATCH (l:LoadLock) SET l.expires_at = timestamp() - 1")
	sess, err := neo.BeginLoad(ctxT(t), lockOpts("lock-after-crash"))
	if err != nil {
		t.Fatalf("BeginLoad after the lock expired: %v", err)
	}
	sess.Abort(ctxT(t))

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	cypher(t, fmt.Sprintf(`CREATE (:LoadLock {name: 'load', token: 'killed', holder: 'a killed loader', host: %q,
pid: %d, taken_at: timestamp(), expires_at: timestamp() + 600000})`, host, dead.Process.Pid))
	sess, err = neo.BeginLoad(ctxT(t), lockOpts("lock-after-kill"))
	if err != nil {
		t.Fatalf("BeginLoad after the holder was killed: %v", err)
	}

	cypher(t, "MATCH (l:LoadLock) SET l.token = 'thief'")
	if err := sess.Commit(ctxT(t)); err == nil || !strings.Contains(err.Error(), "lost the load lock") {
		t.Errorf("Commit after the lock was taken: %v, want it lost", err)
	}
	sess.Abort(ctxT(t))
	res, err := neo4j.ExecuteQuery(ctxT(t), driver(t), "MATCH (l:LoadLock {token: 'thief'}) RETURN count(l)", nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database()))
	if err != nil || res.Records[0].Values[0].(int64) != 1 {
		t.Errorf("Abort of a load that lost its lock released the new holder's lock (%v)", err)
	}
}
