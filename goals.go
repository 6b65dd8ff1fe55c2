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
	// OnTrack is nil when there is no current value to judge.
	OnTrack *bool
	Note    string
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
	}
	if p.Current != nil {
		ok := Meets(g, *p.Current)
		p.OnTrack = &ok
	}
	return p, nil
}

// Meets reports whether value satisfies the goal's comparator and target.
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
