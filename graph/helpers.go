package graph

import (
	"context"
	"sort"
	"strings"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/graph/model"
)

const (
	defaultPage = 50
	maxPage     = 2000
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optList(s *string) []string {
	if s == nil || *s == "" {
		return nil
	}
	return []string{*s}
}

// filterQuery turns the GraphQL filter into a store query.
func filterQuery(f *model.EnterpriseFilter) chainmap.EnterpriseQuery {
	if f == nil {
		return chainmap.EnterpriseQuery{}
	}
	return chainmap.EnterpriseQuery{Region: deref(f.Region), Park: deref(f.Park), Segment: deref(f.Segment),
		Chain: deref(f.Chain), Designation: deref(f.Designation), Status: deref(f.Status),
		MinRevenue: f.MinRevenue, MaxRevenue: f.MaxRevenue, Text: deref(f.Text)}
}

func sortKey(s string) string {
	if s == "" {
		return chainmap.SortByID
	}
	return s
}

func orderOf(o *model.EnterpriseOrder) string {
	if o == nil {
		return chainmap.SortByID
	}
	switch *o {
	case model.EnterpriseOrderRevenue:
		return chainmap.SortByRevenue
	case model.EnterpriseOrderName:
		return chainmap.SortByName
	}
	return chainmap.SortByID
}

// search finds enterprises (in the store, bounded) and segments, parks and regions
// (small tables, filtered here) by name or code.
func (r *Resolver) search(ctx context.Context, text string, first *int) ([]*model.SearchHit, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, chainmap.Errorf(chainmap.EINVALID, "search text is empty")
	}
	if len([]rune(text)) > 100 {
		return nil, chainmap.Errorf(chainmap.EINVALID, "search text is longer than 100 characters")
	}
	n := 20
	if first != nil {
		if *first < 1 || *first > 100 {
			return nil, chainmap.Errorf(chainmap.EINVALID, "first must be between 1 and 100, got %d", *first)
		}
		n = *first
	}
	var hits []*model.SearchHit
	page, err := r.Store.Enterprises(ctx, chainmap.EnterpriseQuery{Text: text, First: n, SkipTotal: true, Sort: chainmap.SortByRevenue})
	if err != nil {
		return nil, err
	}
	for _, e := range page.Enterprises {
		hits = append(hits, &model.SearchHit{Kind: "enterprise", ID: e.ID, NameZh: e.NameZh, NameEn: &e.NameEn, Enterprise: e})
	}
	match := func(fields ...string) bool {
		t := strings.ToLower(text)
		for _, f := range fields {
			if f != "" && strings.Contains(strings.ToLower(f), t) {
				return true
			}
		}
		return false
	}
	segs, err := r.Store.Segments(ctx, chainmap.SegmentQuery{})
	if err != nil {
		return nil, err
	}
	k := 0
	for _, s := range segs {
		if k < n && match(s.ID, s.NameZh, s.NameEn, strings.Join(s.GBT, " "), strings.Join(s.HS, " ")) {
			hits = append(hits, &model.SearchHit{Kind: "segment", ID: s.ID, NameZh: s.NameZh, NameEn: &s.NameEn, Segment: s})
			k++
		}
	}
	parks, err := r.Store.Parks(ctx, chainmap.ParkQuery{})
	if err != nil {
		return nil, err
	}
	k = 0
	for _, p := range parks {
		if k < n && match(p.ID, p.NameZh, p.NameEn) {
			hits = append(hits, &model.SearchHit{Kind: "park", ID: p.ID, NameZh: p.NameZh, NameEn: &p.NameEn, Park: p})
			k++
		}
	}
	regions, err := r.Store.Regions(ctx, chainmap.RegionQuery{})
	if err != nil {
		return nil, err
	}
	k = 0
	for _, g := range regions {
		if k < n && match(g.ID, g.NameZh, g.NameEn) {
			hits = append(hits, &model.SearchHit{Kind: "region", ID: g.ID, NameZh: g.NameZh, NameEn: &g.NameEn, Region: g})
			k++
		}
	}
	if hits == nil {
		hits = []*model.SearchHit{}
	}
	return hits, nil
}

// enterprises answers a connection field: it checks the page size and asks the store
// for one page plus the total.
func (r *Resolver) enterprises(ctx context.Context, q chainmap.EnterpriseQuery, first *int, after *string) (*model.EnterpriseConnection, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	q.First = defaultPage
	if first != nil {
		if *first < 0 || *first > maxPage {
			return nil, chainmap.Errorf(chainmap.EINVALID, "first must be between 0 and %d, got %d", maxPage, *first)
		}
		q.First = *first
	}
	q.After = deref(after)
	if q.First == 0 {
		// A page of nothing: only the total is wanted.
		q.First = 1
		p, err := r.Store.Enterprises(ctx, q)
		if err != nil {
			return nil, err
		}
		return &model.EnterpriseConnection{Edges: []*model.EnterpriseEdge{}, Nodes: []*chainmap.Enterprise{},
			PageInfo: &model.PageInfo{HasNextPage: p.Total > 0}, TotalCount: p.Total}, nil
	}
	p, err := r.Store.Enterprises(ctx, q)
	if err != nil {
		return nil, err
	}
	conn := &model.EnterpriseConnection{Nodes: p.Enterprises, TotalCount: p.Total,
		PageInfo: &model.PageInfo{HasNextPage: p.HasNext}}
	for _, e := range p.Enterprises {
		conn.Edges = append(conn.Edges, &model.EnterpriseEdge{Cursor: chainmap.EncodeCursor(sortKey(q.Sort), e), Node: e})
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	} else {
		conn.Edges = []*model.EnterpriseEdge{}
	}
	return conn, nil
}

