package conformance

import (
	"fmt"
	"sync"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestNoLostUpdatesUnderContention races updates and follow-ups on one lead and counts:
// every acknowledged update raised the lead's job count by one from the version it read
// (so a lost update shows as a count below the acknowledgements), every acknowledged
// follow-up is on the timeline and in the lead's count (follow-ups do not bump the
// version, so an update written from a stale lead would drop them), and the version is
// one more than the acknowledged updates. On Neo4j half the writers go through a second
// store handle, as another server process on the same database would: each handle writes
// optimistically from what it last saw (neo4jstore/leadwrite.go), so the other's writes
// make its base stale all the time. Run it with -race.
func TestNoLostUpdatesUnderContention(t *testing.T) {
	onPipelines(t, func(t *testing.T, lc leadCase, p *chainmap.Pipeline) {
		li := as("li", chainmap.RoleManager)
		zero := 0
		l := must(p.CreateLead(li, chainmap.LeadInput{FirmName: "争用企业", Segment: "W2", Park: "east-park", Jobs: &zero}))
		pipes := []*chainmap.Pipeline{p}
		if lc.name == "neo4j" {
			other := *p
			other.Leads = openNeo(t)
			pipes = append(pipes, &other)
		}
		const updaters, updatesEach, followers, followUpsEach = 6, 8, 3, 6
		var mu sync.Mutex
		acked, ackedFollowUps, conflicts := 0, 0, 0
		var wg sync.WaitGroup
		errs := make(chan error, updaters+followers)
		for w := range updaters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pp := pipes[w%len(pipes)]
				for done := 0; done < updatesEach; {
					cur, err := pp.Lead(li, l.ID)
					if err != nil {
						errs <- err
						return
					}
					n := *cur.Jobs + 1
					_, err = pp.UpdateLead(li, l.ID, cur.Version, chainmap.LeadPatch{Jobs: &n})
					switch code(err) {
					case "ok":
						done++
						mu.Lock()
						acked++
						mu.Unlock()
					case chainmap.ECONFLICT:
						mu.Lock()
						conflicts++
						mu.Unlock()
					default:
						errs <- fmt.Errorf("update: %w", err)
						return
					}
				}
			}()
		}
		for w := range followers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pp := pipes[(w+1)%len(pipes)]
				for i := range followUpsEach {
					if _, err := pp.AddFollowUp(li, l.ID, "2026-03-01", chainmap.FollowUpCall, fmt.Sprintf("电话 %d-%d", w, i)); err != nil {
						errs <- fmt.Errorf("follow-up: %w", err)
						return
					}
					mu.Lock()
					ackedFollowUps++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Read through every handle: each must see the same lead.
		for i, pp := range pipes {
			got := must(pp.Lead(li, l.ID))
			if *got.Jobs != acked || got.Version != int64(1+acked) {
				t.Errorf("handle %d: jobs %d, version %d after %d acknowledged updates (want jobs %d, version %d): an update was lost",
					i, *got.Jobs, got.Version, acked, acked, 1+acked)
			}
			if got.FollowUps != ackedFollowUps {
				t.Errorf("handle %d: the lead counts %d follow-ups, %d were acknowledged", i, got.FollowUps, ackedFollowUps)
			}
			if fs := must(lc.leads.FollowUps(li, l.ID)); len(fs) != ackedFollowUps {
				t.Errorf("timeline holds %d follow-ups, %d were acknowledged", len(fs), ackedFollowUps)
			}
		}
		if acked != updaters*updatesEach || ackedFollowUps != followers*followUpsEach {
			t.Errorf("acknowledged %d updates and %d follow-ups, want %d and %d", acked, ackedFollowUps, updaters*updatesEach, followers*followUpsEach)
		}
		// One audit entry per acknowledged write (the creation, the updates, the follow-ups).
		es := must(p.Audit(li, chainmap.AuditQuery{Subject: l.ID, Limit: 1000}))
		if want := 1 + acked + ackedFollowUps; len(es) != want {
			t.Errorf("%d audit entries for the lead, want %d", len(es), want)
		}
		t.Logf("%d updates and %d follow-ups acknowledged, %d conflicts refused", acked, ackedFollowUps, conflicts)
	})
}
