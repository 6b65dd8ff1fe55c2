package chainmap

import (
	"context"
	"fmt"
	"time"
)

// AccountStore changes accounts; both lead stores implement it, held to the same
// behaviour by the conformance suite.
type AccountStore interface {
	// UpdateUser applies change to a copy of the account (ENOTFOUND if there is none),
	// validates it, and in one transaction writes it, appends an audit entry (before →
	// after, never the password hash) and ends every session of the account, so a role
	// taken away or an account disabled takes effect at the next request.
	UpdateUser(ctx context.Context, name string, change UserChange) (*User, error)
}

// UserChange is one change of an account: who makes it, when, and the edit itself.
// Check, when set, is called inside the store's transaction with the changed account and
// every other account as stored, serialised with other account changes, so a rule over
// all accounts (the last admin stays) holds however changes interleave.
type UserChange struct {
	Actor string
	At    time.Time
	Apply func(u *User) error
	Check func(next *User, others []*User) error
}

// ApplyUserChange is the part of UpdateUser both stores share: apply the change to a
// copy, keep the name and creation time, validate, and build the audit entry.
func ApplyUserChange(cur *User, change UserChange) (*User, AuditEntry, error) {
	next := *cur
	if err := change.Apply(&next); err != nil {
		return nil, AuditEntry{}, err
	}
	next.Name, next.CreatedAt = cur.Name, cur.CreatedAt
	if err := next.Validate(); err != nil {
		return nil, AuditEntry{}, err
	}
	after := next.AuditView()
	if next.PasswordHash != cur.PasswordHash {
		after["password"] = "changed"
	}
	return &next, AuditEntry{At: change.At, Actor: change.Actor, Action: ActionUserUpdate, Subject: cur.Name,
		Before: AuditJSON(cur.AuditView()), After: AuditJSON(after)}, nil
}

// UserEdit is what an admin may change of an account; nil fields stay as they are.
// PasswordHash is an encoded hash made by the transport (the domain never sees a
// password).
type UserEdit struct {
	Role         *Role
	Disabled     *bool
	PasswordHash *string
}

// Accounts manages the accounts that log in to the pipeline, for admins only
// (Authorize with ActManageUser), whatever the transport: the server's admin endpoints
// and the command line use it, so the rules below hold for both.
type Accounts struct {
	Store LeadStore
	// Now returns the time (time.Now when nil); tests fix it.
	Now func() time.Time
}

func (a *Accounts) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// Users lists every account (for an admin).
func (a *Accounts) Users(ctx context.Context) ([]*User, error) {
	if err := Authorize(ActorFrom(ctx), ActManageUser, nil); err != nil {
		return nil, err
	}
	return a.Store.Users(ctx)
}

// AddUser creates an account with an already hashed password.
func (a *Accounts) AddUser(ctx context.Context, name string, role Role, passwordHash string) (*User, error) {
	actor := ActorFrom(ctx)
	if err := Authorize(actor, ActManageUser, nil); err != nil {
		return nil, err
	}
	u := &User{Name: name, Role: role, PasswordHash: passwordHash, CreatedAt: a.now()}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	err := a.Store.AddUser(ctx, u, AuditEntry{At: u.CreatedAt, Actor: actor.Name, Action: ActionUserAdd,
		Subject: u.Name, After: AuditJSON(u.AuditView())})
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	return u, nil
}

// UpdateUser changes an account's role, disables or enables it, or sets its password;
// every session of the account ends. The last enabled admin can be neither demoted nor
// disabled (the server would have nobody left to manage accounts), and an admin cannot
// disable their own account.
func (a *Accounts) UpdateUser(ctx context.Context, name string, e UserEdit) (*User, error) {
	actor := ActorFrom(ctx)
	if err := Authorize(actor, ActManageUser, nil); err != nil {
		return nil, err
	}
	as, ok := a.Store.(AccountStore)
	if !ok {
		return nil, Errorf(EINTERNAL, "this store cannot change accounts")
	}
	if e.Role != nil && !e.Role.Valid() {
		return nil, Errorf(EINVALID, "role: %q is not one of viewer, promoter, manager, admin", clip(string(*e.Role)))
	}
	if e.Disabled != nil && *e.Disabled && name == actor.Name {
		return nil, Errorf(EINVALID, "disabled: you cannot disable your own account")
	}
	u, err := as.UpdateUser(ctx, name, UserChange{Actor: actor.Name, At: a.now(), Apply: func(u *User) error {
		if e.Role != nil {
			u.Role = *e.Role
		}
		if e.Disabled != nil {
			u.Disabled = *e.Disabled
		}
		if e.PasswordHash != nil {
			u.PasswordHash = *e.PasswordHash
		}
		return nil
	}, Check: KeepAnAdmin})
	if err != nil {
		return nil, fmt.Errorf("update user %s: %w", name, err)
	}
	return u, nil
}

// Backup returns all the user data, consistently (for an admin: it holds the accounts'
// password hashes).
func (a *Accounts) Backup(ctx context.Context) (*StateDump, error) {
	if err := Authorize(ActorFrom(ctx), ActManageUser, nil); err != nil {
		return nil, err
	}
	return BackupState(ctx, a.Store)
}

// KeepAnAdmin refuses a change that would leave no enabled admin: the server would have
// nobody left to manage accounts.
func KeepAnAdmin(next *User, others []*User) error {
	if next.Role == RoleAdmin && !next.Disabled {
		return nil
	}
	for _, u := range others {
		if u.Role == RoleAdmin && !u.Disabled {
			return nil
		}
	}
	return Errorf(EINVALID, "%s is the last enabled admin: make another admin first", next.Name)
}
