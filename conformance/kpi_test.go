package conformance

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
)

// kpiFixture builds the worked example of docs/pipeline.md ("A worked example"): four
// leads worked from January to March 2026, every move at 10:00 China time (02:00 UTC).
//
//	A wang W1 east-park, expected 10 亿元 and 5 万吨/年: created 01-05, 接洽 01-10,
//	  洽谈 01-20, 签约 approved 02-03 (contracted 12), 开工 approved 03-10 (paid-in 6)
//	B zhou W2 region 110108, expected 4 亿元: created 01-15, 洽谈 02-01, 签约 approved
//	  02-20 (contracted 20: more than 3× expected, confirmed, flagged), 终止 03-15
//	C wang W3 east-park, 2 万台/年: created 02-10, 签约 requested 03-01 and refused
//	  03-02, requested again and approved 03-05 (contracted 8, paid-in 2)
//	D zhou W2 east-park: created 03-20, 洽谈 03-21, 签约 requested 03-25, still pending
func kpiFixture(t *testing.T, lc leadCase) *chainmap.Pipeline {
	t.Helper()
	clk := &clock{}
	at := func(day string) {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		clk.mu.Lock()
		clk.now = d.Add(2 * time.Hour)
		clk.mu.Unlock()
	}
	at("2026-01-01")
	p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
	addUsers(t, lc, clk.Now())
	wang, zhou, li := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter), as("li", chainmap.RoleManager)
	ev := func(kind chainmap.EvidenceKind, ref, date string) chainmap.Evidence {
		return chainmap.Evidence{Kind: kind, Reference: ref, Date: date}
	}

	at("2026-01-05")
	a := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "甲铝业", Segment: "W1", Park: "east-park", Investment: fp(10), Capacity: fp(5)}))
	at("2026-01-10")
	a = must(p.MoveLead(wang, a.ID, a.Version, chainmap.LeadContact, "", ""))
	at("2026-01-15")
	b := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "乙材料", Segment: "W2", Region: "110108", Investment: fp(4)}))
	at("2026-01-20")
	a = must(p.MoveLead(wang, a.ID, a.Version, chainmap.LeadNegotiation, "", ""))
	at("2026-01-25")
	a = must(p.RequestMove(wang, a.ID, a.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(12),
		Evidence: []chainmap.Evidence{ev(chainmap.EvidenceAgreement, "甲-协议", "2026-01-24")}}))
	at("2026-02-01")
	b = must(p.MoveLead(zhou, b.ID, b.Version, chainmap.LeadNegotiation, "", ""))
	at("2026-02-03")
	a = must(p.DecideMove(li, a.ID, a.Version, true, ""))
	at("2026-02-10")
	c := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "丙整机", Segment: "W3", Park: "east-park", Capacity: fp(2)}))
	at("2026-02-18")
	bIn := chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(20),
		Evidence: []chainmap.Evidence{ev(chainmap.EvidenceAgreement, "乙-协议", "2026-02-17")}}
	if _, err := p.RequestMove(zhou, b.ID, b.Version, bIn); code(err) != chainmap.EINVALID {
		t.Fatalf("an unconfirmed jump to 5× the expected investment: %v", err)
	}
	bIn.ConfirmJump = true
	b = must(p.RequestMove(zhou, b.ID, b.Version, bIn))
	at("2026-02-20")
	b = must(p.DecideMove(li, b.ID, b.Version, true, ""))
	cIn := chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(8), PaidIn: fp(2),
		Evidence: []chainmap.Evidence{ev(chainmap.EvidenceAgreement, "丙-协议", "2026-02-28"), ev(chainmap.EvidenceTransfer, "丙-转账", "2026-02-28")}}
	at("2026-03-01")
	c = must(p.RequestMove(wang, c.ID, c.Version, cIn))
	at("2026-03-02")
	c = must(p.DecideMove(li, c.ID, c.Version, false, "协议缺页"))
	at("2026-03-04")
	c = must(p.RequestMove(wang, c.ID, c.Version, cIn))
	at("2026-03-05")
	must(p.DecideMove(li, c.ID, c.Version, true, ""))
	at("2026-03-08")
	a = must(p.RequestMove(wang, a.ID, a.Version, chainmap.MoveRequestInput{To: chainmap.LeadConstruction, PaidIn: fp(6),
		Evidence: []chainmap.Evidence{ev(chainmap.EvidencePermit, "施工许可", "2026-03-07"), ev(chainmap.EvidenceTransfer, "甲-转账", "2026-03-07")}}))
	at("2026-03-10")
	must(p.DecideMove(li, a.ID, a.Version, true, ""))
	at("2026-03-15")
	must(p.CloseLead(zhou, b.ID, b.Version, chainmap.ReasonFunding, ""))
	at("2026-03-20")
	d := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "丁零件", Segment: "W2", Park: "east-park"}))
	at("2026-03-21")
	d = must(p.MoveLead(zhou, d.ID, d.Version, chainmap.LeadNegotiation, "", ""))
	at("2026-03-25")
	must(p.RequestMove(zhou, d.ID, d.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(3),
		Evidence: []chainmap.Evidence{ev(chainmap.EvidenceAgreement, "丁-协议", "2026-03-24")}}))
	at("2026-04-02")
	return p
}

