package neo4jstore

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// lostAnswer is what a dropped connection gives a statement whose commit the server did
// (or did not) make: a transient error, the outcome unknown to the caller.
func lostAnswer() error { return &neo4j.ConnectivityError{Inner: io.ErrUnexpectedEOF} }

// unknownOutcomeLead creates a lead through a for the tests below and removes it (with
// its follow-ups and audit entries) at the end.
func unknownOutcomeLead(t *testing.T, ctx context.Context, a *Store, prefix string) (string, time.Time) {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	id := fmt.Sprintf("%s%d", prefix, time.Now().UnixNano())
	t.Cleanup(func() {
		a.write(context.Background(), `MATCH (n) WHERE (n:Lead AND n.id = $id) OR (n:FollowUp AND n.lead = $id) OR (n:AuditEntry AND n.subject = $id) DETACH DELETE n`, map[string]any{"id": id})
	})
	l := &chainmap.Lead{ID: id, FirmName: "结果未知企业", Segment: "W2", Chain: "c", Owner: "wang", Park: "east-park",
		Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
	if _, err := a.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: id}); err != nil {
		t.Fatal(err)
	}
	return id, now
}

// auditCount counts a lead's audit entries.
func auditCount(t *testing.T, ctx context.Context, s *Store, id string) int {
	t.Helper()
	entries, err := s.Audit(ctx, chainmap.AuditQuery{Subject: id})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestFollowUpCommittedAnswerLost: a follow-up's write commits, its answer is lost (the
// connection drops), and another process writes the lead before this one reads it back.
// The follow-up is stored, so AddFollowUp must say so, and must not add it again: before,
// the changed lead was taken as "not written", the follow-up computed again and its
// CREATE refused by the follow-up id's constraint, an internal error for a stored
// follow-up.
func TestFollowUpCommittedAnswerLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	id, now := unknownOutcomeLead(t, ctx, a, "TFL")
	owner := chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter}
	calls := 0
	a.casRun = func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error) {
		calls++
		if calls > 1 {
			return run()
		}
		if _, err := run(); err != nil {
			return nil, err
		}
		// Committed; before a hears of it, b edits the lead.
		if _, err := b.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: owner.Name, Action: chainmap.ActionLeadUpdate, At: now,
			Check: func(cur *chainmap.Lead) error { return chainmap.Authorize(owner, chainmap.ActEditLead, cur) },
			Apply: func(l *chainmap.Lead) error { l.NextStep = "再访"; return nil }}); err != nil {
			t.Errorf("b's edit: %v", err)
		}
		return nil, lostAnswer()
	}
	f := &chainmap.FollowUp{ID: id + "-f1", Lead: id, Date: "2026-03-01", Kind: chainmap.FollowUpCall, By: "wang", At: now.Add(time.Hour)}
	if _, err := a.AddFollowUp(ctx, f, chainmap.AuditEntry{At: f.At, Actor: "wang", Action: chainmap.ActionLeadFollowUp, Subject: id}); err != nil {
		t.Fatalf("a follow-up whose write committed: %v, want it acknowledged", err)
	}
	got, err := b.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	fus, err := b.FollowUps(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.FollowUps != 1 || len(fus) != 1 || got.Version != 2 || got.NextStep != "再访" {
		t.Errorf("stored: %d follow-ups counted, %d stored, version %d, next step %q; want 1, 1, 2, 再访", got.FollowUps, len(fus), got.Version, got.NextStep)
	}
	if n := auditCount(t, ctx, b, id); n != 3 {
		t.Errorf("%d audit entries, want 3 (create, follow-up, edit)", n)
	}
}

// TestUpdateCommittedWhileRetried: an update's first run fails transiently, the lead
// read back is unchanged, so the update is run again, but the first run was still under
// way and commits before the second compares (simulated: the second run commits the
// update, then compares). The update happened, once: UpdateLead must acknowledge it, not
// take the changed lead for someone else's write and answer CONFLICT.
func TestUpdateCommittedWhileRetried(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	id, now := unknownOutcomeLead(t, ctx, a, "TUR")
	calls := 0
	a.casRun = func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error) {
		calls++
		switch calls {
		case 1:
			return nil, lostAnswer()
		case 2:
			if _, err := run(); err != nil { // the first run, committing late
				return nil, err
			}
		}
		return run()
	}
	got, err := a.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
		Apply: func(l *chainmap.Lead) error { l.NextStep = "签约"; return nil }})
	if err != nil {
		t.Fatalf("an update that committed once: %v, want it acknowledged", err)
	}
	if got.Version != 2 || got.NextStep != "签约" {
		t.Errorf("answered %+v", got)
	}
	stored, err := b.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Version != 2 || stored.NextStep != "签约" {
		t.Errorf("stored version %d next step %q, want 2 签约", stored.Version, stored.NextStep)
	}
	if n := auditCount(t, ctx, b, id); n != 2 {
		t.Errorf("%d audit entries, want 2 (create, update)", n)
	}
}

