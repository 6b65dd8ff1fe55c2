package boltstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/chainmap/chainmap"
	bolt "go.etcd.io/bbolt"
)

// bucketFirms indexes leads by firm for LeadQuery.Firm (the double-counting check every
// creation and signing runs): "c" 0x00 credit code 0x00 lead id, and "n" 0x00 name key
// 0x00 lead id, each with an empty value. Without it the check read every lead.
var bucketFirms = []byte("firms")

// firmKeys are the index keys of a lead's firm.
func firmKeys(id string, k chainmap.FirmKey) [][]byte {
	out := [][]byte{[]byte("n\x00" + k.Name + "\x00" + id)}
	if k.CreditCode != "" {
		out = append(out, []byte("c\x00"+k.CreditCode+"\x00"+id))
	}
	return out
}

// putLead writes a lead and keeps the firm index in step with it: before is the stored
// lead it replaces (nil for a new one).
func putLead(tx *bolt.Tx, before, after *chainmap.Lead) error {
	if err := put(tx.Bucket(bucketLeads), []byte(after.ID), after); err != nil {
		return err
	}
	fk := chainmap.LeadFirm(after)
	if before != nil && chainmap.LeadFirm(before) == fk {
		return nil
	}
	fb := tx.Bucket(bucketFirms)
	if before != nil {
		for _, k := range firmKeys(before.ID, chainmap.LeadFirm(before)) {
			if err := fb.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range firmKeys(after.ID, fk) {
		if err := fb.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// firmCandidates returns the ids of the leads indexed under k's credit code or name key,
// after the cursor id, sorted: a superset of the leads FirmKey.Match keeps.
func firmCandidates(tx *bolt.Tx, k chainmap.FirmKey, after string) []string {
	var ids []string
	scan := func(prefix []byte) {
		c := tx.Bucket(bucketFirms).Cursor()
		for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
			if id := string(key[len(prefix):]); id > after {
				ids = append(ids, id)
			}
		}
	}
	scan([]byte("n\x00" + k.Name + "\x00"))
	if k.CreditCode != "" {
		scan([]byte("c\x00" + k.CreditCode + "\x00"))
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// rekeyBlankNames indexes again the leads indexed under an empty name key: before
// chainmap.FirmNameKey kept a name that is nothing but bracketed places ("（巩义）"), such
// names all had that key, so no firm query finds them under the key they have now. It
// reads nothing when there are none (one seek).
func rekeyBlankNames(tx *bolt.Tx) error {
	fb := tx.Bucket(bucketFirms)
	prefix := []byte("n\x00\x00")
	var ids []string
	c := fb.Cursor()
	for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
		ids = append(ids, string(key[len(prefix):]))
	}
	for _, id := range ids {
		if err := fb.Delete([]byte("n\x00\x00" + id)); err != nil {
			return err
		}
		l, err := getLead(tx, id)
		if err != nil {
			return fmt.Errorf("re-key lead %s: %w", id, err)
		}
		for _, k := range firmKeys(id, chainmap.LeadFirm(l)) {
			if err := fb.Put(k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildFirmIndex fills an empty firm index from the stored leads: the migration of a
// format-1 file, which had none.
func buildFirmIndex(tx *bolt.Tx) error {
	fb := tx.Bucket(bucketFirms)
	return tx.Bucket(bucketLeads).ForEach(func(k, v []byte) error {
		l := new(chainmap.Lead)
		if err := json.Unmarshal(v, l); err != nil {
			return fmt.Errorf("decode lead %s: %w", k, err)
		}
		for _, key := range firmKeys(l.ID, chainmap.LeadFirm(l)) {
			if err := fb.Put(key, nil); err != nil {
				return err
			}
		}
		return nil
	})
}
