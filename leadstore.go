package chainmap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// LeadStore keeps the pipeline's user data: leads, their follow-ups, the audit trail and
// the user accounts. It is separate from the dataset (Store): loading, replacing or
// pruning a dataset never touches it. The embedded implementation is a bbolt file
// (boltstore), the other Neo4j (neo4jstore), and conformance/leads_test.go holds both to
// the same behaviour.
//
// Every write is atomic with its audit entry, and durable when the method returns: an
// acknowledged write survives a crash of the process.
type LeadStore interface {
	// CreateLead stores a new lead (Version 1) and its audit entry; ECONFLICT if the id
	// exists.
	CreateLead(ctx context.Context, l *Lead, audit AuditEntry) (*Lead, error)
	// Lead returns one lead, or ENOTFOUND.
	Lead(ctx context.Context, id string) (*Lead, error)
	// Leads returns a page of the leads matching q, by id (creation order).
	Leads(ctx context.Context, q LeadQuery) (*LeadPage, error)
	// UpdateLead applies change to the lead if its version is still version: the store
	// reads the lead, refuses with a *VersionConflict (code ECONFLICT, the current version)
	// if it moved on, calls change on a copy, validates it, bumps the version, and writes
	// the lead and an audit entry (before → after) in one transaction.
	UpdateLead(ctx context.Context, id string, version int64, change LeadChange) (*Lead, error)
	// AddFollowUp stores a follow-up of an existing lead (ENOTFOUND otherwise), raising
	// the lead's LastActivity and FollowUps (not its version: a follow-up never conflicts
	// with an edit), with its audit entry.
	AddFollowUp(ctx context.Context, f *FollowUp, audit AuditEntry) (*FollowUp, error)
	// FollowUps returns a lead's follow-ups, by date then id.
	FollowUps(ctx context.Context, lead string) ([]*FollowUp, error)
	// Audit returns audit entries in Seq order after q.After, at most q.Limit of them.
	Audit(ctx context.Context, q AuditQuery) ([]*AuditEntry, error)
	// AddUser stores a new account (ECONFLICT if the name exists) with its audit entry.
	AddUser(ctx context.Context, u *User, audit AuditEntry) error
	// User returns an account, or ENOTFOUND.
	User(ctx context.Context, name string) (*User, error)
	// Users returns every account, by name.
	Users(ctx context.Context) ([]*User, error)

	// ExportState returns all the user data, consistently, for a backup.
	ExportState(ctx context.Context) (*StateDump, error)
	// ImportState restores a backup into a store that holds no user data yet (ECONFLICT
	// otherwise: a restore never overwrites or merges), keeping the audit sequence
	// numbers, so the next entry follows the last one restored.
	ImportState(ctx context.Context, d *StateDump) error
}

// StateFormat marks a backup of the pipeline's user data.
const StateFormat = "chainmap-state/1"

// StateDump is all the pipeline's user data: what `chainmap state backup` writes and
// `restore` reads, the same for both stores (so a backup also moves the data between
// them).
type StateDump struct {
	Format    string        `json:"format"`
	Leads     []*Lead       `json:"leads"`
	FollowUps []*FollowUp   `json:"follow_ups"`
	Audit     []*AuditEntry `json:"audit"`
	Users     []*User       `json:"users"`
	// Attachments are the evidence files (attachment.go), when the store keeps them.
	Attachments []*AttachmentBlob `json:"attachments,omitempty"`
}

