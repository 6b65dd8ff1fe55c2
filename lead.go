package chainmap

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The 招商 pipeline: leads are user data, kept apart from the dataset. A lead names a firm
// to attract (a dataset enterprise or a new firm), the segment whose gap it fills, where it
// should land, an owner and the figures it promises, and moves through the stages of
// LeadStages. Every change is versioned and leaves an audit entry (see LeadStore).

// LeadStage is where a lead stands in the pipeline.
type LeadStage string

// The stages of a lead, in pipeline order, then the two that leave it.
const (
	LeadClue         LeadStage = "线索" // a name worth approaching
	LeadContact      LeadStage = "接洽" // first contact made
	LeadVisit        LeadStage = "考察" // site visit or inspection
	LeadNegotiation  LeadStage = "洽谈" // terms under negotiation
	LeadSigned       LeadStage = "签约" // investment agreement signed
	LeadRegistered   LeadStage = "注册" // the local company is registered
	LeadConstruction LeadStage = "开工" // construction started
	LeadProduction   LeadStage = "投产" // producing: the pipeline's goal
	LeadOnHold       LeadStage = "搁置" // parked, may resume
	LeadTerminated   LeadStage = "终止" // ended without landing; final
)

// LeadStages lists the active stages in pipeline order (搁置 and 终止 are not among them).
var LeadStages = []LeadStage{LeadClue, LeadContact, LeadVisit, LeadNegotiation, LeadSigned,
	LeadRegistered, LeadConstruction, LeadProduction}

// AllLeadStages lists every stage: the active ones in order, then 搁置 and 终止.
var AllLeadStages = append(slices.Clone(LeadStages), LeadOnHold, LeadTerminated)

// Rank is a stage's position in LeadStages (0 for 线索), or -1 for 搁置, 终止 and unknowns.
func (s LeadStage) Rank() int { return slices.Index(LeadStages, s) }

// Valid reports whether s is a known stage.
func (s LeadStage) Valid() bool { return slices.Contains(AllLeadStages, s) }

// Open reports whether a lead at s is still being worked on: neither producing nor ended.
// Only open leads can be stale.
func (s LeadStage) Open() bool { return s != LeadProduction && s != LeadTerminated }

// AtLeast reports whether s is the active stage min or a later one (签约 or later, say).
func (s LeadStage) AtLeast(min LeadStage) bool { return s.Rank() >= 0 && s.Rank() >= min.Rank() }

// CheckStageMove is the rule of which stage moves are allowed, given the lead's stage and,
// when it is 搁置, the stage it was parked from:
//
//   - from an active stage, forward to any later active stage (skipping is allowed and
//     recorded), back by exactly one stage (to correct a mistake), or to 搁置 or 终止;
//   - from 搁置, back to any active stage up to the one it was parked from, or to 终止;
//   - 投产 moves nowhere but 搁置 or 终止 is refused too: a producing lead is done;
//   - 终止 is final: a firm that comes back is a new lead.
//
// A move to the same stage is refused. The error is EINVALID with a message naming both.
func CheckStageMove(from, heldFrom, to LeadStage) error {
	bad := func(why string) error {
		return Errorf(EINVALID, "a lead cannot move from %s to %s: %s", from, to, why)
	}
	switch {
	case !to.Valid():
		return Errorf(EINVALID, "stage %q is not one of %s", to, joinStages(AllLeadStages))
	case from == to:
		return bad("it is already there")
	case from == LeadTerminated:
		return bad("终止 is final; a firm that comes back is a new lead")
	case from == LeadProduction:
		return bad("a producing lead is done")
	case from == LeadOnHold:
		if to == LeadTerminated {
			return nil
		}
		if heldFrom.Rank() >= 0 && to.Rank() > heldFrom.Rank() {
			return bad(fmt.Sprintf("a lead on hold resumes at most at the stage it was parked from (%s)", heldFrom))
		}
		return nil
	case to == LeadOnHold || to == LeadTerminated:
		return nil
	case to.Rank() > from.Rank() || to.Rank() == from.Rank()-1:
		return nil
	}
	return bad("only forward moves, or one stage back, are allowed")
}

func joinStages(ss []LeadStage) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// CloseReason says why a lead was parked (搁置) or ended (终止); the list is documented in
// docs/pipeline.md, and ReasonOther needs a note.
type CloseReason string

