package chainmap

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
)

// Store reads the knowledge graph. The embedded in-process store and the Neo4j store
// both implement it, and one conformance suite holds them to the same answers.
//
// Every list method takes a query whose IDs field, when set, restricts the answer to
// those ids: that is how resolvers batch one level of a GraphQL query into one call.
// Results come back in a deterministic order (by id unless stated), never with
// duplicates; ids that do not exist are simply absent.
type Store interface {
	// Ping checks that the store can answer; /readyz uses it.
	Ping(ctx context.Context) error
	// Info describes the loaded dataset, or returns ENOTFOUND when nothing is loaded.
	Info(ctx context.Context) (*DatasetInfo, error)
	// Counts returns how many nodes of each kind the store holds.
	Counts(ctx context.Context) (map[string]int, error)

	Sources(ctx context.Context, q IDQuery) ([]*Source, error)
	Chains(ctx context.Context, q IDQuery) ([]*Chain, error)
	Segments(ctx context.Context, q SegmentQuery) ([]*Segment, error)
	Flows(ctx context.Context, q FlowQuery) ([]*Flow, error)
	Regions(ctx context.Context, q RegionQuery) ([]*Region, error)
	Parks(ctx context.Context, q ParkQuery) ([]*Park, error)
	Enterprises(ctx context.Context, q EnterpriseQuery) (*EnterprisePage, error)
	Operations(ctx context.Context, q OperationQuery) ([]*Operation, error)
	SupplyLinks(ctx context.Context, q SupplyLinkQuery) ([]*SupplyLink, error)
	Projects(ctx context.Context, q ProjectQuery) ([]*Project, error)
	Policies(ctx context.Context, q PolicyQuery) ([]*Policy, error)
	Goals(ctx context.Context, q GoalQuery) ([]*Goal, error)
	Indicators(ctx context.Context, q IndicatorQuery) ([]*Indicator, error)
	Platforms(ctx context.Context, q IDQuery) ([]*Platform, error)
	Technologies(ctx context.Context, q IDQuery) ([]*Technology, error)

	// SegmentStats aggregates, for every segment of a chain, the active enterprises of
	// a scope operating in the segment's subtree (see SegmentStat). A zero scope
	// aggregates the whole dataset. On Neo4j this is one query, computed in the database.
	SegmentStats(ctx context.Context, q StatsQuery) ([]SegmentStat, error)

	// Candidates returns active enterprises outside a scope that operate in a segment's
	// subtree, with what the target ranking needs, the largest (by revenue, then
	// capacity) first, at most q.Limit of them. Both stores first call
	// CandidateQuery.Normalise: the scope is required, and a Limit ≤ 0 means
	// MaxCandidates.
	Candidates(ctx context.Context, q CandidateQuery) ([]Candidate, error)
}

// MaxCandidates bounds the candidates one call returns: a Limit ≤ 0 or above it means
// this many, so no request can rank every enterprise of a national graph.
const MaxCandidates = 1000

// CandidateQuery selects possible investment targets for a segment.
type CandidateQuery struct {
	Chain   string
	Segment string
	// Scope is excluded: candidates are outside it; their links into it are counted.
	Scope Scope
	// Limit is how many to return, 1 to MaxCandidates (≤ 0: MaxCandidates).
	Limit int
}

// Normalise checks the query and returns it with its limit resolved: the one reading of
// a candidate query that both stores share. The scope is required (outside the zero
// scope, which holds everything, nothing is a candidate), and so is the segment.
func (q CandidateQuery) Normalise() (CandidateQuery, error) {
	if err := q.Scope.Validate(); err != nil {
		return q, err
	}
	if q.Segment == "" {
		return q, Errorf(EINVALID, "a candidate query needs a segment")
	}
	if q.Limit <= 0 || q.Limit > MaxCandidates {
		q.Limit = MaxCandidates
	}
	return q, nil
}

