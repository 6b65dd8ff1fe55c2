package conformance

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
	"github.com/chainmap/chainmap/loaders"
	"github.com/chainmap/chainmap/memstore"
)

// TestGoalProgressWithSignedLeads: what the leads at 签约 or later would add to the goals
// of testdata/minimal, on both stores, against figures computed by hand.
//
// Goal g2 (parts_capacity, 110100, sum_capacity(W2), ≥ 10 万吨/年) stands at 5: acme-parts
// 3 万吨/年 in W2a and beta 20,000 吨 = 2 万吨 in W2. The leads:
//
//	L1 new firm, W2a, east-sub (110105), 4 万吨/年, 2 亿元     签约  → +4 capacity, +1 firm
//	L2 gamma (Shanghai), W2, region 110108, 2 万吨/年          开工  → +2, +1 firm
//	L3 new firm, W2, east-park, 10 万吨/年, 5 亿元              洽谈  → not signed
//	L4 new firm, W2, region 310000, 7 万吨/年                  签约  → outside 110100
//	L5 new firm, W3, east-park, 3 万台/年, 1 亿元               签约  → not W2
//	L6 acme-parts (already in W2a), W2, east-sub, no capacity  注册  → +0, counted already
//
// so g2 with the signed leads is 5 + 4 + 2 + 0 = 11 (on track), from L1, L2, L6; a count of
// W2 firms in 110100 (2 today: acme-parts, beta) becomes 4; an investment goal of 110105
// (万元) gains the approved contracted amounts of L1 (2 亿), L5 (1 亿) and L6 (1 亿, approved
// though the lead stated no expected investment) = 40,000 万元 (L2 lies in 110108); g1, a
// count by revenue, cannot say.
func TestGoalProgressWithSignedLeads(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			li := as("li", chainmap.RoleManager)
			lead := func(in chainmap.LeadInput, path ...chainmap.LeadStage) *chainmap.Lead {
				l := must(p.CreateLead(li, in))
				for _, st := range path {
					l = advance(t, p, l, st)
				}
				return l
			}
			signed := []chainmap.LeadStage{chainmap.LeadSigned}
			l1 := lead(chainmap.LeadInput{FirmName: "新零件", Segment: "W2a", Park: "east-sub", Capacity: fp(4), Investment: fp(2)}, signed...)
			l2 := lead(chainmap.LeadInput{Enterprise: "gamma", Segment: "W2", Region: "110108", Capacity: fp(2)}, chainmap.LeadSigned, chainmap.LeadConstruction)
			l3 := lead(chainmap.LeadInput{FirmName: "洽谈中", Segment: "W2", Park: "east-park", Capacity: fp(10), Investment: fp(5)}, chainmap.LeadNegotiation)
			lead(chainmap.LeadInput{FirmName: "上海厂", Segment: "W2", Region: "310000", Capacity: fp(7)}, signed...)
			l5 := lead(chainmap.LeadInput{FirmName: "整机厂", Segment: "W3", Park: "east-park", Capacity: fp(3), Investment: fp(1)}, signed...)
			l6 := lead(chainmap.LeadInput{Enterprise: "acme-parts", Segment: "W2", Park: "east-sub"}, chainmap.LeadSigned, chainmap.LeadRegistered)
			// L7 was signed at 4 亿 (approved), then moved back to 洽谈: its agreement no
			// longer stands, so it counts its expected 0.5 亿, not the approved 4 亿.
			l7 := must(p.CreateLead(li, chainmap.LeadInput{FirmName: "退回的", Segment: "W3", Park: "east-park", Investment: fp(0.5)}))
			l7 = advance(t, p, l7, chainmap.LeadNegotiation)
			{
				ev := []chainmap.Evidence{{Kind: chainmap.StageEvidence[chainmap.LeadSigned][0], Reference: "协议", Date: "2026-01-02"}}
				r := must(p.RequestMove(li, l7.ID, l7.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Evidence: ev, Contracted: fp(4), ConfirmJump: true}))
				l7 = must(p.DecideMove(as("zhao", chainmap.RoleManager), l7.ID, r.Version, true, ""))
				l7 = must(p.MoveLead(li, l7.ID, l7.Version, chainmap.LeadNegotiation, "", ""))
			}

			goals := map[string]*chainmap.Goal{}
			for _, g := range must(lc.data.Goals(ctxT(t), chainmap.GoalQuery{})) {
				goals[g.ID] = g
			}
			type want struct {
				basis            string
				added, current   *float64
				withLeads        *float64
				onTrackWithLeads *bool
				leads            []string
			}
			yes, no := true, false
			for _, c := range []struct {
				goal   *chainmap.Goal
				filter chainmap.LeadFilter
				want   want
			}{
				{goals["g2"], chainmap.LeadFilter{}, want{chainmap.BasisCapacity, fp(6), fp(5), fp(11), &yes, []string{l1.ID, l2.ID, l6.ID}}},
				{goals["g2"], chainmap.LeadFilter{Stages: []chainmap.LeadStage{chainmap.LeadNegotiation}}, want{chainmap.BasisCapacity, fp(10), fp(5), fp(15), &yes, []string{l3.ID}}},
				{goals["g2"], chainmap.LeadFilter{Owner: "nobody"}, want{chainmap.BasisCapacity, fp(0), fp(5), fp(5), &no, nil}},
				{&chainmap.Goal{ID: "w2-firms", Metric: "w2_firms", Region: "110100", Segment: "W2", TargetYear: 2027,
					Comparator: "ge", TargetValue: 4, Unit: "家", Derive: "count_enterprises()"},
					chainmap.LeadFilter{}, want{chainmap.BasisEnterprises, fp(2), fp(2), fp(4), &yes, []string{l1.ID, l2.ID, l6.ID}}},
				{&chainmap.Goal{ID: "invest", Metric: "attracted_investment", Region: "110105", TargetYear: 2027,
					Comparator: "ge", TargetValue: 50000, Unit: "万元", CurrentValue: fp(10000)},
					chainmap.LeadFilter{}, want{chainmap.BasisInvestment, fp(40000), fp(10000), fp(50000), &yes, []string{l1.ID, l5.ID, l6.ID}}},
				// L3 is not signed: no approved amount, so its expected 5 亿 counts; L7,
				// moved back from 签约, its expected 0.5 亿.
				{&chainmap.Goal{ID: "invest-n", Metric: "attracted_investment", Region: "110100", TargetYear: 2027,
					Comparator: "ge", TargetValue: 50000, Unit: "万元", CurrentValue: fp(10000)},
					chainmap.LeadFilter{Stages: []chainmap.LeadStage{chainmap.LeadNegotiation}}, want{chainmap.BasisInvestment, fp(55000), fp(10000), fp(65000), &yes, []string{l3.ID, l7.ID}}},
				{goals["g1"], chainmap.LeadFilter{}, want{"", nil, fp(1), nil, nil, []string{l1.ID, l2.ID, l5.ID, l6.ID}}},
			} {
				e := must(p.GoalLeadEffect(as("zhao", chainmap.RoleViewer), c.goal, c.filter))
				w := c.want
				if e.Basis != w.basis || fv(e.Added) != fv(w.added) || fv(e.Current) != fv(w.current) ||
					fv(e.WithLeads) != fv(w.withLeads) || bv(e.OnTrackWithLeads) != bv(w.onTrackWithLeads) {
					t.Errorf("goal %s, filter %+v: basis %q added %s current %s with leads %s on track %s (%s); want %q %s %s %s %s",
						c.goal.ID, c.filter, e.Basis, fv(e.Added), fv(e.Current), fv(e.WithLeads), bv(e.OnTrackWithLeads), e.Note,
						w.basis, fv(w.added), fv(w.current), fv(w.withLeads), bv(w.onTrackWithLeads))
				}
				if got := leadIDs(e.Leads); !sameSet(got, w.leads) {
					t.Errorf("goal %s, filter %+v: leads %v, want %v", c.goal.ID, c.filter, got, w.leads)
				}
				if e.Note == "" {
					t.Errorf("goal %s: no note says how the figure was made", c.goal.ID)
				}
			}
			if _, err := p.GoalLeadEffect(chainmap.WithActor(ctxT(t), chainmap.Actor{}), goals["g2"], chainmap.LeadFilter{}); code(err) != chainmap.EUNAUTHENTICATED {
				t.Errorf("anonymous: %v", err)
			}
		})
	}
}

