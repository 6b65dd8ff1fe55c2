package conformance

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// TestReassignedBetweenCheckAndWrite: a promoter's edit prepared while they owned the lead
// is refused once a reassignment has committed, because the owner is checked again inside
// the write transaction.
func TestReassignedBetweenCheckAndWrite(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	if _, err := loaders.Load(ctx, "../testdata/minimal", mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, n := range []string{"wang", "zhou"} {
		if err := st.AddUser(ctx, &chainmap.User{Name: n, Role: chainmap.RolePromoter, PasswordHash: "x"}, chainmap.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	p := &chainmap.Pipeline{Data: mem, Leads: st}
	wang := chainmap.WithActor(ctx, chainmap.Actor{Name: "wang", Role: chainmap.RolePromoter})
	li := chainmap.WithActor(ctx, chainmap.Actor{Name: "li", Role: chainmap.RoleManager})
	l, err := p.CreateLead(wang, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park"})
	if err != nil {
		t.Fatal(err)
	}
	// The reassignment commits while wang's move is between its check and its write:
	// simulated by a store whose UpdateLead lets the reassignment in first.
	racing := &reassignFirst{LeadStore: st, do: func() {
		zhou := "zhou"
		if _, err := p.UpdateLead(li, l.ID, 1, chainmap.LeadPatch{Owner: &zhou}); err != nil {
			t.Fatal(err)
		}
	}}
	p2 := &chainmap.Pipeline{Data: mem, Leads: racing}
	_, err = p2.MoveLead(wang, l.ID, 2, chainmap.LeadContact, "", "")
	if chainmap.ErrorCode(err) != chainmap.EFORBIDDEN {
		t.Errorf("the old owner's move after the reassignment: %v, want FORBIDDEN", err)
	}
}

type reassignFirst struct {
	chainmap.LeadStore
	do   func()
	done bool
}

func (r *reassignFirst) UpdateLead(ctx context.Context, id string, version int64, c chainmap.LeadChange) (*chainmap.Lead, error) {
	if !r.done {
		r.done = true
		r.do()
	}
	return r.LeadStore.UpdateLead(ctx, id, version, c)
}