// Candidate is an enterprise outside a scope that could fill a gap.
type Candidate struct {
	Enterprise *Enterprise
	// Capacity in the segment's unit, summed over its operations in the subtree.
	Capacity *float64
	// Segments are the subtree segments it operates in.
	Segments []string
	// LinksToScope counts its supply links (either way) with enterprises in the scope.
	LinksToScope int
	// Projects are its projects (expansion signals), newest first.
	Projects []*Project
	// Lon and Lat place it: its own point, else its region's.
	Lon, Lat *float64
}

// IDQuery selects by id; empty IDs selects everything of the kind.
type IDQuery struct {
	IDs []string
}

// SegmentQuery selects segments by id and/or chain.
type SegmentQuery struct {
	IDs   []string
	Chain string
}

// FlowQuery selects the flows of a chain, or those touching the given segments.
type FlowQuery struct {
	Chain    string
	Segments []string
}

// RegionQuery selects regions by id and/or parent.
type RegionQuery struct {
	IDs    []string
	Parent string
}

// ParkQuery selects parks by id and/or by a region they span (with its sub-regions).
type ParkQuery struct {
	IDs    []string
	Region string
}

// EnterpriseQuery selects enterprises by id, or by filters with a page.
type EnterpriseQuery struct {
	IDs []string
	// Region keeps enterprises located in this region or any of its sub-regions.
	Region string
	// Park keeps enterprises in this park or a park inside it.
	Park string
	// Segment keeps enterprises operating in this segment or any of its sub-segments.
	Segment string
	// Chain keeps enterprises operating in any segment of this chain.
	Chain string
	// Designation keeps enterprises carrying this designation (规上, 专精特新, 链主…).
	Designation string
	// Status keeps enterprises of this status ("active" also matches an empty status).
	Status string
	// MinRevenue and MaxRevenue bound revenue in 亿元 (enterprises without revenue fail
	// either bound).
	MinRevenue *float64
	MaxRevenue *float64
	// First is the page size (0: no limit); After is an opaque cursor from a previous page.
	First int
	After string
	// SkipTotal skips counting every match when the caller does not need it.
	SkipTotal bool
	// Text keeps enterprises whose names, credit code or stock code contain it.
	Text string
	// Sort is SortByID (default), SortByRevenue or SortByName.
	Sort string
}

// Validate refuses revenue bounds that are not finite figures (CheckFigure).
func (q EnterpriseQuery) Validate() error {
	if err := checkOptFigure("minRevenue", q.MinRevenue); err != nil {
		return err
	}
	return checkOptFigure("maxRevenue", q.MaxRevenue)
}

// EnterprisePage is one page of enterprises with the total number of matches.
type EnterprisePage struct {
	Enterprises []*Enterprise
	// Total counts every match, not just this page (-1 when skipped).
	Total int
	// EndCursor resumes after the last enterprise of the page; HasNext says whether
	// anything follows.
	EndCursor string
	HasNext   bool
}

// OperationQuery selects operations by enterprise and/or segment: both filters apply
// (AND); an empty one does not filter.
type OperationQuery struct {
	Enterprises []string
	Segments    []string
}

// SupplyLinkQuery selects supply links where the given enterprises supply or buy: a link
// is kept when its supplier is in Suppliers OR its customer is in Customers (the links
// touching a set of enterprises, either way, in one call); both empty selects all.
type SupplyLinkQuery struct {
	Suppliers []string
	Customers []string
}

// ProjectQuery selects projects by id, enterprise, park, region subtree or segment. Like
// every other filter, Region means the region and its sub-regions, except in GoalQuery
// and IndicatorQuery, where it is the exact region the goal or figure is stated for.
type ProjectQuery struct {
	IDs         []string
	Enterprises []string
	Park        string
	Region      string
	Segment     string
}

// PolicyQuery selects policies by id or supported segment.
type PolicyQuery struct {
	IDs     []string
	Segment string
}

// GoalQuery selects goals by id or scope region. Region matches exactly: a city's goals
// are not a county's (goals and indicators are stated for one region).
type GoalQuery struct {
	IDs    []string
	Region string
}

// IndicatorQuery selects indicators by id, region (exactly, as GoalQuery) or metric.
type IndicatorQuery struct {
	IDs    []string
	Region string
	Metric string
}