// TestUpdateCommittedAnswerLostThenOverwritten: an update commits, its answer is lost,
// and another process updates the lead before this one reads it back. Whether the first
// update was stored cannot be told from the lead, so the answer must say the outcome is
// unknown (SERVICE_UNAVAILABLE, "reload"), not CONFLICT, which tells the user the change
// was not made when it was; nothing may be written twice.
func TestUpdateCommittedAnswerLostThenOverwritten(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	id, now := unknownOutcomeLead(t, ctx, a, "TUO")
	calls := 0
	a.casRun = func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error) {
		calls++
		if calls > 1 {
			return run()
		}
		if _, err := run(); err != nil {
			return nil, err
		}
		if _, err := b.UpdateLead(ctx, id, 2, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
			Apply: func(l *chainmap.Lead) error { l.NextStep = "复核"; return nil }}); err != nil {
			t.Errorf("b's edit of version 2: %v", err)
		}
		return nil, lostAnswer()
	}
	_, err := a.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
		Apply: func(l *chainmap.Lead) error { l.NextStep = "签约"; return nil }})
	if chainmap.ErrorCode(err) != chainmap.EUNAVAILABLE {
		t.Fatalf("an update whose answer was lost, overwritten since: %v, want SERVICE_UNAVAILABLE (outcome unknown)", err)
	}
	stored, err := b.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Version != 3 || stored.NextStep != "复核" {
		t.Errorf("stored version %d next step %q, want 3 复核", stored.Version, stored.NextStep)
	}
	if n := auditCount(t, ctx, b, id); n != 3 {
		t.Errorf("%d audit entries, want 3 (create, two updates)", n)
	}
}

// TestCreateCommittedWhileRetried: a create's first run fails transiently, the lead is
// not found, so the create runs again, but the first run commits late, before the second
// looks for the id. The lead was created, once, by this call: CreateLead must say so, not
// CONFLICT "exists already".
func TestCreateCommittedWhileRetried(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	id := fmt.Sprintf("TCR%d", time.Now().UnixNano())
	t.Cleanup(func() {
		a.write(context.Background(), `MATCH (n) WHERE (n:Lead AND n.id = $id) OR (n:AuditEntry AND n.subject = $id) DETACH DELETE n`, map[string]any{"id": id})
	})
	calls := 0
	a.casRun = func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error) {
		calls++
		switch calls {
		case 1:
			return nil, lostAnswer()
		case 2:
			if _, err := run(); err != nil { // the first run, committing late
				return nil, err
			}
		}
		return run()
	}
	l := &chainmap.Lead{ID: id, FirmName: "迟到企业", Segment: "W2", Chain: "c", Owner: "wang", Park: "east-park",
		Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
	if _, err := a.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: id}); err != nil {
		t.Fatalf("a create that committed once: %v, want it acknowledged", err)
	}
	if got, err := b.Lead(ctx, id); err != nil || got.Version != 1 {
		t.Fatalf("stored: %+v, %v", got, err)
	}
	if n := auditCount(t, ctx, b, id); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
}

// TestUpdateRefusedByServerIsNotUnknown: a transient failure the server reports (here a
// deadlock) rolled the statement back, so the write did not happen: when another process
// has moved the lead on meanwhile, the answer is the stored lead's (CONFLICT), not
// "outcome unknown", which only a lost answer (a dropped connection) leaves.
func TestUpdateRefusedByServerIsNotUnknown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	id, now := unknownOutcomeLead(t, ctx, a, "TRS")
	calls := 0
	a.casRun = func(run func() ([]*neo4j.Record, error)) ([]*neo4j.Record, error) {
		calls++
		if calls > 1 {
			return run()
		}
		if _, err := b.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
			Apply: func(l *chainmap.Lead) error { l.NextStep = "复核"; return nil }}); err != nil {
			t.Errorf("b's edit: %v", err)
		}
		return nil, &neo4j.Neo4jError{Code: "Neo.TransientError.Transaction.DeadlockDetected", Msg: "deadlock (injected)"}
	}
	_, err := a.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
		Apply: func(l *chainmap.Lead) error { l.NextStep = "签约"; return nil }})
	if cur, ok := chainmap.CurrentVersion(err); chainmap.ErrorCode(err) != chainmap.ECONFLICT || !ok || cur != 2 {
		t.Fatalf("an edit of version 1 the server rolled back, the lead at version 2 since: %v, want CONFLICT with current version 2", err)
	}
}
