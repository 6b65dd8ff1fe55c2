package chainmap

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
)

// TargetQuery asks for the enterprises to attract into a scope for one segment.
type TargetQuery struct {
	Chain   string
	Scope   Scope
	Segment string
	// First bounds the answer (default 10).
	First int
}

// Target is an outside enterprise ranked as a candidate to fill a gap.
type Target struct {
	Enterprise *Enterprise
	Segment    string
	// Capacity in the segment's unit.
	Capacity     *float64
	LinksToScope int
	Projects     []*Project
	// DistanceKm from the scope's point, when both points are known.
	DistanceKm *float64
	Score      float64
	Factors    []Factor
	ReasonZh   string
	ReasonEn   string
	// Host is the recommended host park, nil when the scope has no park.
	Host *HostPark
}

// HostPark is the park recommended to host a target, with why.
type HostPark struct {
	Park     *Park
	Score    float64
	ReasonZh string
	ReasonEn string
}

// Target scoring weights; documented in docs/gap-analysis.md.
const (
	candidatePool      = 200
	pointsCapacity     = 20
	pointsRevenue      = 15
	pointsPerLink      = 10
	maxLinkPoints      = 20
	pointsPerProject   = 8
	maxProjectPoints   = 16
	pointsDistance     = 10
	distanceHorizonKm  = 2000
	pointsHostFocus    = 20
	pointsHostNeighbor = 3
	maxHostNeighbor    = 30
)

var designationPoints = map[string]float64{"链主": 10, "上市": 5, "专精特新": 5, "小巨人": 5, "单项冠军": 5, "高新": 2, "规上": 2}

// InvestmentTargets ranks the enterprises outside a scope that operate in a segment,
// by size, designations, existing supply links into the scope, expansion signals and
// distance, and recommends a host park in the scope for the segment.
func InvestmentTargets(ctx context.Context, s Store, q TargetQuery) ([]*Target, error) {
	if err := q.Scope.Validate(); err != nil {
		return nil, err
	}
	hp, err := newHostPicker(ctx, s, q.Chain, q.Scope)
	if err != nil {
		return nil, err
	}
	origin, err := scopePoint(ctx, s, q.Scope)
	if err != nil {
		return nil, err
	}
	return investmentTargets(ctx, s, q, hp, origin)
}

func investmentTargets(ctx context.Context, s Store, q TargetQuery, hp *hostPicker, origin []float64) ([]*Target, error) {
	if q.First <= 0 {
		q.First = 10
	}
	cands, err := s.Candidates(ctx, CandidateQuery{Chain: q.Chain, Segment: q.Segment, Scope: q.Scope, Limit: candidatePool})
	if err != nil {
		return nil, fmt.Errorf("investment targets: %w", err)
	}
	host := hp.pick(q.Segment)
	targets := RankTargets(cands, q.Segment, origin)
	for _, t := range targets {
		t.Host = host
	}
	if len(targets) > q.First {
		targets = targets[:q.First]
	}
	return targets, nil
}

