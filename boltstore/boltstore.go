// Package boltstore keeps the pipeline's user data (leads, follow-ups, the audit trail,
// accounts) for the embedded store in one bbolt file: a well-kept, pure-Go, transactional
// key-value store whose every commit is written and fsynced before it returns, so a write
// acknowledged to a client survives kill -9 or a power cut. The dataset is never in this
// file: reloading it cannot touch the leads.
package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketLeads     = []byte("leads")     // lead id → Lead (JSON)
	bucketFollowUps = []byte("followups") // lead id + 0x00 + follow-up id → FollowUp (JSON)
	bucketAudit     = []byte("audit")     // seq (8 bytes, big-endian) → AuditEntry (JSON)
	bucketUsers     = []byte("users")     // name → User (JSON)
	bucketMeta      = []byte("meta")      // format → "2"
	allBuckets      = [][]byte{bucketLeads, bucketFollowUps, bucketAudit, bucketUsers, bucketMeta, bucketFirms}
)

// formatVersion is the layout of the file; Open upgrades a file of format 1 (which had
// no firm index) and refuses any other, so an older chainmap, which would not keep the
// index, refuses a file this one wrote.
const formatVersion = "2"

// Store is a chainmap.LeadStore in a bbolt file.
type Store struct {
	db *bolt.DB
	// batched counts the writes that entered the shared write batch (update), for tests.
	batched atomic.Int64
}

var _ chainmap.LeadStore = (*Store)(nil)

// Open opens (creating it, with its directory, if needed) the state file at path. It
// waits at most a second for another process holding the file and then fails, naming it:
// two servers must never share one state file.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("state %s is in use by another chainmap process: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("format")); {
		case v == nil:
			return meta.Put([]byte("format"), []byte(formatVersion))
		case string(v) == "1":
			if err := buildFirmIndex(tx); err != nil {
				return fmt.Errorf("upgrade from format 1: %w", err)
			}
			return meta.Put([]byte("format"), []byte(formatVersion))
		case string(v) != formatVersion:
			return fmt.Errorf("the file has format %q; this chainmap reads format %s", v, formatVersion)
		}
		return rekeyBlankNames(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	// Concurrent writes share one commit (update uses Batch): a lone write waits at most
	// this long for company.
	db.MaxBatchDelay = batchDelay
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the state file's path.
func (s *Store) Path() string { return s.db.Path() }

func internal(what string, err error) error {
	return &chainmap.Error{Code: chainmap.EINTERNAL, Message: "state store error", Err: fmt.Errorf("%s: %w", what, err)}
}

// batchDelay is how long a write waits for others to share its commit (bbolt's default
// is 10 ms).
const batchDelay = 2 * time.Millisecond

// update runs fn in a write transaction, committed (and fsynced) before it returns.
// Writes arriving together share one transaction and one fsync (bbolt's Batch: group
// commit), which is what lets many writers through a file that commits one transaction
// at a time; measured in docs/performance.md (the pipeline's 50 writers). fn may run more
// than once (when another write of its batch fails, the batch is retried without it), so
// it has no effect outside the transaction but the variables it sets.
func (s *Store) update(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the request ended before it was written", Err: err}
	}
	s.batched.Add(1)
	err := s.db.Batch(fn)
	var de *chainmap.Error
	if err != nil && !errors.As(err, &de) {
		return internal(what, err)
	}
	return err
}

func (s *Store) view(ctx context.Context, what string, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the request ended", Err: err}
	}
	err := s.db.View(fn)
	var de *chainmap.Error
	if err != nil && !errors.As(err, &de) {
		return internal(what, err)
	}
	return err
}

func put(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// appendAudit stores an audit entry under the next sequence number of the bucket.
func appendAudit(tx *bolt.Tx, e chainmap.AuditEntry) error {
	b := tx.Bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = int64(seq)
	return put(b, seqKey(e.Seq), e)
}

func seqKey(n int64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(n))
	return k[:]
}

func getLead(tx *bolt.Tx, id string) (*chainmap.Lead, error) {
	raw := tx.Bucket(bucketLeads).Get([]byte(id))
	if raw == nil {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no lead %q", id)
	}
	l := new(chainmap.Lead)
	if err := json.Unmarshal(raw, l); err != nil {
		return nil, fmt.Errorf("decode lead %s: %w", id, err)
	}
	return l, nil
}

// CreateLead implements chainmap.LeadStore.
func (s *Store) CreateLead(ctx context.Context, l *chainmap.Lead, audit chainmap.AuditEntry) (*chainmap.Lead, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	out := l.Clone()
	out.Version = 1
	err := s.update(ctx, "create lead", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLeads)
		if b.Get([]byte(l.ID)) != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "a lead %q exists already", l.ID)
		}
		if err := putLead(tx, nil, out); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Lead implements chainmap.LeadStore.
