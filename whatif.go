package chainmap

import (
	"context"
	"fmt"
	"slices"
)

// WhatIfChange is one hypothetical change: an enterprise (existing, or a new one named
// only) starts or stops operating in a segment, in a park or region.
type WhatIfChange struct {
	// Enterprise is an existing enterprise id; empty for a new enterprise.
	Enterprise string
	// Name names a new enterprise (for the answer only).
	Name    string
	Segment string
	// Capacity is added (or, for a removal, subtracted) in the segment's unit. Left nil
	// for an existing enterprise, it defaults to the capacity that enterprise's own
	// operation in the segment records, when that operation's figure is not already in
	// the scope's (for an addition) or is (for a removal); see knownCapacity.
	Capacity *float64
	// Park and Region place the change; an existing enterprise keeps its own location
	// unless one is given.
	Park   string
	Region string
}

// WhatIfQuery recomputes a gap analysis on a hypothetical overlay; nothing is written.
type WhatIfQuery struct {
	Chain     string
	Scope     Scope
	Add       []WhatIfChange
	Remove    []WhatIfChange
	Overrides []ThresholdOverride
}

// StatusChange is a segment whose status or kind the overlay changes.
type StatusChange struct {
	Segment                   *Segment
	StatusBefore, StatusAfter GapStatus
	KindBefore, KindAfter     GapKind
	EnterprisesBefore         int
	EnterprisesAfter          int
}

// WhatIfResult holds the analysis before and after, and what changed.
type WhatIfResult struct {
	Before, After *GapReport
	Changes       []StatusChange
}

// WhatIf recomputes the gap analysis with enterprises added to or removed from
// segments. Changes outside the scope change nothing and say so in an error.
func WhatIf(ctx context.Context, s Store, q WhatIfQuery) (*WhatIfResult, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	in, err := gatherGapInput(ctx, s, GapQuery{Chain: q.Chain, Scope: q.Scope, Overrides: q.Overrides})
	if err != nil {
		return nil, err
	}
	before, err := AnalyseGaps(*in)
	if err != nil {
		return nil, err
	}
	ov := &overlay{ctx: ctx, s: s, in: in}
	if err := ov.prepare(q); err != nil {
		return nil, err
	}
	for _, c := range q.Add {
		if err := ov.apply(c, +1); err != nil {
			return nil, err
		}
	}
	for _, c := range q.Remove {
		if err := ov.apply(c, -1); err != nil {
			return nil, err
		}
	}
	after, err := AnalyseGaps(*in)
	if err != nil {
		return nil, err
	}
	return &WhatIfResult{Before: before, After: after, Changes: diffReports(before, after)}, nil
}

