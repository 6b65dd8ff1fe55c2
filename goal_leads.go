package chainmap

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// SignedStages are the stages of a lead whose project is agreed: 签约 and later. Goal
// progress shows what the leads at these stages would add (issue 16, item 7).
var SignedStages = []LeadStage{LeadSigned, LeadRegistered, LeadConstruction, LeadProduction}

// MaxGoalLeads bounds the leads one goal evaluation reads (those the filter selects,
// before the goal's scope is applied).
const MaxGoalLeads = 1000

// Bases of a goal's lead effect: what the leads' figures measure for it.
const (
	BasisCapacity    = "capacity"    // the expected capacity, through what-if
	BasisEnterprises = "enterprises" // the firms counted in the goal's segment, through what-if
	BasisInvestment  = "investment"  // the expected investment (亿元)
)

// GoalLeadEffect is what a set of leads would add to a goal had their projects produced:
// Added in the goal's unit, and the goal's progress with it.
type GoalLeadEffect struct {
	Goal *Goal
	// Leads are the selected leads that count for the goal: inside its scope and, for a
	// goal about a segment, in that segment or under it.
	Leads []*Lead
	// Basis is BasisCapacity, BasisEnterprises or BasisInvestment; empty when the leads'
	// figures do not measure this goal (Added is nil then).
	Basis string
	// Added is what the leads would add, in the goal's unit; nil when it cannot be said.
	Added *float64
	// Current is the goal's current value (ProgressOf); WithLeads is Current + Added, nil
	// when either is unknown; OnTrackWithLeads judges WithLeads as OnTrack judges Current.
	Current          *float64
	WithLeads        *float64
	OnTrackWithLeads *bool
	Note             string
}

