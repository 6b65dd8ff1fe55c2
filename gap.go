package chainmap

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Scope is where an analysis looks: a region with its sub-regions, or a park (with its
// sub-parks). Exactly one is set; a zero Scope means the whole dataset (stores only).
type Scope struct {
	Region string
	Park   string
}

// String names the scope for messages.
func (s Scope) String() string {
	if s.Park != "" {
		return "park " + s.Park
	}
	return "region " + s.Region
}

// Validate checks that exactly one of Region and Park is set.
func (s Scope) Validate() error {
	if (s.Region == "") == (s.Park == "") {
		return Errorf(EINVALID, "a scope needs exactly one of region and park")
	}
	return nil
}

// StatsQuery asks a store for the per-segment aggregates of a chain within a scope.
type StatsQuery struct {
	Chain string
	Scope Scope
	// VerifiedOnly counts verified placements only: enterprises placed in a segment by
	// suggested operations alone are left out (and counted in SegmentStat.Suggested).
	VerifiedOnly bool
}

// SegmentStat aggregates the local enterprises of one segment's subtree: active
// enterprises in the scope that produce or serve in the segment or any sub-segment
// (R&D-only operations do not count).
type SegmentStat struct {
	Segment string
	// Enterprises counts distinct local enterprises.
	Enterprises int
	// Capacity sums the local capacity in the segment's unit; nil when no local
	// operation gives a capacity convertible to that unit.
	Capacity *float64
	// Revenue sums the revenue (亿元) of the local enterprises that report one.
	Revenue float64
	// WithRevenue counts the local enterprises that report a revenue.
	WithRevenue int
	// Suggested counts the local enterprises placed in the segment only by suggested
	// placements (an import's 挂链 nobody has reviewed yet): counted in Enterprises
	// unless the query asked for verified placements only, which leaves them out.
	Suggested int
}

// GapStatus says whether a segment is present in a scope and strong enough.
type GapStatus string

// The statuses of a segment in a scope.
const (
	StatusMissing GapStatus = "MISSING"
	StatusWeak    GapStatus = "WEAK"
	StatusStrong  GapStatus = "STRONG"
)

// GapKind names a gap in the users' own words.
type GapKind string

// The kinds of gap (see docs/gap-analysis.md).
const (
	// GapFill (补链): missing while something downstream of it is present locally:
	// local demand goes unserved, a hole in the chain.
	GapFill GapKind = "FILL"
	// GapExtend (延链): missing, something upstream is present and nothing downstream:
	// the local chain stops before it.
	GapExtend GapKind = "EXTEND"
	// GapBuild (建链): missing with nothing local on either side: a new link to build
	// from scratch.
	GapBuild GapKind = "BUILD"
	// GapStrengthen (强链): present but weak.
	GapStrengthen GapKind = "STRENGTHEN"
	// GapNone: present and strong.
	GapNone GapKind = "NONE"
)

// Zh returns the Chinese term of a gap kind.
func (k GapKind) Zh() string {
	switch k {
	case GapFill:
		return "补链"
	case GapExtend:
		return "延链"
	case GapBuild:
		return "建链"
	case GapStrengthen:
		return "强链"
	}
	return "—"
}

// Thresholds decide when a present segment is weak.
type Thresholds struct {
	// MinEnterprises: fewer local enterprises is weak.
	MinEnterprises int
	// MinCapacity: less local capacity (in the segment's unit) is weak; nil: no bound.
	MinCapacity *float64
	// MinLQ: a location quotient below it is weak, where the LQ is known.
	MinLQ float64
}

// Default thresholds, used where neither the dataset nor the query sets one.
const (
	DefaultMinEnterprises = 2
	DefaultMinLQ          = 1.0
)

// ThresholdOverride replaces thresholds for one segment, or for all when Segment is "".
type ThresholdOverride struct {
	Segment        string
	MinEnterprises *int
	MinCapacity    *float64
	MinLQ          *float64
}

// MaxThresholdEnterprises bounds an enterprise-count threshold, in a dataset or a request
// (GraphQL's Int is 32-bit; no chain link needs more firms than this).
const MaxThresholdEnterprises = 1 << 30

// Validate refuses thresholds that are negative, not finite or beyond MaxFigure.
func (o ThresholdOverride) Validate() error {
	if o.MinEnterprises != nil && (*o.MinEnterprises < 0 || *o.MinEnterprises > MaxThresholdEnterprises) {
		return Errorf(EINVALID, "threshold minEnterprises must be between 0 and %d, got %d", MaxThresholdEnterprises, *o.MinEnterprises)
	}
	if err := checkOptFigure("threshold minCapacity", o.MinCapacity); err != nil {
		return err
	}
	return checkOptFigure("threshold minLq", o.MinLQ)
}

// Factor is one contribution to a gap's score, shown so that every score is explained.
type Factor struct {
	Name   string
	Points float64
	Detail string
}

// Balance compares, along one flow with a technical coefficient, the local supply of
// the input with the local demand of the output (capacity × coefficient).
type Balance struct {
	From, To string
	// Supply is the local capacity of From, Demand what local To needs, both in From's
	// unit; nil when not known or not computed (units that do not convert).
	Supply, Demand *float64
	Unit           string
	// Net is Supply − Demand: negative is a deficit (dependence on outside supply),
	// positive a surplus leaving the scope unprocessed (a 延链 opportunity); nil when the
	// balance is not computed.
	Net  *float64
	Kind string // DEFICIT, SURPLUS or BALANCED
	Note string
}

// SegmentGap is the analysis of one segment in a scope.
type SegmentGap struct {
	Segment    *Segment
	Stat       SegmentStat
	LQ         *float64
	Thresholds Thresholds
	Status     GapStatus
	Kind       GapKind
	// Upstream and Downstream are the neighbouring segments along flows, with
	// whether each is present locally.
	Upstream, Downstream           []Neighbour
	LocalUpstream, LocalDownstream int
	Balances                       []Balance
	Policies                       []*Policy
	Goals                          []*Goal
	Priorities                     []Priority
	// Elsewhere counts the enterprises of the dataset outside the scope operating in the
	// segment (-1 when unknown): who could be attracted at all.
	Elsewhere                         int
	Score                             float64
	Factors                           []Factor
	ReasonZh, ReasonEn                string
	weakBecause                       []string
	weakBecauseEn                     []string
	upPresent, downPresent, inherited bool
	localBoth                         int // enterprises of neighbours on both sides (a loop)
}

// Enterprises, Suggested, Capacity and Revenue are the gap's local statistics (Stat), and
// MinEnterprises, MinCapacity and MinLQ its thresholds, as a reader of the gap asks for
// them; plain methods, so the GraphQL layer reads them without a resolver call each.
func (g *SegmentGap) Enterprises() int { return g.Stat.Enterprises }

// Suggested: see Enterprises.
func (g *SegmentGap) Suggested() int { return g.Stat.Suggested }

// Capacity: see Enterprises.
func (g *SegmentGap) Capacity() *float64 { return g.Stat.Capacity }

// Revenue: see Enterprises.
func (g *SegmentGap) Revenue() float64 { return g.Stat.Revenue }

// MinEnterprises: see Enterprises.
func (g *SegmentGap) MinEnterprises() int { return g.Thresholds.MinEnterprises }

// MinCapacity: see Enterprises.
func (g *SegmentGap) MinCapacity() *float64 { return g.Thresholds.MinCapacity }

// MinLq: see Enterprises.
func (g *SegmentGap) MinLq() float64 { return g.Thresholds.MinLQ }

// KindZh is the gap's kind in Chinese (GapKind.Zh).
func (g *SegmentGap) KindZh() string { return g.Kind.Zh() }

// Neighbour is a segment next to another along flows.
type Neighbour struct {
	Segment     string
	Present     bool
	Enterprises int
	// Return says the neighbour is reached only across return flows (scrap to
	// recycling): a return flow out of X is not demand for X.
	Return bool
}

// StageCompleteness is the share of a stage's segments present in the scope.
type StageCompleteness struct {
	Stage   Stage
	Present int
	Total   int
}

// GapReport is the gap analysis of a chain in a scope.
type GapReport struct {
	Chain string
	Scope Scope
	// Segments holds every segment of the chain, highest score first.
	Segments []*SegmentGap
	// Present counts segments with at least one local enterprise; Total all segments.
	Present, Total int
	// Completeness is Present / Total.
	Completeness float64
	ByStage      []StageCompleteness
}

// GapInput is everything the rules need, already aggregated by a store.
type GapInput struct {
	Chain      string
	Scope      Scope
	Segments   []*Segment
	Flows      []*Flow
	Stats      map[string]SegmentStat
	Policies   []*Policy
	Goals      []*Goal
	Indicators []*Indicator
	Overrides  []ThresholdOverride
	// Everywhere holds the same aggregates over the whole dataset (no scope), to tell a
	// blank that outside enterprises could fill from one nobody in the data fills.
	Everywhere map[string]SegmentStat
}

// Scoring weights; documented in docs/gap-analysis.md.
const (
	pointsMissing        = 40
	pointsWeak           = 25
	pointsFill           = 15
	pointsExtend         = 10
	pointsPerPolicy      = 5
	maxPolicyPoints      = 15
	pointsPerPriority    = 5
	maxPriorityPoints    = 15
	pointsGoal           = 10
	pointsPerNeighbour   = 2
	maxNeighbourPoints   = 20
	pointsDeficit        = 10
	balanceTolerance     = 0.05
	noEnterpriseAnywhere = -10
)

// AnalyseGaps applies the gap rules to one chain in one scope. It is pure: everything
// comes in through in, so the rules are table-tested without a store.
func AnalyseGaps(in GapInput) (*GapReport, error) {
	if len(in.Segments) == 0 {
		return nil, Errorf(ENOTFOUND, "chain %q has no segments", in.Chain)
	}
	segs := map[string]*Segment{}
	children := map[string][]string{}
	for _, s := range in.Segments {
		segs[s.ID] = s
	}
	for _, s := range in.Segments {
		if s.Parent != "" && segs[s.Parent] != nil {
			children[s.Parent] = append(children[s.Parent], s.ID)
		}
	}
	// Flows by the segments they touch, in their given order: each segment's neighbours
	// and balances then read its own flows, not every flow of the chain.
	touching := map[string][]*Flow{}
	for _, f := range in.Flows {
		touching[f.From] = append(touching[f.From], f)
		if f.To != f.From {
			touching[f.To] = append(touching[f.To], f)
		}
	}
	lq := locationQuotients(in)

	rep := &GapReport{Chain: in.Chain, Scope: in.Scope}
	stageTotals := map[Stage]*StageCompleteness{}
	for _, s := range in.Segments {
		st := in.Stats[s.ID]
		st.Segment = s.ID
		g := &SegmentGap{Segment: s, Stat: st, Thresholds: thresholdsFor(s, in.Overrides), LQ: lq[s.ID], Elsewhere: -1}
		if in.Everywhere != nil {
			g.Elsewhere = max(0, in.Everywhere[s.ID].Enterprises-st.Enterprises)
		}

		neighbours(g, segs, children, touching, in.Stats)
		classify(g)
		support(g, segs, in.Policies, in.Goals)
		g.Balances = balances(s, segs, touching[s.ID], in.Stats)
		score(g, in.Everywhere)
		reason(g, segs)
		rep.Segments = append(rep.Segments, g)

		sc := stageTotals[s.Stage]
		if sc == nil {
			sc = &StageCompleteness{Stage: s.Stage}
			stageTotals[s.Stage] = sc
		}
		sc.Total++
		rep.Total++
		if st.Enterprises > 0 {
			sc.Present++
			rep.Present++
		}
	}
	rep.Completeness = float64(rep.Present) / float64(rep.Total)
	for _, stg := range Stages {
		if sc := stageTotals[stg]; sc != nil {
			rep.ByStage = append(rep.ByStage, *sc)
		}
	}
	SortGaps(rep.Segments, "score")
	return rep, nil
}

// neighbours sets a segment's upstream and downstream neighbours (docs/gap-analysis.md,
// "Gap kind"): the segments along flows crossing its subtree's boundary; a segment with
// none of its own takes its nearest ancestor's (a product family shares its inputs). On
// a loop a segment can be both upstream and downstream: it is listed on both sides and
// counted once for the neighbours score. Upstream counts every flow in (a scrap source
// feeds a recycler); downstream counts only input flows out, since a return flow out of
// the segment (its scrap) is not local demand for it.
func neighbours(g *SegmentGap, segs map[string]*Segment, children map[string][]string, touching map[string][]*Flow, stats map[string]SegmentStat) {
	s := g.Segment
	present := func(id string) bool { return stats[id].Enterprises > 0 }
	for cur := s; cur != nil; cur = segs[cur.Parent] {
		up, down, ret := boundaryNeighbours(Subtree(children, cur.ID), touching)
		if len(up)+len(down) > 0 {
			g.inherited = cur != s
			for _, id := range up {
				g.Upstream = append(g.Upstream, Neighbour{id, present(id), stats[id].Enterprises, ret["u:"+id]})
			}
			for _, id := range down {
				g.Downstream = append(g.Downstream, Neighbour{id, present(id), stats[id].Enterprises, ret["d:"+id]})
			}
			break
		}
		if cur.Parent == "" {
			break
		}
	}
	both := map[string]bool{}
	for _, n := range g.Upstream {
		g.LocalUpstream += n.Enterprises
		g.upPresent = g.upPresent || n.Present
		both[n.Segment] = true
	}
	for _, n := range g.Downstream {
		g.LocalDownstream += n.Enterprises
		g.downPresent = g.downPresent || (n.Present && !n.Return)
		if both[n.Segment] {
			g.localBoth += n.Enterprises
		}
	}
}

// classify sets the status and the gap kind (docs/gap-analysis.md, "Status" and "Gap
// kind"): no local enterprise is missing — 补链 when a local customer needs it, else 延链
// when a local supplier could feed it, else 建链; below a threshold is weak (强链); else
// strong. neighbours must have run.
func classify(g *SegmentGap) {
	if g.Stat.Enterprises == 0 {
		g.Status = StatusMissing
		switch {
		case g.downPresent:
			g.Kind = GapFill
		case g.upPresent:
			g.Kind = GapExtend
		default:
			g.Kind = GapBuild
		}
		return
	}
	g.weakBecause, g.weakBecauseEn = weakReasons(g)
	if len(g.weakBecause) > 0 {
		g.Status, g.Kind = StatusWeak, GapStrengthen
	} else {
		g.Status, g.Kind = StatusStrong, GapNone
	}
}

// support attaches the policies, goals and priority tags that name the segment or one of
// its ancestors.
func support(g *SegmentGap, segs map[string]*Segment, policies []*Policy, goals []*Goal) {
	names := map[string]bool{}
	for cur := g.Segment; cur != nil; cur = segs[cur.Parent] {
		names[cur.ID] = true
		if cur.Parent == "" {
			break
		}
	}
	for _, p := range policies {
		if slices.ContainsFunc(p.Segments, func(id string) bool { return names[id] }) {
			g.Policies = append(g.Policies, p)
		}
	}
	for _, gl := range goals {
		if gl.Segment != "" && names[gl.Segment] {
			g.Goals = append(g.Goals, gl)
		}
	}
	g.Priorities = append(g.Priorities, g.Segment.Priorities...)
}

// SortGaps orders gaps by "score" (highest first), "chain" (stage, order, id) or "id".
func SortGaps(gs []*SegmentGap, by string) {
	sort.SliceStable(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		switch by {
		case "chain":
			if ra, rb := StageRank(a.Segment.Stage), StageRank(b.Segment.Stage); ra != rb {
				return ra < rb
			}
			if a.Segment.Order != b.Segment.Order {
				return a.Segment.Order < b.Segment.Order
			}
		case "id":
		default:
			if a.Score != b.Score {
				return a.Score > b.Score
			}
		}
		return a.Segment.ID < b.Segment.ID
	})
}

