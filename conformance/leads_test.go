package conformance

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// leadCase is one implementation of the pipeline's storage with its dataset store and a
// way to load another dataset version (prune or replace) the way that store is reloaded.
type leadCase struct {
	name   string
	leads  chainmap.LeadStore
	data   chainmap.Store
	reload func(t *testing.T, dir string, prune, replace bool)
}

// leadCases returns a fresh bbolt file over an embedded store and, when configured, Neo4j
// with its user data wiped, both loaded with testdata/minimal.
func leadCases(t *testing.T) []leadCase {
	t.Helper()
	ctx := ctxT(t)
	mem := memstore.New()
	if _, err := loaders.Load(ctx, "../testdata/minimal", mem, loaders.Options{}); err != nil {
		t.Fatal(err)
	}
	bolt, err := boltstore.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	cases := []leadCase{{"embedded", bolt, mem, func(t *testing.T, dir string, _, _ bool) {
		// The embedded store reloads by swapping its graph whole (prune and replace are
		// what it always does); the state file is another file.
		if _, err := loaders.Load(ctxT(t), dir, mem, loaders.Options{}); err != nil {
			t.Fatal(err)
		}
	}}}
	if neo != nil {
		wipeLeads(t)
		t.Cleanup(func() { wipeLeads(t) })
		if err := neo.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		loadNeo(t, "../testdata/minimal", false)
		cases = append(cases, leadCase{"neo4j", neo, neo, func(t *testing.T, dir string, prune, replace bool) {
			if replace {
				if err := neo.Reset(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			}
			loadNeo(t, dir, prune)
		}})
	}
	return cases
}

// wipeLeads deletes the pipeline's user data from the shared Neo4j (tests only: no store
// method does this).
func wipeLeads(t *testing.T) {
	t.Helper()
	// In batches: a database a pipeline benchmark wrote to holds more user data than one
	// transaction may delete within Neo4j's transaction memory.
	for {
		res, err := neo4j.ExecuteQuery(ctxT(t), driver(t),
			`MATCH (n) WHERE n:Lead OR n:FollowUp OR n:AuditEntry OR n:User OR n:AuditCounter OR n:Attachment OR n:Session
WITH n LIMIT 5000 DETACH DELETE n RETURN count(*)`,
			nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(database()))
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.Records[0].Values[0].(int64); n == 0 {
			return
		}
	}
}

// clock is a settable time for the pipeline under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func as(name string, role chainmap.Role) context.Context {
	// No deadline of its own: every store call has the store's.
	return chainmap.WithActor(context.Background(), chainmap.Actor{Name: name, Role: role})
}

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return chainmap.ErrorCode(err)
}

func fp(v float64) *float64 { return &v }

func TestLeadsContract(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			testLeads(t, lc)
		})
	}
}