// GoalLeadEffect computes what the leads a filter selects (SignedStages when the filter
// names no stage) would add to a goal. It is the one rule of "goal progress with the
// leads", whatever the store and the transport:
//
//   - a goal about a segment's capacity (derive sum_capacity(S), or a segment and a unit
//     its capacity converts to) adds the capacity the what-if analysis gives S with the
//     leads added (WhatIf with WhatIfAdditions' changes, over the goal's scope), converted
//     to the goal's unit;
//   - a goal counting enterprises in a segment (count_enterprises() or
//     count_enterprises(segment=S) with the goal's segment) adds the enterprises that
//     what-if counts more in S; a count by revenue or designation cannot say (a firm's
//     future revenue is unknown);
//   - a goal whose metric names investment, in a money unit, adds the leads' approved
//     contracted investment (Lead.Contracted), or the expected investment of a lead
//     without one (亿元, converted);
//   - for any other goal the leads' figures do not measure it: Added is nil.
//
// Only leads inside the goal's scope count (the scope rule of Places.ContainsPlace),
// and for a segment's goal only those in its subtree; leads whose segment left the
// dataset do not count.
func (p *Pipeline) GoalLeadEffect(ctx context.Context, g *Goal, f LeadFilter) (*GoalLeadEffect, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	if len(f.Stages) == 0 {
		f.Stages = SignedStages
	}
	var selected []*Lead
	f.First, f.After = MaxLeadPage, ""
	for {
		page, err := p.LeadsPage(ctx, f)
		if err != nil {
			return nil, err
		}
		selected = append(selected, page.Leads...)
		if len(selected) > MaxGoalLeads {
			return nil, Errorf(EINVALID, "the lead filter selects more than %d leads; narrow it", MaxGoalLeads)
		}
		if !page.HasNext {
			break
		}
		f.After = page.EndCursor
	}
	prog, err := ProgressOf(ctx, p.Data, g)
	if err != nil {
		return nil, err
	}
	out := &GoalLeadEffect{Goal: g, Current: prog.Current, Leads: []*Lead{}}

	sc := Scope{Region: g.Region, Park: g.Park}
	if sc.Park != "" {
		sc.Region = ""
	}
	regions, err := p.Data.Regions(ctx, RegionQuery{})
	if err != nil {
		return nil, fmt.Errorf("goal %s with leads: %w", g.ID, err)
	}
	parks, err := p.Data.Parks(ctx, ParkQuery{})
	if err != nil {
		return nil, fmt.Errorf("goal %s with leads: %w", g.ID, err)
	}
	places := NewPlaces(slices.Values(regions), slices.Values(parks))
	cov, err := places.Cover(sc)
	if err != nil {
		return nil, fmt.Errorf("goal %s with leads: %w", g.ID, err)
	}
	segs, err := p.Data.Segments(ctx, SegmentQuery{})
	if err != nil {
		return nil, fmt.Errorf("goal %s with leads: %w", g.ID, err)
	}
	seg := map[string]*Segment{}
	for _, s := range segs {
		seg[s.ID] = s
	}

	// What the goal measures.
	var d Derivation
	if g.Derive != "" {
		if d, err = ParseDerivation(g.Derive); err != nil {
			return nil, Errorf(EINVALID, "goal %s: %v", g.ID, err)
		}
	}
	segment := g.Segment
	switch {
	case d.Func == "sum_capacity":
		segment, out.Basis = d.Segment, BasisCapacity
	case d.Func == "count_enterprises" && d.Field == "segment":
		segment, out.Basis = d.Text, BasisEnterprises
	case d.Func == "count_enterprises" && d.Field == "":
		if segment != "" {
			out.Basis = BasisEnterprises
		}
	case d.Func == "count_enterprises":
		out.Note = "the leads' effect on a count by " + d.Field + " cannot be said: a firm's figures once producing are not known"
	case segment != "" && seg[segment] != nil && convertible(seg[segment].Unit, g.Unit):
		out.Basis = BasisCapacity
	case strings.Contains(strings.ToLower(g.Metric), "investment") && isMoney(g.Unit):
		out.Basis = BasisInvestment
	}
	if out.Basis == "" && out.Note == "" {
		out.Note = "the leads' expected investment, capacity and jobs do not measure this goal"
	}
	if segment != "" && seg[segment] == nil {
		return nil, Errorf(EINVALID, "goal %s is about segment %q, which is not in the dataset", g.ID, segment)
	}

	// The leads that count: inside the scope and, for a segment's goal, in the segment or
	// under it (the others change nothing of its figures).
	for _, l := range selected {
		if l.SegmentMissing || !places.ContainsPlace(cov, l.Region, l.Park) {
			continue
		}
		if segment != "" && !underSegment(seg, l.Segment, segment) {
			continue
		}
		out.Leads = append(out.Leads, l)
	}

	switch out.Basis {
	case BasisInvestment:
		sum := 0.0
		contracted, expected := 0, 0
		for _, l := range out.Leads {
			// The approved contracted amount (approval.go) is the signed fact while the
			// lead stands at 签约 or later; a lead without one (not signed, moved back,
			// or signed before approvals) counts its expected investment.
			var amount *float64
			if l.Stage.AtLeast(LeadSigned) || l.Stage == LeadOnHold && l.HeldFrom.AtLeast(LeadSigned) {
				amount = l.Contracted() // moved back before 签约, the agreement no longer stands
			}
			if amount != nil {
				contracted++
			} else if amount = l.Investment; amount != nil {
				expected++
			} else {
				continue
			}
			v, err := ConvertUnit(*amount, "亿元", g.Unit)
			if err != nil {
				return nil, fmt.Errorf("goal %s: %w", g.ID, err)
			}
			if sum, err = addFigures("the leads' investment", sum, v); err != nil {
				return nil, err
			}
		}
		out.Added = &sum
		out.Note = fmt.Sprintf("the investment of the leads in the goal's scope: the approved contracted amount of %d, the expected investment of %d without one",
			contracted, expected)
	case BasisCapacity, BasisEnterprises:
		added, note, err := p.whatIfAdds(ctx, out.Leads, seg[segment], sc, out.Basis, g.Unit)
		if err != nil {
			return nil, fmt.Errorf("goal %s with leads: %w", g.ID, err)
		}
		out.Added, out.Note = added, note
	}
	if out.Added != nil && out.Current != nil {
		v, err := addFigures("the goal's value with the leads", *out.Current, *out.Added)
		if err != nil {
			return nil, err
		}
		out.WithLeads = &v
		out.OnTrackWithLeads = MeetsQualified(g, v, prog.Qualifier)
	}
	return out, nil
}