// kpiLine renders the figures of a row that the hand computation gives, in one line.
func kpiLine(r chainmap.KPIRow) string {
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.4g", *v)
	}
	var conv, days, capa []string
	for _, c := range r.Conversion {
		conv = append(conv, f(c.Rate))
	}
	for _, d := range r.DaysInStage {
		if d.Samples > 0 {
			days = append(days, fmt.Sprintf("%s:%d:%s", d.Stage, d.Samples, f(d.Median)))
		}
	}
	for _, u := range r.Capacity {
		capa = append(capa, fmt.Sprintf("%g %s", u.Value, u.Unit))
	}
	round := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	return fmt.Sprintf("%s %s [%s..%s] created=%d signed=%d registered=%d started=%d producing=%d contracted=%g paidIn=%g "+
		"days=%s conv=%s S=%d honoured=%d 履约率=%s awaiting=%d 开工率=%s contractedToDate=%g paidInToDate=%g 资金到位率=%s capacity=%s flagged=%d",
		r.Period, r.Group, r.Start, r.Last, r.LeadsCreated, r.Signed, r.Registered, r.Started, r.Producing, round(r.Contracted), round(r.PaidIn),
		strings.Join(days, ","), strings.Join(conv, ","), r.SignedToDate, r.Honoured, f(r.PerformanceRate), r.AwaitingStart, f(r.StartRate),
		round(r.ContractedToDate), round(r.PaidInToDate), f(r.FundingRate), strings.Join(capa, "+"), r.Flagged)
}

