package conformance

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/boltstore"
)

// addUsers adds the pipeline's test accounts to a lead store.
func addUsers(t *testing.T, lc leadCase, now time.Time) {
	t.Helper()
	admin := as("admin", chainmap.RoleAdmin)
	for _, u := range []struct {
		name string
		role chainmap.Role
	}{{"wang", chainmap.RolePromoter}, {"zhou", chainmap.RolePromoter}, {"li", chainmap.RoleManager},
		{"chen", chainmap.RoleManager}, {"zhao", chainmap.RoleViewer}} {
		err := lc.leads.AddUser(admin, &chainmap.User{Name: u.name, Role: u.role, PasswordHash: "x", CreatedAt: now},
			chainmap.AuditEntry{At: now, Actor: "admin", Action: chainmap.ActionUserAdd, Subject: u.name})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func agreement(ref, date string) []chainmap.Evidence {
	return []chainmap.Evidence{{Kind: chainmap.EvidenceAgreement, Reference: ref, Date: date}}
}

// TestApprovalContract: a move to 签约 or later is a request until an approver decides
// it; the counted stage changes only on approval; refusals need a reason; the audit trail
// and the history name the requester and the approver; separation of duties holds.
func TestApprovalContract(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			addUsers(t, lc, clk.Now())
			wang, zhou, li, chen, zhao := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter),
				as("li", chainmap.RoleManager), as("chen", chainmap.RoleManager), as("zhao", chainmap.RoleViewer)

			l := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "新铝材", Segment: "W2", Park: "east-park", Investment: fp(10)}))
			l = must(p.MoveLead(wang, l.ID, l.Version, chainmap.LeadNegotiation, "", ""))
			// A direct move to 签约 is refused: it needs a request.
			if _, err := p.MoveLead(wang, l.ID, l.Version, chainmap.LeadSigned, "", ""); code(err) != chainmap.EINVALID ||
				!strings.Contains(err.Error(), "needs approval") {
				t.Fatalf("direct move to 签约: %v", err)
			}
			in := chainmap.MoveRequestInput{To: chainmap.LeadSigned, Evidence: agreement("协议 12 号", "2026-02-28"), Contracted: fp(12)}
			// Who may request: the owner and managers; not another promoter, not a viewer.
			for _, c := range []struct {
				ctx  context.Context
				want string
			}{{zhou, chainmap.EFORBIDDEN}, {zhao, chainmap.EFORBIDDEN}, {context.Background(), chainmap.EUNAUTHENTICATED}} {
				if _, err := p.RequestMove(c.ctx, l.ID, l.Version, in); code(err) != c.want {
					t.Errorf("request by %v: %v, want %s", chainmap.ActorFrom(c.ctx), err, c.want)
				}
			}
			clk.add(time.Hour)
			r := must(p.RequestMove(wang, l.ID, l.Version, in))
			if r.Stage != chainmap.LeadNegotiation || r.Request == nil || r.Request.By != "wang" || r.Request.To != chainmap.LeadSigned {
				t.Fatalf("after the request: stage %s, request %+v", r.Stage, r.Request)
			}
			// While it waits: no other move, no second request; the counted stage is 洽谈.
			if _, err := p.MoveLead(wang, l.ID, r.Version, chainmap.LeadVisit, "", ""); code(err) != chainmap.EINVALID {
				t.Errorf("a move while a request waits: %v", err)
			}
			if _, err := p.RequestMove(wang, l.ID, r.Version, in); code(err) != chainmap.EINVALID {
				t.Errorf("a second request: %v", err)
			}
			if signed := must(p.LeadsPage(zhao, chainmap.LeadFilter{Stages: []chainmap.LeadStage{chainmap.LeadSigned}})); len(signed.Leads) != 0 {
				t.Errorf("a pending request counts as signed: %v", leadIDs(signed.Leads))
			}
			// Who may decide: not the requester's peers without the role, not a viewer.
			for _, c := range []struct {
				ctx  context.Context
				want string
			}{{wang, chainmap.EFORBIDDEN}, {zhou, chainmap.EFORBIDDEN}, {zhao, chainmap.EFORBIDDEN}} {
				if _, err := p.DecideMove(c.ctx, l.ID, r.Version, true, ""); code(err) != c.want {
					t.Errorf("approval by %v: %v, want %s", chainmap.ActorFrom(c.ctx), err, c.want)
				}
			}
			// A refusal needs a reason, keeps the stage, files the decision.
			if _, err := p.DecideMove(li, l.ID, r.Version, false, " "); code(err) != chainmap.EINVALID {
				t.Errorf("refusal without a reason: %v", err)
			}
			clk.add(time.Hour)
			ref := must(p.DecideMove(li, l.ID, r.Version, false, "协议未盖章"))
			if ref.Stage != chainmap.LeadNegotiation || ref.Request != nil || len(ref.Decisions) != 1 ||
				ref.Decisions[0].Decision != chainmap.DecisionRefused || ref.Decisions[0].Reason != "协议未盖章" || ref.Decisions[0].DecidedBy != "li" {
				t.Fatalf("after the refusal: %+v %+v", ref.Stage, ref.Decisions)
			}
			// The manager li requests on wang's lead; li may not approve it, chen may.
			r2 := must(p.RequestMove(li, l.ID, ref.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned,
				Evidence: agreement("协议 12 号（盖章）", "2026-03-01"), Contracted: fp(12)}))
			if _, err := p.DecideMove(li, l.ID, r2.Version, true, ""); code(err) != chainmap.EFORBIDDEN {
				t.Errorf("li approved li's own request: %v", err)
			}
			if _, err := p.DecideMove(chen, l.ID, r2.Version-1, true, ""); code(err) != chainmap.ECONFLICT {
				t.Errorf("an approval of a stale version: %v", err)
			}
			clk.add(time.Hour)
			ok := must(p.DecideMove(chen, l.ID, r2.Version, true, ""))
			last := ok.History[len(ok.History)-1]
			if ok.Stage != chainmap.LeadSigned || last.By != "chen" || last.RequestedBy != "li" || last.To != chainmap.LeadSigned ||
				ok.Contracted() == nil || *ok.Contracted() != 12 || len(ok.Decisions) != 2 {
				t.Fatalf("after the approval: stage %s, last move %+v, contracted %v", ok.Stage, last, ok.Contracted())
			}
			// A request can be withdrawn; one back (a correction) needs no approval.
			r3 := must(p.RequestMove(wang, l.ID, ok.Version, chainmap.MoveRequestInput{To: chainmap.LeadRegistered,
				Evidence: []chainmap.Evidence{{Kind: chainmap.EvidenceLicence, Reference: "91110105MA0000000X", Date: "2026-03-01"}}}))
			w := must(p.WithdrawMove(wang, l.ID, r3.Version))
			if w.Request != nil || w.Decisions[2].Decision != chainmap.DecisionWithdrawn || w.Stage != chainmap.LeadSigned {
				t.Errorf("after the withdrawal: %+v", w.Decisions)
			}
			back := must(p.MoveLead(wang, l.ID, w.Version, chainmap.LeadNegotiation, "", ""))
			if back.Stage != chainmap.LeadNegotiation {
				t.Errorf("one back: %s", back.Stage)
			}

			// The audit trail names requester and approver, in order.
			var got []string
			for _, e := range must(p.Audit(li, chainmap.AuditQuery{Subject: l.ID})) {
				if strings.HasPrefix(e.Action, "lead.") && e.Action != chainmap.ActionLeadCreate {
					got = append(got, e.Actor+":"+e.Action)
				}
			}
			want := "wang:lead.move wang:lead.request li:lead.refuse li:lead.request chen:lead.approve wang:lead.request wang:lead.withdraw wang:lead.move"
			if strings.Join(got, " ") != want {
				t.Errorf("audit trail:\n got %s\nwant %s", strings.Join(got, " "), want)
			}
			// The store round-trips the approval records.
			again := must(p.Lead(zhao, l.ID))
			if chainmap.AuditJSON(again) != chainmap.AuditJSON(back) {
				t.Errorf("stored lead differs:\n%s\n%s", chainmap.AuditJSON(again), chainmap.AuditJSON(back))
			}
		})
	}
}

