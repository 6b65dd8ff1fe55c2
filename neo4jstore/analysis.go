package neo4jstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/chainmap/chainmap"
)

// scopeCypher returns the Cypher that binds the scope to `scope` ({parks, regions}: the
// park ids and region ids it covers) and the condition keeping an enterprise e inside.
// A park covers its sub-parks and, for a zone or cluster, the regions it spans (see
// chainmap.ParkCoversRegions).
func scopeCypher(sc chainmap.Scope) (prefix, cond string, params map[string]any) {
	params = map[string]any{}
	inside := insideScope("e")
	switch {
	case sc.Region != "":
		params["region"] = sc.Region
		return "MATCH (:Region {id: $region})<-[:WITHIN*0..]-(reg:Region)\nWITH {parks: [], regions: collect(reg.id)} AS scope\n", inside, params
	case sc.Park != "":
		params["park"] = sc.Park
		return `MATCH (p:Park {id: $park})
OPTIONAL MATCH (p)<-[:WITHIN*0..]-(pk:Park)
WITH p, collect(DISTINCT pk.id) AS parks
OPTIONAL MATCH (p)-[:SPANS]->(:Region)<-[:WITHIN*0..]-(reg:Region)
WHERE p.kind IN $coveringKinds
WITH parks, collect(DISTINCT reg.id) AS regs
WITH {parks: parks, regions: regs} AS scope
`, inside, params
	}
	return "WITH null AS scope\n", "true", params
}

// insideScope is the condition keeping the enterprise bound to variable v inside `scope`.
// coalesce keeps it two-valued: a null park IN a list is null, and NOT null drops the row.
func insideScope(v string) string {
	return fmt.Sprintf("(coalesce(%[1]s.park, '') IN scope.parks OR coalesce(%[1]s.region, '') IN scope.regions)", v)
}

// segmentStatsTail aggregates in the database, starting from the scope's enterprises
// (index seeks on region and park) rather than from the segments, so the cost follows
// the size of the scope: each producing operation is credited to its segment and every
// ancestor, then grouped per segment. Enterprises placed only by suggested operations
// are counted apart (suggested) and, with $verifiedOnly, left out of the figures, as
// chainmap.SumCells does with the cells.
const segmentStatsTail = `MATCH (e)-[r:OPERATES_IN]->(s:Segment {chain: $chain})
WHERE coalesce(e.status, $active) = $active AND coalesce(r.role, $producer) <> $rnd
MATCH (s)-[:CHILD_OF*0..]->(x:Segment)
WITH x, collect(DISTINCT e) AS every, collect(r) AS everyOp,
     collect(DISTINCT CASE WHEN coalesce(r.verification, '') <> $suggested THEN e END) AS verified
WITH x, every, verified,
     CASE WHEN $verifiedOnly THEN verified ELSE every END AS es,
     CASE WHEN $verifiedOnly THEN [r IN everyOp WHERE coalesce(r.verification, '') <> $suggested] ELSE everyOp END AS rs
RETURN x.id, x.unit, size(es) AS n,
       reduce(acc = 0.0, e IN es | acc + coalesce(e.revenue, 0.0)) AS revenue,
       size([e IN es WHERE e.revenue IS NOT NULL]) AS withRevenue,
       [d IN $dims | reduce(acc = 0.0, r IN rs | acc + CASE WHEN r.capacity_dim = d THEN r.capacity_base ELSE 0.0 END)] AS caps,
       [d IN $dims | size([r IN rs WHERE r.capacity_dim = d])] AS capCounts,
       size(every) - size(verified) AS suggested`

// scopeEnterprisesCypher binds e to every enterprise of the scope.
func scopeEnterprisesCypher(sc chainmap.Scope) (string, map[string]any) {
	if sc == (chainmap.Scope{}) {
		return "MATCH (e:Enterprise)\n", map[string]any{}
	}
	prefix, _, params := scopeCypher(sc)
	return prefix + `CALL (scope) {
  MATCH (e:Enterprise) WHERE e.region IN scope.regions RETURN e
  UNION
  MATCH (e:Enterprise) WHERE e.park IN scope.parks RETURN e
}
`, params
}

