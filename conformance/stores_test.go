// Package conformance holds the one suite that both stores must pass: the same test
// functions run against the embedded store and against a real Neo4j, and compare their
// answers. Neo4j runs when NEO4J_URI is set; with NEO4J_REQUIRED=1 an unreachable Neo4j
// fails the run instead of skipping it.
//
// Every test that touches Neo4j lives in this package, so `go test ./...` never has two
// packages writing the one Community database at once.
package conformance

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/chainmap/chainmap/neo4jstore"
)

// neo is the shared Neo4j store, nil when Neo4j is not configured.
var neo *neo4jstore.Store

func TestMain(m *testing.M) {
	uri := os.Getenv("NEO4J_URI")
	required := os.Getenv("NEO4J_REQUIRED") == "1"
	switch {
	case uri == "" && required:
		fmt.Fprintln(os.Stderr, "FAIL: NEO4J_REQUIRED=1 but NEO4J_URI is not set")
		os.Exit(1)
	case uri == "":
		fmt.Fprintln(os.Stderr, "!!! NEO4J_URI is not set: the conformance suite runs against the embedded store only.")
		fmt.Fprintln(os.Stderr, "!!! Run scripts/test.sh (or set NEO4J_URI and NEO4J_REQUIRED=1) to run it against Neo4j too.")
	default:
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Username: os.Getenv("NEO4J_USERNAME"),
			Password: os.Getenv("NEO4J_PASSWORD"), Database: os.Getenv("NEO4J_DATABASE")})
		cancel()
		if err != nil {
			if required {
				fmt.Fprintf(os.Stderr, "FAIL: NEO4J_REQUIRED=1 and Neo4j is unreachable: %v\n", err)
				os.Exit(1)
			}
			fmt.Fprintf(os.Stderr, "!!! Neo4j at %s is unreachable (%v): running against the embedded store only.\n", uri, err)
		} else {
			neo = s
			fmt.Fprintf(os.Stderr, "conformance: running against the embedded store and Neo4j at %s\n", uri)
		}
	}
	code := m.Run()
	if neo != nil {
		neo.Close(context.Background())
	}
	os.Exit(code)
}

// storeCase is one store under test, loaded with a dataset.
type storeCase struct {
	name  string
	store chainmap.Store
}

// loadAll loads dir into a fresh embedded store and, when configured, into a wiped
// Neo4j, and returns both.
func loadAll(t *testing.T, dir string) []storeCase {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	mem := memstore.New()
	if _, err := loaders.Load(ctx, dir, mem, loaders.Options{}); err != nil {
		t.Fatalf("embedded load of %s: %v", dir, err)
	}
	cases := []storeCase{{"embedded", mem}}
	if neo != nil {
		if err := neo.Reset(ctx); err != nil {
			t.Fatalf("neo4j reset: %v", err)
		}
		if _, err := loaders.Load(ctx, dir, neo, loaders.Options{}); err != nil {
			t.Fatalf("neo4j load of %s: %v", dir, err)
		}
		cases = append(cases, storeCase{"neo4j", neo})
	}
	return cases
}

// each runs fn as a subtest against every store.
func each(t *testing.T, stores []storeCase, fn func(t *testing.T, s chainmap.Store)) {
	t.Helper()
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			defer failOnMust(t)
			fn(t, sc.store)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// must returns v, or stops the test with err: it panics with a mustError, which
// failOnMust (deferred by each, and by every test that calls must outside each) turns
// into t.Fatalf, so one failure fails its test instead of killing the whole binary.
// (Go cannot pass a call's two results after a *testing.T argument.)
func must[T any](v T, err error) T {
	if err != nil {
		panic(mustError{err: err, stack: debug.Stack()})
	}
	return v
}

type mustError struct {
	err   error
	stack []byte
}

// failOnMust, deferred, fails the test for a must that failed; other panics go on.
func failOnMust(t *testing.T) {
	if r := recover(); r != nil {
		if e, ok := r.(mustError); ok {
			t.Fatalf("%v\n%s", e.err, e.stack)
		}
		panic(r)
	}
}