// TestDoubleCounting: the same firm signed in two districts is flagged, by credit code or
// by its normalised name, when the second lead is created and when its signing is
// requested and approved; a firm of another code is not.
func TestDoubleCounting(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			addUsers(t, lc, clk.Now())
			wang, zhou, li := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter), as("li", chainmap.RoleManager)
			const code1 = "91110105MA01ABCD13" // a valid code (check character checked by Validate)
			if !chainmap.ValidCreditCode(code1) {
				t.Fatalf("test code %s is not valid", code1)
			}
			sign := func(ctx context.Context, l *chainmap.Lead) *chainmap.Lead {
				r := must(p.RequestMove(ctx, l.ID, l.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned,
					Evidence: agreement("协议", "2026-02-01"), Contracted: fp(5)}))
				return must(p.DecideMove(li, l.ID, r.Version, true, ""))
			}
			// wang signs 华夏铝业 in 朝阳区 (east-park).
			a := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "华夏铝业有限责任公司", CreditCode: code1, Segment: "W1", Park: "east-park"}))
			if len(a.Duplicates) != 0 {
				t.Errorf("the first lead is flagged: %+v", a.Duplicates)
			}
			a = sign(wang, a)
			if len(a.Duplicates) != 0 {
				t.Errorf("the first signing is flagged: %+v", a.Duplicates)
			}
			// zhou creates the same firm, by name only (full-width spaces, 有限公司), in 海淀区.
			b := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "华夏铝业　有限公司", Segment: "W1", Region: "110108"}))
			if len(b.Duplicates) != 1 || b.Duplicates[0].Lead != a.ID || b.Duplicates[0].Match != "name" ||
				b.Duplicates[0].Park != "east-park" || b.Duplicates[0].Stage != chainmap.LeadSigned {
				t.Errorf("second lead's duplicates: %+v", b.Duplicates)
			}
			r := must(p.RequestMove(zhou, b.ID, b.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned,
				Evidence: agreement("协议二", "2026-02-02"), Contracted: fp(5)}))
			if len(r.Request.Duplicates) != 1 || r.Request.Duplicates[0].Lead != a.ID {
				t.Errorf("the request does not show the duplicate: %+v", r.Request.Duplicates)
			}
			b = must(p.DecideMove(li, b.ID, r.Version, true, ""))
			if len(b.Duplicates) != 1 || b.Duplicates[0].Lead != a.ID {
				t.Errorf("the approval does not keep the duplicate: %+v", b.Duplicates)
			}
			// By credit code, whatever the name (b, without a code, has another name).
			c := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "华夏新材", CreditCode: code1, Segment: "W3", Region: "110108"}))
			if ids := dupIDs(c.Duplicates); ids != a.ID || c.Duplicates[0].Match != "credit_code" {
				t.Errorf("by credit code: %s, want %s", ids, a.ID)
			}
			// An ended lead does not count; a lead not yet signed does not either.
			must(p.CloseLead(li, a.ID, a.Version, chainmap.ReasonOtherRegion, ""))
			d := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "华夏铝业有限公司", Segment: "W1", Park: "east-park"}))
			if ids := dupIDs(d.Duplicates); ids != b.ID {
				t.Errorf("after a was ended: %s, want only %s", ids, b.ID)
			}
		})
	}
}

