package chainmap

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestCheckStageMove(t *testing.T) {
	for _, c := range []struct {
		from, held, to LeadStage
		ok             bool
	}{
		{LeadClue, "", LeadContact, true},
		{LeadClue, "", LeadNegotiation, true}, // skipping forward is allowed
		{LeadClue, "", LeadProduction, true},
		{LeadContact, "", LeadClue, true}, // one back
		{LeadVisit, "", LeadClue, false},  // two back
		{LeadSigned, "", LeadNegotiation, true},
		{LeadClue, "", LeadClue, false}, // same stage
		{LeadNegotiation, "", LeadOnHold, true},
		{LeadNegotiation, "", LeadTerminated, true},
		{LeadOnHold, LeadNegotiation, LeadNegotiation, true}, // resume where it was
		{LeadOnHold, LeadNegotiation, LeadContact, true},     // or earlier
		{LeadOnHold, LeadNegotiation, LeadSigned, false},     // not later
		{LeadOnHold, LeadNegotiation, LeadTerminated, true},
		{LeadOnHold, LeadNegotiation, LeadOnHold, false},
		{LeadTerminated, "", LeadClue, false}, // final
		{LeadTerminated, "", LeadOnHold, false},
		{LeadProduction, "", LeadConstruction, false}, // done
		{LeadProduction, "", LeadTerminated, false},
		{LeadClue, "", "签到", false}, // unknown
	} {
		err := CheckStageMove(c.from, c.held, c.to)
		if (err == nil) != c.ok {
			t.Errorf("%s(%s) → %s: err %v, want ok=%v", c.from, c.held, c.to, err, c.ok)
		}
		if err != nil && ErrorCode(err) != EINVALID {
			t.Errorf("%s → %s: code %s", c.from, c.to, ErrorCode(err))
		}
	}
}

func validLead() *Lead {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	inv, capa, jobs := 12.5, 30.0, 400
	return &Lead{ID: "L1", Version: 1, FirmName: "某铝业有限公司", Chain: "al", Segment: "al.rolling",
		Park: "p1", Owner: "wang", Investment: &inv, Capacity: &capa, CapacityUnit: "万吨/年", Jobs: &jobs,
		NextStep: "上门拜访", NextStepDue: "2026-04-01", Stage: LeadClue, CreatedAt: now, CreatedBy: "wang",
		UpdatedAt: now, LastActivity: now, History: []StageChange{{To: LeadClue, At: now, By: "wang"}}}
}

func TestLeadValidate(t *testing.T) {
	if err := validLead().Validate(); err != nil {
		t.Fatalf("a valid lead refused: %v", err)
	}
	neg, nan, huge, badJobs := -1.0, math.NaN(), 2e15, -3
	for _, c := range []struct {
		name  string
		edit  func(l *Lead)
		field string
	}{
		{"no firm", func(l *Lead) { l.FirmName = "  " }, "firmName"},
		{"long firm", func(l *Lead) { l.FirmName = strings.Repeat("铝", 201) }, "firmName"},
		{"control char", func(l *Lead) { l.FirmName = "a\x00b" }, "firmName"},
		{"bidi override", func(l *Lead) { l.NextStep = "pay\u202eevil" }, "nextStep"},
		{"bad utf8", func(l *Lead) { l.Owner = "\xff" }, "owner"},
		{"bad credit code", func(l *Lead) { l.CreditCode = "91340100MA2TEST01Q" }, "creditCode"},
		{"no place", func(l *Lead) { l.Park, l.Region = "", "" }, "park, region"},
		{"negative investment", func(l *Lead) { l.Investment = &neg }, "investment"},
		{"NaN capacity", func(l *Lead) { l.Capacity = &nan }, "capacity"},
		{"huge investment", func(l *Lead) { l.Investment = &huge }, "investment"},
		{"capacity without unit", func(l *Lead) { l.CapacityUnit = "" }, "capacityUnit"},
		{"negative jobs", func(l *Lead) { l.Jobs = &badJobs }, "jobs"},
		{"bad date", func(l *Lead) { l.NextStepDue = "2026-02-30" }, "nextStepDue"},
		{"date far away", func(l *Lead) { l.NextStepDue = "9999-01-01" }, "nextStepDue"},
		{"unknown stage", func(l *Lead) { l.Stage = "x" }, "stage"},
		{"terminated without reason", func(l *Lead) { l.Stage = LeadTerminated }, "reason"},
		{"other without note", func(l *Lead) { l.Stage, l.Reason = LeadTerminated, ReasonOther }, "reasonNote"},
		{"on hold without from", func(l *Lead) { l.Stage, l.Reason = LeadOnHold, ReasonTiming }, "heldFrom"},
		{"reason on active", func(l *Lead) { l.Reason = ReasonFunding }, "reason"},
		{"long note", func(l *Lead) {
			l.Stage, l.Reason, l.ReasonNote = LeadTerminated, ReasonOther, strings.Repeat("x", 2001)
		}, "reasonNote"},
	} {
		l := validLead()
		c.edit(l)
		err := l.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if ErrorCode(err) != EINVALID || !strings.HasPrefix(err.Error(), c.field) {
			t.Errorf("%s: %v (code %s), want an EINVALID naming %s first", c.name, err, ErrorCode(err), c.field)
		}
		if len(err.Error()) > 300 {
			t.Errorf("%s: message of %d bytes", c.name, len(err.Error()))
		}
	}
	ok := validLead()
	ok.Stage, ok.Reason, ok.ReasonNote = LeadTerminated, ReasonOther, "第一行\n第二行"
	if err := ok.Validate(); err != nil {
		t.Errorf("a terminated lead with a note refused: %v", err)
	}
	ok.CreditCode = "91350100M000100Y43"
	if err := ok.Validate(); err != nil {
		t.Errorf("a valid credit code refused: %v", err)
	}
}

