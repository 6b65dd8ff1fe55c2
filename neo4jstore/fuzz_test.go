package neo4jstore

import (
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

// FuzzEnterpriseCypherIsParameterised drives the path from GraphQL filter arguments to
// Cypher with arbitrary strings: the query text must not depend on the values (they all
// travel as parameters), and every value must arrive unchanged in the parameters.
func FuzzEnterpriseCypherIsParameterised(f *testing.F) {
	f.Add("410100", "gongyi-zone", "M1", "aluminium", "规上", "active", "明泰")
	f.Add("' OR 1=1 //", "x}) DETACH DELETE (n", "`bad`", "$chain", "\"}]->(", "active'", "MATCH (n) DETACH DELETE n")
	f.Add("<script>", "{{x}}", "\\u0000", "${x}", "%s", "\n", "a\"b'c`d")
	f.Fuzz(func(t *testing.T, region, park, segment, chain, designation, status, text string) {
		q := chainmap.EnterpriseQuery{Region: region, Park: park, Segment: segment, Chain: chain,
			Designation: designation, Status: status, Text: text, First: 10, Sort: chainmap.SortByRevenue}
		got, err := buildEnterpriseCypher(q)
		if err != nil {
			t.Fatal(err)
		}
		// The same query with neutral values of the same presence must read the same.
		neutral := func(s string) string {
			if s == "" {
				return ""
			}
			return "x"
		}
		ref, err := buildEnterpriseCypher(chainmap.EnterpriseQuery{Region: neutral(region), Park: neutral(park),
			Segment: neutral(segment), Chain: neutral(chain), Designation: neutral(designation),
			Status: neutral(status), Text: neutral(text), First: 10, Sort: chainmap.SortByRevenue})
		if err != nil {
			t.Fatal(err)
		}
		if got.page != ref.page || got.count != ref.count {
			t.Fatalf("query text depends on values:\n%s\nvs\n%s", got.page, ref.page)
		}
		for k, v := range map[string]string{"region": region, "park": park, "segment": segment, "chain": chain,
			"designation": designation, "status": status, "text": text} {
			if v == "" {
				if _, ok := got.params[k]; ok {
					t.Fatalf("param %s set for an empty filter", k)
				}
				continue
			}
			if got.params[k] != v {
				t.Fatalf("param %s = %v, want %q", k, got.params[k], v)
			}
		}
		if strings.Contains(got.page, "DETACH") {
			t.Fatal("a value leaked into the query text")
		}
	})
}

// FuzzCursor feeds arbitrary cursors: they are refused cleanly or decode to a position.
func FuzzCursor(f *testing.F) {
	e := &chainmap.Enterprise{ID: "a", NameZh: "甲"}
	f.Add(chainmap.EncodeCursor(chainmap.SortByRevenue, e))
	f.Add("not-a-cursor")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		q := chainmap.EnterpriseQuery{After: c, Sort: chainmap.SortByRevenue, First: 5}
		cy, err := buildEnterpriseCypher(q)
		if err != nil {
			if chainmap.ErrorCode(err) != chainmap.EINVALID {
				t.Fatalf("bad cursor gave %v", err)
			}
			return
		}
		if c != "" && cy.params["after"] == nil {
			t.Fatal("a valid cursor set no position")
		}
	})
}