func (s *Store) Lead(ctx context.Context, id string) (*chainmap.Lead, error) {
	var l *chainmap.Lead
	err := s.view(ctx, "read lead", func(tx *bolt.Tx) error {
		var err error
		l, err = getLead(tx, id)
		return err
	})
	return l, err
}

// Leads implements chainmap.LeadStore: a scan in id order from the cursor, filtered by
// LeadQuery.Matches; a query for a firm's leads reads only the leads the firm index names.
func (s *Store) Leads(ctx context.Context, q chainmap.LeadQuery) (*chainmap.LeadPage, error) {
	q, after, err := q.Normalise()
	if err != nil {
		return nil, err
	}
	page := &chainmap.LeadPage{}
	needles := stageNeedles(q.Stages)
	// add decodes one stored lead and keeps it when the query matches it; full says the
	// page is complete (and that another match exists, so HasNext is set).
	add := func(k, v []byte) (full bool, err error) {
		l := new(chainmap.Lead)
		if err := json.Unmarshal(v, l); err != nil {
			return false, fmt.Errorf("decode lead %s: %w", k, err)
		}
		if !q.Matches(l) {
			return false, nil
		}
		if len(page.Leads) == q.First {
			page.HasNext = true
			return true, nil
		}
		page.Leads = append(page.Leads, l)
		return false, nil
	}
	err = s.view(ctx, "list leads", func(tx *bolt.Tx) error {
		if q.Firm != nil { // a firm's leads: from the firm index, not a scan
			lb := tx.Bucket(bucketLeads)
			for _, id := range firmCandidates(tx, *q.Firm, after) {
				v := lb.Get([]byte(id))
				if v == nil {
					return fmt.Errorf("the firm index names lead %s, which is not stored", id)
				}
				if full, err := add([]byte(id), v); err != nil || full {
					return err
				}
			}
			return nil
		}
		c := tx.Bucket(bucketLeads).Cursor()
		k, v := c.First()
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for n := 0; k != nil; k, v = c.Next() {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				return &chainmap.Error{Code: chainmap.EUNAVAILABLE, Message: "the request ended", Err: ctx.Err()}
			}
			if !mayHaveStage(v, needles) {
				continue // cannot be at a stage asked for: skip the decoding
			}
			if full, err := add(k, v); err != nil || full {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n := len(page.Leads); n > 0 {
		page.EndCursor = chainmap.EncodeLeadCursor(page.Leads[n-1].ID)
	}
	return page, nil
}

// UpdateLead implements chainmap.LeadStore. bbolt runs one write transaction at a time,
// so the version check and the write cannot interleave with another update.
func (s *Store) UpdateLead(ctx context.Context, id string, version int64, change chainmap.LeadChange) (*chainmap.Lead, error) {
	// Refusals are decided on a read first: a function that fails inside a bbolt batch
	// rolls back the whole batch and makes every other writer in it run again, so a client
	// looping refused moves would slow every writer down. The batch checks again.
	err := s.view(ctx, "update lead", func(tx *bolt.Tx) error {
		cur, err := getLead(tx, id)
		if err != nil {
			return err
		}
		_, _, err = chainmap.ApplyLeadChange(cur, version, change)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out *chainmap.Lead
	err = s.update(ctx, "update lead", func(tx *bolt.Tx) error {
		cur, err := getLead(tx, id)
		if err != nil {
			return err
		}
		next, audit, err := chainmap.ApplyLeadChange(cur, version, change)
		if err != nil {
			return err
		}
		if err := putLead(tx, cur, next); err != nil {
			return err
		}
		out = next
		return appendAudit(tx, audit)
	})
	return out, err
}

func followUpKey(lead, id string) []byte { return []byte(lead + "\x00" + id) }

// AddFollowUp implements chainmap.LeadStore.
func (s *Store) AddFollowUp(ctx context.Context, f *chainmap.FollowUp, audit chainmap.AuditEntry) (*chainmap.FollowUp, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	err := s.update(ctx, "add follow-up", func(tx *bolt.Tx) error {
		l, err := getLead(tx, f.Lead)
		if err != nil {
			return err
		}
		fb := tx.Bucket(bucketFollowUps)
		if fb.Get(followUpKey(f.Lead, f.ID)) != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "a follow-up %q exists already", f.ID)
		}
		if err := put(fb, followUpKey(f.Lead, f.ID), f); err != nil {
			return err
		}
		l.FollowUps++
		if f.At.After(l.LastActivity) {
			l.LastActivity = f.At
		}
		if err := putLead(tx, l, l); err != nil { // the firm is unchanged
			return err
		}
		return appendAudit(tx, audit)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// FollowUps implements chainmap.LeadStore.
func (s *Store) FollowUps(ctx context.Context, lead string) ([]*chainmap.FollowUp, error) {
	var out []*chainmap.FollowUp
	err := s.view(ctx, "read follow-ups", func(tx *bolt.Tx) error {
		prefix := []byte(lead + "\x00")
		c := tx.Bucket(bucketFollowUps).Cursor()
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			f := new(chainmap.FollowUp)
			if err := json.Unmarshal(v, f); err != nil {
				return fmt.Errorf("decode follow-up %s: %w", k, err)
			}
			out = append(out, f)
		}
		return nil
	})
	chainmap.SortFollowUps(out)
	return out, err
}

// Audit implements chainmap.LeadStore.
func (s *Store) Audit(ctx context.Context, q chainmap.AuditQuery) ([]*chainmap.AuditEntry, error) {
	q = q.Normalise()
	var out []*chainmap.AuditEntry
	err := s.view(ctx, "read audit", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(seqKey(q.After + 1)); k != nil && len(out) < q.Limit; k, v = c.Next() {
			e := new(chainmap.AuditEntry)
			if err := json.Unmarshal(v, e); err != nil {
				return fmt.Errorf("decode audit entry: %w", err)
			}
			if q.Subject == "" || e.Subject == q.Subject {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// AddUser implements chainmap.LeadStore.
func (s *Store) AddUser(ctx context.Context, u *chainmap.User, audit chainmap.AuditEntry) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.update(ctx, "add user", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		if b.Get([]byte(u.Name)) != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "a user %q exists already", u.Name)
		}
		if err := put(b, []byte(u.Name), u); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

// User implements chainmap.LeadStore.
func (s *Store) User(ctx context.Context, name string) (*chainmap.User, error) {
	var u *chainmap.User
	err := s.view(ctx, "read user", func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketUsers).Get([]byte(name))
		if raw == nil {
			return chainmap.Errorf(chainmap.ENOTFOUND, "no user %q", name)
		}
		u = new(chainmap.User)
		return json.Unmarshal(raw, u)
	})
	return u, err
}

// Users implements chainmap.LeadStore.
func (s *Store) Users(ctx context.Context) ([]*chainmap.User, error) {
	var out []*chainmap.User
	err := s.view(ctx, "read users", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, v []byte) error {
			u := new(chainmap.User)
			if err := json.Unmarshal(v, u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// ExportState implements chainmap.LeadStore: one read transaction, so the dump is
// consistent.
func (s *Store) ExportState(ctx context.Context) (*chainmap.StateDump, error) {
	d := &chainmap.StateDump{Format: chainmap.StateFormat, Leads: []*chainmap.Lead{}, FollowUps: []*chainmap.FollowUp{},
		Audit: []*chainmap.AuditEntry{}, Users: []*chainmap.User{}}
	err := s.view(ctx, "export state", func(tx *bolt.Tx) error {
		each := func(bucket []byte, fn func(v []byte) error) error {
			return tx.Bucket(bucket).ForEach(func(_, v []byte) error { return fn(v) })
		}
		if err := each(bucketLeads, func(v []byte) error {
			l := new(chainmap.Lead)
			d.Leads = append(d.Leads, l)
			return json.Unmarshal(v, l)
		}); err != nil {
			return err
		}
		if err := each(bucketFollowUps, func(v []byte) error {
			f := new(chainmap.FollowUp)
			d.FollowUps = append(d.FollowUps, f)
			return json.Unmarshal(v, f)
		}); err != nil {
			return err
		}
		if err := each(bucketAudit, func(v []byte) error {
			e := new(chainmap.AuditEntry)
			d.Audit = append(d.Audit, e)
			return json.Unmarshal(v, e)
		}); err != nil {
			return err
		}
		return each(bucketUsers, func(v []byte) error {
			u := new(chainmap.User)
			d.Users = append(d.Users, u)
			return json.Unmarshal(v, u)
		})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ImportState implements chainmap.LeadStore, in one write transaction.
func (s *Store) ImportState(ctx context.Context, d *chainmap.StateDump) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return s.update(ctx, "import state", func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketLeads, bucketFollowUps, bucketAudit, bucketUsers} {
			if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
				return chainmap.Errorf(chainmap.ECONFLICT, "the state store already holds %s; restore only into an empty one", b)
			}
		}
		if k, _ := tx.Bucket(bucketFirms).Cursor().First(); k != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "the state store already holds a firm index; restore only into an empty one")
		}
		for _, l := range d.Leads {
			if err := putLead(tx, nil, l); err != nil {
				return err
			}
		}
		for _, f := range d.FollowUps {
			if err := put(tx.Bucket(bucketFollowUps), followUpKey(f.Lead, f.ID), f); err != nil {
				return err
			}
		}
		ab := tx.Bucket(bucketAudit)
		for _, e := range d.Audit {
			if err := put(ab, seqKey(e.Seq), e); err != nil {
				return err
			}
		}
		if n := len(d.Audit); n > 0 {
			if err := ab.SetSequence(uint64(d.Audit[n-1].Seq)); err != nil {
				return err
			}
		}
		for _, u := range d.Users {
			if err := put(tx.Bucket(bucketUsers), []byte(u.Name), u); err != nil {
				return err
			}
		}
		return nil
	})
}
