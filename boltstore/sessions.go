package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
)

// bucketSessions holds logins: the SHA-256 of the session id (hex) → Session (JSON). It is
// created by the first login, so files written before sessions were kept still open.
// Sessions are few (at most MaxSessionsPerUser live ones per account, expired ones purged
// at every login), so the scans below stay small.
var bucketSessions = []byte("sessions")

var _ chainmap.SessionStore = (*Store)(nil)

// CreateSession implements chainmap.SessionStore.
func (s *Store) CreateSession(ctx context.Context, sess *chainmap.Session) error {
	if err := sess.Validate(); err != nil {
		return err
	}
	return s.update(ctx, "create session", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		if b.Get([]byte(sess.IDHash)) != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "a session with this id exists already")
		}
		if _, err := purge(b, sess.Created); err != nil {
			return err
		}
		var mine []*chainmap.Session
		if err := b.ForEach(func(_, v []byte) error {
			o := new(chainmap.Session)
			if err := json.Unmarshal(v, o); err != nil {
				return fmt.Errorf("decode session: %w", err)
			}
			if o.User == sess.User {
				mine = append(mine, o)
			}
			return nil
		}); err != nil {
			return err
		}
		sort.Slice(mine, func(i, j int) bool { return mine[i].Created.Before(mine[j].Created) })
		for len(mine) >= chainmap.MaxSessionsPerUser {
			if err := b.Delete([]byte(mine[0].IDHash)); err != nil {
				return err
			}
			mine = mine[1:]
		}
		return put(b, []byte(sess.IDHash), sess)
	})
}

// purge deletes the sessions of b expired at now (deleting behind a cursor skips keys in
// bbolt, so the keys are collected first).
func purge(b *bolt.Bucket, now time.Time) (int, error) {
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		o := new(chainmap.Session)
		if err := json.Unmarshal(v, o); err != nil {
			return fmt.Errorf("decode session: %w", err)
		}
		if !now.Before(o.Expires) {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// Session implements chainmap.SessionStore.
func (s *Store) Session(ctx context.Context, idHash string, now time.Time) (*chainmap.Session, error) {
	var out *chainmap.Session
	err := s.view(ctx, "read session", func(tx *bolt.Tx) error {
		var raw []byte
		if b := tx.Bucket(bucketSessions); b != nil {
			raw = b.Get([]byte(idHash))
		}
		if raw == nil {
			return chainmap.Errorf(chainmap.ENOTFOUND, "no such session")
		}
		o := new(chainmap.Session)
		if err := json.Unmarshal(raw, o); err != nil {
			return fmt.Errorf("decode session: %w", err)
		}
		if !now.Before(o.Expires) {
			return chainmap.Errorf(chainmap.ENOTFOUND, "the session has expired")
		}
		out = o
		return nil
	})
	return out, err
}

// DeleteSession implements chainmap.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.update(ctx, "delete session", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		if b == nil {
			return nil
		}
		return b.Delete([]byte(idHash))
	})
}

// DeleteUserSessions implements chainmap.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, user string) (int, error) {
	n := 0
	err := s.update(ctx, "delete sessions", func(tx *bolt.Tx) error {
		var err error
		n, err = deleteUserSessions(tx, user)
		return err
	})
	return n, err
}

// deleteUserSessions ends every session of user inside tx (also used when an account
// changes, in that change's transaction).
func deleteUserSessions(tx *bolt.Tx, user string) (int, error) {
	b := tx.Bucket(bucketSessions)
	if b == nil {
		return 0, nil
	}
	var dead [][]byte
	err := b.ForEach(func(k, v []byte) error {
		o := new(chainmap.Session)
		if err := json.Unmarshal(v, o); err != nil {
			return fmt.Errorf("decode session: %w", err)
		}
		if o.User == user {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range dead {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// PurgeSessions implements chainmap.SessionStore.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.update(ctx, "purge sessions", func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSessions)
		if err != nil {
			return err
		}
		n, err = purge(b, now)
		return err
	})
	return n, err
}
