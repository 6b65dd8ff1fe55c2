package neo4jstore

import (
	"fmt"
	"strings"

	"github.com/chainmap/chainmap"
)

// The graph model. Every record of a node kind is a node with the dataset's column names
// as properties; references become relationships so Cypher can traverse them:
//
//	(:Segment)-[:IN_CHAIN]->(:Chain)            (:Segment)-[:CHILD_OF]->(:Segment)
//	(:Segment)-[:FEEDS {coefficient}]->(:Segment)
//	(:Region)-[:WITHIN]->(:Region)              (:Park)-[:WITHIN]->(:Park)
//	(:Park)-[:SPANS]->(:Region)                 (:Park)-[:FOCUSES_ON]->(:Segment)
//	(:Enterprise)-[:LOCATED_IN]->(:Region)      (:Enterprise)-[:IN_PARK]->(:Park)
//	(:Enterprise)-[:CONTROLLED_BY]->(:Enterprise)
//	(:Enterprise)-[:OPERATES_IN {capacity…}]->(:Segment)
//	(:Enterprise)-[:SUPPLIES {segment…}]->(:Enterprise)
//	(:Project)-[:BY]->(:Enterprise), -[:IN_PARK]->(:Park), -[:IN_REGION]->(:Region), -[:ADDS_TO]->(:Segment)
//	(:Policy)-[:ISSUED_IN]->(:Source), -[:SUPPORTS]->(:Segment), -[:APPLIES_IN]->(:Region)
//	(:Goal|Indicator)-[:FOR_REGION]->(:Region), -[:FOR_PARK]->(:Park), -[:ABOUT]->(:Segment)
//	(:Platform)-[:HOSTED_BY]->(:Enterprise), -[:IN_REGION]->(:Region), -[:IN_PARK]->(:Park), -[:FOCUSES_ON]->(:Segment)
//	(:Technology)-[:FOR_SEGMENT]->(:Segment), -[:DEVELOPED_BY]->(:Platform|Enterprise)
//	(:Dataset {id, status})                     one per loaded dataset

// ref is a reference held in a node's property that is mirrored as a relationship.
type ref struct {
	field  string // property holding the target id (or ids, when many)
	rel    string // relationship type
	target string // target label (label expression)
	many   bool   // the property is a list
	stub   bool   // MERGE the target (same-kind hierarchy whose parent may come later)
}

// nodeKind describes how one table is stored as nodes.
type nodeKind struct {
	kind  chainmap.Kind
	label string
	refs  []ref
}

// edgeKind describes how one table is stored as relationships with properties.
type edgeKind struct {
	kind             chainmap.Kind
	rel              string
	fromLabel        string
	fromField        string
	toLabel, toField string
}

var nodeKinds = []nodeKind{
	{chainmap.KindSources, "Source", nil},
	{chainmap.KindChains, "Chain", nil},
	{chainmap.KindSegments, "Segment", []ref{
		{field: "chain", rel: "IN_CHAIN", target: "Chain"},
		{field: "parent", rel: "CHILD_OF", target: "Segment", stub: true}}},
	{chainmap.KindRegions, "Region", []ref{
		{field: "parent", rel: "WITHIN", target: "Region", stub: true}}},
	{chainmap.KindParks, "Park", []ref{
		{field: "regions", rel: "SPANS", target: "Region", many: true},
		{field: "focus_segments", rel: "FOCUSES_ON", target: "Segment", many: true},
		{field: "parent", rel: "WITHIN", target: "Park", stub: true}}},
	{chainmap.KindEnterprises, "Enterprise", []ref{
		{field: "region", rel: "LOCATED_IN", target: "Region"},
		{field: "park", rel: "IN_PARK", target: "Park"},
		{field: "parent", rel: "CONTROLLED_BY", target: "Enterprise", stub: true}}},
	{chainmap.KindProjects, "Project", []ref{
		{field: "enterprise", rel: "BY", target: "Enterprise"},
		{field: "park", rel: "IN_PARK", target: "Park"},
		{field: "region", rel: "IN_REGION", target: "Region"},
		{field: "segments", rel: "ADDS_TO", target: "Segment", many: true}}},
	{chainmap.KindPolicies, "Policy", []ref{
		{field: "document", rel: "ISSUED_IN", target: "Source"},
		{field: "segments", rel: "SUPPORTS", target: "Segment", many: true},
		{field: "regions", rel: "APPLIES_IN", target: "Region", many: true}}},
	{chainmap.KindGoals, "Goal", []ref{
		{field: "region", rel: "FOR_REGION", target: "Region"},
		{field: "park", rel: "FOR_PARK", target: "Park"},
		{field: "segment", rel: "ABOUT", target: "Segment"}}},
	{chainmap.KindIndicators, "Indicator", []ref{
		{field: "region", rel: "FOR_REGION", target: "Region"},
		{field: "park", rel: "FOR_PARK", target: "Park"},
		{field: "segment", rel: "ABOUT", target: "Segment"},
		{field: "share_of", rel: "SHARE_OF", target: "Region"}}},
	{chainmap.KindPlatforms, "Platform", []ref{
		{field: "hosts", rel: "HOSTED_BY", target: "Enterprise", many: true},
		{field: "region", rel: "IN_REGION", target: "Region"},
		{field: "park", rel: "IN_PARK", target: "Park"},
		{field: "segments", rel: "FOCUSES_ON", target: "Segment", many: true}}},
	{chainmap.KindTechnologies, "Technology", []ref{
		{field: "segments", rel: "FOR_SEGMENT", target: "Segment", many: true},
		{field: "platforms", rel: "DEVELOPED_BY", target: "Platform|Enterprise", many: true}}},
}

