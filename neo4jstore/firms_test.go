package neo4jstore

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestFirmQueryReadsOnlyTheFirm profiles the firm part of the Leads query (firmMatch) on
// a Neo4j holding many leads without a credit code, as most leads are: a firm's leads
// must come from index seeks of its own keys. With the credit-code branch guarded by
// a test of $firm_code it read every lead whose credit_code is empty, once per duplicate
// check. Database hits are counted, not time. Needs NEO4J_URI (skipped otherwise, failed with NEO4J_REQUIRED=1 as in CI); it
// touches only leads of its own id prefix.
func TestFirmQueryReadsOnlyTheFirm(t *testing.T) {
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		if os.Getenv("NEO4J_REQUIRED") == "1" {
			t.Fatal("NEO4J_REQUIRED=1 but NEO4J_URI is not set")
		}
		t.Skip("NEO4J_URI is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Open(ctx, Config{URI: uri, Username: os.Getenv("NEO4J_USERNAME"), Password: os.Getenv("NEO4J_PASSWORD"),
		Database: os.Getenv("NEO4J_DATABASE")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if err := s.ensureLeadSchema(ctx); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("TFQ%d-", time.Now().UnixNano())
	const n = 500
	run := func(cypher string, params map[string]any) *neo4j.EagerResult {
		t.Helper()
		res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.db))
		if err != nil {
			t.Fatalf("%s: %v", cypher, err)
		}
		return res
	}
	run(`UNWIND range(1, $n) AS i CREATE (:Lead {id: $p + toString(i), firm_key: $p + 'firm' + toString(i), credit_code: '', data: '{}'})`,
		map[string]any{"n": n, "p": prefix})
	defer run(`MATCH (l:Lead) WHERE l.id STARTS WITH $p DETACH DELETE l`, map[string]any{"p": prefix})
	run(`CALL db.awaitIndexes(60)`, nil)
	const code = "91110105MA01ABCD13"
	run(`MATCH (l:Lead {id: $id}) SET l.credit_code = $code`, map[string]any{"id": prefix + "9", "code": code})
	for _, tc := range []struct {
		name string
		k    chainmap.FirmKey
		want int
	}{
		{"a firm without a credit code", chainmap.FirmKey{Name: prefix + "firm7"}, 1},
		{"a firm with one", chainmap.FirmKey{Name: prefix + "other", CreditCode: code}, 1},
	} {
		res := run("PROFILE "+firmMatch(tc.k)+"\nRETURN l.id", map[string]any{"firm_name": tc.k.Name, "firm_code": tc.k.CreditCode, "after": ""})
		if len(res.Records) != tc.want {
			t.Errorf("%s: %d leads, want %d", tc.name, len(res.Records), tc.want)
		}
		if hits := dbHits(res.Summary.Profile()); hits > 50 {
			t.Errorf("%s: %d database hits among %d leads without a credit code: the query reads beyond the firm's own index entries",
				tc.name, hits, n)
		}
	}
}

func dbHits(p neo4j.ProfiledPlan) int64 {
	if p == nil {
		return 0
	}
	n := p.DbHits()
	for _, c := range p.Children() {
		n += dbHits(c)
	}
	return n
}
