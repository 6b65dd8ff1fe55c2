package chainmap

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// KPIs of the pipeline per period, as a bureau is judged on them: computed from the
// approved records only (a move to 签约 or later counts from its approval; a pending or
// refused request counts nowhere), per month, quarter or year, per chain, segment, park,
// region or owner. Every formula is in KPIFormulas and docs/pipeline.md.

// KPIPeriod is the length of a KPI period.
type KPIPeriod string

// The periods; they start and end at midnight China time (ChinaTime).
const (
	PeriodMonth   KPIPeriod = "month"
	PeriodQuarter KPIPeriod = "quarter"
	PeriodYear    KPIPeriod = "year"
)

// KPIGroup is what KPI rows are grouped by.
type KPIGroup string

// The groupings. A lead's region is its region, else its park's first region; its owner
// is its owner now.
const (
	GroupNone    KPIGroup = "none"
	GroupChain   KPIGroup = "chain"
	GroupSegment KPIGroup = "segment"
	GroupPark    KPIGroup = "park"
	GroupRegion  KPIGroup = "region"
	GroupOwner   KPIGroup = "owner"
)

// Bounds of a KPI report.
const (
	MaxKPIPeriods = 240    // twenty years of months
	MaxKPIRows    = 20_000 // periods × groups
	// MaxFlaggedLeads bounds the ids a row lists (Flagged counts them all).
	MaxFlaggedLeads = 100
)

// KPIQuery asks for KPIs: the periods from the one holding From to the one holding To
// (YYYY-MM-DD), grouped, over the leads Filter selects (its page and staleness ignored).
type KPIQuery struct {
	Period  KPIPeriod
	GroupBy KPIGroup
	From    string
	To      string
	Filter  LeadFilter
}

// KPIRow holds the KPIs of one group in one period [Start, End) (End is the next
// period's start; Last its last day). "In the period" counts events with Start ≤ time <
// End; "to date" is the state at End. Rates are nil when their denominator is zero.
type KPIRow struct {
	Period string // 2026-03, 2026-Q1 or 2026
	Start  string // first day, YYYY-MM-DD
	Last   string // last day, YYYY-MM-DD
	Group  string // the group's key ("" for none, or for leads without a park)

	// Flows in the period.
	LeadsCreated int
	Signed       int // leads that reached 签约 or later (approved) in the period
	Registered   int // … 注册 or later
	Started      int // … 开工 or later
	Producing    int // … 投产
	Contracted   float64
	PaidIn       float64
	DaysInStage  []StageDays

	// To date, at the period's end.
	Conversion       []StageConversion
	SignedToDate     int
	Honoured         int
	PerformanceRate  *float64 // 履约率
	AwaitingStart    int
	StartRate        *float64 // 开工率
	ContractedToDate float64
	PaidInToDate     float64
	FundingRate      *float64 // 资金到位率
	Capacity         []UnitFigure
	Flagged          int
	FlaggedLeads     []string // the first MaxFlaggedLeads of them
}

// KPIFormula names one KPI and says how it is computed.
type KPIFormula struct {
	Name    string
	Formula string
}

// KPIFormulas documents every KPI (the same text is in docs/pipeline.md). S is the set
// of signed projects to date: the group's leads whose approved history reached 签约 or a
// later stage before the period's end.
var KPIFormulas = []KPIFormula{
	{"leadsCreated", "leads created in the period"},
	{"signed / registered / started / producing", "leads whose approved history first reached 签约 / 注册 / 开工 / 投产 (or a later stage: a skipped stage counts as reached) in the period"},
	{"contracted", "Σ the approved contracted investment (亿元, as approved by the period's end) of the leads signed in the period"},
	{"paidIn", "Σ over S of (approved paid-in capital at the period's end − at its start), 亿元"},
	{"daysInStage", "per stage, the median of (left − entered) in days over the stays in it that ended in the period"},
	{"conversion", "per pair of consecutive stages A → B, of the group's leads that reached A before the period's end, the share that reached B before it"},
	{"signedToDate", "|S|"},
	{"履约率 performanceRate", "honoured ÷ |S|, honoured = the leads of S that reached 开工 or later before the period's end and are not 终止 at its end"},
	{"开工率 startRate", "started in the period ÷ awaitingStart, awaitingStart = the leads of S that had not reached 开工 at the period's start and were not 终止 then"},
	{"资金到位率 fundingRate", "paidInToDate ÷ contractedToDate: Σ approved paid-in capital ÷ Σ approved contracted investment over S, at the period's end"},
	{"capacity", "Σ expected capacity over S, per unit (per segment when grouped by segment)"},
	{"flagged", "the leads of S whose approved amounts jumped beyond AmountJumpFactor (3×) or that have duplicates (the same firm signed elsewhere)"},
}