// Subtree returns id and all its descendants in a parent → children index (segments,
// regions and parks all form such hierarchies).
func Subtree(children map[string][]string, id string) map[string]bool {
	out := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range children[n] {
			if !out[c] {
				out[c] = true
				stack = append(stack, c)
			}
		}
	}
	return out
}

// StageRank orders stages along the chain.
func StageRank(s Stage) int {
	for i, v := range Stages {
		if v == s {
			return i
		}
	}
	return len(Stages)
}

func thresholdsFor(s *Segment, overrides []ThresholdOverride) Thresholds {
	t := Thresholds{MinEnterprises: DefaultMinEnterprises, MinLQ: DefaultMinLQ}
	if s.MinEnterprises != nil {
		t.MinEnterprises = *s.MinEnterprises
	}
	if s.MinCapacity != nil {
		t.MinCapacity = s.MinCapacity
	}
	if s.MinLQ != nil {
		t.MinLQ = *s.MinLQ
	}
	// A general override first, then the segment's own.
	for _, pass := range []bool{false, true} {
		for _, o := range overrides {
			if (o.Segment == s.ID) != pass || (o.Segment != "" && o.Segment != s.ID) {
				continue
			}
			if o.MinEnterprises != nil {
				t.MinEnterprises = *o.MinEnterprises
			}
			if o.MinCapacity != nil {
				t.MinCapacity = o.MinCapacity
			}
			if o.MinLQ != nil {
				t.MinLQ = *o.MinLQ
			}
		}
	}
	return t
}