func dupIDs(ds []chainmap.DuplicateRef) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Lead)
	}
	return strings.Join(out, ",")
}

// TestAttachmentsContract: evidence files round-trip byte for byte on both stores, at
// most MaxAttachmentsPerLead per lead, each with its audit entry; evidence cites only the
// lead's own files.
func TestAttachmentsContract(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			addUsers(t, lc, clk.Now())
			wang, zhou, zhao := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter), as("zhao", chainmap.RoleViewer)
			l := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "附件测试", Segment: "W2", Park: "east-park"}))
			other := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "别的", Segment: "W2", Park: "east-park"}))
			pdf := append([]byte("%PDF-1.7\n"), make([]byte, 300<<10)...) // 300 KiB, zero bytes inside
			pdf[len(pdf)-1] = 0xFF
			a := must(p.AddAttachment(wang, l.ID, "协议.pdf", pdf))
			if _, err := p.AddAttachment(zhou, l.ID, "x.pdf", pdf); code(err) != chainmap.EFORBIDDEN {
				t.Errorf("another promoter attached: %v", err)
			}
			if _, err := p.AddAttachment(wang, "L-nope", "x.pdf", pdf); code(err) != chainmap.ENOTFOUND {
				t.Errorf("attached to a missing lead: %v", err)
			}
			meta, content := must2(p.Attachment(zhao, a.ID))
			if !bytes.Equal(content, pdf) || meta.SHA256 != a.SHA256 || meta.Size != int64(len(pdf)) || meta.Lead != l.ID || meta.By != "wang" {
				t.Errorf("round trip: %+v, %d bytes", meta, len(content))
			}
			if _, _, err := p.Attachment(context.Background(), a.ID); code(err) != chainmap.EUNAUTHENTICATED {
				t.Errorf("anonymous download: %v", err)
			}
			for i := 1; i < chainmap.MaxAttachmentsPerLead; i++ {
				must(p.AddAttachment(wang, l.ID, "scan.pdf", []byte("%PDF-1.4 "+strings.Repeat("x", i))))
			}
			if _, err := p.AddAttachment(wang, l.ID, "one-too-many.pdf", pdf); code(err) != chainmap.EINVALID {
				t.Errorf("file %d of a lead: %v", chainmap.MaxAttachmentsPerLead+1, err)
			}
			if n := len(must(p.Attachments(zhao, l.ID))); n != chainmap.MaxAttachmentsPerLead {
				t.Errorf("%d files listed, want %d", n, chainmap.MaxAttachmentsPerLead)
			}
			theirs := must(p.AddAttachment(zhou, other.ID, "theirs.pdf", pdf))
			entries := must(p.Audit(as("li", chainmap.RoleManager), chainmap.AuditQuery{Subject: l.ID}))
			attaches := 0
			for _, e := range entries {
				if e.Action == chainmap.ActionLeadAttach {
					attaches++
				}
			}
			if attaches != chainmap.MaxAttachmentsPerLead {
				t.Errorf("%d attach entries in the audit trail, want %d", attaches, chainmap.MaxAttachmentsPerLead)
			}
			// Evidence cites the lead's own files only.
			l = must(p.MoveLead(wang, l.ID, l.Version, chainmap.LeadNegotiation, "", ""))
			in := chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(1), Evidence: []chainmap.Evidence{
				{Kind: chainmap.EvidenceAgreement, Reference: "协议", Date: "2026-02-01", Attachments: []string{theirs.ID}}}}
			if _, err := p.RequestMove(wang, l.ID, l.Version, in); code(err) != chainmap.EINVALID {
				t.Errorf("evidence citing another lead's file: %v", err)
			}
			in.Evidence[0].Attachments = []string{a.ID}
			r := must(p.RequestMove(wang, l.ID, l.Version, in))
			if got := r.Request.Evidence[0].Attachments; len(got) != 1 || got[0] != a.ID {
				t.Errorf("request evidence %+v", r.Request.Evidence)
			}
		})
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(mustError{err: err})
	}
	return a, b
}