func testLeads(t *testing.T, lc leadCase) {
	clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
	admin := as("admin", chainmap.RoleAdmin)
	writes := 0 // every acknowledged write leaves one audit entry
	for _, u := range []struct {
		name string
		role chainmap.Role
	}{{"wang", chainmap.RolePromoter}, {"zhou", chainmap.RolePromoter}, {"li", chainmap.RoleManager}, {"zhao", chainmap.RoleViewer}} {
		err := lc.leads.AddUser(admin, &chainmap.User{Name: u.name, Role: u.role, PasswordHash: "x", CreatedAt: clk.Now()},
			chainmap.AuditEntry{At: clk.Now(), Actor: "admin", Action: chainmap.ActionUserAdd, Subject: u.name})
		if err != nil {
			t.Fatal(err)
		}
		writes++
	}
	if err := lc.leads.AddUser(admin, &chainmap.User{Name: "wang", Role: chainmap.RoleAdmin, PasswordHash: "x"},
		chainmap.AuditEntry{}); code(err) != chainmap.ECONFLICT {
		t.Errorf("second user wang: %v", err)
	}
	if u := must(lc.leads.User(admin, "li")); u.Role != chainmap.RoleManager {
		t.Errorf("user li = %+v", u)
	}
	wang, zhou, li, zhao := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter),
		as("li", chainmap.RoleManager), as("zhao", chainmap.RoleViewer)

	// Creation resolves the dataset's facts and refuses what it does not hold.
	jobs := 300
	l1 := must(p.CreateLead(wang, chainmap.LeadInput{Enterprise: "delta", Segment: "W2a", Park: "east-park",
		Investment: fp(10), Capacity: fp(5), Jobs: &jobs, NextStep: "拜访", NextStepDue: "2026-03-15", Origin: "investmentTargets"}))
	writes++
	if l1.Version != 1 || l1.Chain != "widget" || l1.CapacityUnit != "万吨/年" || l1.FirmName != "德尔塔" ||
		l1.Owner != "wang" || l1.Stage != chainmap.LeadClue {
		t.Errorf("created lead %+v", l1)
	}
	clk.add(time.Hour)
	l2 := must(p.CreateLead(li, chainmap.LeadInput{FirmName: "新公司", Segment: "W3", Region: "110105", Owner: "zhou"}))
	writes++
	if l2.Owner != "zhou" || l2.Chain != "widget" {
		t.Errorf("lead for zhou %+v", l2)
	}
	for _, c := range []struct {
		ctx  context.Context
		in   chainmap.LeadInput
		want string
	}{
		{wang, chainmap.LeadInput{FirmName: "x", Segment: "nope", Park: "east-park"}, chainmap.EINVALID},
		{wang, chainmap.LeadInput{Enterprise: "nope", Segment: "W1", Park: "east-park"}, chainmap.EINVALID},
		{wang, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "nope"}, chainmap.EINVALID},
		{wang, chainmap.LeadInput{FirmName: "x", Segment: "W1"}, chainmap.EINVALID},
		{wang, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park", Investment: fp(-1)}, chainmap.EINVALID},
		{wang, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park", Owner: "zhou"}, chainmap.EFORBIDDEN},
		{li, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park", Owner: "ghost"}, chainmap.EINVALID},
		{zhao, chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park"}, chainmap.EFORBIDDEN},
		{context.Background(), chainmap.LeadInput{FirmName: "x", Segment: "W1", Park: "east-park"}, chainmap.EUNAUTHENTICATED},
	} {
		if _, err := p.CreateLead(c.ctx, c.in); code(err) != c.want {
			t.Errorf("create %+v: %v, want %s", c.in, err, c.want)
		}
	}

	// Versions: an update at the current version wins, a stale one is refused with the
	// current version and changes nothing.
	step := "电话沟通"
	u1 := must(p.UpdateLead(wang, l1.ID, 1, chainmap.LeadPatch{NextStep: &step}))
	writes++
	if u1.Version != 2 || u1.NextStep != step {
		t.Errorf("update: %+v", u1)
	}
	other := "别的"
	_, err := p.UpdateLead(li, l1.ID, 1, chainmap.LeadPatch{NextStep: &other})
	if cur, ok := chainmap.CurrentVersion(err); code(err) != chainmap.ECONFLICT || !ok || cur != 2 {
		t.Errorf("stale update: %v (current %d)", err, cur)
	}
	if got := must(p.Lead(zhao, l1.ID)); got.NextStep != step || got.Version != 2 {
		t.Errorf("after the refused update: %+v", got)
	}
	if _, err := p.UpdateLead(zhou, l1.ID, 2, chainmap.LeadPatch{NextStep: &other}); code(err) != chainmap.EFORBIDDEN {
		t.Errorf("another promoter edited wang's lead: %v", err)
	}
	if _, err := p.UpdateLead(wang, l1.ID, 2, chainmap.LeadPatch{Owner: &other}); code(err) != chainmap.EFORBIDDEN {
		t.Errorf("a promoter reassigned: %v", err)
	}
	if _, err := p.UpdateLead(zhao, l1.ID, 2, chainmap.LeadPatch{NextStep: &other}); code(err) != chainmap.EFORBIDDEN {
		t.Errorf("a viewer edited: %v", err)
	}
	if _, err := p.UpdateLead(wang, "L-nope", 1, chainmap.LeadPatch{NextStep: &other}); code(err) != chainmap.ENOTFOUND {
		t.Errorf("update of a missing lead: %v", err)
	}

	// Concurrent edits of one version: exactly one wins.
	const racers = 8
	var wg sync.WaitGroup
	results := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := strings.Repeat("步", i+1)
			_, results[i] = p.UpdateLead(li, l1.ID, 2, chainmap.LeadPatch{NextStep: &s})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch code(err) {
		case "ok":
			won++
		case chainmap.ECONFLICT:
		default:
			t.Errorf("racing update: %v", err)
		}
	}
	writes += won
	if won != 1 {
		t.Errorf("%d of %d racing updates at one version won, want exactly 1", won, racers)
	}
	cur := must(p.Lead(zhao, l1.ID))
	if cur.Version != 3 {
		t.Errorf("after the race version %d, want 3", cur.Version)
	}

	// Stage moves follow CheckStageMove; 搁置 and 终止 need a reason.
	v := cur.Version
	for _, to := range []chainmap.LeadStage{chainmap.LeadContact, chainmap.LeadVisit} {
		clk.add(24 * time.Hour)
		cur = must(p.MoveLead(wang, l1.ID, v, to, "", ""))
		v = cur.Version
		writes++
	}
	if _, err := p.MoveLead(wang, l1.ID, v, chainmap.LeadClue, "", ""); code(err) != chainmap.EINVALID {
		t.Errorf("two stages back: %v", err)
	}
	if _, err := p.MoveLead(wang, l1.ID, v, chainmap.LeadOnHold, "", ""); code(err) != chainmap.EINVALID {
		t.Errorf("on hold without reason: %v", err)
	}
	cur = must(p.MoveLead(wang, l1.ID, v, chainmap.LeadOnHold, chainmap.ReasonTiming, "等年后"))
	writes++
	if cur.HeldFrom != chainmap.LeadVisit || cur.Reason != chainmap.ReasonTiming {
		t.Errorf("on hold: %+v", cur)
	}
	if _, err := p.MoveLead(wang, l1.ID, cur.Version, chainmap.LeadSigned, "", ""); code(err) != chainmap.EINVALID {
		t.Errorf("resumed past the stage it was parked from: %v", err)
	}
	cur = must(p.MoveLead(wang, l1.ID, cur.Version, chainmap.LeadVisit, "", ""))
	writes++
	if cur.Reason != "" || cur.HeldFrom != "" || len(cur.History) != 5 {
		t.Errorf("resumed: %+v", cur)
	}

	// Follow-ups: the timeline, the activity date, and staleness.
	clk.add(24 * time.Hour)
	f := must(p.AddFollowUp(wang, l1.ID, "2026-03-05", chainmap.FollowUpVisit, "现场考察\n顺利"))
	writes++
	if _, err := p.AddFollowUp(wang, l1.ID, "2026-13-05", chainmap.FollowUpVisit, ""); code(err) != chainmap.EINVALID {
		t.Errorf("bad follow-up date: %v", err)
	}
	if _, err := p.AddFollowUp(zhou, l1.ID, "2026-03-05", chainmap.FollowUpCall, ""); code(err) != chainmap.EFORBIDDEN {
		t.Errorf("follow-up on another's lead: %v", err)
	}
	fs := must(p.FollowUps(zhao, l1.ID))
	if len(fs) != 1 || fs[0].ID != f.ID || fs[0].Notes != "现场考察\n顺利" {
		t.Errorf("follow-ups %+v", fs)
	}
	cur = must(p.Lead(zhao, l1.ID))
	if cur.FollowUps != 1 || !cur.LastActivity.Equal(clk.Now()) || cur.Version != v+2 {
		t.Errorf("after the follow-up: follow-ups %d, last activity %v (now %v), version %d", cur.FollowUps, cur.LastActivity, clk.Now(), cur.Version)
	}
	clk.add(20 * 24 * time.Hour)
	stale := must(p.LeadsPage(zhao, chainmap.LeadFilter{StaleDays: 21}))
	if ids := leadIDs(stale.Leads); len(ids) != 1 || ids[0] != l2.ID {
		t.Errorf("stale after 21 days: %v, want only %s", ids, l2.ID)
	}

	// Filters (region and segment mean subtrees) and pages.
	for _, c := range []struct {
		f    chainmap.LeadFilter
		want []string
	}{
		{chainmap.LeadFilter{}, []string{l1.ID, l2.ID}},
		{chainmap.LeadFilter{Segment: "W2"}, []string{l1.ID}},
		{chainmap.LeadFilter{Region: "110100"}, []string{l2.ID}},
		{chainmap.LeadFilter{Park: "east-park"}, []string{l1.ID}},
		{chainmap.LeadFilter{Chain: "widget", Owner: "zhou"}, []string{l2.ID}},
		{chainmap.LeadFilter{Stages: []chainmap.LeadStage{chainmap.LeadVisit}}, []string{l1.ID}},
		{chainmap.LeadFilter{Enterprise: "delta"}, []string{l1.ID}},
		{chainmap.LeadFilter{Chain: "other"}, nil},
	} {
		page := must(p.LeadsPage(zhao, c.f))
		if got := leadIDs(page.Leads); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("filter %+v: %v, want %v", c.f, got, c.want)
		}
	}
	first := must(p.LeadsPage(zhao, chainmap.LeadFilter{First: 1}))
	if len(first.Leads) != 1 || !first.HasNext || first.Leads[0].ID != l1.ID {
		t.Fatalf("first page %+v", first)
	}
	second := must(p.LeadsPage(zhao, chainmap.LeadFilter{First: 1, After: first.EndCursor}))
	if len(second.Leads) != 1 || second.HasNext || second.Leads[0].ID != l2.ID {
		t.Errorf("second page %+v", second)
	}
	if _, err := p.LeadsPage(context.Background(), chainmap.LeadFilter{}); code(err) != chainmap.EUNAUTHENTICATED {
		t.Errorf("anonymous list: %v", err)
	}
	if _, err := p.LeadsPage(zhao, chainmap.LeadFilter{After: "garbage"}); code(err) != chainmap.EINVALID {
		t.Errorf("bad cursor: %v", err)
	}

	// Closing.
	if _, err := p.CloseLead(li, l2.ID, l2.Version, chainmap.ReasonOther, ""); code(err) != chainmap.EINVALID {
		t.Errorf("close with other and no note: %v", err)
	}
	closed := must(p.CloseLead(li, l2.ID, l2.Version, chainmap.ReasonOtherRegion, "落户邻市"))
	writes++
	if closed.Stage != chainmap.LeadTerminated {
		t.Errorf("closed %+v", closed)
	}

	// The report over both leads: l1 at 考察 (reached 接洽 and 考察), l2 ended at 线索.
	rep := must(p.Report(zhao, chainmap.LeadFilter{StaleDays: 21}))
	stageCount := map[string]int{}
	for _, g := range rep.ByStage {
		stageCount[g.Key] = g.Leads
	}
	if rep.Total != 2 || stageCount["考察"] != 1 || stageCount["终止"] != 1 || rep.ByStage[2].Investment != 10 {
		t.Errorf("report by stage %+v", rep.ByStage)
	}
	if c := rep.Conversion; c[0].Reached != 2 || c[0].Advanced != 1 || c[1].Advanced != 1 || c[2].Advanced != 0 {
		t.Errorf("conversion %+v", c)
	}
	if len(rep.Stale) != 0 { // l2 is ended, l1 had a follow-up 20 days ago
		t.Errorf("stale %v", leadIDs(rep.Stale))
	}

	// The audit trail: one entry per acknowledged write, in order, for managers only.
	if _, err := p.Audit(wang, chainmap.AuditQuery{}); code(err) != chainmap.EFORBIDDEN {
		t.Errorf("a promoter read the audit trail: %v", err)
	}
	entries := must(p.Audit(li, chainmap.AuditQuery{}))
	if len(entries) != writes {
		t.Errorf("%d audit entries, want one per write: %d", len(entries), writes)
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
			break
		}
	}
	of1 := must(p.Audit(li, chainmap.AuditQuery{Subject: l1.ID}))
	moves := 0
	for _, e := range of1 {
		if e.Action == chainmap.ActionLeadMove {
			moves++
			if !strings.Contains(e.Before, `"version"`) || !strings.Contains(e.After, `"stage"`) {
				t.Errorf("a move's entry lacks before/after: %+v", e)
			}
		}
	}
	if moves != 4 {
		t.Errorf("%d move entries for %s, want 4", moves, l1.ID)
	}
	if page := must(p.Audit(li, chainmap.AuditQuery{After: 2, Limit: 3})); len(page) != 3 || page[0].Seq != 3 {
		t.Errorf("audit page after 2: %d entries", len(page))
	}

	// The dataset changes under the leads: an enterprise is pruned, then the whole
	// dataset replaced by another. The leads stay, flagged.
	dir := t.TempDir()
	copyDir(t, "../testdata/minimal", dir)
	rewrite(t, filepath.Join(dir, "enterprises.csv"), func(s string) string {
		return strings.Replace(s, "delta,德尔塔,Delta,,110108,,,,,,,closed,\n", "", 1)
	})
	rewrite(t, filepath.Join(dir, "operations.csv"), func(s string) string {
		return strings.Replace(s, "delta,W1,producer,,,,,,suggested,\n", "", 1)
	})
	lc.reload(t, dir, true, false)
	got := must(p.Lead(zhao, l1.ID))
	if !got.EnterpriseMissing || got.SegmentMissing || got.Version != cur.Version || got.FollowUps != 1 {
		t.Errorf("after pruning delta: %+v", got)
	}
	lc.reload(t, "../testdata/hefei-battery", false, true)
	all := must(p.LeadsPage(zhao, chainmap.LeadFilter{}))
	if len(all.Leads) != 2 {
		t.Fatalf("after --replace with another dataset: %d leads, want 2", len(all.Leads))
	}
	for _, l := range all.Leads {
		if !l.SegmentMissing {
			t.Errorf("lead %s on %s not flagged after its segment left", l.ID, l.Segment)
		}
	}
	if n := len(must(p.Audit(li, chainmap.AuditQuery{}))); n != writes {
		t.Errorf("after the reloads %d audit entries, want %d", n, writes)
	}
	if n := len(must(p.FollowUps(zhao, l1.ID))); n != 1 {
		t.Errorf("after the reloads %d follow-ups", n)
	}
	if us := must(lc.leads.Users(admin)); len(us) != 4 {
		t.Errorf("after the reloads %d users", len(us))
	}
}

