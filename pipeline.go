package chainmap

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Pipeline is the 招商 pipeline's service: every read and change of a lead goes through
// it, so that authorisation (Authorize), validation, the stage rule (CheckStageMove) and
// the audit trail hold whatever the transport. Data is the dataset (to resolve and flag
// enterprises and segments), Leads the user data.
type Pipeline struct {
	Data  Store
	Leads LeadStore
	// Now returns the time (time.Now when nil); tests fix it.
	Now func() time.Time
	// Approval says who decides moves to 签约 or later (zero: managers and admins, never
	// on their own requests).
	Approval ApprovalPolicy
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// LeadInput is a new lead as a client gives it. Enterprise or FirmName is required; the
// segment is required and gives the chain and the capacity unit.
type LeadInput struct {
	Enterprise  string
	FirmName    string
	CreditCode  string
	Segment     string
	Park        string
	Region      string
	Owner       string // default: the actor
	Investment  *float64
	Capacity    *float64
	Jobs        *int
	NextStep    string
	NextStepDue string
	Origin      string
	// ExpectedLanding is when the project is expected to land, YYYY-MM-DD.
	ExpectedLanding string
}

// CreateLead creates a lead at 线索, owned by the actor unless a manager names another
// owner. The segment, enterprise, park and region must exist in the dataset.
func (p *Pipeline) CreateLead(ctx context.Context, in LeadInput) (*Lead, error) {
	a := ActorFrom(ctx)
	if err := Authorize(a, ActCreateLead, nil); err != nil {
		return nil, err
	}
	if in.Owner == "" {
		in.Owner = a.Name
	}
	if in.Owner != a.Name {
		if err := Authorize(a, ActReassign, nil); err != nil {
			return nil, Errorf(EFORBIDDEN, "owner: only a manager may create a lead for someone else")
		}
		if err := p.checkOwner(ctx, in.Owner); err != nil {
			return nil, err
		}
	}
	now := p.now()
	l := &Lead{ID: NewLeadID(now), Enterprise: in.Enterprise, FirmName: in.FirmName, CreditCode: in.CreditCode,
		Segment: in.Segment, Park: in.Park, Region: in.Region, Owner: in.Owner, Investment: in.Investment,
		Capacity: in.Capacity, Jobs: in.Jobs, NextStep: in.NextStep, NextStepDue: in.NextStepDue,
		Origin: in.Origin, ExpectedLanding: in.ExpectedLanding, Stage: LeadClue, CreatedAt: now, CreatedBy: a.Name, UpdatedAt: now, LastActivity: now,
		History: []StageChange{{To: LeadClue, At: now, By: a.Name}}}
	if err := CheckText("segment", l.Segment, maxIDRunes, true); err != nil {
		return nil, err
	}
	if err := p.resolve(ctx, l); err != nil {
		return nil, err
	}
	l.Version = 1
	if err := l.Validate(); err != nil {
		return nil, err
	}
	dups, err := p.FindDuplicates(ctx, l)
	if err != nil {
		return nil, err
	}
	l.Duplicates = dups
	out, err := p.Leads.CreateLead(ctx, l, AuditEntry{At: now, Actor: a.Name, Action: ActionLeadCreate,
		Subject: l.ID, After: AuditJSON(l)})
	if err != nil {
		return nil, fmt.Errorf("create lead: %w", err)
	}
	return out, nil
}

// resolve fills what the dataset knows (chain and unit from the segment; name and credit
// code from the enterprise) and refuses references the dataset does not hold.
func (p *Pipeline) resolve(ctx context.Context, l *Lead) error {
	segs, err := p.Data.Segments(ctx, SegmentQuery{IDs: []string{l.Segment}})
	if err != nil {
		return fmt.Errorf("look up segment: %w", err)
	}
	if len(segs) == 0 {
		return Errorf(EINVALID, "segment: %q is not a segment of the dataset", clip(l.Segment))
	}
	l.Chain = segs[0].Chain
	if l.Capacity != nil && l.CapacityUnit == "" {
		l.CapacityUnit = segs[0].Unit
		if l.CapacityUnit == "" {
			return Errorf(EINVALID, "capacity: the segment %s has no unit, so a capacity cannot be stated", l.Segment)
		}
	}
	if l.Enterprise != "" {
		page, err := p.Data.Enterprises(ctx, EnterpriseQuery{IDs: []string{l.Enterprise}, SkipTotal: true})
		if err != nil {
			return fmt.Errorf("look up enterprise: %w", err)
		}
		if len(page.Enterprises) == 0 {
			return Errorf(EINVALID, "enterprise: %q is not an enterprise of the dataset", clip(l.Enterprise))
		}
		e := page.Enterprises[0]
		if l.FirmName == "" {
			l.FirmName = e.NameZh
		}
		if l.CreditCode == "" {
			l.CreditCode = e.CreditCode
		}
	}
	if l.Park != "" {
		ps, err := p.Data.Parks(ctx, ParkQuery{IDs: []string{l.Park}})
		if err != nil {
			return fmt.Errorf("look up park: %w", err)
		}
		if len(ps) == 0 {
			return Errorf(EINVALID, "park: %q is not a park of the dataset", clip(l.Park))
		}
	}
	if l.Region != "" {
		rs, err := p.Data.Regions(ctx, RegionQuery{IDs: []string{l.Region}})
		if err != nil {
			return fmt.Errorf("look up region: %w", err)
		}
		if len(rs) == 0 {
			return Errorf(EINVALID, "region: %q is not a region of the dataset", clip(l.Region))
		}
	}
	return nil
}

func (p *Pipeline) checkOwner(ctx context.Context, name string) error {
	u, err := p.Leads.User(ctx, name)
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(EINVALID, "owner: there is no user %q", clip(name))
	}
	if err != nil {
		return fmt.Errorf("look up owner: %w", err)
	}
	if u.Disabled {
		return Errorf(EINVALID, "owner: the user %q is disabled", u.Name)
	}
	return nil
}

