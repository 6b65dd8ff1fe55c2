package chainmap

import (
	"context"
	"fmt"
	"math"
)

// GoalProgress is a goal with its current value: computed from the graph where the goal
// says how (Derive), otherwise the latest figure the dataset gives, and whether that is
// on track for the target.
type GoalProgress struct {
	Goal        *Goal
	Current     *float64
	CurrentYear *int
	// Derived is true when Current was computed from the graph now.
	Derived bool
	// OnTrack is nil when there is no current value to judge, or when the value is a
	// bound that cannot tell (see MeetsQualified).
	OnTrack *bool
	// Qualifier says whether Current is a bound: at_least for counts that only see the
	// enterprises whose revenue is known, or the dataset's current_qualifier.
	Qualifier Qualifier
	Note      string
}

// approxTolerance is how close "approx" targets must be (10%).
const approxTolerance = 0.10

// ProgressOf computes a goal's progress; it makes at most two store calls.
func ProgressOf(ctx context.Context, s Store, g *Goal) (*GoalProgress, error) {
	p := &GoalProgress{Goal: g, Current: g.CurrentValue, CurrentYear: g.CurrentYear}
	if g.Derive != "" {
		d, err := ParseDerivation(g.Derive)
		if err != nil {
			return nil, Errorf(EINVALID, "goal %s: %v", g.ID, err)
		}
		v, note, err := derive(ctx, s, g, d)
		if err != nil {
			return nil, fmt.Errorf("goal %s: %w", g.ID, err)
		}
		p.Current, p.CurrentYear, p.Derived, p.Note = &v, nil, true, note
		if d.Func == "count_enterprises" && d.Field == "revenue" {
			// Enterprises whose revenue the dataset lacks are not counted: a lower bound.
			p.Qualifier = QualifierAtLeast
		}
	}
	if g.Derive == "" {
		p.Qualifier = g.CurrentQualifier
	}
	if p.Current != nil {
		p.OnTrack = MeetsQualified(g, *p.Current, p.Qualifier)
		switch {
		case p.OnTrack == nil:
			p.Note = joinNote(p.Note, fmt.Sprintf("the current value is a bound (%s %g): it cannot tell whether the goal is met", p.Qualifier, *p.Current))
		case p.Qualifier == QualifierAbout:
			p.Note = joinNote(p.Note, "the current value is approximate and is compared as it stands")
		}
	}
	return p, nil
}

// Meets reports whether value satisfies the goal's comparator and target.
// MeetsQualified says whether a goal is met by a figure that may be a bound: true when
// every value the figure allows meets it, false when none does, nil when some do and some
// do not ("more than 70" meets "≥ 70" but cannot say whether it meets "≥ 80"). An
// approximate figure ("about") is compared as the value it gives.
func MeetsQualified(g *Goal, v float64, q Qualifier) *bool {
	yes, no := true, false
	if !q.IsBound() {
		ok := Meets(g, v)
		return &ok
	}
	val := boundInterval(v, q)
	acc, ok := goalInterval(g)
	if !ok {
		return &no
	}
	switch {
	case val.within(acc):
		return &yes
	case val.disjoint(acc):
		return &no
	}
	return nil
}

// interval is a set of numbers between lo and hi, each end open or closed; infinite
// ends are open.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func boundInterval(v float64, q Qualifier) interval {
	inf := math.Inf(1)
	switch q {
	case QualifierAtLeast:
		return interval{v, inf, false, true}
	case QualifierMoreThan:
		return interval{v, inf, true, true}
	case QualifierAtMost:
		return interval{-inf, v, true, false}
	case QualifierLessThan:
		return interval{-inf, v, true, true}
	}
	return interval{v, v, false, false}
}

