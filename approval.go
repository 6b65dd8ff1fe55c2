package chainmap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approval of stage moves. A bureau counts a project as signed, registered, started or
// producing only once the move is backed by evidence and approved (审核): a move to
// 签约, 注册, 开工 or 投产 is therefore a request (MoveRequest) carrying its evidence and
// the amounts it establishes, and the lead's stage changes only when an approver accepts
// it. CheckStageMove stays the rule of which moves exist; NeedsApproval says which of
// them wait for a decision; ApprovalPolicy.Authorize says who decides.

// EvidenceKind is a kind of document backing a move.
type EvidenceKind string

// The documented kinds of evidence (docs/pipeline.md).
const (
	EvidenceAgreement    EvidenceKind = "投资协议"  // the signed investment agreement
	EvidenceLicence      EvidenceKind = "营业执照"  // the local company's business licence
	EvidenceLandContract EvidenceKind = "用地合同"  // land use contract (国有建设用地使用权出让合同)
	EvidenceTransfer     EvidenceKind = "转账凭证"  // a bank transfer voucher for capital paid in
	EvidencePermit       EvidenceKind = "施工许可证" // construction permit
	EvidenceProduction   EvidenceKind = "投产证明"  // proof of production (acceptance, first invoice)
	EvidenceOther        EvidenceKind = "其他"    // anything else, described in the reference
)

// EvidenceKinds lists every kind, in the order the page offers them.
var EvidenceKinds = []EvidenceKind{EvidenceAgreement, EvidenceLicence, EvidenceLandContract, EvidenceTransfer,
	EvidencePermit, EvidenceProduction, EvidenceOther}

// StageEvidence is what a request to each approved stage must include, at least one of:
// the document that establishes the stage.
var StageEvidence = map[LeadStage][]EvidenceKind{
	LeadSigned:       {EvidenceAgreement},
	LeadRegistered:   {EvidenceLicence},
	LeadConstruction: {EvidencePermit, EvidenceLandContract},
	LeadProduction:   {EvidenceProduction},
}

// Bounds of a request: hostile input cannot grow a lead without limit.
const (
	MaxEvidence            = 10 // evidence items in one request
	MaxEvidenceAttachments = 10 // files one evidence item cites
	maxRefRunes            = 200
	maxDuplicateRefs       = 20
	// maxDecisions bounds the decided requests a lead keeps (each up to a few KB), so a
	// script requesting and withdrawing in a loop cannot grow it past about a megabyte.
	maxDecisions = 200
	// AmountJumpFactor is how far an amount may jump between stages before the request
	// needs an explicit confirmation (ConfirmJump) and is marked in reports: a contracted
	// investment above this many times the expected investment, or the previously approved
	// contracted investment.
	AmountJumpFactor = 3.0
)

// Valid reports whether k is a documented kind.
func (k EvidenceKind) Valid() bool { return slices.Contains(EvidenceKinds, k) }

// Evidence is one document backing a move: its kind, its reference (the agreement's
// number, the licence's credit code, the voucher's number), its date, and the attachments
// (ids of files stored with the lead) that hold it.
type Evidence struct {
	Kind        EvidenceKind `json:"kind"`
	Reference   string       `json:"reference"`
	Date        string       `json:"date"`
	Attachments []string     `json:"attachments,omitempty"`
}

// Validate checks an evidence item.
func (e *Evidence) Validate(field string) error {
	if !e.Kind.Valid() {
		ks := make([]string, len(EvidenceKinds))
		for i, k := range EvidenceKinds {
			ks[i] = string(k)
		}
		return Errorf(EINVALID, "%s.kind: %q is not one of %s", field, clip(string(e.Kind)), strings.Join(ks, ", "))
	}
	if err := CheckText(field+".reference", e.Reference, maxRefRunes, true); err != nil {
		return err
	}
	if err := CheckDate(field+".date", e.Date, true); err != nil {
		return err
	}
	if len(e.Attachments) > MaxEvidenceAttachments {
		return Errorf(EINVALID, "%s.attachments: at most %d files per evidence item", field, MaxEvidenceAttachments)
	}
	for i, a := range e.Attachments {
		if err := CheckText(fmt.Sprintf("%s.attachments[%d]", field, i), a, maxIDRunes, true); err != nil {
			return err
		}
	}
	return nil
}

// RequestDecision is what became of a move request.
type RequestDecision string