// validate checks the figures of every change and override before anything is read:
// capacities are finite, non-negative and at most MaxFigure (a removal's capacity is the
// amount removed, so it is not negative either).
func (q WhatIfQuery) validate() error {
	for list, changes := range map[string][]WhatIfChange{"add": q.Add, "remove": q.Remove} {
		for i, c := range changes {
			if err := checkOptFigure(fmt.Sprintf("whatIf %s[%d].capacity", list, i), c.Capacity); err != nil {
				return err
			}
		}
	}
	for _, o := range q.Overrides {
		if err := o.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// DiffReports lists segments whose status or kind differ between two reports.
func diffReports(before, after *GapReport) []StatusChange {
	b := map[string]*SegmentGap{}
	for _, g := range before.Segments {
		b[g.Segment.ID] = g
	}
	var out []StatusChange
	for _, a := range after.Segments {
		o := b[a.Segment.ID]
		if o == nil || (o.Status == a.Status && o.Kind == a.Kind) {
			continue
		}
		out = append(out, StatusChange{Segment: a.Segment, StatusBefore: o.Status, StatusAfter: a.Status,
			KindBefore: o.Kind, KindAfter: a.Kind, EnterprisesBefore: o.Stat.Enterprises, EnterprisesAfter: a.Stat.Enterprises})
	}
	return out
}

type overlay struct {
	ctx     context.Context
	s       Store
	in      *GapInput
	parent  map[string]string
	inScope func(region, park string) bool
	ents    map[string]*Enterprise
	ops     map[string][]*Operation    // enterprise → operations
	counted map[string]map[string]bool // segment → enterprise → counted in its stat
	inStats map[string]bool            // enterprise → its operations are in the scope's stats
}

func (ov *overlay) prepare(q WhatIfQuery) error {
	ov.parent = map[string]string{}
	for _, sg := range ov.in.Segments {
		ov.parent[sg.ID] = sg.Parent
	}
	regions, err := ov.s.Regions(ov.ctx, RegionQuery{})
	if err != nil {
		return err
	}
	parks, err := ov.s.Parks(ov.ctx, ParkQuery{})
	if err != nil {
		return err
	}
	places := NewPlaces(slices.Values(regions), slices.Values(parks))
	cov, err := places.Cover(q.Scope)
	if err != nil {
		return err
	}
	ov.inScope = func(region, park string) bool { return places.ContainsPlace(cov, region, park) }
	pk := map[string]*Park{}
	for _, p := range parks {
		pk[p.ID] = p
	}
	// Existing enterprises named by the changes, and their operations, so that an
	// enterprise already counted in a segment's subtree is not counted twice.
	var ids []string
	for _, c := range append(append([]WhatIfChange{}, q.Add...), q.Remove...) {
		if c.Enterprise != "" {
			ids = append(ids, c.Enterprise)
		}
		if c.Segment == "" || !hasSegment(ov.in.Segments, c.Segment) {
			return Errorf(EINVALID, "what-if change names segment %q, which is not in chain %q", c.Segment, q.Chain)
		}
		if c.Park != "" && pk[c.Park] == nil {
			return Errorf(EINVALID, "what-if change names unknown park %q", c.Park)
		}
	}
	ov.ents, ov.ops = map[string]*Enterprise{}, map[string][]*Operation{}
	if len(ids) > 0 {
		page, err := ov.s.Enterprises(ov.ctx, EnterpriseQuery{IDs: ids, SkipTotal: true})
		if err != nil {
			return err
		}
		for _, e := range page.Enterprises {
			ov.ents[e.ID] = e
		}
		for _, id := range ids {
			if ov.ents[id] == nil {
				return Errorf(EINVALID, "what-if change names unknown enterprise %q", id)
			}
		}
		ops, err := ov.s.Operations(ov.ctx, OperationQuery{Enterprises: ids})
		if err != nil {
			return err
		}
		for _, o := range ops {
			ov.ops[o.Enterprise] = append(ov.ops[o.Enterprise], o)
		}
	}
	ov.counted, ov.inStats = map[string]map[string]bool{}, map[string]bool{}
	for id, e := range ov.ents {
		if !e.Active() || !ov.inScope(e.Region, e.Park) {
			continue
		}
		ov.inStats[id] = true
		for _, o := range ov.ops[id] {
			if !CountsForPresence(o.Role) {
				continue
			}
			for sg := o.Segment; sg != ""; sg = ov.parent[sg] {
				ov.mark(sg, id, true)
			}
		}
	}
	return nil
}

func (ov *overlay) mark(segment, ent string, v bool) {
	m := ov.counted[segment]
	if m == nil {
		m = map[string]bool{}
		ov.counted[segment] = m
	}
	m[ent] = v
}

// apply adds (sign +1) or removes (sign −1) one change to the stats of the segment and
// its ancestors.
func (ov *overlay) apply(c WhatIfChange, sign int) error {
	key := c.Enterprise
	region, park := c.Region, c.Park
	if key == "" {
		if sign < 0 {
			return Errorf(EINVALID, "a removal must name an existing enterprise")
		}
		key = fmt.Sprintf("new:%s:%s", c.Name, c.Segment)
	} else if e := ov.ents[key]; e != nil && region == "" && park == "" {
		region, park = e.Region, e.Park
	}
	if region == "" && park == "" {
		return Errorf(EINVALID, "what-if change for %s in %s needs a park or a region", nameOr(c.Name, c.Enterprise), c.Segment)
	}
	if !ov.inScope(region, park) {
		return Errorf(EINVALID, "what-if change for %s in %s lies outside the scope", nameOr(c.Name, c.Enterprise), c.Segment)
	}
	capacity := c.Capacity
	if capacity == nil && c.Enterprise != "" {
		capacity = ov.knownCapacity(c.Enterprise, c.Segment, sign)
	}
	for sg := c.Segment; sg != ""; sg = ov.parent[sg] {
		st := ov.in.Stats[sg]
		st.Segment = sg
		was := ov.counted[sg][key]
		if sign > 0 && !was {
			st.Enterprises++
			ov.mark(sg, key, true)
		}
		if sign < 0 && was && !ov.stillCounted(key, sg, c.Segment) {
			st.Enterprises--
			ov.mark(sg, key, false)
		}
		if capacity != nil {
			seg := segmentByID(ov.in.Segments, sg)
			from := segmentByID(ov.in.Segments, c.Segment)
			if v, err := ConvertUnit(*capacity, from.Unit, seg.Unit); err == nil && seg.Unit != "" {
				cur := 0.0
				if st.Capacity != nil {
					cur = *st.Capacity
				}
				cur, err := addFigures("the capacity of segment "+sg, cur, float64(sign)*v)
				if err != nil {
					return err
				}
				st.Capacity = &cur
			}
		}
		ov.in.Stats[sg] = st
	}
	if sign < 0 {
		// The removed operation no longer keeps the enterprise counted elsewhere.
		ops := ov.ops[key][:0]
		for _, o := range ov.ops[key] {
			if o.Segment != c.Segment {
				ops = append(ops, o)
			}
		}
		ov.ops[key] = ops
	}
	return nil
}

// knownCapacity is the capacity an existing enterprise's own operation in segment
// records, in the segment's unit: what a change that gives no capacity moves, so that
// attracting a known producer brings its known capacity. An addition takes it only when
// the enterprise's figures are not already in the scope's stats (otherwise it would count
// twice), a removal only when they are. Nil when the enterprise records no producing
// capacity there, or one in a unit that does not convert to the segment's.
func (ov *overlay) knownCapacity(ent, segment string, sign int) *float64 {
	if (sign > 0) == ov.inStats[ent] {
		return nil
	}
	unit := segmentByID(ov.in.Segments, segment).Unit
	for _, o := range ov.ops[ent] {
		if o.Segment != segment || o.Role == "rnd" || o.Capacity == nil || unit == "" {
			continue
		}
		if v, err := ConvertUnit(*o.Capacity, o.CapacityUnit, unit); err == nil {
			return &v
		}
	}
	return nil
}

// stillCounted reports whether the enterprise keeps another operation inside the subtree
// of sg once its operation in removed is gone.
func (ov *overlay) stillCounted(ent, sg, removed string) bool {
	for _, o := range ov.ops[ent] {
		if o.Segment == removed || !CountsForPresence(o.Role) {
			continue
		}
		for n := o.Segment; n != ""; n = ov.parent[n] {
			if n == sg {
				return true
			}
		}
	}
	return false
}

func segmentByID(segs []*Segment, id string) *Segment {
	for _, s := range segs {
		if s.ID == id {
			return s
		}
	}
	return &Segment{}
}