// TestKPIsWorkedExample checks every KPI formula against the hand computation of
// docs/pipeline.md's worked example, on both stores.
func TestKPIsWorkedExample(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			p := kpiFixture(t, lc)
			zhao := as("zhao", chainmap.RoleViewer)
			for _, c := range []struct {
				q    chainmap.KPIQuery
				want []string
			}{
				{chainmap.KPIQuery{Period: chainmap.PeriodMonth, From: "2026-01-01", To: "2026-03-31"}, []string{
					"2026-01  [2026-01-01..2026-01-31] created=2 signed=0 registered=0 started=0 producing=0 contracted=0 paidIn=0 " +
						"days=线索:1:5,接洽:1:10 conv=0.5,1,1,0,-,-,- S=0 honoured=0 履约率=- awaiting=0 开工率=- contractedToDate=0 paidInToDate=0 资金到位率=- capacity= flagged=0",
					"2026-02  [2026-02-01..2026-02-28] created=1 signed=2 registered=0 started=0 producing=0 contracted=32 paidIn=0 " +
						"days=线索:1:17,洽谈:2:16.5 conv=0.6667,1,1,1,0,-,- S=2 honoured=0 履约率=0 awaiting=2 开工率=0 contractedToDate=32 paidInToDate=0 资金到位率=0 capacity=5 万吨/年 flagged=1",
					"2026-03  [2026-03-01..2026-03-31] created=1 signed=1 registered=1 started=1 producing=0 contracted=8 paidIn=8 " +
						"days=线索:2:12,签约:2:29 conv=1,1,1,0.75,0.3333,1,0 S=3 honoured=1 履约率=0.3333 awaiting=3 开工率=0.3333 contractedToDate=40 paidInToDate=8 资金到位率=0.2 capacity=2 万台/年+5 万吨/年 flagged=1",
				}},
				{chainmap.KPIQuery{Period: chainmap.PeriodQuarter, From: "2026-02-15", To: "2026-02-15"}, []string{
					"2026-Q1  [2026-01-01..2026-03-31] created=4 signed=3 registered=1 started=1 producing=0 contracted=40 paidIn=8 " +
						"days=线索:4:11,接洽:1:10,洽谈:2:16.5,签约:2:29 conv=1,1,1,0.75,0.3333,1,0 S=3 honoured=1 履约率=0.3333 awaiting=3 开工率=0.3333 contractedToDate=40 paidInToDate=8 资金到位率=0.2 capacity=2 万台/年+5 万吨/年 flagged=1",
				}},
				{chainmap.KPIQuery{Period: chainmap.PeriodMonth, GroupBy: chainmap.GroupRegion, From: "2026-03-01", To: "2026-03-31"}, []string{
					"2026-03 110105 [2026-03-01..2026-03-31] created=1 signed=1 registered=1 started=1 producing=0 contracted=8 paidIn=8 " +
						"days=线索:2:12,签约:1:35 conv=1,1,1,0.6667,0.5,1,0 S=2 honoured=1 履约率=0.5 awaiting=2 开工率=0.5 contractedToDate=20 paidInToDate=8 资金到位率=0.4 capacity=2 万台/年+5 万吨/年 flagged=0",
					"2026-03 110108 [2026-03-01..2026-03-31] created=0 signed=0 registered=0 started=0 producing=0 contracted=0 paidIn=0 " +
						"days=签约:1:23 conv=1,1,1,1,0,-,- S=1 honoured=0 履约率=0 awaiting=1 开工率=0 contractedToDate=20 paidInToDate=0 资金到位率=0 capacity= flagged=1",
				}},
			} {
				rep := must(p.KPIs(zhao, c.q))
				var got []string
				for _, r := range rep.Rows {
					got = append(got, kpiLine(r))
				}
				if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("%+v:\n got %s\nwant %s", c.q, strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
				}
			}
			// Filters apply; bad queries are refused; anonymous callers too.
			park := must(p.KPIs(zhao, chainmap.KPIQuery{Period: chainmap.PeriodYear, From: "2026-01-01", To: "2026-12-31",
				Filter: chainmap.LeadFilter{Park: "east-park"}}))
			if len(park.Rows) != 1 || park.Rows[0].LeadsCreated != 3 || park.Rows[0].Period != "2026" {
				t.Errorf("east-park in 2026: %+v", park.Rows)
			}
			for _, q := range []chainmap.KPIQuery{
				{Period: "week", From: "2026-01-01", To: "2026-02-01"},
				{Period: chainmap.PeriodMonth, From: "2026-02-01", To: "2026-01-01"},
				{Period: chainmap.PeriodMonth, From: "2000-01-01", To: "2100-01-01"},
				{Period: chainmap.PeriodMonth, From: "2026-01-01", To: "2026-02-01", GroupBy: "colour"},
				{Period: chainmap.PeriodMonth, From: "yesterday", To: "2026-02-01"},
			} {
				if _, err := p.KPIs(zhao, q); code(err) != chainmap.EINVALID {
					t.Errorf("%+v: %v", q, err)
				}
			}
		})
	}
}
