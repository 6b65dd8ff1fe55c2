package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
)

// Evidence files live in buckets of their own, created on the first write (so a state
// file of an older chainmap opens unchanged):
//
//	attachments       id → Attachment (JSON)
//	attachment_data   id → the file's bytes
//	attachment_index  lead id + 0x00 + attachment id → nothing
var (
	bucketAttachments     = []byte("attachments")
	bucketAttachmentData  = []byte("attachment_data")
	bucketAttachmentIndex = []byte("attachment_index")
)

var _ chainmap.AttachmentStore = (*Store)(nil)

// AddAttachment implements chainmap.AttachmentStore: the file, its index entry and its
// audit entry in one transaction, after counting the lead's files under the write lock.
func (s *Store) AddAttachment(ctx context.Context, a *chainmap.Attachment, content []byte, audit chainmap.AuditEntry) error {
	return s.update(ctx, "add attachment", func(tx *bolt.Tx) error {
		if _, err := getLead(tx, a.Lead); err != nil {
			return err
		}
		var bs [3]*bolt.Bucket
		for i, name := range [][]byte{bucketAttachments, bucketAttachmentData, bucketAttachmentIndex} {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			bs[i] = b
		}
		meta, data, index := bs[0], bs[1], bs[2]
		if meta.Get([]byte(a.ID)) != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "an attachment %q exists already", a.ID)
		}
		prefix := []byte(a.Lead + "\x00")
		n := 0
		c := index.Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		if n >= chainmap.MaxAttachmentsPerLead {
			return chainmap.Errorf(chainmap.EINVALID, "lead %s holds %d files already; at most %d are kept per lead", a.Lead, n, chainmap.MaxAttachmentsPerLead)
		}
		if err := put(meta, []byte(a.ID), a); err != nil {
			return err
		}
		if err := data.Put([]byte(a.ID), content); err != nil {
			return err
		}
		if err := index.Put(append(prefix, a.ID...), nil); err != nil {
			return err
		}
		return appendAudit(tx, audit)
	})
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// Attachment implements chainmap.AttachmentStore.
func (s *Store) Attachment(ctx context.Context, id string) (*chainmap.Attachment, []byte, error) {
	var a *chainmap.Attachment
	var content []byte
	err := s.view(ctx, "read attachment", func(tx *bolt.Tx) error {
		meta, data := tx.Bucket(bucketAttachments), tx.Bucket(bucketAttachmentData)
		var raw []byte
		if meta != nil {
			raw = meta.Get([]byte(id))
		}
		if raw == nil {
			return chainmap.Errorf(chainmap.ENOTFOUND, "no attachment %q", id)
		}
		a = new(chainmap.Attachment)
		if err := json.Unmarshal(raw, a); err != nil {
			return fmt.Errorf("decode attachment %s: %w", id, err)
		}
		content = append([]byte(nil), data.Get([]byte(id))...) // bbolt's bytes live only in the transaction
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return a, content, nil
}

// Attachments implements chainmap.AttachmentStore.
func (s *Store) Attachments(ctx context.Context, lead string) ([]*chainmap.Attachment, error) {
	out := []*chainmap.Attachment{}
	err := s.view(ctx, "list attachments", func(tx *bolt.Tx) error {
		meta, index := tx.Bucket(bucketAttachments), tx.Bucket(bucketAttachmentIndex)
		if index == nil {
			return nil
		}
		prefix := []byte(lead + "\x00")
		c := index.Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			a := new(chainmap.Attachment)
			if err := json.Unmarshal(meta.Get(k[len(prefix):]), a); err != nil {
				return fmt.Errorf("decode attachment %s: %w", k[len(prefix):], err)
			}
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// stageNeedles are the bytes a lead's JSON holds when it is at one of the stages (nil:
// any stage). The double-counting check lists the signed leads on every creation; most
// leads are not signed, and skipping their decoding keeps that scan cheap.
func stageNeedles(stages []chainmap.LeadStage) [][]byte {
	var out [][]byte
	for _, st := range stages {
		v, _ := json.Marshal(string(st))
		out = append(out, append([]byte(`"stage":`), v...))
	}
	return out
}

// mayHaveStage reports whether raw could be a lead at one of the stages: a cheap test
// that may say yes wrongly (a nested "stage" of a duplicate), never no wrongly; the
// decoded lead is then checked by LeadQuery.Matches.
func mayHaveStage(raw []byte, needles [][]byte) bool {
	if len(needles) == 0 {
		return true
	}
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			return true
		}
	}
	return false
}

var _ chainmap.AttachmentBackup = (*Store)(nil)

// ExportAttachments implements chainmap.AttachmentBackup, in one read transaction.
func (s *Store) ExportAttachments(ctx context.Context) ([]*chainmap.AttachmentBlob, error) {
	out := []*chainmap.AttachmentBlob{}
	err := s.view(ctx, "export attachments", func(tx *bolt.Tx) error {
		meta, data := tx.Bucket(bucketAttachments), tx.Bucket(bucketAttachmentData)
		if meta == nil {
			return nil
		}
		return meta.ForEach(func(k, v []byte) error {
			b := new(chainmap.AttachmentBlob)
			if err := json.Unmarshal(v, &b.Attachment); err != nil {
				return fmt.Errorf("decode attachment %s: %w", k, err)
			}
			b.Content = append([]byte(nil), data.Get(k)...)
			out = append(out, b)
			return nil
		})
	})
	return out, err
}

// ImportAttachments implements chainmap.AttachmentBackup, in one write transaction.
func (s *Store) ImportAttachments(ctx context.Context, files []*chainmap.AttachmentBlob) error {
	return s.update(ctx, "import attachments", func(tx *bolt.Tx) error {
		var bs [3]*bolt.Bucket
		for i, name := range [][]byte{bucketAttachments, bucketAttachmentData, bucketAttachmentIndex} {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			bs[i] = b
		}
		if k, _ := bs[0].Cursor().First(); k != nil {
			return chainmap.Errorf(chainmap.ECONFLICT, "the state store already holds attachments; restore only into an empty one")
		}
		for _, f := range files {
			if _, err := getLead(tx, f.Lead); err != nil {
				return err
			}
			if err := put(bs[0], []byte(f.ID), &f.Attachment); err != nil {
				return err
			}
			if err := bs[1].Put([]byte(f.ID), f.Content); err != nil {
				return err
			}
			if err := bs[2].Put([]byte(f.Lead+"\x00"+f.ID), nil); err != nil {
				return err
			}
		}
		return nil
	})
}