func weakReasons(g *SegmentGap) (zh, en []string) {
	st, t := g.Stat, g.Thresholds
	if st.Enterprises < t.MinEnterprises {
		zh = append(zh, fmt.Sprintf("本地企业%d家，少于%d家", st.Enterprises, t.MinEnterprises))
		en = append(en, fmt.Sprintf("%d local enterprise(s), fewer than %d", st.Enterprises, t.MinEnterprises))
	}
	if t.MinCapacity != nil {
		unit := g.Segment.Unit
		switch {
		case st.Capacity == nil:
			zh = append(zh, fmt.Sprintf("本地产能未知（门槛%g%s）", *t.MinCapacity, unit))
			en = append(en, fmt.Sprintf("local capacity unknown (threshold %g %s)", *t.MinCapacity, unit))
		case *st.Capacity < *t.MinCapacity:
			zh = append(zh, fmt.Sprintf("本地产能%g%s，低于%g%s", round(*st.Capacity), unit, *t.MinCapacity, unit))
			en = append(en, fmt.Sprintf("local capacity %g %s, below %g %s", round(*st.Capacity), unit, *t.MinCapacity, unit))
		}
	}
	if g.LQ != nil && *g.LQ < t.MinLQ {
		zh = append(zh, fmt.Sprintf("区位商%.2f，低于%g", *g.LQ, t.MinLQ))
		en = append(en, fmt.Sprintf("location quotient %.2f, below %g", *g.LQ, t.MinLQ))
	}
	return zh, en
}