// SegmentStats aggregates a chain's segments within a scope. When the statistics cells
// describe the current dataset version (see BuildStats) it adds up the cells inside the
// scope; otherwise it aggregates the scope's enterprises live. Either way it costs two
// or three queries: the dataset version with the scope check, the chain's segments
// (cached per version), and the aggregate. The whole-dataset aggregate is cached per
// settled dataset version.
func (s *Store) SegmentStats(ctx context.Context, q chainmap.StatsQuery) ([]chainmap.SegmentStat, error) {
	if q.Scope != (chainmap.Scope{}) {
		out, done, err := s.scopeStatsFromCells(ctx, q)
		if err != nil || done {
			return out, err
		}
	}
	version, built, err := s.preflight(ctx, q.Scope)
	if err != nil {
		return nil, err
	}
	whole := q.Scope == (chainmap.Scope{})
	key := wholeStatsKey(version, q)
	// Only a settled version's aggregate is cached: while a load runs the version string
	// stays the same as the graph changes under it.
	whole = whole && settled(version)
	if whole {
		if st, ok := s.cachedWholeStats(version, q); ok {
			return st, nil
		}
	}
	segs, err := s.chainSegments(ctx, version, q.Chain)
	if err != nil {
		return nil, err
	}
	var out []chainmap.SegmentStat
	if version != "" && built == statsVersion(version) {
		out, err = s.statsFromCells(ctx, q, segs)
	} else {
		out, err = s.liveStats(ctx, q, segs)
	}
	if err != nil {
		return nil, err
	}
	if whole {
		s.statsCache.Store(key, append([]chainmap.SegmentStat(nil), out...))
	}
	return out, nil
}

// wholeStatsKey is the statsCache key of a chain's whole-dataset statistics at a version.
func wholeStatsKey(version string, q chainmap.StatsQuery) string {
	return fmt.Sprintf("stats|%s|%s|%t", version, q.Chain, q.VerifiedOnly)
}

// cachedWholeStats returns a copy of the chain's whole-dataset statistics cached for a
// settled version, if they are.
func (s *Store) cachedWholeStats(version string, q chainmap.StatsQuery) ([]chainmap.SegmentStat, bool) {
	if !settled(version) {
		return nil, false
	}
	st, ok := s.statsCache.Load(wholeStatsKey(version, q))
	if !ok {
		return nil, false
	}
	return append([]chainmap.SegmentStat(nil), st.([]chainmap.SegmentStat)...), true
}

// liveStats aggregates the scope's enterprises and their operations in one query.
func (s *Store) liveStats(ctx context.Context, q chainmap.StatsQuery, segs []*chainmap.Segment) ([]chainmap.SegmentStat, error) {
	match, params := scopeEnterprisesCypher(q.Scope)
	params["chain"] = q.Chain
	params["dims"] = chainmap.Dimensions
	params["verifiedOnly"] = q.VerifiedOnly
	res, err := s.read(ctx, match+segmentStatsTail, params)
	if err != nil {
		return nil, err
	}
	byID := map[string]chainmap.SegmentStat{}
	for _, r := range res.Records {
		v := r.Values
		id, _ := v[0].(string)
		unit, _ := v[1].(string)
		st := chainmap.SegmentStat{Segment: id, Enterprises: asInt(v[2]), Revenue: chainmap.RoundSum(asFloat(v[3])), WithRevenue: asInt(v[4]),
			Suggested: asInt(v[7])}
		if c, ok := chainmap.CapacityFromDims(unit, floats(v[5]), ints(v[6])); ok {
			c = chainmap.RoundSum(c)
			st.Capacity = &c
		}
		byID[id] = st
	}
	out := make([]chainmap.SegmentStat, 0, len(segs))
	for _, sg := range segs {
		st, ok := byID[sg.ID]
		if !ok {
			st = chainmap.SegmentStat{Segment: sg.ID}
		}
		out = append(out, st)
	}
	return out, nil
}