// TestReminders: each kind of reminder, for the caller's scope (a promoter's own leads,
// every lead for a manager) and approvals for whoever may decide them.
func TestReminders(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			addUsers(t, lc, clk.Now())
			wang, zhou, li, zhao := as("wang", chainmap.RolePromoter), as("zhou", chainmap.RolePromoter),
				as("li", chainmap.RoleManager), as("zhao", chainmap.RoleViewer)
			overdue := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "过期", Segment: "W1", Park: "east-park",
				NextStep: "回访", NextStepDue: "2026-03-05", ExpectedLanding: "2026-03-31"}))
			signing := must(p.CreateLead(zhou, chainmap.LeadInput{FirmName: "待批", Segment: "W1", Park: "east-park", ExpectedLanding: "2026-03-10"}))
			must(p.RequestMove(zhou, signing.ID, signing.Version, chainmap.MoveRequestInput{To: chainmap.LeadSigned, Contracted: fp(1),
				Evidence: agreement("协议", "2026-03-01")}))
			clk.add(12 * 24 * time.Hour) // 2026-03-13
			must(p.AddFollowUp(wang, overdue.ID, "2026-03-13", chainmap.FollowUpCall, ""))
			clk.add(20 * 24 * time.Hour) // 2026-04-02
			line := func(ctx context.Context) string {
				var out []string
				for _, r := range must(p.Reminders(ctx, 15)) {
					out = append(out, fmt.Sprintf("%s:%s:%s:%d:%v", r.Kind, r.Lead.FirmName, r.Since, r.Days, r.CanDecide))
				}
				return strings.Join(out, " ")
			}
			for _, c := range []struct {
				who  string
				ctx  context.Context
				want string
			}{
				{"wang", wang, "next_step_overdue:过期:2026-03-05:28:false no_follow_up:过期:2026-03-13:20:false landing_passed:过期:2026-03-31:2:false"},
				// zhou's request waits (not for zhou to decide); its lead had no follow-up for 32 days.
				{"zhou", zhou, "approval_waiting:待批:2026-03-01:32:false no_follow_up:待批:2026-03-01:32:false"},
				{"li", li, "approval_waiting:待批:2026-03-01:32:true next_step_overdue:过期:2026-03-05:28:false " +
					"no_follow_up:待批:2026-03-01:32:false no_follow_up:过期:2026-03-13:20:false landing_passed:过期:2026-03-31:2:false"},
				{"zhao", zhao, ""},
			} {
				if got := line(c.ctx); got != c.want {
					t.Errorf("%s's reminders:\n got %s\nwant %s", c.who, got, c.want)
				}
			}
			if _, err := p.Reminders(context.Background(), 0); code(err) != chainmap.EUNAUTHENTICATED {
				t.Errorf("anonymous reminders: %v", err)
			}
		})
	}
}