func round(x float64) float64 { return math.Round(x*100) / 100 }

// boundaryNeighbours returns the segments feeding into the subtree from outside (up)
// and fed by it (down), sorted.
func boundaryNeighbours(sub map[string]bool, touching map[string][]*Flow) (up, down []string, ret map[string]bool) {
	seenU, seenD := map[string]bool{}, map[string]bool{}
	ret = map[string]bool{} // "u:id" / "d:id" → reached only across return flows
	for id := range sub {
		for _, f := range touching[id] {
			if sub[f.To] && !sub[f.From] {
				k := "u:" + f.From
				if !seenU[f.From] {
					seenU[f.From] = true
					up = append(up, f.From)
					ret[k] = f.IsReturn()
				} else {
					ret[k] = ret[k] && f.IsReturn()
				}
			}
			if sub[f.From] && !sub[f.To] {
				k := "d:" + f.To
				if !seenD[f.To] {
					seenD[f.To] = true
					down = append(down, f.To)
					ret[k] = f.IsReturn()
				} else {
					ret[k] = ret[k] && f.IsReturn()
				}
			}
		}
	}
	sort.Strings(up)
	sort.Strings(down)
	return up, down, ret
}

// OneWayCycle returns a cycle through a flow marked one-way (its from segment repeated at
// the end), or nil: flows may loop (recycling, return flows), but not through a flow the
// data says can never come back. Flows are checked in their order; the first cycle found
// is returned.
func OneWayCycle(flows []*Flow) []string {
	out := map[string][]string{}
	for _, f := range flows {
		out[f.From] = append(out[f.From], f.To)
	}
	for _, f := range flows {
		if !f.OneWay {
			continue
		}
		// Breadth-first from f.To back to f.From, remembering the way.
		prev := map[string]string{f.To: ""}
		queue := []string{f.To}
		for len(queue) > 0 && f.From != f.To {
			n := queue[0]
			queue = queue[1:]
			if n == f.From {
				break
			}
			for _, m := range out[n] {
				if _, seen := prev[m]; !seen {
					prev[m] = n
					queue = append(queue, m)
				}
			}
		}
		if _, ok := prev[f.From]; !ok {
			continue
		}
		var back []string
		for n := f.From; n != ""; n = prev[n] {
			back = append(back, n)
		}
		cyc := []string{f.From}
		for i := len(back) - 1; i >= 0; i-- {
			cyc = append(cyc, back[i])
		}
		return cyc
	}
	return nil
}