// The documented reasons.
const (
	ReasonNoInterest  CloseReason = "no_interest"  // 企业无投资意向
	ReasonOtherRegion CloseReason = "other_region" // 落户其他地区
	ReasonConditions  CloseReason = "conditions"   // 用地、能耗、环评等条件不满足
	ReasonFunding     CloseReason = "funding"      // 企业资金问题
	ReasonPolicy      CloseReason = "policy"       // 政策或市场变化
	ReasonDuplicate   CloseReason = "duplicate"    // 与其他线索重复
	ReasonTiming      CloseReason = "timing"       // 时机未到（搁置）
	ReasonOther       CloseReason = "other"        // 其他（须说明）
)

// Bounds on lead fields: hostile or careless input cannot grow a record without limit.
const (
	maxLeadsNoteRunes = 2000       // a lead's reason note
	maxFollowUpNotes  = 4000       // a follow-up's notes
	maxNameRunes      = 200        // firm names, next steps
	maxIDRunes        = 128        // ids of dataset records and users
	maxUnitRunes      = 32         // a capacity unit
	maxJobs           = 10_000_000 // jobs a single lead may promise
	leadIDPrefix      = "L"        // NewLeadID's prefix
	leadCursorVersion = "1"        // the lead cursor's format
	// MaxLeadPage is the largest page of leads one query returns.
	MaxLeadPage = 500
)

// CloseReasons lists every documented reason, with its label in Chinese.
var CloseReasons = []struct {
	Reason CloseReason
	Label  string
}{
	{ReasonNoInterest, "企业无投资意向"}, {ReasonOtherRegion, "落户其他地区"},
	{ReasonConditions, "用地、能耗、环评等条件不满足"}, {ReasonFunding, "企业资金问题"},
	{ReasonPolicy, "政策或市场变化"}, {ReasonDuplicate, "与其他线索重复"},
	{ReasonTiming, "时机未到"}, {ReasonOther, "其他（须说明）"},
}

// Valid reports whether r is a documented reason.
func (r CloseReason) Valid() bool {
	for _, c := range CloseReasons {
		if c.Reason == r {
			return true
		}
	}
	return false
}

// StageChange is one move of a lead, kept on the lead so that the time spent in each
// stage can be measured.
type StageChange struct {
	From LeadStage `json:"from"`
	To   LeadStage `json:"to"`
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	// RequestedBy is who requested an approved move (By approved it); empty for a move
	// that needed no approval.
	RequestedBy string `json:"requested_by,omitempty"`
}