// chainSegments lists a chain's segments (id and unit) by id, cached per dataset version.
func (s *Store) chainSegments(ctx context.Context, version, chain string) ([]*chainmap.Segment, error) {
	key := "segs|" + version + "|" + chain
	if v, ok := s.statsCache.Load(key); ok && version != "" {
		return v.([]*chainmap.Segment), nil
	}
	res, err := s.read(ctx, "MATCH (x:Segment {chain: $chain}) RETURN x.id, x.unit ORDER BY x.id", map[string]any{"chain": chain})
	if err != nil {
		return nil, err
	}
	segs := make([]*chainmap.Segment, 0, len(res.Records))
	for _, r := range res.Records {
		sg := &chainmap.Segment{Chain: chain}
		sg.ID, _ = r.Values[0].(string)
		sg.Unit, _ = r.Values[1].(string)
		segs = append(segs, sg)
	}
	if version != "" {
		s.statsCache.Store(key, segs)
	}
	return segs, nil
}

// preflightHead binds, in one round trip, the version the statistics cells were built
// for (built), whether the scope's region or park exists (found), and the dataset
// versions; preflightCypher returns them.
const preflightHead = `OPTIONAL MATCH (m:StatsMeta {id: $meta})
WITH m.version AS built
OPTIONAL MATCH (x:%s {id: $scopeID})
WITH built, count(x) AS found
OPTIONAL MATCH (d:Dataset)
WITH built, found, d ORDER BY d.id
WITH built, found, collect(d.id + '@' + coalesce(d.finished_at, 'loading') + ':' + coalesce(d.status, '')) AS versions
`

const preflightCypher = preflightHead + "RETURN built, found, versions"

// scopeLabel returns the label and id of the node a scope names ("" for the zero scope).
func scopeLabel(sc chainmap.Scope) (label, id string) {
	if sc.Park != "" {
		return "Park", sc.Park
	}
	return "Region", sc.Region
}

// preflight returns the dataset version (the ids, completion times and statuses of the
// loads), the version the statistics cells describe, and ENOTFOUND for a scope naming a
// region or park that is not there. For the zero scope, concurrent callers share one
// query (sharedVersion).
func (s *Store) preflight(ctx context.Context, sc chainmap.Scope) (version, built string, err error) {
	if sc == (chainmap.Scope{}) {
		return s.sharedVersion(ctx)
	}
	label, id := scopeLabel(sc)
	res, err := s.read(ctx, sprintf(preflightCypher, label), map[string]any{"meta": statsMetaID, "scopeID": id})
	if err != nil {
		return "", "", err
	}
	return preflightOf(res.Records[0].Values, label, id)
}

// preflightOf reads preflightCypher's first three columns.
func preflightOf(v []any, label, id string) (version, built string, err error) {
	built, _ = v[0].(string)
	if id != "" && asInt(v[1]) == 0 {
		return "", "", chainmap.Errorf(chainmap.ENOTFOUND, "no %s %q", map[string]string{"Region": "region", "Park": "park"}[label], id)
	}
	var parts []string
	for _, x := range asList(v[2]) {
		p, _ := x.(string)
		parts = append(parts, p)
	}
	return strings.Join(parts, ","), built, nil
}

// sharedVersion reads the dataset version and the cells' version once for all the callers
// that ask at the same time: a gap analysis asks three times at once (the reference
// tables, the whole-dataset statistics, and the cached segments' check). Each caller still
// waits under its own context; the shared query runs under the store's deadline.
func (s *Store) sharedVersion(ctx context.Context) (version, built string, err error) {
	ch := s.versions.DoChan("version", func() (any, error) {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		defer cancel()
		res, err := s.read(qctx, sprintf(preflightCypher, "Region"), map[string]any{"meta": statsMetaID, "scopeID": ""})
		if err != nil {
			return nil, err
		}
		v, b, err := preflightOf(res.Records[0].Values, "Region", "")
		return [2]string{v, b}, err
	})
	select {
	case <-ctx.Done():
		return "", "", s.wrap(ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return "", "", r.Err
		}
		vb := r.Val.([2]string)
		return vb[0], vb[1], nil
	}
}