// The decisions; a pending request has none.
const (
	DecisionApproved  RequestDecision = "approved"
	DecisionRefused   RequestDecision = "refused"
	DecisionWithdrawn RequestDecision = "withdrawn"
)

// MoveRequest is a requested move to 签约 or later: the evidence, the amounts it
// establishes (亿元: the contracted investment, the capital paid in to date), who asked and
// when, and, once decided, who decided, when and (for a refusal) why.
type MoveRequest struct {
	ID         string     `json:"id"`
	From       LeadStage  `json:"from"`
	To         LeadStage  `json:"to"`
	Evidence   []Evidence `json:"evidence"`
	Contracted *float64   `json:"contracted,omitempty"`
	PaidIn     *float64   `json:"paid_in,omitempty"`
	Note       string     `json:"note,omitempty"`
	// Flags name the amounts that jumped beyond AmountJumpFactor (confirmed by the
	// requester); reports mark them.
	Flags []string `json:"flags,omitempty"`
	// Duplicates are the other signed leads of the same firm when it was requested.
	Duplicates []DuplicateRef `json:"duplicates,omitempty"`
	By         string         `json:"by"`
	At         time.Time      `json:"at"`

	Decision  RequestDecision `json:"decision,omitempty"`
	DecidedBy string          `json:"decided_by,omitempty"`
	DecidedAt time.Time       `json:"decided_at,omitzero"`
	Reason    string          `json:"reason,omitempty"`
}

func (r *MoveRequest) clone() *MoveRequest {
	if r == nil {
		return nil
	}
	c := *r
	c.Evidence = slices.Clone(r.Evidence)
	for i := range c.Evidence {
		c.Evidence[i].Attachments = slices.Clone(r.Evidence[i].Attachments)
	}
	if r.Contracted != nil {
		v := *r.Contracted
		c.Contracted = &v
	}
	if r.PaidIn != nil {
		v := *r.PaidIn
		c.PaidIn = &v
	}
	c.Flags = slices.Clone(r.Flags)
	c.Duplicates = slices.Clone(r.Duplicates)
	return &c
}

func cloneRequests(rs []MoveRequest) []MoveRequest {
	if rs == nil {
		return nil
	}
	out := make([]MoveRequest, len(rs))
	for i := range rs {
		out[i] = *rs[i].clone()
	}
	return out
}

// validate checks a stored request (pending when decided is false).
func (r *MoveRequest) validate(field string, decided bool) error {
	if err := CheckText(field+".id", r.ID, maxIDRunes, true); err != nil {
		return err
	}
	if !r.From.Valid() || r.To.Rank() < LeadSigned.Rank() {
		return Errorf(EINVALID, "%s: a request moves to 签约 or later, not %s → %s", field, clip(string(r.From)), clip(string(r.To)))
	}
	if len(r.Evidence) == 0 || len(r.Evidence) > MaxEvidence {
		return Errorf(EINVALID, "%s.evidence: a request needs 1 to %d evidence items", field, MaxEvidence)
	}
	for i := range r.Evidence {
		if err := r.Evidence[i].Validate(fmt.Sprintf("%s.evidence[%d]", field, i)); err != nil {
			return err
		}
	}
	if err := checkOptFigure(field+".contracted", r.Contracted); err != nil {
		return err
	}
	if err := checkOptFigure(field+".paidIn", r.PaidIn); err != nil {
		return err
	}
	if err := CheckNote(field+".note", r.Note, maxLeadsNoteRunes); err != nil {
		return err
	}
	if len(r.Flags) > 10 || len(r.Duplicates) > maxDuplicateRefs {
		return Errorf(EINVALID, "%s: too many flags or duplicates", field)
	}
	if err := CheckText(field+".by", r.By, maxIDRunes, true); err != nil {
		return err
	}
	switch {
	case !decided && r.Decision != "":
		return Errorf(EINVALID, "%s: a pending request has no decision", field)
	case decided && !slices.Contains([]RequestDecision{DecisionApproved, DecisionRefused, DecisionWithdrawn}, r.Decision):
		return Errorf(EINVALID, "%s.decision: %q is not approved, refused or withdrawn", field, clip(string(r.Decision)))
	case decided:
		if err := CheckText(field+".decidedBy", r.DecidedBy, maxIDRunes, true); err != nil {
			return err
		}
		if err := CheckNote(field+".reason", r.Reason, maxLeadsNoteRunes); err != nil {
			return err
		}
		if r.Decision == DecisionRefused && strings.TrimSpace(r.Reason) == "" {
			return Errorf(EINVALID, "%s.reason: a refusal needs a reason", field)
		}
	}
	return nil
}