// TestAttachmentsBackup: evidence files travel with a backup to a fresh store (and, on
// Neo4j, back into it); a backup whose file does not match its recorded hash is refused.
func TestAttachmentsBackup(t *testing.T) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			clk := &clock{now: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)}
			p := &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: clk.Now}
			addUsers(t, lc, clk.Now())
			wang, admin := as("wang", chainmap.RolePromoter), as("admin", chainmap.RoleAdmin)
			l := must(p.CreateLead(wang, chainmap.LeadInput{FirmName: "备份", Segment: "W2", Park: "east-park"}))
			png := []byte("\x89PNG\r\n\x1a\n\x00\x01\x02")
			a := must(p.AddAttachment(wang, l.ID, "照片.png", png))
			dump := must(lc.leads.ExportState(admin))
			dump.Attachments = must(lc.leads.(chainmap.AttachmentBackup).ExportAttachments(admin))
			if len(dump.Attachments) != 1 || !bytes.Equal(dump.Attachments[0].Content, png) {
				t.Fatalf("exported files: %+v", dump.Attachments)
			}
			if err := dump.Validate(); err != nil {
				t.Fatal(err)
			}
			bad := *dump
			bad.Attachments = []*chainmap.AttachmentBlob{{Attachment: dump.Attachments[0].Attachment, Content: append([]byte(nil), png...)}}
			bad.Attachments[0].Content[9] = 9
			if err := bad.Validate(); code(err) != chainmap.EINVALID {
				t.Errorf("a file that does not match its hash: %v", err)
			}
			other, err := boltstore.Open(filepath.Join(t.TempDir(), "restored.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			must(0, other.ImportState(admin, dump))
			must(0, other.ImportAttachments(admin, dump.Attachments))
			if err := other.ImportAttachments(admin, dump.Attachments); code(err) != chainmap.ECONFLICT {
				t.Errorf("files restored twice: %v", err)
			}
			p2 := &chainmap.Pipeline{Data: lc.data, Leads: other, Now: clk.Now}
			if meta, content := must2(p2.Attachment(wang, a.ID)); !bytes.Equal(content, png) || meta.Name != "照片.png" {
				t.Errorf("restored file %+v %q", meta, content)
			}
			if lc.name == "neo4j" {
				wipeLeads(t)
				must(0, neo.ImportState(admin, dump))
				must(0, neo.ImportAttachments(admin, dump.Attachments))
				if _, content := must2(p.Attachment(wang, a.ID)); !bytes.Equal(content, png) {
					t.Errorf("neo4j restored %q", content)
				}
			}
		})
	}
}

// onPipelines runs fn on each lead store (leadCases) with the test accounts added and a
// pipeline over it at a fixed time: the setup the pipeline's conformance tests share.
func onPipelines(t *testing.T, fn func(t *testing.T, lc leadCase, p *chainmap.Pipeline)) {
	for _, lc := range leadCases(t) {
		t.Run(lc.name, func(t *testing.T) {
			defer failOnMust(t)
			now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
			addUsers(t, lc, now)
			fn(t, lc, &chainmap.Pipeline{Data: lc.data, Leads: lc.leads, Now: func() time.Time { return now }})
		})
	}
}