// RankTargets scores candidates (pure: table-tested). origin is the scope's point
// ([lon, lat]) or nil.
func RankTargets(cands []Candidate, segment string, origin []float64) []*Target {
	var maxCap, maxRev float64
	for _, c := range cands {
		if c.Capacity != nil {
			maxCap = math.Max(maxCap, *c.Capacity)
		}
		if c.Enterprise.Revenue != nil {
			maxRev = math.Max(maxRev, *c.Enterprise.Revenue)
		}
	}
	out := make([]*Target, 0, len(cands))
	for _, c := range cands {
		t := &Target{Enterprise: c.Enterprise, Segment: segment, Capacity: c.Capacity, LinksToScope: c.LinksToScope, Projects: c.Projects}
		add := func(name string, pts float64, detail string) {
			if pts != 0 {
				t.Factors = append(t.Factors, Factor{Name: name, Points: round(pts), Detail: detail})
				t.Score += round(pts)
			}
		}
		var zh, en []string
		if c.Capacity != nil && maxCap > 0 {
			add("capacity", pointsCapacity**c.Capacity/maxCap, fmt.Sprintf("capacity %g, largest among candidates %g", round(*c.Capacity), round(maxCap)))
			zh = append(zh, fmt.Sprintf("产能%g", round(*c.Capacity)))
			en = append(en, fmt.Sprintf("capacity %g", round(*c.Capacity)))
		}
		if r := c.Enterprise.Revenue; r != nil && maxRev > 0 {
			add("revenue", pointsRevenue*math.Log1p(*r)/math.Log1p(maxRev), fmt.Sprintf("revenue %g亿元", *r))
			zh = append(zh, fmt.Sprintf("营收%g亿元", *r))
			en = append(en, fmt.Sprintf("revenue %g亿元", *r))
		}
		var des []string
		var dpts float64
		for _, d := range c.Enterprise.Designations {
			if p, ok := designationPoints[d]; ok {
				dpts += p
				des = append(des, d)
			}
		}
		if c.Enterprise.StockCode != "" && !contains(c.Enterprise.Designations, "上市") {
			dpts += designationPoints["上市"]
			des = append(des, "上市")
		}
		if len(des) > 0 {
			add("designations", dpts, strings.Join(des, ", "))
			zh = append(zh, strings.Join(des, "、"))
			en = append(en, strings.Join(des, ", "))
		}
		if c.LinksToScope > 0 {
			add("supply links", math.Min(float64(c.LinksToScope*pointsPerLink), maxLinkPoints),
				fmt.Sprintf("%d supply link(s) with enterprises in the scope", c.LinksToScope))
			zh = append(zh, fmt.Sprintf("与本地企业已有%d条供应关系", c.LinksToScope))
			en = append(en, fmt.Sprintf("%d supply link(s) with local enterprises", c.LinksToScope))
		}
		expanding := 0
		for _, p := range c.Projects {
			if p.Stage != "cancelled" {
				expanding++
			}
		}
		if expanding > 0 {
			add("expansion", math.Min(float64(expanding*pointsPerProject), maxProjectPoints),
				fmt.Sprintf("%d project(s) elsewhere, latest %s", expanding, c.Projects[0].NameZh))
			zh = append(zh, fmt.Sprintf("近期有%d个扩张项目", expanding))
			en = append(en, fmt.Sprintf("%d expansion project(s)", expanding))
		}
		if origin != nil && c.Lon != nil && c.Lat != nil {
			d := haversineKm(origin[0], origin[1], *c.Lon, *c.Lat)
			t.DistanceKm = &d
			add("distance", pointsDistance*math.Max(0, 1-d/distanceHorizonKm), fmt.Sprintf("%.0f km away", d))
		}
		t.Score = round(t.Score)
		name, nameEn := c.Enterprise.NameZh, nameOr(c.Enterprise.NameEn, c.Enterprise.NameZh)
		if len(zh) == 0 {
			t.ReasonZh = fmt.Sprintf("%s在该环节有业务，暂无更多规模信息。", name)
			t.ReasonEn = fmt.Sprintf("%s operates in this link; no size figures are known.", nameEn)
		} else {
			t.ReasonZh = fmt.Sprintf("%s：%s。", name, strings.Join(zh, "，"))
			t.ReasonEn = fmt.Sprintf("%s: %s.", nameEn, strings.Join(en, "; "))
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Enterprise.ID < out[j].Enterprise.ID
	})
	return out
}

// maxHostParks bounds how many parks of a scope are weighed (one aggregate query each).
const maxHostParks = 50

// hostPicker holds what choosing host parks needs, read once for many segments.
type hostPicker struct {
	parks []*Park
	segs  []*Segment
	flows []*Flow
	stats map[string]map[string]SegmentStat // park → segment → stat
}

func newHostPicker(ctx context.Context, s Store, chain string, sc Scope) (*hostPicker, error) {
	hp := &hostPicker{stats: map[string]map[string]SegmentStat{}}
	var err error
	if sc.Park != "" {
		hp.parks, err = s.Parks(ctx, ParkQuery{IDs: []string{sc.Park}})
	} else {
		hp.parks, err = s.Parks(ctx, ParkQuery{Region: sc.Region})
	}
	if err != nil {
		return nil, fmt.Errorf("host park: %w", err)
	}
	if len(hp.parks) == 0 {
		return hp, nil
	}
	if len(hp.parks) > maxHostParks {
		hp.parks = hp.parks[:maxHostParks]
	}
	if hp.segs, err = s.Segments(ctx, SegmentQuery{Chain: chain}); err != nil {
		return nil, fmt.Errorf("host park: %w", err)
	}
	if hp.flows, err = s.Flows(ctx, FlowQuery{Chain: chain}); err != nil {
		return nil, fmt.Errorf("host park: %w", err)
	}
	for _, p := range hp.parks {
		st, err := s.SegmentStats(ctx, StatsQuery{Chain: chain, Scope: Scope{Park: p.ID}})
		if err != nil {
			return nil, fmt.Errorf("host park: %w", err)
		}
		hp.stats[p.ID] = statMap(st)
	}
	return hp, nil
}