// balances computes the mass (or energy) balance along the flows into a segment and out
// of it (flows: those touching it) that carry a coefficient, where units convert. Where
// they do not, or the coefficient has no unit, the balance keeps the supply it knows, has
// no demand, net or kind, and its note says in plain words why.
func balances(s *Segment, segs map[string]*Segment, flows []*Flow, stats map[string]SegmentStat) []Balance {
	var out []Balance
	for _, f := range flows {
		if f.Coefficient == nil || (f.From != s.ID && f.To != s.ID) {
			continue
		}
		from, to := segs[f.From], segs[f.To]
		if from == nil || to == nil {
			continue
		}
		b := Balance{From: f.From, To: f.To, Unit: from.Unit}
		sup, dem := stats[f.From].Capacity, stats[f.To].Capacity
		if sup == nil && dem == nil {
			continue
		}
		if sup != nil {
			v := *sup
			b.Supply = &v
		}
		factor, why := coefficientFactor(f, from, to)
		if why != "" {
			b.Note = "not computed: " + why
			out = append(out, b)
			continue
		}
		supply, demand := 0.0, 0.0
		if sup != nil {
			supply = *sup
		}
		if dem != nil {
			// demand in From's unit = capacity(To) × coefficient, converted.
			demand = *dem * *f.Coefficient * factor
		}
		net := supply - demand
		b.Supply, b.Demand, b.Net = &supply, &demand, &net
		switch {
		case demand > 0 && math.Abs(net) <= balanceTolerance*demand:
			b.Kind = "BALANCED"
		case net < 0:
			b.Kind = "DEFICIT"
		default:
			b.Kind = "SURPLUS"
		}
		if sup == nil {
			b.Note = "no local capacity figure for the input: supply counted as 0"
		} else if dem == nil {
			b.Note = "no local capacity figure for the output: demand counted as 0"
		}
		out = append(out, b)
	}
	return out
}

