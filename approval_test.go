package chainmap

import (
	"strings"
	"testing"
	"time"
)

// TestApprovalPolicyMatrix: who decides a request under the default policy and under
// configured ones, with separation of duties (a requester never decides their own
// request unless the bureau allows it).
func TestApprovalPolicyMatrix(t *testing.T) {
	req := func(by string) *Lead { return &Lead{Owner: "wang", Request: &MoveRequest{By: by}} }
	for _, c := range []struct {
		pol  ApprovalPolicy
		a    Actor
		lead *Lead
		want string
	}{
		{ApprovalPolicy{}, Actor{"li", RoleManager}, req("wang"), "ok"},
		{ApprovalPolicy{}, Actor{"root", RoleAdmin}, req("wang"), "ok"},
		{ApprovalPolicy{}, Actor{"li", RoleManager}, req("li"), EFORBIDDEN}, // own request
		{ApprovalPolicy{}, Actor{"wang", RolePromoter}, req("zhou"), EFORBIDDEN},
		{ApprovalPolicy{}, Actor{"zhao", RoleViewer}, req("wang"), EFORBIDDEN},
		{ApprovalPolicy{}, Actor{}, req("wang"), EUNAUTHENTICATED},
		{ApprovalPolicy{SelfApproval: true}, Actor{"li", RoleManager}, req("li"), "ok"},
		{ApprovalPolicy{Approvers: []Role{RoleAdmin}}, Actor{"li", RoleManager}, req("wang"), EFORBIDDEN},
		{ApprovalPolicy{Approvers: []Role{RoleAdmin}}, Actor{"root", RoleAdmin}, req("wang"), "ok"},
		{ApprovalPolicy{Approvers: []Role{RolePromoter, RoleManager}}, Actor{"zhou", RolePromoter}, req("wang"), "ok"},
		{ApprovalPolicy{Approvers: []Role{RolePromoter, RoleManager}}, Actor{"wang", RolePromoter}, req("wang"), EFORBIDDEN},
	} {
		got := "ok"
		if err := c.pol.Authorize(c.a, ActDecideMove, c.lead); err != nil {
			got = ErrorCode(err)
		}
		if got != c.want {
			t.Errorf("%+v deciding %s's request as %+v: %s, want %s", c.pol, c.lead.Request.By, c.a, got, c.want)
		}
	}
	if err := (ApprovalPolicy{Approvers: []Role{RoleViewer}}).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("viewers as approvers: %v", err)
	}
	if err := (ApprovalPolicy{Approvers: []Role{"boss"}}).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("unknown approver role: %v", err)
	}
}

func TestNeedsApproval(t *testing.T) {
	for _, c := range []struct {
		from, held, to LeadStage
		want           bool
	}{
		{LeadNegotiation, "", LeadSigned, true},
		{LeadContact, "", LeadConstruction, true}, // a skip up to 开工
		{LeadSigned, "", LeadRegistered, true},
		{LeadConstruction, "", LeadProduction, true},
		{LeadClue, "", LeadNegotiation, false},
		{LeadRegistered, "", LeadSigned, false}, // one back: a correction
		{LeadSigned, "", LeadOnHold, false},
		{LeadSigned, "", LeadTerminated, false},
		{LeadOnHold, LeadRegistered, LeadRegistered, false}, // resumes where it was
		{LeadOnHold, LeadRegistered, LeadSigned, false},
	} {
		if got := NeedsApproval(c.from, c.held, c.to); got != c.want {
			t.Errorf("%s (held from %q) → %s: needs approval %v, want %v", c.from, c.held, c.to, got, c.want)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	lead := func() *Lead {
		return &Lead{ID: "L1", Stage: LeadNegotiation, Investment: fig(10)}
	}
	agreement := []Evidence{{Kind: EvidenceAgreement, Reference: "郑招协〔2026〕12号", Date: "2026-03-08"}}
	for _, c := range []struct {
		name string
		l    *Lead
		in   MoveRequestInput
		want string // "" ok, else a part of the message
	}{
		{"ok", lead(), MoveRequestInput{To: LeadSigned, Evidence: agreement, Contracted: fig(12)}, ""},
		{"no evidence", lead(), MoveRequestInput{To: LeadSigned, Contracted: fig(12)}, "evidence items"},
		{"wrong evidence", lead(), MoveRequestInput{To: LeadSigned, Contracted: fig(12),
			Evidence: []Evidence{{Kind: EvidenceLicence, Reference: "x", Date: "2026-03-08"}}}, "needs a 投资协议"},
		{"unknown kind", lead(), MoveRequestInput{To: LeadSigned, Contracted: fig(12),
			Evidence: []Evidence{{Kind: "合影", Reference: "x", Date: "2026-03-08"}}}, "is not one of"},
		{"future date", lead(), MoveRequestInput{To: LeadSigned, Contracted: fig(12),
			Evidence: []Evidence{{Kind: EvidenceAgreement, Reference: "x", Date: "2026-03-11"}}}, "in the future"},
		{"no amount", lead(), MoveRequestInput{To: LeadSigned, Evidence: agreement}, "contracted investment"},
		{"jump", lead(), MoveRequestInput{To: LeadSigned, Evidence: agreement, Contracted: fig(31)}, "more than 3× the expected"},
		{"jump confirmed", lead(), MoveRequestInput{To: LeadSigned, Evidence: agreement, Contracted: fig(31), ConfirmJump: true}, ""},
		{"paid-in without voucher", lead(), MoveRequestInput{To: LeadSigned, Evidence: agreement, Contracted: fig(12), PaidIn: fig(1)}, "转账凭证"},
		{"needs no approval", lead(), MoveRequestInput{To: LeadVisit, Evidence: agreement}, "needs no approval"},
		{"not a move", lead(), MoveRequestInput{To: LeadClue, Evidence: agreement}, "cannot move"},
		{"pending", &Lead{ID: "L1", Stage: LeadNegotiation, Request: &MoveRequest{To: LeadSigned}},
			MoveRequestInput{To: LeadSigned, Evidence: agreement, Contracted: fig(1)}, "waiting for approval"},
	} {
		flags, err := checkRequest(c.l, c.in, now)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		case c.name == "jump confirmed" && len(flags) != 1:
			t.Errorf("a confirmed jump is not flagged: %v", flags)
		}
	}
}

func fig(v float64) *float64 { return &v }

func TestSameFirm(t *testing.T) {
	for _, c := range []struct {
		a, b Lead
		want string
	}{
		{Lead{FirmName: "河南明泰铝业股份有限公司"}, Lead{FirmName: "河南明泰铝业股份有限公司 "}, "name"},
		{Lead{FirmName: "郑州某某铝业有限责任公司"}, Lead{FirmName: "郑州某某铝业（巩义）有限公司"}, "name"},
		{Lead{FirmName: "甲", CreditCode: "91410100MA44XXXXXX"}, Lead{FirmName: "乙", CreditCode: "91410100MA44XXXXXX"}, "credit_code"},
		{Lead{FirmName: "甲", CreditCode: "91410100MA44XXXXXX"}, Lead{FirmName: "甲", CreditCode: "91410100MA44YYYYYY"}, ""},
		{Lead{FirmName: "甲", CreditCode: "91410100MA44XXXXXX"}, Lead{FirmName: "甲"}, "name"},
		{Lead{FirmName: "甲"}, Lead{FirmName: "乙"}, ""},
	} {
		if got := SameFirm(&c.a, &c.b); got != c.want {
			t.Errorf("%+v vs %+v: %q, want %q", c.a, c.b, got, c.want)
		}
	}
}
