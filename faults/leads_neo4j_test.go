package faults

import (
	"context"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/internal/neotest"
	"github.com/chainmap/chainmap/neo4jstore"
)

// TestNeo4jStoppedDuringLeadWrites stops Neo4j while 4 writers create leads and move each
// to 接洽: writes fail with SERVICE_UNAVAILABLE (never another code, never a hang past the
// deadline), and once Neo4j is back they succeed again without a restart; every
// acknowledged lead is there afterwards, once, and every acknowledged move is in it.
func TestNeo4jStoppedDuringLeadWrites(t *testing.T) {
	skipUnlessWanted(t)
	bin := neotest.BuildChainmap(t)
	neo := neotest.Start(t)
	load := exec.Command(bin, "load", "--no-progress", neotest.RepoRoot()+"/testdata/minimal")
	load.Env = neo.Env()
	if b, err := load.CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, b)
	}
	ctx := context.Background()
	store, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: neo.URI, Username: "neo4j", Password: neo.Password,
		QueryTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	p := &chainmap.Pipeline{Data: store, Leads: store}
	actor := chainmap.WithActor(ctx, chainmap.Actor{Name: "writer", Role: chainmap.RoleManager})

	var (
		mu          sync.Mutex
		acked       []string
		moved       []string
		codes       = map[string]int{}
		other       []string // messages of refusals other than SERVICE_UNAVAILABLE
		slowest     time.Duration
		stop, down  atomic.Bool
		okAfterBack atomic.Int64
		wg          sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				start := time.Now()
				l, err := p.CreateLead(actor, chainmap.LeadInput{FirmName: "写入", Segment: "W1", Park: "east-park"})
				var moveErr error
				if err == nil {
					_, moveErr = p.MoveLead(actor, l.ID, l.Version, chainmap.LeadContact, "", "")
				}
				took := time.Since(start)
				mu.Lock()
				if err == nil {
					acked = append(acked, l.ID)
					if moveErr == nil {
						moved = append(moved, l.ID)
						if !down.Load() {
							okAfterBack.Add(1)
						}
					}
				}
				if err == nil && moveErr != nil {
					err = moveErr
				}
				if err != nil {
					codes[chainmap.ErrorCode(err)]++
					if chainmap.ErrorCode(err) != chainmap.EUNAVAILABLE && len(other) < 5 {
						other = append(other, err.Error())
					}
					slowest = max(slowest, took)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	waitAcked := func(n int) {
		for begin := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Since(begin) > 2*time.Minute { // a hang guard, not a performance claim
				stop.Store(true)
				t.Fatalf("only %d of %d writes acknowledged", got, n)
			}
		}
	}
	waitAcked(50)
	down.Store(true)
	if err := neo.Down(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	mu.Lock()
	beforeUp := len(acked)
	mu.Unlock()
	if err := neo.Up(); err != nil {
		t.Fatal(err)
	}
	okAfterBack.Store(0)
	down.Store(false)
	for begin := time.Now(); okAfterBack.Load() < 20; time.Sleep(50 * time.Millisecond) {
		if time.Since(begin) > 2*time.Minute {
			stop.Store(true)
			t.Fatal("writes did not resume within 2 minutes of Neo4j's return")
		}
	}
	stop.Store(true)
	wg.Wait()

	have := map[string]int{}
	stage := map[string]chainmap.LeadStage{}
	q := chainmap.LeadQuery{First: chainmap.MaxLeadPage}
	for {
		page, err := store.Leads(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page.Leads {
			have[l.ID]++
			stage[l.ID] = l.Stage
		}
		if !page.HasNext {
			break
		}
		q.After = page.EndCursor
	}
	lost := 0
	for _, id := range acked {
		if have[id] != 1 {
			lost++
		}
	}
	lostMoves := 0
	for _, id := range moved {
		if stage[id] != chainmap.LeadContact {
			lostMoves++
		}
	}
	t.Logf("%d acknowledged (%d before Neo4j came back), %d moves acknowledged, %d leads stored, refusals %v, slowest refusal %v, lost %d leads and %d moves",
		len(acked), beforeUp, len(moved), len(have), codes, slowest.Round(time.Millisecond), lost, lostMoves)
	if lost > 0 {
		t.Errorf("%d acknowledged leads missing or duplicated", lost)
	}
	if lostMoves > 0 {
		t.Errorf("%d acknowledged moves missing", lostMoves)
	}
	for c := range codes {
		if c != chainmap.EUNAVAILABLE {
			t.Errorf("a write while Neo4j was down failed with %s, want %s: %q", c, chainmap.EUNAVAILABLE, other)
		}
	}
	if codes[chainmap.EUNAVAILABLE] == 0 {
		t.Error("no write was refused while Neo4j was down")
	}
	if len(have) < len(acked) || len(have) > len(acked)+4 {
		t.Errorf("%d stored for %d acknowledged (at most 4 in flight may have committed unacknowledged)", len(have), len(acked))
	}
}