// coefficientFactor returns what turns "capacity of To × coefficient" into From's unit:
// the coefficient is numerator-per-denominator, the numerator must convert to From's unit
// and the denominator to To's. When it cannot, why says so in plain words.
func coefficientFactor(f *Flow, from, to *Segment) (factor float64, why string) {
	if f.CoefficientUnit == "" {
		return 0, fmt.Sprintf("the coefficient %g of %s → %s has no unit (coefficient_unit), so what %s needs of %s is unknown",
			*f.Coefficient, f.From, f.To, f.To, f.From)
	}
	num, den, ok := strings.Cut(f.CoefficientUnit, "/")
	if !ok || num == "" || den == "" {
		return 0, fmt.Sprintf("the coefficient unit %q is not numerator/denominator (e.g. t/t, kWh/t)", f.CoefficientUnit)
	}
	side := func(unit, segUnit, seg, role string) (float64, string) {
		if segUnit == "" {
			return 0, fmt.Sprintf("segment %s has no capacity unit", seg)
		}
		u, okU := ParseUnit(unit)
		su, okS := ParseUnit(segUnit)
		switch {
		case !okU:
			return 0, fmt.Sprintf("the coefficient's %s %q is not a unit chainmap knows", role, unit)
		case !okS:
			return 0, fmt.Sprintf("%s's unit %q is not a unit chainmap knows", seg, segUnit)
		case u.Dimension != su.Dimension:
			return 0, fmt.Sprintf("the coefficient's %s %q (%s) does not convert to %s's unit %q (%s)", role, unit, u.Dimension, seg, segUnit, su.Dimension)
		}
		v, _, _ := Normalise(1, unit)
		sv, _, _ := Normalise(1, segUnit)
		return v / sv, ""
	}
	n, why := side(num, from.Unit, f.From, "numerator")
	if why != "" {
		return 0, why
	}
	d, why := side(den, to.Unit, f.To, "denominator")
	if why != "" {
		return 0, why
	}
	return n / d, ""
}