func TestApplyLeadChangeConflict(t *testing.T) {
	cur := validLead()
	cur.Version = 3
	_, _, err := ApplyLeadChange(cur, 2, LeadChange{Actor: "li", Apply: func(l *Lead) error { return nil }})
	if ErrorCode(err) != ECONFLICT {
		t.Fatalf("stale version: %v", err)
	}
	if v, ok := CurrentVersion(err); !ok || v != 3 {
		t.Errorf("conflict carries version %d (%v), want 3", v, ok)
	}
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	next, audit, err := ApplyLeadChange(cur, 3, LeadChange{Actor: "li", Action: ActionLeadUpdate, At: at,
		Apply: func(l *Lead) error { l.NextStep = "签约"; l.ID = "hijack"; l.Version = 99; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != 4 || next.ID != "L1" || next.UpdatedAt != at || cur.NextStep != "上门拜访" {
		t.Errorf("next %+v, cur changed: %q", next, cur.NextStep)
	}
	if audit.Actor != "li" || !strings.Contains(audit.Before, "上门拜访") || !strings.Contains(audit.After, `"next_step":"签约"`) {
		t.Errorf("audit %+v", audit)
	}
	_, _, err = ApplyLeadChange(cur, 3, LeadChange{Apply: func(l *Lead) error { l.FirmName = ""; return nil }})
	if ErrorCode(err) != EINVALID {
		t.Errorf("an invalid change was applied: %v", err)
	}
}

// TestAuthorizeMatrix checks every role against every action, on a lead of their own and
// on someone else's.
func TestAuthorizeMatrix(t *testing.T) {
	type want struct{ own, other bool }
	y, n := true, false
	matrix := map[Role]map[Action]want{
		RoleViewer: {ActReadLeads: {y, y}, ActCreateLead: {n, n}, ActEditLead: {n, n}, ActReassign: {n, n},
			ActReadAudit: {n, n}, ActManageUser: {n, n}, ActReload: {n, n}, ActImport: {n, n}, ActRequestMove: {n, n}, ActDecideMove: {n, n}},
		RolePromoter: {ActReadLeads: {y, y}, ActCreateLead: {y, y}, ActEditLead: {y, n}, ActReassign: {n, n},
			ActReadAudit: {n, n}, ActManageUser: {n, n}, ActReload: {n, n}, ActImport: {n, n}, ActRequestMove: {y, n}, ActDecideMove: {n, n}},
		RoleManager: {ActReadLeads: {y, y}, ActCreateLead: {y, y}, ActEditLead: {y, y}, ActReassign: {y, y},
			ActReadAudit: {y, y}, ActManageUser: {n, n}, ActReload: {n, n}, ActImport: {y, y}, ActRequestMove: {y, y}, ActDecideMove: {y, y}},
		RoleAdmin: {ActReadLeads: {y, y}, ActCreateLead: {y, y}, ActEditLead: {y, y}, ActReassign: {y, y},
			ActReadAudit: {y, y}, ActManageUser: {y, y}, ActReload: {y, y}, ActImport: {y, y}, ActRequestMove: {y, y}, ActDecideMove: {y, y}},
	}
	for _, role := range Roles {
		for _, act := range Actions {
			w, ok := matrix[role][act]
			if !ok {
				t.Fatalf("matrix misses %s × %s", role, act)
			}
			a := Actor{Name: "me", Role: role}
			own := &Lead{Owner: "me"}
			other := &Lead{Owner: "someone"}
			if got := Authorize(a, act, own) == nil; got != w.own {
				t.Errorf("%s × %s on own lead: allowed=%v, want %v", role, act, got, w.own)
			}
			err := Authorize(a, act, other)
			if got := err == nil; got != w.other {
				t.Errorf("%s × %s on another's lead: allowed=%v, want %v", role, act, got, w.other)
			}
			if err != nil && ErrorCode(err) != EFORBIDDEN {
				t.Errorf("%s × %s: code %s", role, act, ErrorCode(err))
			}
		}
	}
	for _, act := range Actions {
		for _, anon := range []Actor{{}, {Name: "x"}, {Name: "x", Role: "root"}} {
			if ErrorCode(Authorize(anon, act, nil)) != EUNAUTHENTICATED {
				t.Errorf("anonymous %+v × %s not refused as unauthenticated", anon, act)
			}
		}
	}
}

func TestLeadCursorAndQuery(t *testing.T) {
	id := NewLeadID(time.Now())
	got, err := DecodeLeadCursor(EncodeLeadCursor(id))
	if err != nil || got != id {
		t.Fatalf("cursor round trip: %q %v", got, err)
	}
	for _, bad := range []string{"", "!!", EncodeLeadCursor("")[:2], "MTo"} {
		if _, err := DecodeLeadCursor(bad); ErrorCode(err) != EINVALID {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
	a, b := NewLeadID(time.UnixMilli(1000)), NewLeadID(time.UnixMilli(2000))
	if !(a < b) {
		t.Errorf("ids do not sort by time: %s %s", a, b)
	}
	l := validLead()
	cutoff := l.LastActivity.Add(time.Hour)
	for _, c := range []struct {
		q    LeadQuery
		want bool
	}{
		{LeadQuery{}, true},
		{LeadQuery{Chain: "al"}, true},
		{LeadQuery{Chain: "cu"}, false},
		{LeadQuery{Segments: []string{"x", "al.rolling"}}, true},
		{LeadQuery{Stages: []LeadStage{LeadSigned}}, false},
		{LeadQuery{Owner: "wang", Parks: []string{"p1"}}, true},
		{LeadQuery{Regions: []string{"r"}}, false},
		{LeadQuery{StaleBefore: cutoff}, true},
		{LeadQuery{StaleBefore: l.LastActivity}, false},
	} {
		if got := c.q.Matches(l); got != c.want {
			t.Errorf("%+v matches=%v, want %v", c.q, got, c.want)
		}
	}
	if _, _, err := (LeadQuery{Stages: []LeadStage{"x"}}).Normalise(); ErrorCode(err) != EINVALID {
		t.Errorf("unknown stage filter: %v", err)
	}
}

func TestUserValidate(t *testing.T) {
	ok := &User{Name: "wang.li", Role: RoleManager, PasswordHash: "h"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*User{{Name: "", Role: RoleAdmin, PasswordHash: "h"}, {Name: "a b", Role: RoleAdmin, PasswordHash: "h"},
		{Name: "王", Role: RoleAdmin, PasswordHash: "h"}, {Name: "a", Role: "root", PasswordHash: "h"}, {Name: "a", Role: RoleAdmin},
		{Name: strings.Repeat("a", 65), Role: RoleAdmin, PasswordHash: "h"}} {
		if err := u.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%+v accepted", u)
		}
	}
}
