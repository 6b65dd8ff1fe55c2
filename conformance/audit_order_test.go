package conformance

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestAuditNumberingUnderConcurrentWrites holds both stores to the audit trail's
// numbering while writers to different leads run at once and a reader pages the trail
// with After as an auditor's export would: numbers run 1..N without gaps or repeats, a
// page never returns a number at or below the reader's last one, paging missed nothing,
// and each lead's entries are in the order its versions were written. On Neo4j the
// entries are numbered after commit (neo4jstore/audit.go), which this checks under load.
func TestAuditNumberingUnderConcurrentWrites(t *testing.T) {
	onPipelines(t, func(t *testing.T, lc leadCase, p *chainmap.Pipeline) {
		li := as("li", chainmap.RoleManager)
		const writers, leadsEach = 8, 3
		moves := []chainmap.LeadStage{chainmap.LeadContact, chainmap.LeadVisit, chainmap.LeadNegotiation}
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range leadsEach {
					l, err := p.CreateLead(li, chainmap.LeadInput{FirmName: fmt.Sprintf("并发企业 %d-%d", w, n), Segment: "W2", Park: "east-park"})
					if err != nil {
						errs <- err
						return
					}
					for _, st := range moves {
						if l, err = p.MoveLead(li, l.ID, l.Version, st, "", ""); err != nil {
							errs <- err
							return
						}
					}
				}
			}()
		}
		// The reader pages while the writers write.
		var seen []*chainmap.AuditEntry
		var after int64
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		read := func() {
			es := must(p.Audit(li, chainmap.AuditQuery{After: after, Limit: 7}))
			for _, e := range es {
				if e.Seq <= after {
					t.Errorf("page after %d returned %d", after, e.Seq)
				}
				after = e.Seq
			}
			seen = append(seen, es...)
		}
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
				read()
			}
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for before := -1; len(seen) != before; {
			before = len(seen)
			read()
		}
		var all []*chainmap.AuditEntry
		for a := int64(0); ; {
			es := must(p.Audit(li, chainmap.AuditQuery{After: a}))
			if len(es) == 0 {
				break
			}
			all = append(all, es...)
			a = es[len(es)-1].Seq
		}
		users := 0 // addUsers' accounts
		for _, e := range all {
			if e.Action == chainmap.ActionUserAdd {
				users++
			}
		}
		if want := users + writers*leadsEach*(1+len(moves)); len(all) != want {
			t.Fatalf("%d audit entries, want %d", len(all), want)
		}
		for i, e := range all {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has number %d: numbers must run 1..N", i, e.Seq)
			}
			if i < len(seen) && seen[i].Seq != e.Seq {
				t.Fatalf("the paging reader's entry %d is %d, the trail's %d: paging missed one", i, seen[i].Seq, e.Seq)
			}
		}
		if len(seen) != len(all) {
			t.Errorf("the paging reader saw %d entries of %d", len(seen), len(all))
		}
		// Each lead's entries follow its versions.
		version := map[string]int64{}
		for _, e := range all {
			if e.Action != chainmap.ActionLeadCreate && e.Action != chainmap.ActionLeadMove {
				continue
			}
			var after struct {
				Version int64 `json:"version"`
			}
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatalf("entry %d: %v", e.Seq, err)
			}
			if want := version[e.Subject] + 1; after.Version != want && !(e.Action == chainmap.ActionLeadCreate && after.Version == 0) {
				t.Errorf("entry %d of lead %s is version %d, want %d", e.Seq, e.Subject, after.Version, want)
			}
			version[e.Subject]++
		}
	})
}