func score(g *SegmentGap, everywhere map[string]SegmentStat) {
	add := func(name string, pts float64, detail string) {
		if pts != 0 {
			g.Factors = append(g.Factors, Factor{Name: name, Points: pts, Detail: detail})
			g.Score += pts
		}
	}
	switch g.Status {
	case StatusMissing:
		add("status", pointsMissing, "no local enterprise")
	case StatusWeak:
		add("status", pointsWeak, strings.Join(g.weakBecauseEn, "; "))
	}
	switch g.Kind {
	case GapFill:
		add("kind", pointsFill, "补链: local demand downstream goes unserved")
	case GapExtend:
		add("kind", pointsExtend, "延链: the local chain stops before this link")
	}
	if n := len(g.Policies); n > 0 {
		ids := make([]string, 0, n)
		for _, p := range g.Policies {
			ids = append(ids, p.ID)
		}
		add("policy", math.Min(float64(n*pointsPerPolicy), maxPolicyPoints), "named by "+strings.Join(ids, ", "))
	}
	if n := len(g.Priorities); n > 0 {
		tags := make([]string, 0, n)
		for _, p := range g.Priorities {
			tags = append(tags, string(p))
		}
		add("priority", math.Min(float64(n*pointsPerPriority), maxPriorityPoints), strings.Join(tags, ", "))
	}
	if len(g.Goals) > 0 {
		add("goal", pointsGoal, "moves goal "+g.Goals[0].ID)
	}
	if g.Status != StatusStrong {
		if n := g.LocalUpstream + g.LocalDownstream - g.localBoth; n > 0 {
			add("neighbours", math.Min(float64(n*pointsPerNeighbour), maxNeighbourPoints),
				fmt.Sprintf("%d local enterprise(s) directly upstream, %d downstream", g.LocalUpstream, g.LocalDownstream))
		}
	}
	for _, b := range g.Balances {
		if b.To == g.Segment.ID && b.Kind == "DEFICIT" && b.Note == "" {
			add("balance", pointsDeficit, fmt.Sprintf("local %s falls short of local demand by %g %s", b.From, round(-*b.Net), b.Unit))
			break
		}
		if b.From == g.Segment.ID && b.Kind == "DEFICIT" && b.Note == "" {
			add("balance", pointsDeficit, fmt.Sprintf("local supply falls short of what local %s needs by %g %s", b.To, round(-*b.Net), b.Unit))
			break
		}
	}
	if g.Status == StatusMissing && everywhere != nil && everywhere[g.Segment.ID].Enterprises == 0 {
		add("no candidates", noEnterpriseAnywhere, "no enterprise anywhere in the dataset operates here: a data gap, or a blank to fill from scratch")
	}
	g.Score = round(g.Score)
}

