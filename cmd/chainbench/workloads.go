package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/benchq"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The scopes every tier is measured on (synthetic regions: 110000 is a province, 110100
// one of its prefectures) and the focus chain.
const (
	benchChain    = "c1"
	benchCity     = "110100"
	benchProvince = "110000"
	benchPark     = "pk110101"
)

// --- chainmap's GraphQL queries (from docs/api.md) ---

// qGap is the map page's gap analysis (internal/benchq, shared with the Go benchmarks).
const qGap = benchq.Gap

// qGapCounts is the gap analysis asking only for what the peer can answer: enterprise
// counts (and capacity) per segment.
const qGapCounts = `query GapCounts($chain: ID!, $region: ID!) {
  gapAnalysis(chain: $chain, scope: {region: $region}) {
    segments { segment { id } enterprises capacity }
  }
}`

const qTargets = `query Targets($chain: ID!, $region: ID!, $segment: ID!) {
  investmentTargets(chain: $chain, scope: {region: $region}, segment: $segment, first: 10) {
    enterprise { id nameZh region { nameZh } stockCode designations }
    capacity score reasonZh distanceKm
    factors { name points detail }
    host { park { id nameZh } reasonZh }
  }
}`

const qCluster = `query Cluster($park: ID!) {
  clusterComposition(park: $park) {
    enterprises coverage reference { id nameZh }
    byStage { stage present total }
    segments { segment { id nameZh } enterprises capacity lq }
    projects { id nameZh capacity capacityUnit stage }
    hostable { segment { id nameZh } kindZh }
  }
}`

const qEnterprises = `query Enterprises($region: ID!, $after: String) {
  enterprises(filter: {region: $region}, orderBy: REVENUE, first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id nameZh revenue stockCode park { nameZh }
            operations { segment { id nameZh } capacity capacityUnit } }
  }
}`

// --- the peer's closest equivalents (@neo4j/graphql generated API) ---

func peerRegionFilter(region string) string {
	if region == benchProvince {
		return `locatedIn: {some: {within: {some: {parent: {eq: $region}}}}}`
	}
	return `locatedIn: {some: {parent: {eq: $region}}}`
}

func peerCounts(region string) string {
	return `query PeerCounts($chain: String!, $region: String!) {
  segments(where: {chain: {eq: $chain}}, sort: [{id: ASC}]) {
    id
    enterprisesConnection(where: {node: {status: {eq: "active"}, ` + peerRegionFilter(region) + `}}) {
      aggregate { count { nodes } }
    }
  }
}`
}

func peerList(region string) string {
	return `query PeerList($region: String!) {
  enterprisesConnection(first: 20, sort: [{revenue: DESC}], where: {` + peerRegionFilter(region) + `}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name_zh revenue
      segmentsConnection { edges { properties { capacity capacity_unit } node { id name_zh } } } } }
  }
}`
}

// --- the hand-written Cypher baselines of the gap analysis' aggregation ---

// The per-segment aggregate the gap rules need (SegmentStat): distinct active producing
// enterprises of the scope in the segment's subtree, their revenue, and capacity per
// unit dimension. Two plans; the faster one is the baseline.
const statsAggregate = `
MATCH (s)-[:CHILD_OF*0..]->(x:Segment)
WITH x, collect(DISTINCT e) AS es, collect(r) AS rs
RETURN x.id AS segment, size(es) AS enterprises,
       reduce(t = 0.0, e IN es | t + coalesce(e.revenue, 0.0)) AS revenue,
       size([e IN es WHERE e.revenue IS NOT NULL]) AS withRevenue,
       [d IN $dims | reduce(t = 0.0, r IN rs | t + CASE WHEN r.capacity_dim = d THEN r.capacity_base ELSE 0.0 END)] AS caps,
       [d IN $dims | size([r IN rs WHERE r.capacity_dim = d])] AS capCounts`