// Lead is one firm the team is working to attract. Version counts its changes: an update
// must name the version it was based on (see LeadStore.UpdateLead).
type Lead struct {
	ID      string `json:"id"`
	Version int64  `json:"version"`
	// Enterprise is the dataset enterprise approached, if any; FirmName is always set (the
	// enterprise's name when it was created from one), CreditCode optionally.
	Enterprise string `json:"enterprise,omitempty"`
	FirmName   string `json:"firm_name"`
	CreditCode string `json:"credit_code,omitempty"`
	// Chain and Segment name the gap the lead fills (Chain is the segment's chain).
	Chain   string `json:"chain"`
	Segment string `json:"segment"`
	// Park and/or Region say where it should land (at least one).
	Park   string `json:"park,omitempty"`
	Region string `json:"region,omitempty"`
	// Owner is the user responsible for the lead.
	Owner string `json:"owner"`
	// Investment is the expected investment in 亿元; Capacity the expected capacity in
	// CapacityUnit (the segment's unit); Jobs the expected jobs.
	Investment   *float64 `json:"investment,omitempty"`
	Capacity     *float64 `json:"capacity,omitempty"`
	CapacityUnit string   `json:"capacity_unit,omitempty"`
	Jobs         *int     `json:"jobs,omitempty"`
	// NextStep is what happens next, due on NextStepDue (YYYY-MM-DD).
	NextStep    string    `json:"next_step,omitempty"`
	NextStepDue string    `json:"next_step_due,omitempty"`
	Stage       LeadStage `json:"stage"`
	// HeldFrom is the stage a lead on hold was parked from.
	HeldFrom LeadStage `json:"held_from,omitempty"`
	// Reason and ReasonNote say why a lead is on hold or ended.
	Reason     CloseReason `json:"reason,omitempty"`
	ReasonNote string      `json:"reason_note,omitempty"`
	// Origin says where the lead came from ("investmentTargets", "roadmap", "manual").
	Origin string `json:"origin,omitempty"`
	// History holds every stage move, oldest first; the first entry is the creation.
	History   []StageChange `json:"history"`
	CreatedAt time.Time     `json:"created_at"`
	CreatedBy string        `json:"created_by"`
	UpdatedAt time.Time     `json:"updated_at"`
	// LastActivity is the creation or the latest follow-up, whichever is later: a lead
	// without activity for N days is stale.
	LastActivity time.Time `json:"last_activity"`
	// FollowUps counts the lead's follow-ups.
	FollowUps int `json:"follow_ups"`
	// ExpectedLanding is when the project is expected to land (be signed), YYYY-MM-DD:
	// a reminder says when it has passed.
	ExpectedLanding string `json:"expected_landing,omitempty"`
	// Request is the pending request of a move to 签约 or later, Decisions the decided
	// ones, oldest first (approval.go). Duplicates lists the other signed leads of the
	// same firm found when the lead was created or its signing requested or approved.
	Request    *MoveRequest   `json:"request,omitempty"`
	Decisions  []MoveRequest  `json:"decisions,omitempty"`
	Duplicates []DuplicateRef `json:"duplicates,omitempty"`

	// Set by FlagMissing on reading, never stored: the enterprise or segment the lead
	// names has left the dataset. Such a lead is flagged, never deleted.
	EnterpriseMissing bool `json:"-"`
	SegmentMissing    bool `json:"-"`
}

// StageSince is when the lead entered its current stage.
func (l *Lead) StageSince() time.Time {
	if n := len(l.History); n > 0 {
		return l.History[n-1].At
	}
	return l.CreatedAt
}

// Stale reports whether an open lead has had no activity since before cutoff.
func (l *Lead) Stale(cutoff time.Time) bool {
	return l.Stage.Open() && l.Stage != LeadOnHold && l.LastActivity.Before(cutoff)
}

// Clone returns a deep copy, so a store can hand out leads without sharing them.
func (l *Lead) Clone() *Lead {
	c := *l
	c.History = slices.Clone(l.History)
	c.Request, c.Decisions, c.Duplicates = l.Request.clone(), cloneRequests(l.Decisions), slices.Clone(l.Duplicates)
	if l.Investment != nil {
		v := *l.Investment
		c.Investment = &v
	}
	if l.Capacity != nil {
		v := *l.Capacity
		c.Capacity = &v
	}
	if l.Jobs != nil {
		v := *l.Jobs
		c.Jobs = &v
	}
	return &c
}

