package neo4jstore

import (
	"context"
	"fmt"
	"time"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Logins live under a label of their own, with no relationships, keyed by the SHA-256 of
// the session id (the id itself is never stored):
//
//	(:Session {id_hash, user, role, created_ms, expires_ms})

var _ chainmap.SessionStore = (*Store)(nil)

func sessionSchemaStatements() []string {
	return []string{
		"CREATE CONSTRAINT session_id_hash IF NOT EXISTS FOR (n:Session) REQUIRE n.id_hash IS UNIQUE",
		"CREATE INDEX session_user IF NOT EXISTS FOR (n:Session) ON (n.user)",
		"CREATE INDEX session_expires IF NOT EXISTS FOR (n:Session) ON (n.expires_ms)",
	}
}

// CreateSession implements chainmap.SessionStore: in one transaction, the expired
// sessions go, then the user's oldest past MaxSessionsPerUser - 1, then the new one is
// created.
func (s *Store) CreateSession(ctx context.Context, sess *chainmap.Session) error {
	if err := sess.Validate(); err != nil {
		return err
	}
	_, err := s.writeTx(ctx, "create session", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, `OPTIONAL MATCH (ss:Session {id_hash: $h}) RETURN ss IS NOT NULL`, map[string]any{"h": sess.IDHash})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		if exists, _ := rec.Values[0].(bool); exists {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "a session with this id exists already")
		}
		if _, err := tx.Run(ctx, `MATCH (ss:Session) WHERE ss.expires_ms <= $now DELETE ss`,
			map[string]any{"now": sess.Created.UnixMilli()}); err != nil {
			return nil, err
		}
		if _, err := tx.Run(ctx, `MATCH (ss:Session {user: $user}) WITH ss ORDER BY ss.created_ms DESC SKIP $keep DELETE ss`,
			map[string]any{"user": sess.User, "keep": chainmap.MaxSessionsPerUser - 1}); err != nil {
			return nil, err
		}
		_, err = tx.Run(ctx, `CREATE (:Session {id_hash: $h, user: $user, role: $role, created_ms: $created, expires_ms: $expires})`,
			map[string]any{"h": sess.IDHash, "user": sess.User, "role": string(sess.Role),
				"created": sess.Created.UnixMilli(), "expires": sess.Expires.UnixMilli()})
		return nil, err
	})
	return err
}

// Session implements chainmap.SessionStore.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (*chainmap.Session, error) {
	res, err := s.read(ctx, `MATCH (ss:Session {id_hash: $h}) WHERE ss.expires_ms > $now
RETURN ss.user, ss.role, ss.created_ms, ss.expires_ms`, map[string]any{"h": idHash, "now": now.UnixMilli()})
	if err != nil {
		return nil, fmt.Errorf("neo4j: read session: %w", err)
	}
	if len(res.Records) == 0 {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no such session, or it has expired")
	}
	v := res.Records[0].Values
	user, _ := v[0].(string)
	role, _ := v[1].(string)
	return &chainmap.Session{IDHash: idHash, User: user, Role: chainmap.Role(role),
		Created: time.UnixMilli(int64(asInt(v[2]))).UTC(), Expires: time.UnixMilli(int64(asInt(v[3]))).UTC()}, nil
}

// DeleteSession implements chainmap.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.writeTx(ctx, "delete session", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		_, err := tx.Run(ctx, `MATCH (ss:Session {id_hash: $h}) DELETE ss`, map[string]any{"h": idHash})
		return nil, err
	})
	return err
}

// DeleteUserSessions implements chainmap.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, user string) (int, error) {
	out, err := s.writeTx(ctx, "delete sessions", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		return deleteUserSessionsTx(ctx, tx, user)
	})
	if err != nil {
		return 0, err
	}
	return out.(int), nil
}

// deleteUserSessionsTx ends every session of user inside tx (also used when an account
// changes, in that change's transaction).
func deleteUserSessionsTx(ctx context.Context, tx neo4j.ManagedTransaction, user string) (int, error) {
	res, err := tx.Run(ctx, `MATCH (ss:Session {user: $user}) DELETE ss RETURN count(*)`, map[string]any{"user": user})
	if err != nil {
		return 0, err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return 0, err
	}
	return asInt(rec.Values[0]), nil
}

// PurgeSessions implements chainmap.SessionStore.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	out, err := s.writeTx(ctx, "purge sessions", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, `MATCH (ss:Session) WHERE ss.expires_ms <= $now DELETE ss RETURN count(*)`,
			map[string]any{"now": now.UnixMilli()})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		return asInt(rec.Values[0]), nil
	})
	if err != nil {
		return 0, err
	}
	return out.(int), nil
}