var baselineCypher = map[string]string{
	// from the scope's region down the WITHIN tree, then to its enterprises
	"traverse": `MATCH (:Region {id: $region})<-[:WITHIN*0..]-(:Region)<-[:LOCATED_IN]-(e:Enterprise)-[r:OPERATES_IN]->(s:Segment)
WHERE s.chain = $chain AND coalesce(e.status, 'active') = 'active' AND coalesce(r.role, 'producer') <> 'rnd'` + statsAggregate,
	// the scope's region ids, then the enterprise_region index
	"index": `MATCH (:Region {id: $region})<-[:WITHIN*0..]-(reg:Region)
WITH collect(reg.id) AS ids
MATCH (e:Enterprise) WHERE e.region IN ids AND coalesce(e.status, 'active') = 'active'
MATCH (e)-[r:OPERATES_IN]->(s:Segment) WHERE s.chain = $chain AND coalesce(r.role, 'producer') <> 'rnd'` + statsAggregate,
}

type cypherRunner struct {
	drv neo4j.DriverWithContext
}

func (c *cypherRunner) run(ctx context.Context, q string, params map[string]any) (*neo4j.EagerResult, error) {
	return neo4j.ExecuteQuery(ctx, c.drv, q, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase("neo4j"), neo4j.ExecuteQueryWithReadersRouting())
}

func statsParams(region string) map[string]any {
	return map[string]any{"region": region, "chain": benchChain, "dims": chainmap.Dimensions}
}

// baselineStats returns segment → (enterprises, capacity in the segment's unit).
func (c *cypherRunner) baselineStats(ctx context.Context, variant, region string) (map[string][2]float64, error) {
	res, err := c.run(ctx, baselineCypher[variant], statsParams(region))
	if err != nil {
		return nil, err
	}
	units, err := c.run(ctx, "MATCH (x:Segment {chain: $chain}) RETURN x.id, x.unit", map[string]any{"chain": benchChain})
	if err != nil {
		return nil, err
	}
	unit := map[string]string{}
	for _, r := range units.Records {
		u, _ := r.Values[1].(string)
		unit[r.Values[0].(string)] = u
	}
	out := map[string][2]float64{}
	for _, r := range res.Records {
		id := r.Values[0].(string)
		n := float64(r.Values[1].(int64))
		var sums []float64
		var counts []int
		for _, v := range r.Values[4].([]any) {
			sums = append(sums, v.(float64))
		}
		for _, v := range r.Values[5].([]any) {
			counts = append(counts, int(v.(int64)))
		}
		capv := -1.0
		if cp, ok := chainmap.CapacityFromDims(unit[id], sums, counts); ok {
			capv = cp
		}
		out[id] = [2]float64{n, capv}
	}
	return out, nil
}