// datasetVersion identifies the state of the loaded data: the ids and completion times of
// the loads, so caches keyed by it end with the next load.
func (s *Store) datasetVersion(ctx context.Context) (string, error) {
	version, _, err := s.preflight(ctx, chainmap.Scope{})
	return version, err
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

func floats(v any) []float64 {
	l, _ := v.([]any)
	out := make([]float64, len(l))
	for i, x := range l {
		out[i] = asFloat(x)
	}
	return out
}

func ints(v any) []int {
	l, _ := v.([]any)
	out := make([]int, len(l))
	for i, x := range l {
		out[i] = asInt(x)
	}
	return out
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// candidatesStart binds every enterprise of the segment subtree with its operations there.
const candidatesStart = `MATCH (x:Segment {id: $segment})<-[:CHILD_OF*0..]-(sub:Segment)<-[r:OPERATES_IN]-(e:Enterprise)
WHERE `

// candidatesAboveStart binds the enterprises with a revenue of at least $threshold (an
// index range seek) that operate in the segment subtree.
const candidatesAboveStart = `MATCH (x:Segment {id: $segment})<-[:CHILD_OF*0..]-(sub:Segment)
WITH scope, collect(sub) AS subs
MATCH (e:Enterprise) WHERE e.revenue >= $threshold
MATCH (e)-[r:OPERATES_IN]->(sub:Segment)
WHERE sub IN subs AND `

// candidatesWalk walks enterprises from the largest revenue down (the revenue index gives
// the order), at most $scan of them, and returns the revenue of the $limit-th that
// qualifies and how many qualified: when that is $limit, every candidate the ranking keeps
// has at least that revenue. The walk sits in a subquery of its own: written inline after
// the scope, the planner scanned the whole index and sorted it (1,000,001 db hits at 1M
// enterprises, 293 ms) instead of reading it in order and stopping (35–50 ms).
const candidatesWalk = `MATCH (x:Segment {id: $segment})<-[:CHILD_OF*0..]-(sub:Segment)
WITH scope, collect(sub.id) AS subs
CALL (scope, subs) {
  MATCH (e:Enterprise) WHERE e.revenue IS NOT NULL
  WITH e ORDER BY e.revenue DESC LIMIT $scan
  WITH e WHERE coalesce(e.status, $active) = $active AND NOT (%[1]s)
    AND EXISTS { MATCH (e)-[r:OPERATES_IN]->(s:Segment) WHERE s.id IN subs AND coalesce(r.role, $producer) <> $rnd }
  RETURN e LIMIT $limit
}
RETURN count(e) AS n, min(e.revenue) AS threshold`

const candidatesTail = `NOT (%[1]s) AND coalesce(e.status, $active) = $active AND coalesce(r.role, $producer) <> $rnd
WITH scope, e, collect(DISTINCT sub.id) AS segs, collect(r) AS rs
WITH scope, e, segs,
     [d IN $dims | reduce(s = 0.0, r IN rs | s + CASE WHEN r.capacity_dim = d THEN r.capacity_base ELSE 0.0 END)] AS caps,
     [d IN $dims | size([r IN rs WHERE r.capacity_dim = d])] AS capCounts
WITH scope, e, segs, CASE WHEN $dim >= 0 AND capCounts[$dim] > 0 THEN caps[$dim] / $factor ELSE null END AS capacity
ORDER BY coalesce(e.revenue, -1.0) DESC, coalesce(capacity, -1.0) DESC, e.id
LIMIT $limit
CALL (e, scope) {
  OPTIONAL MATCH (e)-[:SUPPLIES]-(o:Enterprise)
  WHERE %[2]s
  RETURN count(o) AS links
}
CALL (e) {
  OPTIONAL MATCH (p:Project)-[:BY]->(e)
  RETURN collect(properties(p)) AS projects
}
OPTIONAL MATCH (e)-[:LOCATED_IN]->(reg:Region)
RETURN properties(e), capacity, segs, links, projects, reg.lon, reg.lat
ORDER BY coalesce(e.revenue, -1.0) DESC, coalesce(capacity, -1.0) DESC, e.id`

// Candidates returns enterprises outside the scope operating in the segment subtree,
// ranked and limited in the database, with their links into the scope and projects.
func (s *Store) Candidates(ctx context.Context, q chainmap.CandidateQuery) ([]chainmap.Candidate, error) {
	q, err := q.Normalise()
	if err != nil {
		return nil, err
	}
	if _, _, err := s.preflight(ctx, q.Scope); err != nil { // ENOTFOUND for an unknown scope
		return nil, err
	}
	segs, err := s.Segments(ctx, chainmap.SegmentQuery{IDs: []string{q.Segment}})
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no segment %q", q.Segment)
	}
	dim, factor := -1, 1.0
	if u, ok := chainmap.ParseUnit(segs[0].Unit); ok {
		if dim = chainmap.DimensionIndex(u.Dimension); dim >= 0 {
			factor = u.Factor
		}
	}
	prefix, cond, params := scopeCypher(q.Scope)
	other := insideScope("o")
	params["segment"] = q.Segment
	params["dims"] = chainmap.Dimensions
	params["dim"] = dim
	params["factor"] = factor
	limit := q.Limit
	params["limit"] = limit
	start, err := s.candidatesStart(ctx, q, limit, prefix, cond, params)
	if err != nil {
		return nil, err
	}
	res, err := s.read(ctx, prefix+start+sprintf(candidatesTail, cond, other), params)
	if err != nil {
		return nil, err
	}
	out := make([]chainmap.Candidate, 0, len(res.Records))
	for _, r := range res.Records {
		v := r.Values
		var e chainmap.Enterprise
		if err := decode(v[0].(map[string]any), &e); err != nil {
			return nil, err
		}
		c := chainmap.Candidate{Enterprise: &e, LinksToScope: asInt(v[3])}
		if v[1] != nil {
			x := chainmap.RoundSum(asFloat(v[1]))
			c.Capacity = &x
		}
		for _, sg := range v[2].([]any) {
			c.Segments = append(c.Segments, sg.(string))
		}
		sort.Strings(c.Segments)
		for _, p := range v[4].([]any) {
			var pr chainmap.Project
			if err := decode(p.(map[string]any), &pr); err != nil {
				return nil, err
			}
			c.Projects = append(c.Projects, &pr)
		}
		chainmap.SortProjects(c.Projects)
		c.Lon, c.Lat = e.Lon, e.Lat
		if c.Lon == nil && v[5] != nil && v[6] != nil {
			lon, lat := asFloat(v[5]), asFloat(v[6])
			c.Lon, c.Lat = &lon, &lat
		}
		out = append(out, c)
	}
	return out, nil
}

// walkScanFactor bounds the revenue-ordered walk of candidatesWalk to this many
// enterprises per candidate wanted: enough when at least one enterprise in a hundred
// qualifies; rarer segments are cheaper to aggregate whole.
const walkScanFactor = 100

// candidatesStart chooses how Candidates finds its enterprises. Ranking every enterprise
// of a segment that tens of thousands operate in costs a second at national scale, while
// the ranking keeps only the largest by revenue. So when the segment is that common (the
// whole-dataset statistics, cached per dataset version, say how common), walk the revenue
// index from the top to find the revenue of the limit-th candidate, and rank only the
// enterprises at or above it. Otherwise, or when the walk finds too few, rank the whole
// subtree.
func (s *Store) candidatesStart(ctx context.Context, q chainmap.CandidateQuery, limit int, prefix, cond string, params map[string]any) (string, error) {
	all, err := s.SegmentStats(ctx, chainmap.StatsQuery{Chain: q.Chain})
	if err != nil {
		return "", err
	}
	common := false
	for _, st := range all {
		if st.Segment == q.Segment && st.WithRevenue >= 5*limit {
			common = true
		}
	}
	if !common {
		return candidatesStart, nil
	}
	params["scan"] = walkScanFactor * limit
	res, err := s.read(ctx, prefix+sprintf(candidatesWalk, cond), params)
	if err != nil {
		return "", err
	}
	v := res.Records[0].Values
	if asInt(v[0]) < limit || v[1] == nil {
		return candidatesStart, nil
	}
	params["threshold"] = asFloat(v[1])
	return candidatesAboveStart, nil
}