var edgeKinds = []edgeKind{
	{chainmap.KindFlows, "FEEDS", "Segment", "from", "Segment", "to"},
	{chainmap.KindOperations, "OPERATES_IN", "Enterprise", "enterprise", "Segment", "segment"},
	{chainmap.KindSupplyLinks, "SUPPLIES", "Enterprise", "supplier", "Enterprise", "customer"},
}

func nodeKindOf(k chainmap.Kind) (nodeKind, bool) {
	for _, n := range nodeKinds {
		if n.kind == k {
			return n, true
		}
	}
	return nodeKind{}, false
}

func edgeKindOf(k chainmap.Kind) (edgeKind, bool) {
	for _, e := range edgeKinds {
		if e.kind == k {
			return e, true
		}
	}
	return edgeKind{}, false
}

// schemaStatements creates, idempotently, a uniqueness constraint on the id of every
// node label, indexes on the properties queries filter on, and an index on the key of
// every relationship kind.
func schemaStatements() []string {
	var out []string
	for _, n := range nodeKinds {
		out = append(out, fmt.Sprintf("CREATE CONSTRAINT %s_id IF NOT EXISTS FOR (n:%s) REQUIRE n.id IS UNIQUE",
			strings.ToLower(n.label), n.label))
		// An index on dataset (one value for every node) was created by earlier
		// versions: never selective, it only slowed every write.
		out = append(out, fmt.Sprintf("DROP INDEX %s_dataset IF EXISTS", strings.ToLower(n.label)))
	}
	out = append(out,
		"CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE",
		"CREATE INDEX enterprise_region IF NOT EXISTS FOR (n:Enterprise) ON (n.region)",
		"CREATE INDEX enterprise_park IF NOT EXISTS FOR (n:Enterprise) ON (n.park)",
		"CREATE INDEX enterprise_revenue IF NOT EXISTS FOR (n:Enterprise) ON (n.revenue)",
		// Created by earlier versions, read by no query (text search matches substrings,
		// which a range index cannot serve): every enterprise write paid for them.
		"DROP INDEX enterprise_credit_code IF EXISTS",
		"DROP INDEX enterprise_stock_code IF EXISTS",
		"CREATE INDEX segment_chain IF NOT EXISTS FOR (n:Segment) ON (n.chain)",
		"CREATE INDEX segmentstats_region IF NOT EXISTS FOR (n:SegmentStats) ON (n.region)",
		"CREATE INDEX segmentstats_park IF NOT EXISTS FOR (n:SegmentStats) ON (n.park)",
		"CREATE CONSTRAINT statsmeta_id IF NOT EXISTS FOR (n:StatsMeta) REQUIRE n.id IS UNIQUE",
	)
	for _, e := range edgeKinds {
		out = append(out, fmt.Sprintf("CREATE INDEX %s_key IF NOT EXISTS FOR ()-[r:%s]-() ON (r.key)",
			strings.ToLower(e.rel), e.rel))
	}
	return out
}