func leadIDs(ls []*chainmap.Lead) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// TestStateBackupRestore: a backup restores, on either store, to the same data; a
// restore never goes over existing data; the audit numbering continues after it.
func TestStateBackupRestore(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			admin := as("admin", chainmap.RoleAdmin)
			if err := lc.leads.AddUser(admin, &chainmap.User{Name: "wang", Role: chainmap.RolePromoter, PasswordHash: "x"},
				chainmap.AuditEntry{Actor: "admin", Action: chainmap.ActionUserAdd, Subject: "wang"}); err != nil {
				t.Fatal(err)
			}
			wang := as("wang", chainmap.RolePromoter)
			l := must(p.CreateLead(wang, chainmap.LeadInput{Enterprise: "acme", Segment: "W2", Park: "east-park", Investment: fp(3)}))
			must(p.MoveLead(wang, l.ID, 1, chainmap.LeadContact, "", ""))
			must(p.AddFollowUp(wang, l.ID, "2026-03-02", chainmap.FollowUpCall, "电话"))
			dump := must(lc.leads.ExportState(admin))
			if len(dump.Leads) != 1 || len(dump.FollowUps) != 1 || len(dump.Audit) != 4 || len(dump.Users) != 1 {
				t.Fatalf("dump: %d leads, %d follow-ups, %d audit, %d users", len(dump.Leads), len(dump.FollowUps), len(dump.Audit), len(dump.Users))
			}
			if err := lc.leads.ImportState(admin, dump); code(err) != chainmap.ECONFLICT {
				t.Errorf("restore over existing data: %v", err)
			}
			// Into a fresh embedded state file (a backup moves data between stores too).
			other, err := boltstore.Open(filepath.Join(t.TempDir(), "restored.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if err := other.ImportState(admin, dump); err != nil {
				t.Fatal(err)
			}
			again := must(other.ExportState(admin))
			if a, b := chainmap.AuditJSON(dump), chainmap.AuditJSON(again); a != b {
				t.Errorf("restored state differs:\n%s\n%s", a, b)
			}
			p2 := &chainmap.Pipeline{Data: lc.data, Leads: other, Now: clk.Now}
			must(p2.CreateLead(wang, chainmap.LeadInput{FirmName: "新", Segment: "W1", Park: "east-park"}))
			if es := must(other.Audit(admin, chainmap.AuditQuery{After: 4})); len(es) != 1 || es[0].Seq != 5 {
				t.Errorf("after the restore the next audit entry is %+v, want seq 5", es)
			}
			if lc.name == "neo4j" {
				wipeLeads(t)
				if err := neo.ImportState(admin, dump); err != nil {
					t.Fatal(err)
				}
				if b := chainmap.AuditJSON(must(neo.ExportState(admin))); b != chainmap.AuditJSON(dump) {
					t.Errorf("neo4j restore differs")
				}
				must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "新", Segment: "W1", Park: "east-park"}))
				if es := must(neo.Audit(admin, chainmap.AuditQuery{After: 4})); len(es) != 1 || es[0].Seq != 5 {
					t.Errorf("neo4j: after the restore the next audit entry is %+v, want seq 5", es)
				}
			}
			bad := *dump
			bad.Format = "other/1"
			if err := other.ImportState(admin, &bad); code(err) != chainmap.EINVALID {
				t.Errorf("a dump of another format: %v", err)
			}
		})
	}
}