func (hp *hostPicker) pick(segment string) *HostPark {
	if len(hp.parks) == 0 {
		return nil
	}
	family := familyOf(hp.segs, segment)
	// Each neighbouring segment counts once, even when several flows reach it or it sits on
	// both sides of a loop (then it counts as upstream).
	var up, down []string
	seen := map[string]bool{}
	for _, f := range hp.flows {
		if family[f.To] && !family[f.From] && !seen[f.From] {
			seen[f.From] = true
			up = append(up, f.From)
		}
	}
	for _, f := range hp.flows {
		if family[f.From] && !family[f.To] && !seen[f.To] {
			seen[f.To] = true
			down = append(down, f.To)
		}
	}
	var best *HostPark
	for _, p := range hp.parks {
		h := &HostPark{Park: p}
		var zh, en []string
		for _, fs := range p.FocusSegments {
			if family[fs] {
				h.Score += pointsHostFocus
				zh = append(zh, "园区主导产业包含该环节")
				en = append(en, "the park focuses on this link")
				break
			}
		}
		m := hp.stats[p.ID]
		nu, nd := 0, 0
		for _, id := range up {
			nu += m[id].Enterprises
		}
		for _, id := range down {
			nd += m[id].Enterprises
		}
		if nu+nd > 0 {
			h.Score += math.Min(float64((nu+nd)*pointsHostNeighbor), maxHostNeighbor)
			zh = append(zh, fmt.Sprintf("园区内上游企业%d家、下游企业%d家", nu, nd))
			en = append(en, fmt.Sprintf("%d enterprise(s) upstream and %d downstream in the park", nu, nd))
		}
		if len(zh) == 0 {
			zh, en = []string{"范围内可用园区"}, []string{"a park of the scope"}
		}
		h.ReasonZh = p.NameZh + "：" + strings.Join(zh, "；") + "。"
		h.ReasonEn = nameOr(p.NameEn, p.NameZh) + ": " + strings.Join(en, "; ") + "."
		if best == nil || h.Score > best.Score || (h.Score == best.Score && p.ID < best.Park.ID) {
			best = h
		}
	}
	return best
}

// familyOf returns a segment with its ancestors and descendants.
func familyOf(segs []*Segment, id string) map[string]bool {
	parent := map[string]string{}
	children := map[string][]string{}
	for _, s := range segs {
		parent[s.ID] = s.Parent
		if s.Parent != "" {
			children[s.Parent] = append(children[s.Parent], s.ID)
		}
	}
	out := Subtree(children, id)
	for n := parent[id]; n != "" && !out[n]; n = parent[n] {
		out[n] = true
	}
	return out
}

func nameOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// scopePoint returns [lon, lat] of a region scope, or of a park (its own point, else its
// first region's), or nil.
func scopePoint(ctx context.Context, s Store, sc Scope) ([]float64, error) {
	regionID := sc.Region
	if sc.Park != "" {
		parks, err := s.Parks(ctx, ParkQuery{IDs: []string{sc.Park}})
		if err != nil {
			return nil, err
		}
		if len(parks) == 0 {
			return nil, Errorf(ENOTFOUND, "no park %q", sc.Park)
		}
		if p := parks[0]; p.Lon != nil && p.Lat != nil {
			return []float64{*p.Lon, *p.Lat}, nil
		} else if len(p.Regions) > 0 {
			regionID = p.Regions[0]
		}
	}
	regs, err := s.Regions(ctx, RegionQuery{IDs: []string{regionID}})
	if err != nil {
		return nil, err
	}
	if len(regs) == 0 {
		return nil, Errorf(ENOTFOUND, "no region %q", regionID)
	}
	if r := regs[0]; r.Lon != nil && r.Lat != nil {
		return []float64{*r.Lon, *r.Lat}, nil
	}
	return nil, nil
}

// haversineKm is the great-circle distance between two points in kilometres.
func haversineKm(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return round(2 * r * math.Asin(math.Sqrt(a)))
}
