package neo4jstore

import (
	"context"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
)

// TestFillFirmKeysKeepsConcurrentRename: fillFirmKeys (run by each process before its
// first lead write) reads leads with a blank firm key, computes their keys and writes
// them. A rename by another process between that read and write has already written the
// new name's key; the upgrade must not put the old name's key back over it, or the
// duplicate check (LeadQuery.Firm) no longer finds the lead under its name.
func TestFillFirmKeysKeepsConcurrentRename(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := openTwo(t, ctx)
	id, now := unknownOutcomeLead(t, ctx, a, "TFK")
	// b's first write runs b's own upgrade now, not inside a's below.
	if _, err := b.UpdateLead(ctx, id, 1, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
		Apply: func(l *chainmap.Lead) error { l.FirmName = "（巩义）"; return nil }}); err != nil {
		t.Fatal(err)
	}
	// As the build before bracket-only names had keys left it.
	if _, err := a.write(ctx, `MATCH (l:Lead {id: $id}) SET l.firm_key = ''`, map[string]any{"id": id}); err != nil {
		t.Fatal(err)
	}
	const renamed = "巩义新铝业有限公司"
	a.fillRead = func() {
		a.fillRead = nil
		if _, err := b.UpdateLead(ctx, id, 2, chainmap.LeadChange{Actor: "wang", Action: chainmap.ActionLeadUpdate, At: now,
			Apply: func(l *chainmap.Lead) error { l.FirmName = renamed; return nil }}); err != nil {
			t.Errorf("b's rename: %v", err)
		}
	}
	if err := a.fillFirmKeys(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := a.read(ctx, `MATCH (l:Lead {id: $id}) RETURN l.firm_key`, map[string]any{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Records[0].Values[0], chainmap.FirmNameKey(renamed); got != want {
		t.Errorf("firm key after the upgrade raced a rename: %q, want the new name's %q", got, want)
	}
}
