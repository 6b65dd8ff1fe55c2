package pipebench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
)

// TestVerifyFindsLostAndDuplicatedWrites: the check would notice a lost creation, a lost
// move, a lead nobody acknowledged, and a missing or extra audit entry.
func TestVerifyFindsLostAndDuplicatedWrites(t *testing.T) {
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := Config{Writers: 1, RunID: "x"}
	cfg.defaults()
	w := Writer("x", 0)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	mk := func(id string, stage chainmap.LeadStage, moves int) {
		l := &chainmap.Lead{ID: id, FirmName: "厂", Segment: "W2", Chain: "widget", Park: "east-park", Owner: w,
			Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: w, UpdatedAt: now, LastActivity: now,
			History: []chainmap.StageChange{{To: chainmap.LeadClue, At: now, By: w}}}
		if _, err := st.CreateLead(ctx, l, chainmap.AuditEntry{Actor: w, Action: chainmap.ActionLeadCreate, Subject: id}); err != nil {
			t.Fatal(err)
		}
		v := int64(1)
		for i := range moves {
			to := stages[i]
			l, err := st.UpdateLead(ctx, id, v, chainmap.LeadChange{Actor: w, Action: chainmap.ActionLeadMove, At: now,
				Apply: func(l *chainmap.Lead) error { l.Stage = to; return nil }})
			if err != nil {
				t.Fatal(err)
			}
			v = l.Version
		}
	}
	mk("L-a", chainmap.LeadContact, 1)
	mk("L-b", chainmap.LeadVisit, 2)
	good := &Result{Config: cfg, Leads: []Acked{{ID: "L-a", Owner: w, Version: 2, Stage: chainmap.LeadContact, Writes: 2},
		{ID: "L-b", Owner: w, Version: 3, Stage: chainmap.LeadVisit, Writes: 3}}, Creates: 2, Moves: 3}
	c, err := Verify(ctx, st, good)
	if err != nil || c.Err() != nil || c.Stored != 2 || c.AuditEntries != 5 {
		t.Fatalf("a clean run: %+v %v %v", c, err, c.Err())
	}
	for name, r := range map[string]*Result{
		"lost creation":       {Config: cfg, Leads: append(good.Leads, Acked{ID: "L-c", Owner: w, Version: 1, Stage: chainmap.LeadClue, Writes: 1}), Creates: 3, Moves: 3},
		"lost move":           {Config: cfg, Leads: []Acked{good.Leads[0], {ID: "L-b", Owner: w, Version: 4, Stage: chainmap.LeadNegotiation, Writes: 4}}, Creates: 2, Moves: 4},
		"unacknowledged lead": {Config: cfg, Leads: good.Leads[:1], Creates: 1, Moves: 1},
	} {
		c, err := Verify(ctx, st, r)
		if err != nil {
			t.Fatal(err)
		}
		if c.Err() == nil {
			t.Errorf("%s: not noticed: %+v", name, c)
		}
	}
	// A failed request explains one unacknowledged lead and one audit entry, not two.
	r := &Result{Config: cfg, Leads: good.Leads[:1], Creates: 1, Moves: 1, Failed: 1}
	if c, _ := Verify(ctx, st, r); c.Err() == nil || !strings.Contains(c.Err().Error(), "audit") {
		t.Errorf("one failure explaining a lead with three writes: %v", c.Err())
	}
	r.Failed = 3
	if c, _ := Verify(ctx, st, r); c.Err() == nil || !strings.Contains(c.Err().Error(), "never acknowledged") {
		t.Errorf("an unacknowledged lead that was moved: %v", c.Err())
	}
	mk("L-d", chainmap.LeadClue, 0) // a create whose answer was lost: explained by one failure
	r = &Result{Config: cfg, Leads: good.Leads, Creates: 2, Moves: 3, Failed: 1}
	if c, _ := Verify(ctx, st, r); c.Err() != nil {
		t.Errorf("one failed create: %v", c.Err())
	}
	if p := Percentile([]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 95); p != 10 {
		t.Errorf("p95 of 1..10 = %d", p)
	}
	if p := Percentile([]time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50); p != 5 {
		t.Errorf("p50 of 1..10 = %d", p)
	}
}