// whatIfAdds is what the leads change in one segment's figure (capacity or enterprises)
// by the what-if analysis of the segment's chain over the scope.
func (p *Pipeline) whatIfAdds(ctx context.Context, leads []*Lead, s *Segment, sc Scope, basis, unit string) (*float64, string, error) {
	zero := 0.0
	if len(leads) == 0 {
		return &zero, "no lead counts for this goal", nil
	}
	// The leads are at most MaxGoalLeads (GoalLeadEffect reads no more): the what-if
	// overlay costs one step per lead and segment level, and one lookup of the dataset
	// enterprises they name.
	units := map[string]string{s.ID: s.Unit}
	changes := make([]WhatIfChange, 0, len(leads))
	for _, l := range leads {
		if _, ok := units[l.Segment]; !ok {
			segs, err := p.Data.Segments(ctx, SegmentQuery{IDs: []string{l.Segment}})
			if err != nil {
				return nil, "", err
			}
			if len(segs) > 0 {
				units[l.Segment] = segs[0].Unit
			}
		}
		changes = append(changes, LeadWhatIfChange(l, units[l.Segment]))
	}
	res, err := WhatIf(ctx, p.Data, WhatIfQuery{Chain: s.Chain, Scope: sc, Add: changes})
	if err != nil {
		return nil, "", err
	}
	stat := func(r *GapReport) SegmentStat {
		for _, g := range r.Segments {
			if g.Segment.ID == s.ID {
				return g.Stat
			}
		}
		return SegmentStat{}
	}
	before, after := stat(res.Before), stat(res.After)
	if basis == BasisEnterprises {
		v := float64(after.Enterprises - before.Enterprises)
		return &v, fmt.Sprintf("the enterprises the what-if analysis counts more in %s with the leads", s.ID), nil
	}
	b, a := 0.0, 0.0
	if before.Capacity != nil {
		b = *before.Capacity
	}
	if after.Capacity != nil {
		a = *after.Capacity
	}
	v, err := ConvertUnit(a-b, s.Unit, unit)
	if err != nil {
		return nil, "", err
	}
	return &v, fmt.Sprintf("the capacity the what-if analysis adds to %s with the leads (their expected capacity where stated in the segment's unit)", s.ID), nil
}

// LeadWhatIfChange is a lead as a what-if addition: its dataset enterprise (or a new
// firm by name) operating in its segment at its park or region, with its expected
// capacity when stated in the segment's unit (unit); an enterprise of the dataset whose
// lead states no capacity adds none (the firm counts, not its other plants).
func LeadWhatIfChange(l *Lead, unit string) WhatIfChange {
	c := WhatIfChange{Name: l.FirmName, Segment: l.Segment, Park: l.Park, Region: l.Region}
	if !l.EnterpriseMissing {
		c.Enterprise = l.Enterprise
	}
	if l.Capacity != nil && l.CapacityUnit == unit {
		v := *l.Capacity
		c.Capacity = &v
	} else if c.Enterprise != "" {
		zero := 0.0
		c.Capacity = &zero
	}
	return c
}

// convertible reports whether a figure in unit from converts to unit to (both given).
func convertible(from, to string) bool {
	if from == "" || to == "" {
		return false
	}
	_, err := ConvertUnit(1, from, to)
	return err == nil
}

func isMoney(unit string) bool {
	u, ok := ParseUnit(unit)
	return ok && u.Dimension == "money"
}

// underSegment reports whether segment id is top or lies under it.
func underSegment(seg map[string]*Segment, id, top string) bool {
	for n := 0; id != "" && n < 64; n++ {
		if id == top {
			return true
		}
		s := seg[id]
		if s == nil {
			return false
		}
		id = s.Parent
	}
	return false
}