func bv(b *bool) string {
	if b == nil {
		return "null"
	}
	if *b {
		return "true"
	}
	return "false"
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		if m[x]--; m[x] < 0 {
			return false
		}
	}
	return true
}

// TestGoalLeadEffectOverManyLeads: more leads than one page (500) and than the API's
// what-if list (100) all count; past MaxGoalLeads the filter is refused. Embedded store
// only (the rule is the same code on both; this checks its bounds).
func TestGoalLeadEffectOverManyLeads(t *testing.T) {
	defer failOnMust(t)
	mem := memstore.New()
	must(loaders.Load(ctxT(t), "../testdata/minimal", mem, loaders.Options{}))
	st := must(boltstore.Open(filepath.Join(t.TempDir(), "state.db")))
	defer st.Close()
	lc := leadCase{name: "embedded", leads: st, data: mem}
	p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads}
	li := as("li", chainmap.RoleManager)
	const n = 520
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			l, err := p.CreateLead(li, chainmap.LeadInput{FirmName: fmt.Sprint("厂", i), Segment: "W2", Park: "east-park", Capacity: fp(1)})
			if err == nil {
				var r *chainmap.Lead
				if r, err = p.RequestMove(li, l.ID, l.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(1),
					Evidence: []chainmap.Evidence{{Kind: chainmap.EvidenceAgreement, Reference: "协议", Date: "2026-01-02"}}}); err == nil {
					_, err = p.DecideMove(as("zhao", chainmap.RoleManager), l.ID, r.Version, true, "")
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var g2 *chainmap.Goal
	for _, g := range must(lc.data.Goals(ctxT(t), chainmap.GoalQuery{})) {
		if g.ID == "g2" {
			g2 = g
		}
	}
	e := must(p.GoalLeadEffect(li, g2, chainmap.LeadFilter{}))
	if len(e.Leads) != n || fv(e.Added) != fv(fp(n)) || fv(e.WithLeads) != fv(fp(n+5)) {
		t.Errorf("%d leads, added %s, with leads %s; want %d, %d, %d", len(e.Leads), fv(e.Added), fv(e.WithLeads), n, n, n+5)
	}
	for i := range chainmap.MaxGoalLeads - n + 1 {
		must(p.CreateLead(li, chainmap.LeadInput{FirmName: fmt.Sprint("线索", i), Segment: "W1", Park: "east-park"}))
	}
	if _, err := p.GoalLeadEffect(li, g2, chainmap.LeadFilter{Stages: []chainmap.LeadStage{chainmap.LeadClue, chainmap.LeadSigned}}); code(err) != chainmap.EINVALID {
		t.Errorf("a filter selecting %d leads: %v", chainmap.MaxGoalLeads+1, err)
	}
}

// advance moves a lead to stage the way the pipeline allows: directly, or, for a move to
// 签约 or later, as a request with the stage's evidence that a second manager approves
// (separation of duties).
func advance(t *testing.T, p *chainmap.Pipeline, l *chainmap.Lead, to chainmap.LeadStage) *chainmap.Lead {
	t.Helper()
	li := as("li", chainmap.RoleManager)
	if !chainmap.NeedsApproval(l.Stage, l.HeldFrom, to) {
		return must(p.MoveLead(li, l.ID, l.Version, to, "", ""))
	}
	ev := []chainmap.Evidence{{Kind: chainmap.StageEvidence[to][0], Reference: "凭证 " + string(to), Date: "2026-01-02"}}
	contracted := l.Investment // the agreement states what the lead expected
	if contracted == nil {
		contracted = fp(1)
	}
	r := must(p.RequestMove(li, l.ID, l.Version, chainmap.MoveRequestInput{To: to, Evidence: ev, Contracted: contracted}))
	return must(p.DecideMove(as("zhao", chainmap.RoleManager), l.ID, r.Version, true, ""))
}