// Validate checks a dump before it is restored: its format, every record, unique ids
// and increasing audit numbers, follow-ups of leads it holds.
func (d *StateDump) Validate() error {
	if d.Format != StateFormat {
		return Errorf(EINVALID, "format: %q is not %s", clip(d.Format), StateFormat)
	}
	leads := map[string]bool{}
	for i, l := range d.Leads {
		if l == nil {
			return Errorf(EINVALID, "leads[%d] is null", i)
		}
		if err := l.Validate(); err != nil {
			return fmt.Errorf("leads[%d] (%s): %w", i, clip(l.ID), err)
		}
		if leads[l.ID] {
			return Errorf(EINVALID, "leads[%d]: the id %s appears twice", i, clip(l.ID))
		}
		leads[l.ID] = true
	}
	fus := map[string]bool{}
	for i, f := range d.FollowUps {
		if f == nil {
			return Errorf(EINVALID, "follow_ups[%d] is null", i)
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("follow_ups[%d]: %w", i, err)
		}
		if !leads[f.Lead] || fus[f.ID] {
			return Errorf(EINVALID, "follow_ups[%d]: unknown lead %s or repeated id %s", i, clip(f.Lead), clip(f.ID))
		}
		fus[f.ID] = true
	}
	var last int64
	for i, e := range d.Audit {
		if e == nil || e.Seq <= last {
			return Errorf(EINVALID, "audit[%d]: sequence numbers must increase", i)
		}
		last = e.Seq
	}
	users := map[string]bool{}
	for i, u := range d.Users {
		if u == nil {
			return Errorf(EINVALID, "users[%d] is null", i)
		}
		if err := u.Validate(); err != nil {
			return fmt.Errorf("users[%d]: %w", i, err)
		}
		if users[u.Name] {
			return Errorf(EINVALID, "users[%d]: the name %s appears twice", i, u.Name)
		}
		users[u.Name] = true
	}
	return d.validateAttachments()
}

// LeadChange is one update of a lead: who makes it, the audit action, and the edit itself.
type LeadChange struct {
	Actor  string
	Action string
	At     time.Time
	// Check, if set, runs first on the lead as the transaction reads it, before the
	// version is compared: what the caller would otherwise read the lead for beforehand
	// (may this actor edit it at all), so that its answer wins over a stale version and
	// one read of the lead is enough.
	Check func(cur *Lead) error
	Apply func(l *Lead) error
}

// VersionConflict refuses an update based on a version that is not the current one.
type VersionConflict struct {
	ID       string
	Expected int64
	Current  int64
}

func (e *VersionConflict) Error() string {
	return fmt.Sprintf("lead %s was changed by someone else: you edited version %d, the current version is %d; reload it and edit again",
		e.ID, e.Expected, e.Current)
}

// Conflict returns the domain error (ECONFLICT) for a stale update.
func Conflict(id string, expected, current int64) error {
	vc := &VersionConflict{ID: id, Expected: expected, Current: current}
	return &Error{Code: ECONFLICT, Message: vc.Error(), Err: vc}
}

// CurrentVersion returns the current version carried by a conflict error.
func CurrentVersion(err error) (int64, bool) {
	var vc *VersionConflict
	if errors.As(err, &vc) {
		return vc.Current, true
	}
	return 0, false
}

// ApplyLeadChange is the part of UpdateLead both stores share: check the version, apply
// the change to a copy, validate, bump the version and build the audit entry.
func ApplyLeadChange(cur *Lead, version int64, change LeadChange) (*Lead, AuditEntry, error) {
	if change.Check != nil {
		if err := change.Check(cur); err != nil {
			return nil, AuditEntry{}, err
		}
	}
	if cur.Version != version {
		return nil, AuditEntry{}, Conflict(cur.ID, version, cur.Version)
	}
	next := cur.Clone()
	if err := change.Apply(next); err != nil {
		return nil, AuditEntry{}, err
	}
	next.ID, next.CreatedAt, next.CreatedBy = cur.ID, cur.CreatedAt, cur.CreatedBy
	next.FollowUps, next.LastActivity = cur.FollowUps, cur.LastActivity
	next.Version = cur.Version + 1
	next.UpdatedAt = change.At
	if err := next.Validate(); err != nil {
		return nil, AuditEntry{}, err
	}
	return next, AuditEntry{At: change.At, Actor: change.Actor, Action: change.Action, Subject: cur.ID,
		Before: AuditJSON(cur), After: AuditJSON(next)}, nil
}

// LeadQuery selects leads. Every filter is exact (the service expands a region or segment
// to its subtree first); empty filters do not filter; all filters apply together.
type LeadQuery struct {
	IDs      []string
	Chain    string
	Segments []string
	Parks    []string
	Regions  []string
	Stages   []LeadStage
	Owner    string
	// Enterprise keeps the leads approaching this dataset enterprise.
	Enterprise string
	// StaleBefore, when set, keeps the open leads (not on hold) whose last activity is
	// before it.
	StaleBefore time.Time
	// Firm, when set, keeps the leads of that firm (FirmKey.Match); stores answer it from
	// an index of credit codes and name keys, not by reading every lead.
	Firm *FirmKey
	// First is the page size, 1 to MaxLeadPage (≤ 0: MaxLeadPage); After a cursor.
	First int
	After string
}