// Validate checks every field of a lead, naming the first field at fault: lengths,
// control characters, the credit code's check character, figures (CheckFigure), the due
// date, the stage and its reason.
func (l *Lead) Validate() error {
	if l.ID == "" {
		return Errorf(EINVALID, "id: a lead needs an id")
	}
	for _, f := range []struct {
		name, v  string
		max      int
		required bool
	}{
		{"id", l.ID, maxIDRunes, true}, {"enterprise", l.Enterprise, maxIDRunes, false},
		{"firmName", l.FirmName, maxNameRunes, true}, {"chain", l.Chain, maxIDRunes, true},
		{"segment", l.Segment, maxIDRunes, true}, {"park", l.Park, maxIDRunes, false},
		{"region", l.Region, maxIDRunes, false}, {"owner", l.Owner, maxIDRunes, true},
		{"capacityUnit", l.CapacityUnit, maxUnitRunes, false}, {"nextStep", l.NextStep, maxNameRunes, false},
		{"origin", l.Origin, maxIDRunes, false}, {"createdBy", l.CreatedBy, maxIDRunes, true},
	} {
		if err := CheckText(f.name, f.v, f.max, f.required); err != nil {
			return err
		}
	}
	if err := CheckNote("reasonNote", l.ReasonNote, maxLeadsNoteRunes); err != nil {
		return err
	}
	if l.CreditCode != "" && !ValidCreditCode(l.CreditCode) {
		return Errorf(EINVALID, "creditCode: %q is not a valid unified social credit code (18 characters with a check character)", clip(l.CreditCode))
	}
	if l.Park == "" && l.Region == "" {
		return Errorf(EINVALID, "park, region: a lead needs an intended park or region")
	}
	if err := checkOptFigure("investment", l.Investment); err != nil {
		return err
	}
	if err := checkOptFigure("capacity", l.Capacity); err != nil {
		return err
	}
	if l.Capacity != nil && l.CapacityUnit == "" {
		return Errorf(EINVALID, "capacityUnit: a capacity needs its unit (the segment's)")
	}
	if l.Jobs != nil && (*l.Jobs < 0 || *l.Jobs > maxJobs) {
		return Errorf(EINVALID, "jobs must be between 0 and %d, got %d", maxJobs, *l.Jobs)
	}
	if err := CheckDate("nextStepDue", l.NextStepDue, false); err != nil {
		return err
	}
	if err := CheckDate("expectedLanding", l.ExpectedLanding, false); err != nil {
		return err
	}
	if err := l.validateApproval(); err != nil {
		return err
	}
	if !l.Stage.Valid() {
		return Errorf(EINVALID, "stage: %q is not one of %s", clip(string(l.Stage)), joinStages(AllLeadStages))
	}
	switch l.Stage {
	case LeadOnHold, LeadTerminated:
		if err := CheckReason(l.Reason, l.ReasonNote); err != nil {
			return err
		}
		if l.Stage == LeadOnHold && l.HeldFrom.Rank() < 0 {
			return Errorf(EINVALID, "heldFrom: a lead on hold needs the active stage it was parked from")
		}
	default:
		if l.Reason != "" || l.HeldFrom != "" {
			return Errorf(EINVALID, "reason: only a lead on hold or ended carries a reason")
		}
	}
	if l.Version < 0 {
		return Errorf(EINVALID, "version must not be negative")
	}
	return nil
}

// CheckReason checks a reason for 搁置 or 终止: one of CloseReasons, and a note with
// ReasonOther.
func CheckReason(r CloseReason, note string) error {
	if !r.Valid() {
		codes := make([]string, len(CloseReasons))
		for i, c := range CloseReasons {
			codes[i] = string(c.Reason)
		}
		return Errorf(EINVALID, "reason: %q is not one of %s", clip(string(r)), strings.Join(codes, ", "))
	}
	if r == ReasonOther && strings.TrimSpace(note) == "" {
		return Errorf(EINVALID, "reasonNote: the reason \"other\" needs a note saying what it is")
	}
	return nil
}

// CheckText refuses a one-line field that is too long (in characters), not valid UTF-8,
// holds control or invisible format characters, or is blank when required.
func CheckText(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Errorf(EINVALID, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Errorf(EINVALID, "%s is %d characters long; at most %d are allowed", field, n, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return Errorf(EINVALID, "%s holds a control or invisible character (U+%04X)", field, r)
		}
	}
	return nil
}

// CheckNote is CheckText for free text of several lines: newlines and tabs are allowed.
func CheckNote(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return Errorf(EINVALID, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return Errorf(EINVALID, "%s is %d characters long; at most %d are allowed", field, n, max)
	}
	for _, r := range v {
		if r == '\n' || r == '\t' || r == '\r' {
			continue
		}
		if unicode.IsControl(r) || (unicode.Is(unicode.Cf, r) && r != '\u200d') {
			return Errorf(EINVALID, "%s holds a control or invisible character (U+%04X)", field, r)
		}
	}
	return nil
}

// CheckDate refuses a date that is not YYYY-MM-DD between 2000 and 2100.
func CheckDate(field, v string, required bool) error {
	if v == "" {
		if required {
			return Errorf(EINVALID, "%s is required (YYYY-MM-DD)", field)
		}
		return nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Year() < 2000 || d.Year() > 2100 {
		return Errorf(EINVALID, "%s: %q is not a date between 2000-01-01 and 2100-12-31 written YYYY-MM-DD", field, clip(v))
	}
	return nil
}

// clip shortens a value quoted back in an error message, so hostile input cannot make
// the message huge.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// ValidCreditCode checks an 18-character unified social credit code (GB 32100-2015),
// including its check character.
func ValidCreditCode(s string) bool {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(alphabet, s[i])
		if v < 0 {
			return false
		}
		sum += v * weights[i]
	}
	return s[17] == alphabet[(31-sum%31)%31]
}

