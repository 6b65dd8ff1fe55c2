package conformance

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestExportStateWhileTheTrailIsNumbered takes backups (ExportState) while writers edit
// leads and an auditor pages the trail (which, on Neo4j, numbers the pending entries):
// every backup must be restorable (numbers increasing, 1..N without gaps) and must hold
// the audit entry of every lead version it holds. On Neo4j a sequencer committing between
// the export's read of the numbered entries and its read of the pending ones made those
// entries vanish from the backup: no longer pending, and not numbered when read.
func TestExportStateWhileTheTrailIsNumbered(t *testing.T) {
	onPipelines(t, func(t *testing.T, lc leadCase, p *chainmap.Pipeline) {
		li := as("li", chainmap.RoleManager)
		const writers = 6
		var stop atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, writers+1)
		for w := range writers {
			l := must(p.CreateLead(li, chainmap.LeadInput{FirmName: fmt.Sprintf("备份企业 %d", w), Segment: "W2", Park: "east-park"}))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					step := fmt.Sprintf("第 %d 步", i)
					var err error
					if l, err = p.UpdateLead(li, l.ID, l.Version, chainmap.LeadPatch{NextStep: &step}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() { // the auditor: each read numbers what is pending
			defer wg.Done()
			for !stop.Load() {
				if _, err := p.Audit(li, chainmap.AuditQuery{Limit: 1}); err != nil {
					errs <- err
					return
				}
			}
		}()
		defer func() { stop.Store(true); wg.Wait() }()
		for n := range 40 {
			d, err := lc.leads.ExportState(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Validate(); err != nil {
				t.Fatalf("backup %d does not restore: %v", n, err)
			}
			versions := map[string]map[int64]bool{}
			for i, e := range d.Audit {
				if e.Seq != int64(i+1) {
					t.Fatalf("backup %d: entry %d has number %d, want 1..N", n, i, e.Seq)
				}
				if e.Action != chainmap.ActionLeadCreate && e.Action != chainmap.ActionLeadUpdate {
					continue
				}
				var after struct {
					Version int64 `json:"version"`
				}
				if err := json.Unmarshal([]byte(e.After), &after); err != nil {
					t.Fatalf("entry %d: %v", e.Seq, err)
				}
				if after.Version == 0 { // a creation's entry holds the lead before its version
					after.Version = 1
				}
				if versions[e.Subject] == nil {
					versions[e.Subject] = map[int64]bool{}
				}
				versions[e.Subject][after.Version] = true
			}
			for _, l := range d.Leads {
				for v := int64(1); v <= l.Version; v++ {
					if !versions[l.ID][v] {
						t.Fatalf("backup %d holds lead %s at version %d but no audit entry of its version %d (%d entries)",
							n, l.ID, l.Version, v, len(d.Audit))
					}
				}
			}
		}
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