// periodStart returns the start of the period holding t (in ChinaTime).
func periodStart(p KPIPeriod, t time.Time) time.Time {
	t = t.In(ChinaTime)
	switch p {
	case PeriodYear:
		return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, ChinaTime)
	case PeriodQuarter:
		return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, ChinaTime)
	}
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, ChinaTime)
}

func periodNext(p KPIPeriod, t time.Time) time.Time {
	switch p {
	case PeriodYear:
		return t.AddDate(1, 0, 0)
	case PeriodQuarter:
		return t.AddDate(0, 3, 0)
	}
	return t.AddDate(0, 1, 0)
}

func periodLabel(p KPIPeriod, t time.Time) string {
	switch p {
	case PeriodYear:
		return t.Format("2006")
	case PeriodQuarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	}
	return t.Format("2006-01")
}

// reachedAt is when the lead's history first reached stage s or a later active one.
func reachedAt(l *Lead, s LeadStage) (time.Time, bool) {
	for _, h := range l.History {
		if h.To.Rank() >= s.Rank() {
			return h.At, true
		}
	}
	return time.Time{}, false
}

// stageAt is the lead's stage just before t ("" before it was created).
func stageAt(l *Lead, t time.Time) LeadStage {
	var s LeadStage
	for _, h := range l.History {
		if !h.At.Before(t) {
			break
		}
		s = h.To
	}
	return s
}

func before(t time.Time, ok bool, end time.Time) bool { return ok && t.Before(end) }
func within(t time.Time, ok bool, start, end time.Time) bool {
	return ok && !t.Before(start) && t.Before(end)
}