// Normalise checks a lead query and resolves its page size and cursor.
func (q LeadQuery) Normalise() (LeadQuery, string, error) {
	if q.First <= 0 || q.First > MaxLeadPage {
		q.First = MaxLeadPage
	}
	for _, s := range q.Stages {
		if !s.Valid() {
			return q, "", Errorf(EINVALID, "stage: %q is not one of %s", clip(string(s)), joinStages(AllLeadStages))
		}
	}
	after := ""
	if q.After != "" {
		var err error
		if after, err = DecodeLeadCursor(q.After); err != nil {
			return q, "", err
		}
	}
	return q, after, nil
}

// Matches reports whether a lead passes the query's filters (not its page): the one
// reading of the filters, used by the embedded store and by tests.
func (q LeadQuery) Matches(l *Lead) bool {
	in := func(set []string, v string) bool { return len(set) == 0 || slices.Contains(set, v) }
	return in(q.IDs, l.ID) && (q.Chain == "" || l.Chain == q.Chain) && in(q.Segments, l.Segment) &&
		in(q.Parks, l.Park) && in(q.Regions, l.Region) &&
		(len(q.Stages) == 0 || slices.Contains(q.Stages, l.Stage)) &&
		(q.Owner == "" || l.Owner == q.Owner) && (q.Enterprise == "" || l.Enterprise == q.Enterprise) &&
		(q.StaleBefore.IsZero() || l.Stale(q.StaleBefore)) &&
		(q.Firm == nil || q.Firm.Match(LeadFirm(l)) != "")
}

// LeadPage is one page of leads.
type LeadPage struct {
	Leads     []*Lead
	EndCursor string
	HasNext   bool
}

// AuditQuery selects audit entries: those after Seq After, of one subject if set.
type AuditQuery struct {
	After   int64
	Subject string
	// Limit is 1 to MaxAuditPage (≤ 0: MaxAuditPage).
	Limit int
}

// MaxAuditPage bounds the audit entries one call returns.
const MaxAuditPage = 1000

// Normalise resolves the limit.
func (q AuditQuery) Normalise() AuditQuery {
	if q.Limit <= 0 || q.Limit > MaxAuditPage {
		q.Limit = MaxAuditPage
	}
	return q
}

// Role is what an account may do (see Authorize).
type Role string

// The roles, from least to most trusted.
const (
	RoleViewer   Role = "viewer"   // reads leads and the pipeline
	RolePromoter Role = "promoter" // creates leads, edits their own
	RoleManager  Role = "manager"  // edits all, reassigns, sees the audit trail
	RoleAdmin    Role = "admin"    // all of that, plus users and reloads
)

// Roles lists every role.
var Roles = []Role{RoleViewer, RolePromoter, RoleManager, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// User is an account. PasswordHash is an encoded memory-hard hash (see the server's
// password package); it never leaves the server.
type User struct {
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled,omitempty"`
}

// Validate checks a user's name (1 to 64 letters, digits, '.', '_' or '-') and role.
func (u *User) Validate() error {
	if u.Name == "" || len(u.Name) > 64 {
		return Errorf(EINVALID, "name: a user name is 1 to 64 characters")
	}
	for _, r := range u.Name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return Errorf(EINVALID, "name: %q may hold only letters, digits, '.', '_' and '-'", clip(u.Name))
		}
	}
	if !u.Role.Valid() {
		return Errorf(EINVALID, "role: %q is not one of viewer, promoter, manager, admin", clip(string(u.Role)))
	}
	if u.PasswordHash == "" {
		return Errorf(EINVALID, "password: a user needs a password")
	}
	return nil
}

// AuditView is what the audit trail shows of a user: never the password hash.
func (u *User) AuditView() map[string]any {
	return map[string]any{"name": u.Name, "role": u.Role, "disabled": u.Disabled}
}
