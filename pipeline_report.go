package chainmap

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// PipelineReport is the funnel of a set of leads: counts and promised figures per stage,
// segment, park and owner, conversion between stages, the median days spent in each stage,
// and the stale leads.
type PipelineReport struct {
	Total       int
	ByStage     []GroupFigures
	BySegment   []GroupFigures
	ByPark      []GroupFigures
	ByOwner     []GroupFigures
	Conversion  []StageConversion
	DaysInStage []StageDays
	StaleDays   int
	Stale       []*Lead
}

// GroupFigures adds up the leads of one group (a stage, segment, park or owner).
type GroupFigures struct {
	Key   string
	Leads int
	// Investment sums the expected investment in 亿元 of the leads that state one.
	Investment float64
	// Capacity sums expected capacity per unit (a group may mix segments of other units).
	Capacity []UnitFigure
	Jobs     int
}

// UnitFigure is a figure with its unit.
type UnitFigure struct {
	Unit  string
	Value float64
}

// StageConversion is how many leads that reached From went on to reach To (a lead
// reaches every stage up to the furthest it has been at, skipped ones included).
type StageConversion struct {
	From, To LeadStage
	Reached  int
	Advanced int
	// Rate is Advanced / Reached, nil when none reached From.
	Rate *float64
}

// StageDays is the median time leads spent in a stage, over the stays that ended (a lead
// still in the stage is not counted).
type StageDays struct {
	Stage   LeadStage
	Samples int
	Median  *float64
}

// DefaultStaleDays is how many days without a follow-up make an open lead stale.
const DefaultStaleDays = 30

// BuildPipelineReport computes the report over leads at time now. Groups come in a fixed
// order: stages in pipeline order, the others by key.
func BuildPipelineReport(leads []*Lead, now time.Time, staleDays int) PipelineReport {
	if staleDays <= 0 {
		staleDays = DefaultStaleDays
	}
	r := PipelineReport{Total: len(leads), StaleDays: staleDays}
	group := func(key func(*Lead) string) map[string]*GroupFigures {
		m := map[string]*GroupFigures{}
		for _, l := range leads {
			k := key(l)
			g := m[k]
			if g == nil {
				g = &GroupFigures{Key: k}
				m[k] = g
			}
			g.Leads++
			if l.Investment != nil {
				g.Investment += *l.Investment
			}
			if l.Jobs != nil {
				g.Jobs += *l.Jobs
			}
			if l.Capacity != nil {
				i := slices.IndexFunc(g.Capacity, func(u UnitFigure) bool { return u.Unit == l.CapacityUnit })
				if i < 0 {
					g.Capacity = append(g.Capacity, UnitFigure{Unit: l.CapacityUnit})
					i = len(g.Capacity) - 1
				}
				g.Capacity[i].Value += *l.Capacity
			}
		}
		return m
	}
	sorted := func(m map[string]*GroupFigures) []GroupFigures {
		out := make([]GroupFigures, 0, len(m))
		for _, g := range m {
			sort.Slice(g.Capacity, func(i, j int) bool { return g.Capacity[i].Unit < g.Capacity[j].Unit })
			out = append(out, *g)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	stages := group(func(l *Lead) string { return string(l.Stage) })
	for _, s := range AllLeadStages {
		if g := stages[string(s)]; g != nil {
			r.ByStage = append(r.ByStage, *g)
		} else {
			r.ByStage = append(r.ByStage, GroupFigures{Key: string(s)})
		}
	}
	r.BySegment = sorted(group(func(l *Lead) string { return l.Segment }))
	r.ByPark = sorted(group(func(l *Lead) string { return l.Park }))
	r.ByOwner = sorted(group(func(l *Lead) string { return l.Owner }))

	// Conversion: the furthest active stage each lead reached.
	reached := make([]int, len(LeadStages))
	days := map[LeadStage][]float64{}
	for _, l := range leads {
		far := -1
		for k, h := range l.History {
			far = max(far, h.To.Rank())
			if h.To == LeadOnHold {
				far = max(far, h.From.Rank())
			}
			if k+1 < len(l.History) {
				days[h.To] = append(days[h.To], l.History[k+1].At.Sub(h.At).Hours()/24)
			}
		}
		for i := 0; i <= far; i++ {
			reached[i]++
		}
	}
	for i := 0; i+1 < len(LeadStages); i++ {
		c := StageConversion{From: LeadStages[i], To: LeadStages[i+1], Reached: reached[i], Advanced: reached[i+1]}
		if c.Reached > 0 {
			rate := float64(c.Advanced) / float64(c.Reached)
			c.Rate = &rate
		}
		r.Conversion = append(r.Conversion, c)
	}
	for _, s := range AllLeadStages {
		d := StageDays{Stage: s, Samples: len(days[s])}
		if d.Samples > 0 {
			m := median(days[s])
			d.Median = &m
		}
		r.DaysInStage = append(r.DaysInStage, d)
	}
	cutoff := now.AddDate(0, 0, -staleDays)
	for _, l := range leads {
		if l.Stale(cutoff) {
			r.Stale = append(r.Stale, l)
		}
	}
	return r
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Report returns the pipeline report over the leads matching the filter (its page fields
// are ignored; StaleDays, default DefaultStaleDays, says when a lead is stale).
func (p *Pipeline) Report(ctx context.Context, f LeadFilter) (*PipelineReport, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	stale := f.StaleDays
	f.StaleDays, f.First, f.After = 0, 0, ""
	if stale < 0 || stale > MaxStaleDays {
		return nil, Errorf(EINVALID, "staleDays must be between 0 and %d", MaxStaleDays)
	}
	q, err := p.query(ctx, f)
	if err != nil {
		return nil, err
	}
	leads, err := allLeads(ctx, p.Leads, q)
	if err != nil {
		return nil, fmt.Errorf("pipeline report: %w", err)
	}
	r := BuildPipelineReport(leads, p.now(), stale)
	return &r, nil
}
