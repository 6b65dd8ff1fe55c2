package conformance

import (
	"slices"
	"testing"

	"github.com/chainmap/chainmap"
)

// TestLeadsOfFirm holds both stores to LeadQuery.Firm, the query the double-counting
// check runs on every creation and signing: each store answers it from an index of
// credit codes and name keys, so the index must follow creations and renames, and the
// answer must be exactly FirmKey.Match over all leads (checked against a full scan).
func TestLeadsOfFirm(t *testing.T) {
	onPipelines(t, func(t *testing.T, lc leadCase, p *chainmap.Pipeline) {
		li := as("li", chainmap.RoleManager)
		const codeA, codeB = "91110105MA01ABCD13", "91350100M000100Y43"
		mk := func(name, code string) *chainmap.Lead {
			return must(p.CreateLead(li, chainmap.LeadInput{FirmName: name, CreditCode: code, Segment: "W2", Park: "east-park"}))
		}
		a1 := mk("河南新铝材有限责任公司", "")
		a2 := mk("河南新铝材（巩义）有限公司", "")  // same name key
		a3 := mk("河南新铝材有限公司", codeA)   // same name, a code
		a4 := mk("河南新铝材有限公司", codeB)   // same name, another code
		b1 := mk("郑州另一家铝业有限公司", codeA) // another name, code A
		c1 := mk("完全无关的企业", "")
		d1 := mk("（巩义）", "") // only a bracketed place: its own key, not an empty one
		d2 := mk("【郑州】", "")
		all := []*chainmap.Lead{a1, a2, a3, a4, b1, c1, d1, d2}
		check := func(what string, k chainmap.FirmKey, first int) {
			t.Helper()
			var want []string
			for _, l := range all {
				if k.Match(chainmap.LeadFirm(l)) != "" {
					want = append(want, l.ID)
				}
			}
			slices.Sort(want)
			var got []string
			q := chainmap.LeadQuery{Firm: &k, First: first}
			for range 20 {
				page := must(lc.leads.Leads(li, q))
				got = append(got, leadIDs(page.Leads)...)
				if !page.HasNext {
					break
				}
				q.After = page.EndCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: leads of %+v = %v, want %v", what, k, got, want)
			}
		}
		name := chainmap.FirmNameKey("河南新铝材有限公司")
		check("name only", chainmap.FirmKey{Name: name}, 0)
		check("name only, pages of one", chainmap.FirmKey{Name: name}, 1)
		check("code A", chainmap.FirmKey{CreditCode: codeA, Name: name}, 0)
		check("code B", chainmap.FirmKey{CreditCode: codeB, Name: "别的名字"}, 0)
		check("unknown", chainmap.FirmKey{Name: "没有这家"}, 0)
		check("only a bracketed place", chainmap.LeadFirm(d1), 0)
		check("no name", chainmap.FirmKey{}, 0)
		// A rename moves the lead in the index: found under its new name, not its old.
		newName := "完全无关的企业（改名）股份公司"
		c1 = must(p.UpdateLead(li, c1.ID, c1.Version, chainmap.LeadPatch{FirmName: &newName}))
		a1code := codeB
		a1 = must(p.UpdateLead(li, a1.ID, a1.Version, chainmap.LeadPatch{CreditCode: &a1code}))
		all = []*chainmap.Lead{a1, a2, a3, a4, b1, c1}
		check("old name after rename", chainmap.FirmKey{Name: chainmap.FirmNameKey("完全无关的企业")}, 0)
		check("new name after rename", chainmap.FirmKey{Name: chainmap.FirmNameKey(newName)}, 0)
		check("code B after a code was added", chainmap.FirmKey{CreditCode: codeB, Name: "别的名字"}, 0)
		check("name with code A after a code was added", chainmap.FirmKey{CreditCode: codeA, Name: name}, 0)
		// A follow-up rewrites the lead; the index keeps it.
		must(p.AddFollowUp(li, a2.ID, "2026-03-01", chainmap.FollowUpCall, "电话"))
		check("after a follow-up", chainmap.FirmKey{Name: name}, 0)
		// Other filters apply with the firm's.
		k := chainmap.FirmKey{Name: name}
		if page := must(lc.leads.Leads(li, chainmap.LeadQuery{Firm: &k, Stages: []chainmap.LeadStage{chainmap.LeadSigned}})); len(page.Leads) != 0 {
			t.Errorf("no lead is signed, got %v", leadIDs(page.Leads))
		}
		// Leads written by a chainmap without the index are found after the upgrade.
		if lc.name == "neo4j" {
			cypher(t, "MATCH (l:Lead) REMOVE l.firm_key, l.credit_code")
			lc.leads = openNeo(t)
			check("after the upgrade", chainmap.FirmKey{Name: name}, 0)
			check("code A after the upgrade", chainmap.FirmKey{CreditCode: codeA, Name: name}, 0)
		}
	})
}
