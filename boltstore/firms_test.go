package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
)

// TestFirmIndexUpgrade opens a format-1 file (leads, no firm index) and finds its leads
// by firm afterwards; the file is format 2 from then on.
func TestFirmIndexUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"河南新铝材有限公司", "郑州另一家铝业有限公司"} {
		l := &chainmap.Lead{ID: "L-" + name, FirmName: name, Segment: "W2", Chain: "c", Owner: "wang",
			Park: "east-park", Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
		if _, err := s.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: l.ID}); err != nil {
			t.Fatal(err)
		}
	}
	// Make it the file an older chainmap wrote: format 1, no firm index.
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketFirms); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put([]byte("format"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := chainmap.FirmKey{Name: chainmap.FirmNameKey("河南新铝材（巩义）有限责任公司")}
	page, err := s.Leads(ctx, chainmap.LeadQuery{Firm: &k})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Leads) != 1 || page.Leads[0].FirmName != "河南新铝材有限公司" {
		t.Errorf("after the upgrade: %+v", page.Leads)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get([]byte("format")); string(v) != formatVersion {
			t.Errorf("format %q after the upgrade, want %s", v, formatVersion)
		}
		return nil
	})
}

// TestBlankNameKeysReindexed: a lead whose firm name is only a bracketed place was indexed
// under an empty name key before FirmNameKey kept such names; opening the file indexes it
// under its key now, so the double-counting check finds it.
func TestBlankNameKeysReindexed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := &chainmap.Lead{ID: "L-blank", FirmName: "（巩义）", Segment: "W2", Chain: "c", Owner: "wang",
		Park: "east-park", Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
	if _, err := s.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: l.ID}); err != nil {
		t.Fatal(err)
	}
	// As the earlier build indexed it: under the empty key.
	err = s.db.Update(func(tx *bolt.Tx) error {
		fb := tx.Bucket(bucketFirms)
		if err := fb.Delete(firmKeys(l.ID, chainmap.LeadFirm(l))[0]); err != nil {
			return err
		}
		return fb.Put([]byte("n\x00\x00"+l.ID), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := chainmap.LeadFirm(l)
	page, err := s.Leads(ctx, chainmap.LeadQuery{Firm: &k})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Leads) != 1 || page.Leads[0].ID != l.ID {
		t.Errorf("the lead of %q by its firm after reopening: %+v, want L-blank", l.FirmName, page.Leads)
	}
	other := chainmap.FirmKey{Name: chainmap.FirmNameKey("（郑州）")}
	if page, err = s.Leads(ctx, chainmap.LeadQuery{Firm: &other}); err != nil || len(page.Leads) != 0 {
		t.Errorf("another bracket-only name found %+v (%v), want none", page.Leads, err)
	}
}

// TestFirmQueryReadsTheIndex proves LeadQuery.Firm is answered from the index, not by a
// scan: a lead missing from the index is not found, and an index entry naming no lead
// is an error, not a silent skip.
func TestFirmQueryReadsTheIndex(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := &chainmap.Lead{ID: "L1", FirmName: "河南新铝材有限公司", Segment: "W2", Chain: "c", Owner: "wang",
		Park: "east-park", Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
	if _, err := s.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: l.ID}); err != nil {
		t.Fatal(err)
	}
	k := chainmap.LeadFirm(l)
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketFirms).Delete(firmKeys("L1", k)[0]) })
	if page, err := s.Leads(ctx, chainmap.LeadQuery{Firm: &k}); err != nil || len(page.Leads) != 0 {
		t.Errorf("without its index entry: %v %v", page, err)
	}
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketFirms).Put(firmKeys("L2", k)[0], nil) })
	if _, err := s.Leads(ctx, chainmap.LeadQuery{Firm: &k}); err == nil {
		t.Error("an index entry naming no lead was not reported")
	}
}

// TestRefusedUpdatesStayOutOfTheBatch: a refused update (a stale version, a forbidden
// edit) is decided on a read and never enters the shared write batch, where its failure
// would roll back and re-run every other writer's change; an accepted one does.
func TestRefusedUpdatesStayOutOfTheBatch(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	l := &chainmap.Lead{ID: "L1", FirmName: "河南新铝材有限公司", Segment: "W2", Chain: "c", Owner: "wang",
		Park: "east-park", Stage: chainmap.LeadClue, CreatedAt: now, CreatedBy: "wang", UpdatedAt: now, LastActivity: now}
	if _, err := s.CreateLead(ctx, l, chainmap.AuditEntry{At: now, Actor: "wang", Action: chainmap.ActionLeadCreate, Subject: l.ID}); err != nil {
		t.Fatal(err)
	}
	viewer := chainmap.Actor{Name: "zhao", Role: chainmap.RoleViewer}
	edit := func(a chainmap.Actor) chainmap.LeadChange {
		return chainmap.LeadChange{Actor: a.Name, Action: chainmap.ActionLeadUpdate, At: now,
			Check: func(cur *chainmap.Lead) error { return chainmap.Authorize(a, chainmap.ActEditLead, cur) },
			Apply: func(l *chainmap.Lead) error { l.NextStep = "再访"; return nil }}
	}
	before := s.batched.Load()
	for range 10 {
		if _, err := s.UpdateLead(ctx, "L1", 1, edit(viewer)); chainmap.ErrorCode(err) != chainmap.EFORBIDDEN {
			t.Fatalf("a viewer's edit: %v, want FORBIDDEN", err)
		}
		if _, err := s.UpdateLead(ctx, "L1", 7, edit(chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})); chainmap.ErrorCode(err) != chainmap.ECONFLICT {
			t.Fatalf("a stale edit: %v, want CONFLICT", err)
		}
	}
	if n := s.batched.Load() - before; n != 0 {
		t.Errorf("20 refused updates entered the write batch %d times, want 0", n)
	}
	if _, err := s.UpdateLead(ctx, "L1", 1, edit(chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})); err != nil {
		t.Fatal(err)
	}
	if n := s.batched.Load() - before; n != 1 {
		t.Errorf("an accepted update entered the write batch %d times, want 1", n)
	}
}