// nodeWriteCypher builds the batch write of a node kind. Labels and relationship types
// come from the fixed model above; every value travels as a parameter ($rows).
//
// It reports how many nodes were created (no node, or only a stub made by a child that
// came first) and how many changed. Relationships are brought in line with the row:
// references the row no longer holds are deleted, missing ones merged, unchanged ones
// untouched, so a second load of the same data changes nothing.
func nodeWriteCypher(n nodeKind) string {
	var b strings.Builder
	fmt.Fprintf(&b, "UNWIND $rows AS row\nMERGE (n:%s {id: row.id})\n", n.label)
	b.WriteString("WITH n, row, properties(n) AS before\nSET n = row\n")
	for _, r := range n.refs {
		targets := fmt.Sprintf("CASE WHEN row.%[1]s IS NULL THEN [] ELSE [row.%[1]s] END", r.field)
		if r.many {
			targets = fmt.Sprintf("coalesce(row.%s, [])", r.field)
		}
		fmt.Fprintf(&b, "WITH n, row, before\nCALL (n, row) {\n  OPTIONAL MATCH (n)-[old:%s]->(x:%s)\n  WITH old, x WHERE old IS NOT NULL AND NOT x.id IN %s\n  DELETE old\n}\n",
			r.rel, r.target, targets)
		match := "MATCH"
		if r.stub {
			match = "MERGE"
		}
		fmt.Fprintf(&b, "CALL (n, row) {\n  UNWIND %s AS tid\n  %s (t:%s {id: tid})\n  MERGE (n)-[:%s]->(t)\n}\n",
			targets, match, r.target, r.rel)
	}
	b.WriteString("RETURN sum(CASE WHEN before.dataset IS NULL THEN 1 ELSE 0 END) AS created,\n")
	b.WriteString("       sum(CASE WHEN before.dataset IS NOT NULL AND before <> row THEN 1 ELSE 0 END) AS updated")
	return b.String()
}

// edgeWriteCypher builds the batch write of a relationship kind, keyed by row.key.
func edgeWriteCypher(e edgeKind) string {
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.%s})
MATCH (b:%s {id: row.%s})
MERGE (a)-[r:%s {key: row.key}]->(b)
WITH r, row, properties(r) AS before
SET r = row
RETURN sum(CASE WHEN before.dataset IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN before.dataset IS NOT NULL AND before <> row THEN 1 ELSE 0 END) AS updated`,
		e.fromLabel, e.fromField, e.toLabel, e.toField, e.rel)
}

// nodeDiffCypher computes, without writing, what nodeWriteCypher would create or change.
func nodeDiffCypher(n nodeKind) string {
	return fmt.Sprintf(`UNWIND $rows AS row
OPTIONAL MATCH (n:%s {id: row.id})
RETURN sum(CASE WHEN n IS NULL OR n.dataset IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN n.dataset IS NOT NULL AND properties(n) <> row THEN 1 ELSE 0 END) AS updated`, n.label)
}

// edgeDiffCypher computes, without writing, what edgeWriteCypher would create or change.
func edgeDiffCypher(e edgeKind) string {
	return fmt.Sprintf(`UNWIND $rows AS row
OPTIONAL MATCH ()-[r:%s {key: row.key}]->()
RETURN sum(CASE WHEN r IS NULL THEN 1 ELSE 0 END) AS created,
       sum(CASE WHEN r IS NOT NULL AND properties(r) <> row THEN 1 ELSE 0 END) AS updated`, e.rel)
}

// nodeCreateCypher builds the fast path of a node batch known to be new: no node with
// these ids exists and no row names a same-kind parent (which could be created as a stub
// by a sibling in the same batch). CREATE costs about half of MERGE.
func nodeCreateCypher(n nodeKind) string {
	var b strings.Builder
	fmt.Fprintf(&b, "UNWIND $rows AS row\nCREATE (n:%s)\nSET n = row\n", n.label)
	for _, r := range n.refs {
		targets := fmt.Sprintf("CASE WHEN row.%[1]s IS NULL THEN [] ELSE [row.%[1]s] END", r.field)
		if r.many {
			targets = fmt.Sprintf("coalesce(row.%s, [])", r.field)
		}
		fmt.Fprintf(&b, "WITH n, row\nCALL (n, row) {\n  UNWIND %s AS tid\n  MATCH (t:%s {id: tid})\n  CREATE (n)-[:%s]->(t)\n}\n",
			targets, r.target, r.rel)
	}
	b.WriteString("RETURN count(*) AS created, 0 AS updated")
	return b.String()
}

// edgeCreateCypher is the fast path of a relationship batch known to be new.
func edgeCreateCypher(e edgeKind) string {
	return fmt.Sprintf(`UNWIND $rows AS row
MATCH (a:%s {id: row.%s})
MATCH (b:%s {id: row.%s})
CREATE (a)-[r:%s]->(b)
SET r = row
RETURN count(*) AS created, 0 AS updated`, e.fromLabel, e.fromField, e.toLabel, e.toField, e.rel)
}

// stubRefs returns the fields of a node kind's references to its own kind.
func (n nodeKind) stubFields() []string {
	var out []string
	for _, r := range n.refs {
		if r.stub {
			out = append(out, r.field)
		}
	}
	return out
}