// DuplicateRef is another lead of the same firm at 签约 or later (or on hold from there):
// the same project may be counted twice, in two districts.
type DuplicateRef struct {
	Lead     string    `json:"lead"`
	FirmName string    `json:"firm_name"`
	Park     string    `json:"park,omitempty"`
	Region   string    `json:"region,omitempty"`
	Stage    LeadStage `json:"stage"`
	Owner    string    `json:"owner"`
	// Match says how the firm was recognised: "credit_code" or "name" (FirmNameKey).
	Match string `json:"match"`
}

// validateApproval checks the approval records a lead carries.
func (l *Lead) validateApproval() error {
	if l.Request != nil {
		if err := l.Request.validate("request", false); err != nil {
			return err
		}
	}
	if len(l.Decisions) > maxDecisions {
		return Errorf(EINVALID, "decisions: at most %d are kept", maxDecisions)
	}
	for i := range l.Decisions {
		if err := l.Decisions[i].validate(fmt.Sprintf("decisions[%d]", i), true); err != nil {
			return err
		}
	}
	if len(l.Duplicates) > maxDuplicateRefs {
		return Errorf(EINVALID, "duplicates: at most %d are kept", maxDuplicateRefs)
	}
	return nil
}

// NeedsApproval reports whether a move that CheckStageMove allows must wait for an
// approver: a move up to 签约, 注册, 开工 or 投产 beyond the furthest stage the lead holds
// (its stage, or for a lead on hold the stage it was parked from). Moves back, to 搁置 or
// 终止, and a resumption from 搁置 (at most to where it was) need none: they cannot
// inflate what is counted.
func NeedsApproval(from, heldFrom, to LeadStage) bool {
	held := from.Rank()
	if from == LeadOnHold {
		held = heldFrom.Rank()
	}
	return to.Rank() >= LeadSigned.Rank() && to.Rank() > held
}

// approvedFigure returns the latest figure an approved request established by time t
// (zero t: ever), or nil.
func (l *Lead) approvedFigure(t time.Time, pick func(*MoveRequest) *float64) *float64 {
	var out *float64
	for i := range l.Decisions {
		d := &l.Decisions[i]
		if d.Decision != DecisionApproved || (!t.IsZero() && !d.DecidedAt.Before(t)) {
			continue
		}
		if v := pick(d); v != nil {
			out = v
		}
	}
	return out
}

func pickContracted(r *MoveRequest) *float64 { return r.Contracted }
func pickPaidIn(r *MoveRequest) *float64     { return r.PaidIn }

// Contracted is the approved contracted investment (亿元), or nil.
func (l *Lead) Contracted() *float64 { return l.approvedFigure(time.Time{}, pickContracted) }

// PaidIn is the approved capital paid in to date (亿元), or nil.
func (l *Lead) PaidIn() *float64 { return l.approvedFigure(time.Time{}, pickPaidIn) }

// AmountFlags lists the amount jumps of the lead's approved requests (confirmed by their
// requesters): reports mark such leads.
func (l *Lead) AmountFlags() []string {
	var out []string
	for _, d := range l.Decisions {
		if d.Decision == DecisionApproved {
			out = append(out, d.Flags...)
		}
	}
	return out
}

// amountFlags says which amounts of a request jump beyond AmountJumpFactor: the
// contracted investment against the lead's expected investment and against the one
// approved before, and capital paid in above the contracted investment.
func amountFlags(l *Lead, contracted, paidIn *float64) []string {
	var out []string
	if contracted != nil {
		if l.Investment != nil && *l.Investment > 0 && *contracted > AmountJumpFactor**l.Investment {
			out = append(out, fmt.Sprintf("contracted %s 亿元 is more than %g× the expected %s 亿元",
				formatFigure(*contracted), AmountJumpFactor, formatFigure(*l.Investment)))
		}
		if prev := l.Contracted(); prev != nil && *prev > 0 && *contracted > AmountJumpFactor**prev {
			out = append(out, fmt.Sprintf("contracted %s 亿元 is more than %g× the %s 亿元 approved before",
				formatFigure(*contracted), AmountJumpFactor, formatFigure(*prev)))
		}
	}
	if paidIn != nil {
		c := contracted
		if c == nil {
			c = l.Contracted()
		}
		if c != nil && *paidIn > *c {
			out = append(out, fmt.Sprintf("paid-in %s 亿元 is more than the contracted %s 亿元",
				formatFigure(*paidIn), formatFigure(*c)))
		}
	}
	return out
}