func (r *Resolver) counts(ctx context.Context) ([]*model.KindCount, error) {
	m, err := r.Store.Counts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.KindCount, 0, len(m))
	for k, v := range m {
		out = append(out, &model.KindCount{Kind: k, Count: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

// stageRank orders stages along the chain.
func stageRank(s chainmap.Stage) int {
	for i, v := range chainmap.Stages {
		if v == s {
			return i
		}
	}
	return len(chainmap.Stages)
}

func (r *Resolver) chainSegments(ctx context.Context, chain string, stage *chainmap.Stage) ([]*chainmap.Segment, error) {
	all, err := list(ctx, r.loaders(ctx).SegmentsByChain, chain)
	if err != nil {
		return nil, err
	}
	out := make([]*chainmap.Segment, 0, len(all))
	for _, s := range all {
		if stage == nil || s.Stage == *stage {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if stageRank(a.Stage) != stageRank(b.Stage) {
			return stageRank(a.Stage) < stageRank(b.Stage)
		}
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		return a.ID < b.ID
	})
	return out, nil
}

func (r *Resolver) segmentChildren(ctx context.Context, id string) ([]*chainmap.Segment, error) {
	all, err := r.loaders(ctx).segments(ctx)
	if err != nil {
		return nil, err
	}
	out := []*chainmap.Segment{}
	for _, s := range all {
		if s.Parent == id {
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *Resolver) regionChildren(ctx context.Context, id string) ([]*chainmap.Region, error) {
	all, err := r.loaders(ctx).regions(ctx)
	if err != nil {
		return nil, err
	}
	out := []*chainmap.Region{}
	for _, x := range all {
		if x.Parent == id {
			out = append(out, x)
		}
	}
	return out, nil
}

// flowNeighbours returns the segments feeding id (upstream) or fed by it (downstream).
func (r *Resolver) flowNeighbours(ctx context.Context, id string, upstream bool) ([]*chainmap.Segment, error) {
	flows, err := list(ctx, r.loaders(ctx).FlowsBySegment, id)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range flows {
		if upstream && f.To == id {
			ids = append(ids, f.From)
		} else if !upstream && f.From == id {
			ids = append(ids, f.To)
		}
	}
	return many(ctx, r.loaders(ctx).Segments, ids)
}

func scopeOf(in model.ScopeInput) chainmap.Scope {
	return chainmap.Scope{Region: deref(in.Region), Park: deref(in.Park)}
}

func overridesOf(in []*model.ThresholdInput) []chainmap.ThresholdOverride {
	out := make([]chainmap.ThresholdOverride, 0, len(in))
	for _, t := range in {
		out = append(out, chainmap.ThresholdOverride{Segment: deref(t.Segment), MinEnterprises: t.MinEnterprises,
			MinCapacity: t.MinCapacity, MinLQ: t.MinLq})
	}
	return out
}

func (r *Resolver) gapAnalysis(ctx context.Context, chain string, scope model.ScopeInput, th []*model.ThresholdInput, order *model.GapOrder, verifiedOnly bool) (*chainmap.GapReport, error) {
	rep, err := chainmap.GapAnalysis(ctx, r.Store, chainmap.GapQuery{Chain: chain, Scope: scopeOf(scope), Overrides: overridesOf(th), VerifiedOnly: verifiedOnly})
	if err != nil {
		return nil, err
	}
	if order != nil && *order == model.GapOrderChain {
		chainmap.SortGaps(rep.Segments, "chain")
	}
	// The analysis read every segment of the chain: prime the loader with them so that
	// balances' from and to resolve without another round trip.
	l := r.loaders(ctx)
	for _, g := range rep.Segments {
		l.Segments.Prime(g.Segment.ID, g.Segment)
	}
	return rep, nil
}

// qualifier answers a figure's qualifier, null when the figure is the value itself.
func qualifier(q chainmap.Qualifier) *string {
	if q == "" {
		return nil
	}
	s := string(q)
	return &s
}

// pipeline returns the lead service, or SERVICE_UNAVAILABLE when the server runs without
// user data.
func (r *Resolver) pipeline() (*chainmap.Pipeline, error) {
	if r.Pipeline == nil {
		return nil, chainmap.Errorf(chainmap.EUNAVAILABLE, "this server keeps no leads (start it with a state store)")
	}
	return r.Pipeline, nil
}

func optStage(s chainmap.LeadStage) *chainmap.LeadStage {
	if s == "" {
		return nil
	}
	return &s
}

func originOr(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

func isTrue(b *bool) bool { return b != nil && *b }