// chainmapStats reads the same figures from chainmap's gapAnalysis answer.
func chainmapStats(data json.RawMessage) (map[string][2]float64, error) {
	var d struct {
		GapAnalysis struct {
			Segments []struct {
				Segment     struct{ ID string }
				Enterprises int
				Capacity    *float64
			}
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	out := map[string][2]float64{}
	for _, s := range d.GapAnalysis.Segments {
		c := -1.0
		if s.Capacity != nil {
			c = *s.Capacity
		}
		if s.Enterprises > 0 {
			out[s.Segment.ID] = [2]float64{float64(s.Enterprises), c}
		}
	}
	return out, nil
}

func sameStats(a, b map[string][2]float64) string {
	var diffs []string
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		x, y := a[k], b[k]
		if x[0] != y[0] || (x[1]-y[1] > 0.01 || y[1]-x[1] > 0.01) {
			diffs = append(diffs, fmt.Sprintf("%s: %v vs %v", k, x, y))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("… %d more", len(diffs)-5))
	}
	return strings.Join(diffs, "; ")
}

// peerLeafCounts reads the peer's per-segment counts.
func peerLeafCounts(data json.RawMessage) (map[string]int, error) {
	var d struct {
		Segments []struct {
			ID                    string
			EnterprisesConnection struct {
				Aggregate struct{ Count struct{ Nodes int } }
			}
		}
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, s := range d.Segments {
		out[s.ID] = s.EnterprisesConnection.Aggregate.Count.Nodes
	}
	return out, nil
}

// --- PROFILE ---

// Profiled is the PROFILE of one query chainmap sent.
type Profiled struct {
	Label      string   `json:"label"`
	Query      string   `json:"query"`
	Params     string   `json:"params"`
	DbHits     int64    `json:"db_hits"`
	Rows       int64    `json:"rows"`
	Millis     float64  `json:"ms"`
	Plan       string   `json:"plan"`
	Operators  []string `json:"flags,omitempty"`
	Err        string   `json:"error,omitempty"`
	Repeats    int      `json:"repeats"`
	PageHits   int64    `json:"page_cache_hits"`
	PageMisses int64    `json:"page_cache_misses"`
}

// flagged operators are those that usually mean a plan does too much.
var flagged = []string{"Eager", "AllNodesScan", "CartesianProduct", "NodeByLabelScan", "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}

func (c *cypherRunner) profile(ctx context.Context, run capturedRun) Profiled {
	p := Profiled{Label: run.Label, Query: run.Query, Params: paramString(run.Params)}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	res, err := c.run(ctx, "PROFILE "+run.Query, run.Params)
	p.Millis = float64(time.Since(t0).Microseconds()) / 1000
	if err != nil {
		p.Err = err.Error()
		return p
	}
	pp := res.Summary.Profile()
	if pp == nil {
		p.Err = "no profile returned"
		return p
	}
	renderProfile(pp, &p)
	return p
}

// renderProfile fills a Profiled from a profiled plan: the operator tree with rows and
// db hits, totals, and the flagged operators.
func renderProfile(pp neo4j.ProfiledPlan, p *Profiled) {
	var b strings.Builder
	seen := map[string]bool{}
	var walk func(n neo4j.ProfiledPlan, depth int)
	walk = func(n neo4j.ProfiledPlan, depth int) {
		p.DbHits += n.DbHits()
		p.PageHits += n.PageCacheHits()
		p.PageMisses += n.PageCacheMisses()
		op := n.Operator()
		if i := strings.Index(op, "@"); i >= 0 {
			op = op[:i]
		}
		for _, f := range flagged {
			if op == f && !seen[f] {
				seen[f] = true
				p.Operators = append(p.Operators, f)
			}
		}
		details, _ := n.Arguments()["Details"].(string)
		est := n.Arguments()["EstimatedRows"]
		fmt.Fprintf(&b, "%s%-*s rows=%-8d dbHits=%-9d est=%-8s %s\n", strings.Repeat("  ", depth), max(1, 34-2*depth), op,
			n.Records(), n.DbHits(), fmtEst(est), oneLine(details, 160))
		for _, ch := range n.Children() {
			walk(ch, depth+1)
		}
	}
	walk(pp, 0)
	p.Rows = pp.Records()
	p.Plan = b.String()
}

// profileRolledBack PROFILEs a write statement inside a transaction that is rolled back:
// the plan and db hits at the database's current size, and nothing written.
func (c *cypherRunner) profileRolledBack(ctx context.Context, run capturedRun) Profiled {
	p := Profiled{Label: run.Label, Query: run.Query, Params: fmt.Sprintf("%d rows", rowCount(run.Params))}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	sess := c.drv.NewSession(ctx, neo4j.SessionConfig{DatabaseName: "neo4j", AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.Background())
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	defer tx.Rollback(context.Background())
	t0 := time.Now()
	res, err := tx.Run(ctx, "PROFILE "+run.Query, run.Params)
	if err != nil {
		p.Err = err.Error()
		return p
	}
	sum, err := res.Consume(ctx)
	p.Millis = float64(time.Since(t0).Microseconds()) / 1000
	if err != nil {
		p.Err = err.Error()
		return p
	}
	if pp := sum.Profile(); pp != nil {
		renderProfile(pp, &p)
	} else {
		p.Err = "no profile returned"
	}
	return p
}

func rowCount(m map[string]any) int {
	if l, ok := m["rows"].([]any); ok {
		return len(l)
	}
	return 0
}

func fmtEst(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprintf("%.0f", x)
	case int64:
		return fmt.Sprint(x)
	}
	return "-"
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len([]rune(s)) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// paramString shows parameters briefly (long lists shortened).
func paramString(m map[string]any) string {
	if len(m) == 0 {
		return "{}"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		s := fmt.Sprintf("%v", v)
		if l, ok := v.([]any); ok && len(l) > 6 {
			s = fmt.Sprintf("%v … (%d items)", l[:6], len(l))
		}
		parts = append(parts, k+": "+oneLine(s, 120))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
