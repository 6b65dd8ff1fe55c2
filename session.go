package chainmap

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session is one login, as the lead store keeps it so that a restart of the server does
// not log everyone out. The store never holds the session id itself, only its SHA-256
// (IDHash): whoever reads the state file or the database cannot use what they read as a
// cookie. The CSRF token is derived from the id (SessionCSRF), so it is not stored either.
type Session struct {
	IDHash  string    `json:"id_hash"`
	User    string    `json:"user"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// SessionStore keeps logins; both lead stores implement it (a bbolt bucket, a Neo4j
// label of its own), held to the same behaviour by the conformance suite. Sessions are
// not user data: a state backup leaves them out and a restore brings none.
type SessionStore interface {
	// CreateSession stores a new session (ECONFLICT if its hash exists). In the same
	// transaction it deletes every session expired at s.Created and, past
	// MaxSessionsPerUser live sessions of the user, the oldest ones.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with this id hash if it has not expired at now;
	// ENOTFOUND otherwise.
	Session(ctx context.Context, idHash string, now time.Time) (*Session, error)
	// DeleteSession ends a session (logout); deleting one that does not exist is no error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions ends every session of a user (their role changed or the account
	// was disabled) and reports how many there were.
	DeleteUserSessions(ctx context.Context, user string) (int, error)
	// PurgeSessions deletes the sessions expired at now and reports how many.
	PurgeSessions(ctx context.Context, now time.Time) (int, error)
}

// MaxSessionsPerUser bounds the live sessions of one account: a new login past it ends
// the oldest, so the store cannot grow without bound however often someone logs in.
const MaxSessionsPerUser = 32

// SessionIDHash is what the store keeps of a session id: its SHA-256, in hex.
func SessionIDHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// SessionCSRF is the CSRF token of a session: a hash of its id under a label of its own,
// so it follows from the cookie without being stored, and reveals neither the id nor the
// stored hash.
func SessionCSRF(id string) string {
	sum := sha256.Sum256([]byte("chainmap csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Validate checks a session before it is stored.
func (s *Session) Validate() error {
	if len(s.IDHash) != 2*sha256.Size {
		return Errorf(EINVALID, "session: the id hash must be a hex SHA-256")
	}
	if _, err := hex.DecodeString(s.IDHash); err != nil {
		return Errorf(EINVALID, "session: the id hash must be a hex SHA-256")
	}
	if err := (&User{Name: s.User, Role: s.Role, PasswordHash: "-"}).Validate(); err != nil {
		return err
	}
	if !s.Expires.After(s.Created) {
		return Errorf(EINVALID, "session: it must expire after it starts")
	}
	return nil
}