// The audit actions of approvals.
const (
	ActionLeadRequest  = "lead.request"
	ActionLeadApprove  = "lead.approve"
	ActionLeadRefuse   = "lead.refuse"
	ActionLeadWithdraw = "lead.withdraw"
)

// MoveRequestInput is a request as a client gives it.
type MoveRequestInput struct {
	To         LeadStage
	Evidence   []Evidence
	Contracted *float64
	PaidIn     *float64
	Note       string
	// ConfirmJump confirms amounts that jump beyond AmountJumpFactor.
	ConfirmJump bool
}

// checkRequest checks a request against the lead it is made on: the move (CheckStageMove
// and NeedsApproval), the evidence the target stage needs, the amounts, their jumps.
// It returns the flags of the amounts that jumped.
func checkRequest(l *Lead, in MoveRequestInput, now time.Time) ([]string, error) {
	if l.Request != nil {
		return nil, Errorf(EINVALID, "lead %s already has a move to %s waiting for approval; withdraw it or have it decided first", l.ID, l.Request.To)
	}
	if err := CheckStageMove(l.Stage, l.HeldFrom, in.To); err != nil {
		return nil, err
	}
	if !NeedsApproval(l.Stage, l.HeldFrom, in.To) {
		return nil, Errorf(EINVALID, "a move from %s to %s needs no approval: move the lead", l.Stage, in.To)
	}
	if len(in.Evidence) == 0 || len(in.Evidence) > MaxEvidence {
		return nil, Errorf(EINVALID, "evidence: a move to %s needs 1 to %d evidence items", in.To, MaxEvidence)
	}
	today := now.In(ChinaTime).Format(time.DateOnly)
	kinds := map[EvidenceKind]bool{}
	for i := range in.Evidence {
		e := &in.Evidence[i]
		if err := e.Validate(fmt.Sprintf("evidence[%d]", i)); err != nil {
			return nil, err
		}
		if e.Date > today {
			return nil, Errorf(EINVALID, "evidence[%d].date: %s is in the future", i, e.Date)
		}
		kinds[e.Kind] = true
	}
	need := StageEvidence[in.To]
	if !slices.ContainsFunc(need, func(k EvidenceKind) bool { return kinds[k] }) {
		names := make([]string, len(need))
		for i, k := range need {
			names[i] = string(k)
		}
		return nil, Errorf(EINVALID, "evidence: a move to %s needs a %s", in.To, strings.Join(names, " or "))
	}
	if err := checkOptFigure("contracted", in.Contracted); err != nil {
		return nil, err
	}
	if err := checkOptFigure("paidIn", in.PaidIn); err != nil {
		return nil, err
	}
	if in.Contracted == nil && l.Contracted() == nil {
		return nil, Errorf(EINVALID, "contracted: a move to %s must state the contracted investment (亿元) of the agreement", in.To)
	}
	if in.PaidIn != nil {
		if prev := l.PaidIn(); (prev == nil || *in.PaidIn > *prev) && !kinds[EvidenceTransfer] {
			return nil, Errorf(EINVALID, "evidence: capital paid in needs a %s", EvidenceTransfer)
		}
	}
	if err := CheckNote("note", in.Note, maxLeadsNoteRunes); err != nil {
		return nil, err
	}
	flags := amountFlags(l, in.Contracted, in.PaidIn)
	if len(flags) > 0 && !in.ConfirmJump {
		return nil, Errorf(EINVALID, "%s; check the amounts, and confirm them (confirmJump) if they are right", strings.Join(flags, "; "))
	}
	return flags, nil
}

// ChinaTime is the zone the bureau's dates and periods are in (UTC+8, no daylight saving).
var ChinaTime = time.FixedZone("CST", 8*3600)

// policy returns the pipeline's approval policy.
func (p *Pipeline) policy() ApprovalPolicy { return p.Approval }