// goalInterval is the set of values that meet a goal.
func goalInterval(g *Goal) (interval, bool) {
	t, inf := g.TargetValue, math.Inf(1)
	switch g.Comparator {
	case "ge":
		return interval{t, inf, false, true}, true
	case "gt":
		return interval{t, inf, true, true}, true
	case "le":
		return interval{-inf, t, true, false}, true
	case "lt":
		return interval{-inf, t, true, true}, true
	case "eq":
		return interval{t, t, false, false}, true
	case "approx":
		d := approxTolerance * math.Abs(t)
		return interval{t - d, t + d, false, false}, true
	case "between":
		if g.TargetMax != nil {
			return interval{t, *g.TargetMax, false, false}, true
		}
	}
	return interval{}, false
}

// within reports whether a lies inside b.
func (a interval) within(b interval) bool {
	loOK := a.lo > b.lo || (a.lo == b.lo && (!b.loOpen || a.loOpen))
	hiOK := a.hi < b.hi || (a.hi == b.hi && (!b.hiOpen || a.hiOpen))
	return loOK && hiOK
}

// disjoint reports whether a and b share no number.
func (a interval) disjoint(b interval) bool {
	return a.hi < b.lo || (a.hi == b.lo && (a.hiOpen || b.loOpen)) ||
		b.hi < a.lo || (b.hi == a.lo && (b.hiOpen || a.loOpen))
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// Meets says whether a value meets a goal's comparator and target.
func Meets(g *Goal, v float64) bool {
	t := g.TargetValue
	switch g.Comparator {
	case "ge":
		return v >= t
	case "gt":
		return v > t
	case "le":
		return v <= t
	case "lt":
		return v < t
	case "eq":
		return v == t
	case "approx":
		return math.Abs(v-t) <= approxTolerance*math.Abs(t)
	case "between":
		return g.TargetMax != nil && v >= t && v <= *g.TargetMax
	}
	return false
}

func derive(ctx context.Context, s Store, g *Goal, d Derivation) (float64, string, error) {
	sc := Scope{Region: g.Region, Park: g.Park}
	if sc.Park != "" {
		sc.Region = ""
	}
	switch d.Func {
	case "count_enterprises":
		q := EnterpriseQuery{Region: sc.Region, Park: sc.Park, Status: StatusActive, First: 1}
		note := "counts the active enterprises of the dataset in the goal's scope"
		switch d.Field {
		case "revenue":
			n := d.Number
			switch d.Op {
			case ">=":
				q.MinRevenue = &n
			case ">":
				m := math.Nextafter(n, math.Inf(1))
				q.MinRevenue = &m
			case "<=":
				q.MaxRevenue = &n
			case "<":
				m := math.Nextafter(n, math.Inf(-1))
				q.MaxRevenue = &m
			case "=":
				q.MinRevenue, q.MaxRevenue = &n, &n
			}
			note += " whose revenue is known: a lower bound where revenues are missing"
		case "designation":
			q.Designation = d.Text
		case "segment":
			q.Segment = d.Text
		}
		if g.Segment != "" && q.Segment == "" {
			q.Segment = g.Segment
		}
		page, err := s.Enterprises(ctx, q)
		if err != nil {
			return 0, "", err
		}
		return float64(page.Total), note, nil
	case "sum_capacity":
		segs, err := s.Segments(ctx, SegmentQuery{IDs: []string{d.Segment}})
		if err != nil {
			return 0, "", err
		}
		if len(segs) == 0 {
			return 0, "", Errorf(ENOTFOUND, "no segment %q", d.Segment)
		}
		st, err := s.SegmentStats(ctx, StatsQuery{Chain: segs[0].Chain, Scope: sc})
		if err != nil {
			return 0, "", err
		}
		for _, x := range st {
			if x.Segment == d.Segment {
				if x.Capacity == nil {
					return 0, "no local capacity figure: counted as 0", nil
				}
				return *x.Capacity, "sums the capacity of local enterprises that report one", nil
			}
		}
		return 0, "", nil
	}
	return 0, "", Errorf(EINVALID, "unknown derivation %q", d.Func)
}