// LeadPatch changes some fields of a lead; nil fields stay as they are, and a pointer
// to "" clears an optional text. Figures are cleared with the Clear* flags.
type LeadPatch struct {
	FirmName, CreditCode, Park, Region, Owner, NextStep, NextStepDue *string
	ExpectedLanding                                                  *string
	Investment, Capacity                                             *float64
	Jobs                                                             *int
	ClearInvestment, ClearCapacity, ClearJobs                        bool
}

// UpdateLead edits a lead's fields at the version the client saw (ECONFLICT otherwise).
// Changing the owner is a reassignment, for managers.
func (p *Pipeline) UpdateLead(ctx context.Context, id string, version int64, patch LeadPatch) (*Lead, error) {
	a := ActorFrom(ctx)
	cur, err := p.editable(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if patch.Owner != nil && *patch.Owner != cur.Owner {
		if err := Authorize(a, ActReassign, cur); err != nil {
			return nil, Errorf(EFORBIDDEN, "owner: only a manager may reassign a lead")
		}
		if err := p.checkOwner(ctx, *patch.Owner); err != nil {
			return nil, err
		}
	}
	if patch.Park != nil && *patch.Park != "" || patch.Region != nil && *patch.Region != "" {
		probe := &Lead{Segment: cur.Segment}
		if patch.Park != nil {
			probe.Park = *patch.Park
		}
		if patch.Region != nil {
			probe.Region = *patch.Region
		}
		if err := p.resolve(ctx, probe); err != nil {
			return nil, err
		}
	}
	var unit string
	if patch.Capacity != nil && cur.CapacityUnit == "" {
		probe := &Lead{Segment: cur.Segment, Capacity: patch.Capacity}
		if err := p.resolve(ctx, probe); err != nil {
			return nil, err
		}
		unit = probe.CapacityUnit
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	out, err := p.Leads.UpdateLead(ctx, id, version, LeadChange{Actor: a.Name, Action: ActionLeadUpdate, At: p.now(),
		Apply: func(l *Lead) error {
			// Checked again on the lead as the transaction reads it: a reassignment that
			// committed since the check above takes the edit away from the old owner.
			if err := Authorize(a, ActEditLead, l); err != nil {
				return err
			}
			set(&l.FirmName, patch.FirmName)
			set(&l.CreditCode, patch.CreditCode)
			set(&l.Park, patch.Park)
			set(&l.Region, patch.Region)
			set(&l.Owner, patch.Owner)
			set(&l.NextStep, patch.NextStep)
			set(&l.NextStepDue, patch.NextStepDue)
			set(&l.ExpectedLanding, patch.ExpectedLanding)
			if patch.Investment != nil {
				l.Investment = patch.Investment
			}
			if patch.Capacity != nil {
				l.Capacity = patch.Capacity
				if l.CapacityUnit == "" {
					l.CapacityUnit = unit
				}
			}
			if patch.Jobs != nil {
				l.Jobs = patch.Jobs
			}
			if patch.ClearInvestment {
				l.Investment = nil
			}
			if patch.ClearCapacity {
				l.Capacity, l.CapacityUnit = nil, ""
			}
			if patch.ClearJobs {
				l.Jobs = nil
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("update lead %s: %w", id, err)
	}
	return out, nil
}

// MoveLead moves a lead to another stage (CheckStageMove), at the version the client saw.
// A move to 搁置 or 终止 needs a reason (CheckReason); leaving 搁置 clears it.
func (p *Pipeline) MoveLead(ctx context.Context, id string, version int64, to LeadStage, reason CloseReason, note string) (*Lead, error) {
	a := ActorFrom(ctx)
	if err := Authorize(a, ActReadLeads, nil); err != nil {
		return nil, err
	}
	now := p.now()
	// The checks editable and the request's own checks made on a lead read beforehand run
	// on the lead the update transaction reads (LeadChange.Check), in the same order and
	// before its version is compared: the same answers, one read fewer per move.
	out, err := p.Leads.UpdateLead(ctx, id, version, LeadChange{Actor: a.Name, Action: ActionLeadMove, At: now,
		Check: func(cur *Lead) error {
			if err := Authorize(a, ActEditLead, cur); err != nil {
				return err
			}
			if err := checkMoveWithoutApproval(cur, to); err != nil && to.Valid() {
				return err
			}
			if to == LeadOnHold || to == LeadTerminated {
				return CheckReason(reason, note)
			} else if reason != "" || note != "" {
				return Errorf(EINVALID, "reason: only a move to 搁置 or 终止 carries a reason")
			}
			return nil
		},
		Apply: func(l *Lead) error {
			if err := Authorize(a, ActEditLead, l); err != nil { // as in UpdateLead
				return err
			}
			if err := CheckStageMove(l.Stage, l.HeldFrom, to); err != nil {
				return err
			}
			if err := checkMoveWithoutApproval(l, to); err != nil {
				return err
			}
			from := l.Stage
			switch to {
			case LeadOnHold:
				l.HeldFrom = from
				l.Reason, l.ReasonNote = reason, note
			case LeadTerminated:
				l.HeldFrom = ""
				l.Reason, l.ReasonNote = reason, note
			default:
				l.HeldFrom, l.Reason, l.ReasonNote = "", "", ""
			}
			l.Stage = to
			l.History = append(l.History, StageChange{From: from, To: to, At: now, By: a.Name})
			if len(l.History) > maxHistory {
				return Errorf(EINVALID, "lead %s has moved %d times; no more moves are recorded", l.ID, maxHistory)
			}
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("move lead %s: %w", id, err)
	}
	return out, nil
}

// maxHistory bounds the stage moves of one lead, so a script cannot grow it forever.
const maxHistory = 1000

// CloseLead ends a lead (终止) with a reason.
func (p *Pipeline) CloseLead(ctx context.Context, id string, version int64, reason CloseReason, note string) (*Lead, error) {
	return p.MoveLead(ctx, id, version, LeadTerminated, reason, note)
}

// AddFollowUp records a follow-up on a lead's timeline.
func (p *Pipeline) AddFollowUp(ctx context.Context, lead, date string, kind FollowUpKind, notes string) (*FollowUp, error) {
	a := ActorFrom(ctx)
	l, err := p.editable(ctx, a, lead)
	if err != nil {
		return nil, err
	}
	now := p.now()
	f := &FollowUp{ID: NewID("F", now), Lead: l.ID, Date: date, Kind: kind, Notes: notes, By: a.Name, At: now}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out, err := p.Leads.AddFollowUp(ctx, f, AuditEntry{At: now, Actor: a.Name, Action: ActionLeadFollowUp,
		Subject: l.ID, After: AuditJSON(f)})
	if err != nil {
		return nil, fmt.Errorf("add follow-up to %s: %w", lead, err)
	}
	return out, nil
}

// editable returns the lead if the actor may edit it.
func (p *Pipeline) editable(ctx context.Context, a Actor, id string) (*Lead, error) {
	if err := Authorize(a, ActReadLeads, nil); err != nil {
		return nil, err
	}
	l, err := p.Leads.Lead(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := Authorize(a, ActEditLead, l); err != nil {
		return nil, err
	}
	return l, nil
}

// Lead returns one lead, flagged (FlagMissing).
func (p *Pipeline) Lead(ctx context.Context, id string) (*Lead, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	l, err := p.Leads.Lead(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := FlagMissing(ctx, p.Data, []*Lead{l}); err != nil {
		return nil, err
	}
	return l, nil
}

// FollowUps returns a lead's timeline.
func (p *Pipeline) FollowUps(ctx context.Context, lead string) ([]*FollowUp, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	return p.Leads.FollowUps(ctx, lead)
}

// LeadFilter is what a client filters leads by. Region and Segment mean the region or
// segment and everything under it; StaleDays > 0 keeps the open leads without activity for
// that many days.
type LeadFilter struct {
	Chain, Segment, Park, Region, Owner, Enterprise string
	Stages                                          []LeadStage
	StaleDays                                       int
	First                                           int
	After                                           string
}

// MaxStaleDays bounds the staleness a filter may ask for (ten years).
const MaxStaleDays = 3650

// query turns a filter into a store query, expanding subtrees through the dataset.
func (p *Pipeline) query(ctx context.Context, f LeadFilter) (LeadQuery, error) {
	q := LeadQuery{Chain: f.Chain, Owner: f.Owner, Enterprise: f.Enterprise, Stages: f.Stages, First: f.First, After: f.After}
	if f.StaleDays < 0 || f.StaleDays > MaxStaleDays {
		return q, Errorf(EINVALID, "staleDays must be between 0 and %d", MaxStaleDays)
	}
	if f.StaleDays > 0 {
		q.StaleBefore = p.now().AddDate(0, 0, -f.StaleDays)
	}
	if f.Park != "" {
		q.Parks = []string{f.Park}
	}
	if f.Region != "" {
		ids, err := regionSubtree(ctx, p.Data, f.Region)
		if err != nil {
			return q, err
		}
		q.Regions = ids
	}
	if f.Segment != "" {
		ids, err := segmentSubtree(ctx, p.Data, f.Segment)
		if err != nil {
			return q, err
		}
		q.Segments = ids
	}
	return q, nil
}

// regionSubtree returns the region and every region under it (just the id when the
// dataset does not hold it any more: leads may outlive their regions).
func regionSubtree(ctx context.Context, ds Store, id string) ([]string, error) {
	all, err := ds.Regions(ctx, RegionQuery{})
	if err != nil {
		return nil, fmt.Errorf("regions: %w", err)
	}
	children := map[string][]string{}
	for _, r := range all {
		children[r.Parent] = append(children[r.Parent], r.ID)
	}
	return subtree(id, children), nil
}

// segmentSubtree returns the segment and every segment under it.
func segmentSubtree(ctx context.Context, ds Store, id string) ([]string, error) {
	all, err := ds.Segments(ctx, SegmentQuery{})
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	children := map[string][]string{}
	for _, s := range all {
		children[s.Parent] = append(children[s.Parent], s.ID)
	}
	return subtree(id, children), nil
}

func subtree(root string, children map[string][]string) []string {
	out := []string{root}
	seen := map[string]bool{root: true}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// Leads returns a page of leads, flagged.
func (p *Pipeline) LeadsPage(ctx context.Context, f LeadFilter) (*LeadPage, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	q, err := p.query(ctx, f)
	if err != nil {
		return nil, err
	}
	page, err := p.Leads.Leads(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list leads: %w", err)
	}
	if err := FlagMissing(ctx, p.Data, page.Leads); err != nil {
		return nil, err
	}
	return page, nil
}

// MaxPipelineLeads bounds the leads one pipeline report reads.
const MaxPipelineLeads = 100_000

// allLeads reads every lead matching q, page by page, up to MaxPipelineLeads.
func allLeads(ctx context.Context, s LeadStore, q LeadQuery) ([]*Lead, error) {
	var out []*Lead
	q.First = MaxLeadPage
	for {
		page, err := s.Leads(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Leads...)
		if !page.HasNext {
			return out, nil
		}
		if len(out) >= MaxPipelineLeads {
			return nil, Errorf(EINVALID, "more than %d leads match; narrow the filter", MaxPipelineLeads)
		}
		q.After = page.EndCursor
	}
}

// Audit returns the audit trail, for managers.
func (p *Pipeline) Audit(ctx context.Context, q AuditQuery) ([]*AuditEntry, error) {
	if err := Authorize(ActorFrom(ctx), ActReadAudit, nil); err != nil {
		return nil, err
	}
	return p.Leads.Audit(ctx, q.Normalise())
}

// FlagMissing marks the leads whose enterprise or segment the dataset no longer holds:
// a reload that drops them leaves the leads in place, flagged.
func FlagMissing(ctx context.Context, ds Store, leads []*Lead) error {
	var ents, segs []string
	for _, l := range leads {
		if l.Enterprise != "" {
			ents = append(ents, l.Enterprise)
		}
		segs = append(segs, l.Segment)
	}
	if len(leads) == 0 {
		return nil
	}
	slices.Sort(ents)
	slices.Sort(segs)
	ents, segs = slices.Compact(ents), slices.Compact(segs)
	haveEnt, haveSeg := map[string]bool{}, map[string]bool{}
	if len(ents) > 0 {
		page, err := ds.Enterprises(ctx, EnterpriseQuery{IDs: ents, SkipTotal: true})
		if err != nil {
			return fmt.Errorf("flag leads: %w", err)
		}
		for _, e := range page.Enterprises {
			haveEnt[e.ID] = true
		}
	}
	ss, err := ds.Segments(ctx, SegmentQuery{IDs: segs})
	if err != nil {
		return fmt.Errorf("flag leads: %w", err)
	}
	for _, s := range ss {
		haveSeg[s.ID] = true
	}
	for _, l := range leads {
		l.EnterpriseMissing = l.Enterprise != "" && !haveEnt[l.Enterprise]
		l.SegmentMissing = !haveSeg[l.Segment]
	}
	return nil
}

// SortFollowUps orders a timeline by date, then by when each was recorded, then id.
func SortFollowUps(fs []*FollowUp) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Date != fs[j].Date {
			return fs[i].Date < fs[j].Date
		}
		return fs[i].ID < fs[j].ID
	})
}

// LeadsBySegment returns the leads on each of the given segments (exactly, not their
// sub-segments), for the analysis to show next to each gap: one store query for all of
// them, at most MaxPipelineLeads leads.
func (p *Pipeline) LeadsBySegment(ctx context.Context, segments []string) (map[string][]*Lead, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	leads, err := allLeads(ctx, p.Leads, LeadQuery{Segments: segments})
	if err != nil {
		return nil, fmt.Errorf("leads by segment: %w", err)
	}
	out := make(map[string][]*Lead, len(segments))
	for _, s := range segments {
		out[s] = []*Lead{} // every segment asked has an answer, none the most common
	}
	for _, l := range leads {
		out[l.Segment] = append(out[l.Segment], l)
	}
	return out, nil
}

// MaxWhatIfLeads bounds the leads one what-if adds, as the API bounds its other changes.
const MaxWhatIfLeads = 100

// WhatIfAdditions turns the leads a filter selects into what-if additions: each lead as
// its dataset enterprise (or a new firm by name) operating in its segment at its park or
// region, with its expected capacity when it is stated in the segment's unit. Leads whose
// segment left the dataset are skipped; a lead whose enterprise left it counts as a new
// firm.
func (p *Pipeline) WhatIfAdditions(ctx context.Context, f LeadFilter) ([]WhatIfChange, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	f.First, f.After = MaxWhatIfLeads+1, ""
	page, err := p.LeadsPage(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(page.Leads) > MaxWhatIfLeads || page.HasNext {
		return nil, Errorf(EINVALID, "addLeads selects more than %d leads; narrow the filter", MaxWhatIfLeads)
	}
	segs, err := p.Data.Segments(ctx, SegmentQuery{})
	if err != nil {
		return nil, fmt.Errorf("what-if leads: %w", err)
	}
	unit := map[string]string{}
	for _, s := range segs {
		unit[s.ID] = s.Unit
	}
	var out []WhatIfChange
	for _, l := range page.Leads {
		if l.SegmentMissing {
			continue
		}
		out = append(out, LeadWhatIfChange(l, unit[l.Segment]))
	}
	return out, nil
}