// RequestMove asks for a move to 签约 or later at the version the client saw: the lead
// keeps its stage, and carries the request until an approver decides it. A move to 签约
// also records the other signed leads of the same firm (FindDuplicates).
func (p *Pipeline) RequestMove(ctx context.Context, id string, version int64, in MoveRequestInput) (*Lead, error) {
	a := ActorFrom(ctx)
	if err := Authorize(a, ActReadLeads, nil); err != nil {
		return nil, err
	}
	cur, err := p.Leads.Lead(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := Authorize(a, ActRequestMove, cur); err != nil {
		return nil, err
	}
	now := p.now()
	if _, err := checkRequest(cur, in, now); err != nil {
		return nil, err
	}
	if err := p.checkEvidenceFiles(ctx, cur.ID, in.Evidence); err != nil {
		return nil, err
	}
	var dups []DuplicateRef
	if in.To.AtLeast(LeadSigned) {
		if dups, err = p.FindDuplicates(ctx, cur); err != nil {
			return nil, err
		}
	}
	out, err := p.Leads.UpdateLead(ctx, id, version, LeadChange{Actor: a.Name, Action: ActionLeadRequest, At: now,
		Apply: func(l *Lead) error {
			if err := Authorize(a, ActRequestMove, l); err != nil { // as the transaction reads it
				return err
			}
			flags, err := checkRequest(l, in, now)
			if err != nil {
				return err
			}
			l.Request = &MoveRequest{ID: NewID("R", now), From: l.Stage, To: in.To, Evidence: in.Evidence,
				Contracted: in.Contracted, PaidIn: in.PaidIn, Note: in.Note, Flags: flags, Duplicates: dups,
				By: a.Name, At: now}
			l.Duplicates = dups
			return nil
		}})
	if err != nil {
		return nil, fmt.Errorf("request move of %s: %w", id, err)
	}
	return out, nil
}

// DecideMove approves or refuses (with a reason) the lead's pending request at the
// version the approver saw. An approval moves the lead (CheckStageMove again, on the lead
// as it is then), records the approver and the requester in its history, and keeps the
// amounts; a refusal leaves the stage. Both keep the request among the lead's decisions.
func (p *Pipeline) DecideMove(ctx context.Context, id string, version int64, approve bool, reason string) (*Lead, error) {
	a := ActorFrom(ctx)
	pol := p.policy()
	if err := Authorize(a, ActReadLeads, nil); err != nil {
		return nil, err
	}
	cur, err := p.Leads.Lead(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := pol.Authorize(a, ActDecideMove, cur); err != nil {
		return nil, err
	}
	if cur.Request == nil {
		return nil, Errorf(EINVALID, "lead %s has no move waiting for approval", id)
	}
	if !approve && strings.TrimSpace(reason) == "" {
		return nil, Errorf(EINVALID, "reason: a refusal needs a reason")
	}
	if err := CheckNote("reason", reason, maxLeadsNoteRunes); err != nil {
		return nil, err
	}
	var dups []DuplicateRef
	if approve && cur.Request.To.AtLeast(LeadSigned) {
		if dups, err = p.FindDuplicates(ctx, cur); err != nil {
			return nil, err
		}
	}
	now := p.now()
	action := ActionLeadApprove
	if !approve {
		action = ActionLeadRefuse
	}
	out, err := p.Leads.UpdateLead(ctx, id, version, LeadChange{Actor: a.Name, Action: action, At: now,
		Apply: func(l *Lead) error {
			if err := pol.Authorize(a, ActDecideMove, l); err != nil {
				return err
			}
			req := l.Request.clone()
			if req == nil {
				return Errorf(EINVALID, "lead %s has no move waiting for approval", id)
			}
			req.DecidedBy, req.DecidedAt, req.Reason = a.Name, now, reason
			if approve {
				if err := CheckStageMove(l.Stage, l.HeldFrom, req.To); err != nil {
					return err
				}
				req.Decision = DecisionApproved
				l.History = append(l.History, StageChange{From: l.Stage, To: req.To, At: now, By: a.Name, RequestedBy: req.By})
				l.Stage, l.HeldFrom, l.Reason, l.ReasonNote = req.To, "", "", ""
				l.Duplicates = dups
			} else {
				req.Decision = DecisionRefused
			}
			return l.closeRequest(*req)
		}})
	if err != nil {
		return nil, fmt.Errorf("decide move of %s: %w", id, err)
	}
	return out, nil
}

// WithdrawMove withdraws the lead's pending request (its requester, or whoever may edit
// the lead).
func (p *Pipeline) WithdrawMove(ctx context.Context, id string, version int64) (*Lead, error) {
	a := ActorFrom(ctx)
	if _, err := p.editable(ctx, a, id); err != nil {
		return nil, err
	}
	now := p.now()
	out, err := p.Leads.UpdateLead(ctx, id, version, LeadChange{Actor: a.Name, Action: ActionLeadWithdraw, At: now,
		Apply: func(l *Lead) error {
			if err := Authorize(a, ActRequestMove, l); err != nil {
				return err
			}
			req := l.Request.clone()
			if req == nil {
				return Errorf(EINVALID, "lead %s has no move waiting for approval", id)
			}
			req.Decision, req.DecidedBy, req.DecidedAt = DecisionWithdrawn, a.Name, now
			return l.closeRequest(*req)
		}})
	if err != nil {
		return nil, fmt.Errorf("withdraw move of %s: %w", id, err)
	}
	return out, nil
}

// closeRequest files the decided request among the lead's decisions.
func (l *Lead) closeRequest(req MoveRequest) error {
	if len(l.Decisions) >= maxDecisions || len(l.History) > maxHistory {
		return Errorf(EINVALID, "lead %s has had %d requests; no more are recorded", l.ID, len(l.Decisions))
	}
	l.Request = nil
	l.Decisions = append(l.Decisions, req)
	return nil
}

// checkMoveWithoutApproval is MoveLead's part of the approval rule: no move while a
// request waits, and no move that needs approval.
func checkMoveWithoutApproval(l *Lead, to LeadStage) error {
	if l.Request != nil {
		return Errorf(EINVALID, "lead %s has a move to %s waiting for approval; withdraw it or have it decided first", l.ID, l.Request.To)
	}
	if NeedsApproval(l.Stage, l.HeldFrom, to) {
		return Errorf(EINVALID, "a move from %s to %s needs approval: request it with its evidence (requestStageMove)", l.Stage, to)
	}
	return nil
}

// FirmKey is how a lead names its firm for the double-counting check: its credit code
// (may be empty) and the FirmNameKey of its name. Stores index leads by both parts, so
// LeadQuery.Firm finds a firm's leads without reading every lead.
type FirmKey struct {
	CreditCode string
	Name       string
}

// LeadFirm is the firm key of a lead.
func LeadFirm(l *Lead) FirmKey {
	return FirmKey{CreditCode: l.CreditCode, Name: FirmNameKey(l.FirmName)}
}

// Match reports whether two firm keys name the same firm: by credit code when both carry
// one, else by name key. It says which matched ("" for no match). A lead matching k is
// always among the leads with k's credit code or k's name key, which is what a store's
// index looks up before this rule decides.
func (k FirmKey) Match(o FirmKey) string {
	if k.CreditCode != "" && o.CreditCode != "" {
		if k.CreditCode == o.CreditCode {
			return "credit_code"
		}
		return ""
	}
	if k.Name != "" && k.Name == o.Name { // no name (blank) is no firm's name
		return "name"
	}
	return ""
}

// SameFirm reports whether two leads name the same firm (FirmKey.Match of their keys).
func SameFirm(a, b *Lead) string { return LeadFirm(a).Match(LeadFirm(b)) }

// signedStages are the stages a double-counted lead can be at (搁置 only when parked from
// 签约 or later).
var signedStages = []LeadStage{LeadSigned, LeadRegistered, LeadConstruction, LeadProduction, LeadOnHold}

// FindDuplicates returns the other leads of l's firm (SameFirm) at 签约 or later, or on
// hold from there — wherever they are in the dataset's scope; a lead elsewhere is the
// double counting bureaus complain of. At most 20 are returned.
func (p *Pipeline) FindDuplicates(ctx context.Context, l *Lead) ([]DuplicateRef, error) {
	k := LeadFirm(l)
	others, err := allLeads(ctx, p.Leads, LeadQuery{Stages: signedStages, Firm: &k})
	if err != nil {
		return nil, fmt.Errorf("look for duplicates: %w", err)
	}
	var out []DuplicateRef
	for _, o := range others {
		if o.ID == l.ID || (o.Stage == LeadOnHold && !o.HeldFrom.AtLeast(LeadSigned)) {
			continue
		}
		if m := SameFirm(l, o); m != "" && len(out) < maxDuplicateRefs {
			out = append(out, DuplicateRef{Lead: o.ID, FirmName: o.FirmName, Park: o.Park, Region: o.Region,
				Stage: o.Stage, Owner: o.Owner, Match: m})
		}
	}
	return out, nil
}
