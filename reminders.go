package chainmap

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Reminders tell a promoter what needs doing and a manager what waits for them: next
// steps past due, leads without a follow-up for N days, expected landing dates passed,
// and stage moves waiting for approval.

// ReminderKind is what a reminder is about.
type ReminderKind string

// The kinds of reminder, in the order they are listed.
const (
	ReminderApproval      ReminderKind = "approval_waiting"  // a move to 签约 or later waits for a decision
	ReminderNextStep      ReminderKind = "next_step_overdue" // the next step's due date has passed
	ReminderNoFollowUp    ReminderKind = "no_follow_up"      // no follow-up (or creation) for N days
	ReminderLandingPassed ReminderKind = "landing_passed"    // the expected landing date passed before 签约
)

var reminderOrder = []ReminderKind{ReminderApproval, ReminderNextStep, ReminderNoFollowUp, ReminderLandingPassed}

// Reminder is one thing to do about one lead. Since is the date it dates from (the due
// date, the last activity, the landing date, the request), Days how many days ago that was.
type Reminder struct {
	Kind  ReminderKind
	Lead  *Lead
	Since string
	Days  int
	// CanDecide says the caller may approve or refuse the waiting request.
	CanDecide bool
	Message   string
}

// Reminders lists the caller's reminders: on their own leads for a promoter or viewer,
// on every lead for a manager or admin; requests waiting for approval on every lead the
// caller may decide (ApprovalPolicy), and on their own leads. staleDays (1 to
// MaxStaleDays, 0 for DefaultStaleDays) says when a lead without follow-up is reminded of.
// Approvals come first, then the oldest first within each kind.
func (p *Pipeline) Reminders(ctx context.Context, staleDays int) ([]Reminder, error) {
	a := ActorFrom(ctx)
	if err := Authorize(a, ActReadLeads, nil); err != nil {
		return nil, err
	}
	if staleDays < 0 || staleDays > MaxStaleDays {
		return nil, Errorf(EINVALID, "staleDays must be between 1 and %d", MaxStaleDays)
	}
	if staleDays == 0 {
		staleDays = DefaultStaleDays
	}
	leads, err := allLeads(ctx, p.Leads, LeadQuery{})
	if err != nil {
		return nil, fmt.Errorf("reminders: %w", err)
	}
	now := p.now()
	today := now.In(ChinaTime).Format(time.DateOnly)
	all := a.Role == RoleManager || a.Role == RoleAdmin
	daysSince := func(date string) int {
		d, err := time.ParseInLocation(time.DateOnly, date, ChinaTime)
		if err != nil {
			return 0
		}
		return int(now.Sub(d).Hours() / 24)
	}
	var out []Reminder
	for _, l := range leads {
		mine := all || l.Owner == a.Name
		if l.Request != nil {
			canDecide := p.policy().Authorize(a, ActDecideMove, l) == nil
			if canDecide || mine {
				since := l.Request.At.In(ChinaTime).Format(time.DateOnly)
				msg := fmt.Sprintf("%s asks to move %s from %s to %s", l.Request.By, l.FirmName, l.Request.From, l.Request.To)
				out = append(out, Reminder{Kind: ReminderApproval, Lead: l, Since: since, Days: daysSince(since), CanDecide: canDecide, Message: msg})
			}
		}
		if !mine {
			continue
		}
		working := l.Stage.Open() && l.Stage != LeadOnHold
		if working && l.NextStepDue != "" && l.NextStepDue < today {
			out = append(out, Reminder{Kind: ReminderNextStep, Lead: l, Since: l.NextStepDue, Days: daysSince(l.NextStepDue),
				Message: fmt.Sprintf("next step %q was due on %s", l.NextStep, l.NextStepDue)})
		}
		if l.Stale(now.AddDate(0, 0, -staleDays)) {
			since := l.LastActivity.In(ChinaTime).Format(time.DateOnly)
			out = append(out, Reminder{Kind: ReminderNoFollowUp, Lead: l, Since: since, Days: int(now.Sub(l.LastActivity).Hours() / 24),
				Message: fmt.Sprintf("no follow-up since %s", since)})
		}
		// Not when its signing waits for approval: that reminder is the approver's.
		if l.ExpectedLanding != "" && l.ExpectedLanding < today && !l.Stage.AtLeast(LeadSigned) && l.Stage != LeadTerminated && l.Request == nil &&
			!(l.Stage == LeadOnHold && l.HeldFrom.AtLeast(LeadSigned)) {
			out = append(out, Reminder{Kind: ReminderLandingPassed, Lead: l, Since: l.ExpectedLanding, Days: daysSince(l.ExpectedLanding),
				Message: fmt.Sprintf("expected to land by %s, still at %s", l.ExpectedLanding, l.Stage)})
		}
	}
	rank := map[ReminderKind]int{}
	for i, k := range reminderOrder {
		rank[k] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return rank[out[i].Kind] < rank[out[j].Kind]
		}
		if out[i].Days != out[j].Days {
			return out[i].Days > out[j].Days
		}
		return out[i].Lead.ID < out[j].Lead.ID
	})
	return out, nil
}