func reason(g *SegmentGap, segs map[string]*Segment) {
	s := g.Segment
	nameEn := s.NameEn
	if nameEn == "" {
		nameEn = s.NameZh
	}
	present := func(ns []Neighbour) (zh, en []string) {
		for _, n := range ns {
			if n.Present {
				sg := segs[n.Segment]
				zh = append(zh, sg.NameZh)
				e := sg.NameEn
				if e == "" {
					e = sg.NameZh
				}
				en = append(en, e)
			}
		}
		return
	}
	switch g.Kind {
	case GapFill:
		var demand []Neighbour
		for _, n := range g.Downstream {
			if !n.Return {
				demand = append(demand, n)
			}
		}
		zh, en := present(demand)
		g.ReasonZh = fmt.Sprintf("本地缺少%s，而下游%s已有企业，本地需求只能依赖外部供应（补链）。", s.NameZh, strings.Join(zh, "、"))
		g.ReasonEn = fmt.Sprintf("No local %s, while downstream %s is present: local demand depends on outside supply (fill the chain).", nameEn, strings.Join(en, ", "))
	case GapExtend:
		zh, en := present(g.Upstream)
		g.ReasonZh = fmt.Sprintf("本地有上游%s，但缺少%s且无下游，产业链止步于此（延链）。", strings.Join(zh, "、"), s.NameZh)
		g.ReasonEn = fmt.Sprintf("Upstream %s is present locally but %s is missing with nothing downstream: the local chain stops here (extend the chain).", strings.Join(en, ", "), nameEn)
	case GapBuild:
		g.ReasonZh = fmt.Sprintf("本地缺少%s，上下游也均无本地企业，需从零建链。", s.NameZh)
		g.ReasonEn = fmt.Sprintf("No local %s and nothing local on either side: a link to build from scratch.", nameEn)
	case GapStrengthen:
		g.ReasonZh = fmt.Sprintf("%s本地已有但偏弱：%s（强链）。", s.NameZh, strings.Join(g.weakBecause, "；"))
		g.ReasonEn = fmt.Sprintf("%s is present but weak: %s (strengthen the chain).", nameEn, strings.Join(g.weakBecauseEn, "; "))
	default:
		g.ReasonZh = fmt.Sprintf("%s本地有%d家企业，达到门槛。", s.NameZh, g.Stat.Enterprises)
		g.ReasonEn = fmt.Sprintf("%s has %d local enterprise(s), meeting its thresholds.", nameEn, g.Stat.Enterprises)
	}
}

// locationQuotients computes LQ = (local_X / local_total) / (ref_X / ref_total) from the
// dataset's indicators: for the scope region, "output" or "capacity" figures per
// segment, with the reference either given as a share of a larger region or as that
// region's own figure. Segments without both figures have no LQ. A figure that is a
// bound ("more than", "at most"…) is left out: it would make the quotient a bound too;
// an approximate one ("about") is used as it stands.
func locationQuotients(in GapInput) map[string]*float64 {
	out := map[string]*float64{}
	if in.Scope.Region == "" {
		return out
	}
	type pair struct{ local, ref float64 }
	for _, metric := range []string{"output", "capacity"} {
		local := map[string]*Indicator{}
		for _, i := range in.Indicators {
			if i.Metric == metric && i.Region == in.Scope.Region && i.Segment != "" && i.Value != nil && !i.Qualifier.IsBound() {
				if cur := local[i.Segment]; cur == nil || yearOf(i) > yearOf(cur) {
					local[i.Segment] = i
				}
			}
		}
		pairs := map[string]pair{}
		for seg, l := range local {
			var ref *float64
			if l.Share != nil && *l.Share > 0 {
				v := *l.Value / (*l.Share / 100)
				ref = &v
			} else {
				for _, r := range in.Indicators {
					if r.Metric == metric && r.Segment == seg && r.Region != in.Scope.Region && r.Value != nil && !r.Qualifier.IsBound() && r.Unit == l.Unit && yearOf(r) == yearOf(l) {
						ref = r.Value
						break
					}
				}
			}
			if ref != nil && *ref > 0 {
				pairs[seg] = pair{*l.Value, *ref}
			}
		}
		if len(pairs) < 2 {
			continue
		}
		var lt, rt float64
		for _, p := range pairs {
			lt += p.local
			rt += p.ref
		}
		for seg, p := range pairs {
			v := round((p.local / lt) / (p.ref / rt))
			out[seg] = &v
		}
		return out
	}
	return out
}

func yearOf(i *Indicator) int {
	if i.Year == nil {
		return 0
	}
	return *i.Year
}