// Enterprise orders for paging.
const (
	SortByID      = "id"
	SortByRevenue = "revenue" // highest first, unknown last, then id
	SortByName    = "name"    // Chinese name, then id
)

// Cursor is a decoded page cursor: the sort key and id of the last enterprise of a page.
type Cursor struct {
	Sort    string
	Revenue float64
	Name    string
	ID      string
}

// RevenueKey is the revenue an enterprise sorts by (-1 when unknown, so it sorts last).
func RevenueKey(e *Enterprise) float64 {
	if e.Revenue == nil {
		return -1
	}
	return *e.Revenue
}

// EncodeCursor makes the opaque cursor that resumes after e in the given order.
func EncodeCursor(sort string, e *Enterprise) string {
	b, _ := json.Marshal(Cursor{Sort: sort, Revenue: RevenueKey(e), Name: e.NameZh, ID: e.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor returns the position a cursor resumes after, or EINVALID for a malformed
// cursor or one made for another order.
func DecodeCursor(c, sort string) (Cursor, error) {
	var cur Cursor
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		err = json.Unmarshal(b, &cur)
	}
	if err != nil || cur.ID == "" {
		return Cursor{}, Errorf(EINVALID, "invalid cursor %q", c)
	}
	if cur.Sort != sort {
		return Cursor{}, Errorf(EINVALID, "the cursor was made for order %q, not %q", cur.Sort, sort)
	}
	return cur, nil
}

// After reports whether e comes after the cursor in the cursor's order.
func (c Cursor) After(e *Enterprise) bool {
	switch c.Sort {
	case SortByRevenue:
		r := RevenueKey(e)
		return r < c.Revenue || (r == c.Revenue && e.ID > c.ID)
	case SortByName:
		return e.NameZh > c.Name || (e.NameZh == c.Name && e.ID > c.ID)
	}
	return e.ID > c.ID
}

// LessEnterprise is the rule of the enterprise orders (Sort): by revenue (unknown last),
// by Chinese name, or by id, ties broken by id. The embedded store sorts with it; the
// Neo4j store's ORDER BY (buildEnterpriseCypher in neo4jstore/query.go) says the same, and
// the conformance suite holds the two to one answer.
func LessEnterprise(sort string, a, b *Enterprise) bool {
	switch sort {
	case SortByRevenue:
		if ra, rb := RevenueKey(a), RevenueKey(b); ra != rb {
			return ra > rb
		}
	case SortByName:
		if a.NameZh != b.NameZh {
			return a.NameZh < b.NameZh
		}
	}
	return a.ID < b.ID
}

// MatchesText is the rule of EnterpriseQuery.Text: whether an enterprise's names, credit
// code, stock code or id contain the text (case-insensitive for Latin letters). The
// Neo4j store's toLower(…) CONTAINS condition says the same.
func MatchesText(e *Enterprise, text string) bool {
	t := strings.ToLower(text)
	for _, f := range []string{e.NameZh, e.NameEn, e.ShortName, e.CreditCode, e.StockCode, e.ID} {
		if f != "" && strings.Contains(strings.ToLower(f), t) {
			return true
		}
	}
	return false
}

// SortCandidates orders candidates the way every store must before applying a limit:
// revenue (unknown last), then capacity (unknown last), then id.
func SortCandidates(cs []Candidate) {
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if ra, rb := val(a.Enterprise.Revenue), val(b.Enterprise.Revenue); ra != rb {
			return ra > rb
		}
		if ca, cb := val(a.Capacity), val(b.Capacity); ca != cb {
			return ca > cb
		}
		return a.Enterprise.ID < b.Enterprise.ID
	})
}

// SortProjects orders projects newest first (by start year, then id).
func SortProjects(ps []*Project) {
	year := func(p *Project) int {
		if p.StartYear != nil {
			return *p.StartYear
		}
		return 0
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if year(ps[i]) != year(ps[j]) {
			return year(ps[i]) > year(ps[j])
		}
		return ps[i].ID < ps[j].ID
	})
}