// FollowUpKind is what a follow-up was.
type FollowUpKind string

// The kinds of follow-up.
const (
	FollowUpCall       FollowUpKind = "call"
	FollowUpVisit      FollowUpKind = "visit"
	FollowUpInspection FollowUpKind = "inspection"
	FollowUpMeeting    FollowUpKind = "meeting"
	FollowUpSigning    FollowUpKind = "signing"
	FollowUpMessage    FollowUpKind = "message"
	FollowUpOther      FollowUpKind = "other"
)

// FollowUpKinds lists every kind.
var FollowUpKinds = []FollowUpKind{FollowUpCall, FollowUpVisit, FollowUpInspection, FollowUpMeeting,
	FollowUpSigning, FollowUpMessage, FollowUpOther}

// FollowUp is one entry of a lead's timeline. Follow-ups are never edited or deleted.
type FollowUp struct {
	ID    string       `json:"id"`
	Lead  string       `json:"lead"`
	Date  string       `json:"date"` // YYYY-MM-DD, when it happened
	Kind  FollowUpKind `json:"kind"`
	Notes string       `json:"notes,omitempty"`
	By    string       `json:"by"`
	At    time.Time    `json:"at"` // when it was recorded
}

// Validate checks a follow-up's fields.
func (f *FollowUp) Validate() error {
	if err := CheckText("id", f.ID, maxIDRunes, true); err != nil {
		return err
	}
	if err := CheckText("lead", f.Lead, maxIDRunes, true); err != nil {
		return err
	}
	if err := CheckDate("date", f.Date, true); err != nil {
		return err
	}
	if !slices.Contains(FollowUpKinds, f.Kind) {
		ks := make([]string, len(FollowUpKinds))
		for i, k := range FollowUpKinds {
			ks[i] = string(k)
		}
		return Errorf(EINVALID, "kind: %q is not one of %s", clip(string(f.Kind)), strings.Join(ks, ", "))
	}
	if err := CheckNote("notes", f.Notes, maxFollowUpNotes); err != nil {
		return err
	}
	return CheckText("by", f.By, maxIDRunes, true)
}

// AuditEntry records one change: who, when, what, and the record before and after (as
// JSON; empty for a creation's before). Stores assign Seq, increasing, and never change or
// delete an entry.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	// Subject is the id of the lead (or the name of the user) changed.
	Subject string `json:"subject"`
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
}

// The audit actions.
const (
	ActionLeadCreate   = "lead.create"
	ActionLeadUpdate   = "lead.update"
	ActionLeadMove     = "lead.move"
	ActionLeadFollowUp = "lead.followup"
	ActionUserAdd      = "user.add"
	ActionUserUpdate   = "user.update"
	ActionStateRestore = "state.restore"
)

// AuditJSON is the before/after form of a record in the audit trail.
func AuditJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// NewID returns a fresh, time-ordered id with the given prefix: the milliseconds since
// 1970 in hex (so ids sort by creation) and 8 random bytes (so two writers never collide).
func NewID(prefix string, now time.Time) string {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%s%012x%s", prefix, now.UnixMilli(), hex.EncodeToString(r[:]))
}

// NewLeadID returns a fresh lead id.
func NewLeadID(now time.Time) string { return NewID(leadIDPrefix, now) }

// encodeLeadCursor and DecodeLeadCursor make the opaque cursor of a lead page: the id of
// the last lead of a page (leads are listed by id, that is by creation).
func encodeLeadCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(leadCursorVersion + ":" + id))
}

// EncodeLeadCursor returns the cursor that resumes after the lead with this id.
func EncodeLeadCursor(id string) string { return encodeLeadCursor(id) }

// DecodeLeadCursor returns the id a lead cursor resumes after, or EINVALID.
func DecodeLeadCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	v, id, ok := strings.Cut(string(b), ":")
	if err != nil || !ok || v != leadCursorVersion || id == "" || len(id) > maxIDRunes*4 {
		return "", Errorf(EINVALID, "invalid cursor %q", clip(c))
	}
	return id, nil
}
