package neo4jstore

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// BenchmarkReadPath compares, on one connection pool and in one run, a read through
// ExecuteQuery (a transaction function: BEGIN, RUN and PULL, then COMMIT: two round
// trips) with the store's read (one auto-commit statement: one round trip), on a trivial
// statement and on a city's statistics query (the version check and the cells, what a
// gap analysis on Neo4j waits for). Needs NEO4J_URI with a dataset loaded; the city is
// $CHAINBENCH_REGION (default 110100, the synthetic datasets' city).
func BenchmarkReadPath(b *testing.B) {
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		b.Skip("NEO4J_URI is not set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{URI: uri, Username: os.Getenv("NEO4J_USERNAME"), Password: os.Getenv("NEO4J_PASSWORD"),
		Database: os.Getenv("NEO4J_DATABASE")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	region := os.Getenv("CHAINBENCH_REGION")
	if region == "" {
		region = "110100"
	}
	sc := chainmap.Scope{Region: region}
	label, id := scopeLabel(sc)
	prefix, _, params := scopeCypher(sc)
	params["meta"], params["scopeID"], params["chain"] = statsMetaID, id, "c1"
	cells := sprintf(preflightHead, label) + sprintf(scopeCellsCypher, prefix+cellsListCypher+"\n")
	for _, q := range []struct {
		name, cypher string
		params       map[string]any
	}{{"trivial", "RETURN 1", nil}, {"city-cells", cells, params}} {
		b.Run(q.name+"/ExecuteQuery", func(b *testing.B) {
			for b.Loop() {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				if _, err := neo4j.ExecuteQuery(cctx, s.driver, q.cypher, withRules(q.params), neo4j.EagerResultTransformer,
					neo4j.ExecuteQueryWithDatabase(s.db), neo4j.ExecuteQueryWithReadersRouting()); err != nil {
					b.Fatal(err)
				}
				cancel()
			}
		})
		b.Run(q.name+"/auto-commit", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.read(ctx, q.cypher, q.params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