func figureOr0(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

func ratio(num, den float64) *float64 {
	if den == 0 {
		return nil
	}
	r := num / den
	return &r
}

// KPIRowFor computes the KPIs of one group's leads over [start, end).
func KPIRowFor(leads []*Lead, start, end time.Time) KPIRow {
	r := KPIRow{Start: start.Format(time.DateOnly), Last: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	days := map[LeadStage][]float64{}
	reached := make([]int, len(LeadStages))
	for _, l := range leads {
		if within(l.CreatedAt, true, start, end) {
			r.LeadsCreated++
		}
		for i, s := range LeadStages {
			if at, ok := reachedAt(l, s); before(at, ok, end) && l.CreatedAt.Before(end) {
				reached[i]++
			}
		}
		for k := 0; k+1 < len(l.History); k++ {
			if left := l.History[k+1].At; within(left, true, start, end) {
				days[l.History[k].To] = append(days[l.History[k].To], left.Sub(l.History[k].At).Hours()/24)
			}
		}
		signedAt, signed := reachedAt(l, LeadSigned)
		if within(signedAt, signed, start, end) {
			r.Signed++
			r.Contracted += figureOr0(l.approvedFigure(end, pickContracted))
		}
		if at, ok := reachedAt(l, LeadRegistered); within(at, ok, start, end) {
			r.Registered++
		}
		startedAt, started := reachedAt(l, LeadConstruction)
		if within(startedAt, started, start, end) {
			r.Started++
		}
		if at, ok := reachedAt(l, LeadProduction); within(at, ok, start, end) {
			r.Producing++
		}
		if !before(signedAt, signed, end) {
			continue
		}
		// l is in S: signed before the period's end.
		r.SignedToDate++
		if before(startedAt, started, end) && stageAt(l, end) != LeadTerminated {
			r.Honoured++
		}
		if !before(startedAt, started, start) && stageAt(l, start) != LeadTerminated {
			r.AwaitingStart++
		}
		paidEnd, paidStart := figureOr0(l.approvedFigure(end, pickPaidIn)), figureOr0(l.approvedFigure(start, pickPaidIn))
		r.PaidIn += paidEnd - paidStart
		r.PaidInToDate += paidEnd
		r.ContractedToDate += figureOr0(l.approvedFigure(end, pickContracted))
		if l.Capacity != nil {
			i := slices.IndexFunc(r.Capacity, func(u UnitFigure) bool { return u.Unit == l.CapacityUnit })
			if i < 0 {
				r.Capacity = append(r.Capacity, UnitFigure{Unit: l.CapacityUnit})
				i = len(r.Capacity) - 1
			}
			r.Capacity[i].Value += *l.Capacity
		}
		if len(l.Duplicates) > 0 || len(l.AmountFlags()) > 0 {
			r.Flagged++
			if len(r.FlaggedLeads) < MaxFlaggedLeads {
				r.FlaggedLeads = append(r.FlaggedLeads, l.ID)
			}
		}
	}
	sort.Slice(r.Capacity, func(i, j int) bool { return r.Capacity[i].Unit < r.Capacity[j].Unit })
	r.PerformanceRate = ratio(float64(r.Honoured), float64(r.SignedToDate))
	r.StartRate = ratio(float64(r.Started), float64(r.AwaitingStart))
	r.FundingRate = ratio(r.PaidInToDate, r.ContractedToDate)
	for i := 0; i+1 < len(LeadStages); i++ {
		c := StageConversion{From: LeadStages[i], To: LeadStages[i+1], Reached: reached[i], Advanced: reached[i+1]}
		c.Rate = ratio(float64(c.Advanced), float64(c.Reached))
		r.Conversion = append(r.Conversion, c)
	}
	for _, s := range LeadStages {
		d := StageDays{Stage: s, Samples: len(days[s])}
		if d.Samples > 0 {
			m := median(days[s])
			d.Median = &m
		}
		r.DaysInStage = append(r.DaysInStage, d)
	}
	return r
}

// KPIReport is the KPIs of every group in every period, periods in order, groups by key.
type KPIReport struct {
	Period  KPIPeriod
	GroupBy KPIGroup
	Rows    []KPIRow
}

// BuildKPIs computes the KPIs of leads; groupKey gives a lead's group.
func BuildKPIs(leads []*Lead, q KPIQuery, groupKey func(*Lead) string) (*KPIReport, error) {
	if !slices.Contains([]KPIPeriod{PeriodMonth, PeriodQuarter, PeriodYear}, q.Period) {
		return nil, Errorf(EINVALID, "period: %q is not month, quarter or year", clip(string(q.Period)))
	}
	if err := CheckDate("from", q.From, true); err != nil {
		return nil, err
	}
	if err := CheckDate("to", q.To, true); err != nil {
		return nil, err
	}
	from, _ := time.ParseInLocation(time.DateOnly, q.From, ChinaTime)
	to, _ := time.ParseInLocation(time.DateOnly, q.To, ChinaTime)
	if to.Before(from) {
		return nil, Errorf(EINVALID, "to: %s is before from %s", q.To, q.From)
	}
	var starts []time.Time
	for t := periodStart(q.Period, from); !t.After(to); t = periodNext(q.Period, t) {
		if len(starts) == MaxKPIPeriods {
			return nil, Errorf(EINVALID, "from %s to %s holds more than %d periods; choose a longer period or a shorter span", q.From, q.To, MaxKPIPeriods)
		}
		starts = append(starts, t)
	}
	groups := map[string][]*Lead{}
	for _, l := range leads {
		k := groupKey(l)
		groups[k] = append(groups[k], l)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys)*len(starts) > MaxKPIRows {
		return nil, Errorf(EINVALID, "%d groups × %d periods is more than %d rows; narrow the filter or the span", len(keys), len(starts), MaxKPIRows)
	}
	rep := &KPIReport{Period: q.Period, GroupBy: q.GroupBy}
	for _, st := range starts {
		for _, k := range keys {
			row := KPIRowFor(groups[k], st, periodNext(q.Period, st))
			row.Period, row.Group = periodLabel(q.Period, st), k
			rep.Rows = append(rep.Rows, row)
		}
	}
	return rep, nil
}

// KPIs computes the KPIs of the leads a filter selects, for whoever may read leads.
func (p *Pipeline) KPIs(ctx context.Context, q KPIQuery) (*KPIReport, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	if q.GroupBy == "" {
		q.GroupBy = GroupNone
	}
	var key func(*Lead) string
	switch q.GroupBy {
	case GroupNone:
		key = func(*Lead) string { return "" }
	case GroupChain:
		key = func(l *Lead) string { return l.Chain }
	case GroupSegment:
		key = func(l *Lead) string { return l.Segment }
	case GroupPark:
		key = func(l *Lead) string { return l.Park }
	case GroupOwner:
		key = func(l *Lead) string { return l.Owner }
	case GroupRegion:
		parks, err := p.Data.Parks(ctx, ParkQuery{})
		if err != nil {
			return nil, fmt.Errorf("kpis: parks: %w", err)
		}
		regionOf := map[string]string{}
		for _, pk := range parks {
			if len(pk.Regions) > 0 {
				regionOf[pk.ID] = pk.Regions[0]
			}
		}
		key = func(l *Lead) string {
			if l.Region != "" {
				return l.Region
			}
			return regionOf[l.Park]
		}
	default:
		return nil, Errorf(EINVALID, "groupBy: %q is not none, chain, segment, park, region or owner", clip(string(q.GroupBy)))
	}
	f := q.Filter
	f.StaleDays, f.First, f.After = 0, 0, ""
	lq, err := p.query(ctx, f)
	if err != nil {
		return nil, err
	}
	leads, err := allLeads(ctx, p.Leads, lq)
	if err != nil {
		return nil, fmt.Errorf("kpis: %w", err)
	}
	return BuildKPIs(leads, q, key)
}
