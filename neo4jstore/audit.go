package neo4jstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The audit trail is numbered after commit, not during the write.
//
// A write stores its entry as (:AuditEntry:AuditPending {subject, data, pending_ms,
// sub_n}) in its own transaction: pending_ms is the database's clock at the write and
// sub_n the entry's number among its subject's entries, counted on the subject's node
// (the lead or the user), which the write holds locked already. No write touches a node
// another subject's write needs, so writers to different leads never wait for each other.
//
// sequenceAudit, run before every read of the trail (Audit, ExportState), locks the
// (:AuditCounter) and gives the pending entries the next numbers in one transaction, in
// the order orderPending decides (the database clock when each write ran, not its commit;
// a subject's own entries always in their order), then drops their AuditPending label. A reader thus sees
// numbered entries only, numbered without gaps, and an entry numbered after a reader's
// last page always gets a higher number than that page's: paging by seq misses nothing.
//
// Before, every write took the counter's lock and held it to its commit, so all writes of
// the pipeline ran one at a time (the 50-writer benchmark: 53–148 writes/s, stage-move
// p95 0.9–2 s on Neo4j).

// subjectKind says which node an audit subject names, for its per-subject count.
type subjectKind int

const (
	subjectLead subjectKind = iota // AuditEntry.Subject is a lead id
	subjectUser                    // AuditEntry.Subject is a user name
)

// auditOn is the Cypher that stores an audit entry as pending, counted on the subject's
// node bound to the variable v (locked by the statement's own write); auditParams are its
// parameters. A write of a lead appends it to the statement that writes the lead, so the
// lead and its entry cost one round trip.
func auditOn(v string) string {
	return strings.ReplaceAll(`
SET {{v}}.audit_n = coalesce({{v}}.audit_n, 0) + 1
CREATE (:AuditEntry:AuditPending {subject: $audit_subject, data: $audit_data, pending_ms: timestamp(), sub_n: {{v}}.audit_n})`, "{{v}}", v)
}

// auditParams adds an entry's parameters for auditOn to params.
func auditParams(params map[string]any, e chainmap.AuditEntry) map[string]any {
	e.Seq = 0 // numbered later (sequenceAudit)
	raw, _ := json.Marshal(e)
	params["audit_subject"], params["audit_data"] = e.Subject, string(raw)
	return params
}

// appendAuditTx stores an audit entry as pending in a statement of its own, counting it on
// its subject's node, which the transaction has written already.
func appendAuditTx(ctx context.Context, tx neo4j.ManagedTransaction, kind subjectKind, e chainmap.AuditEntry) error {
	match := "MATCH (sj:Lead {id: $audit_subject})"
	if kind == subjectUser {
		match = "MATCH (sj:User {name: $audit_subject})"
	}
	res, err := tx.Run(ctx, match+auditOn("sj")+"\nRETURN count(*)", auditParams(map[string]any{}, e))
	if err != nil {
		return err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return err
	}
	if asInt(rec.Values[0]) != 1 {
		// The subject's node is written in the same transaction, so this is a bug.
		return fmt.Errorf("audit entry for %q: its subject is not stored", e.Subject)
	}
	return nil
}

// pendingEntry is an audit entry not numbered yet.
type pendingEntry struct {
	elementID string
	ms        int64
	subN      int64
	entry     *chainmap.AuditEntry
}

// maxSequenceBatch bounds the entries one sequencing transaction numbers.
const maxSequenceBatch = 10000

// readPendingTx reads up to maxSequenceBatch pending entries, in the order they are to be
// numbered.
func readPendingTx(ctx context.Context, tx neo4j.ManagedTransaction) ([]pendingEntry, error) {
	res, err := tx.Run(ctx, `MATCH (ae:AuditPending)
RETURN elementId(ae), ae.pending_ms, ae.sub_n, ae.data ORDER BY ae.pending_ms LIMIT $limit`,
		map[string]any{"limit": maxSequenceBatch})
	if err != nil {
		return nil, err
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]pendingEntry, 0, len(recs))
	for _, rec := range recs {
		e := new(chainmap.AuditEntry)
		if err := decodeJSON(rec.Values[3], e); err != nil {
			return nil, err
		}
		id, _ := rec.Values[0].(string)
		out = append(out, pendingEntry{elementID: id, ms: int64(asInt(rec.Values[1])), subN: int64(asInt(rec.Values[2])), entry: e})
	}
	orderPending(out)
	return out, nil
}

// orderPending puts pending entries in numbering order: by the database's clock at their
// write, and within one subject always by the subject's own count, whatever the clock
// said (two writes of one lead in one millisecond, or a clock stepped back): the
// subject's entries keep the places the clock gave the subject, in count order.
func orderPending(ps []pendingEntry) {
	slices.SortStableFunc(ps, func(a, b pendingEntry) int {
		if a.ms != b.ms {
			return compareInt(a.ms, b.ms)
		}
		if c := strings.Compare(a.entry.Subject, b.entry.Subject); c != 0 {
			return c
		}
		return compareInt(a.subN, b.subN)
	})
	places := map[string][]int{}
	for i, p := range ps {
		places[p.entry.Subject] = append(places[p.entry.Subject], i)
	}
	for _, idx := range places {
		if len(idx) < 2 {
			continue
		}
		group := make([]pendingEntry, len(idx))
		for k, i := range idx {
			group[k] = ps[i]
		}
		slices.SortStableFunc(group, func(a, b pendingEntry) int { return compareInt(a.subN, b.subN) })
		for k, i := range idx {
			ps[i] = group[k]
		}
	}
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sequenceAudit numbers the pending audit entries (see the top of this file). It returns
// at once when none is pending; otherwise each transaction locks the counter, reads a
// batch, numbers it and moves the counter on, until none is left.
func (s *Store) sequenceAudit(ctx context.Context) error {
	for {
		res, err := s.read(ctx, `MATCH (ae:AuditPending) RETURN count(ae) > 0`, nil)
		if err != nil {
			return fmt.Errorf("neo4j: look for unnumbered audit entries: %w", err)
		}
		if has, _ := res.Records[0].Values[0].(bool); !has {
			return nil
		}
		n, err := s.writeTx(ctx, "number audit entries", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
			return numberPendingTx(ctx, tx)
		})
		if err != nil {
			return err
		}
		if n.(int) < maxSequenceBatch {
			return nil
		}
	}
}

// numberPendingTx locks the audit counter, numbers up to maxSequenceBatch pending entries
// after it and moves it on; it returns how many it numbered. The lock stays held until
// the transaction ends, so no other sequencer numbers anything meanwhile.
func numberPendingTx(ctx context.Context, tx neo4j.ManagedTransaction) (int, error) {
	res, err := tx.Run(ctx, `MERGE (c:AuditCounter {id: 'audit'}) SET c.n = coalesce(c.n, 0) RETURN c.n`, nil)
	if err != nil {
		return 0, err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return 0, err
	}
	last := int64(asInt(rec.Values[0]))
	// Read after the lock: a sequencer that ran meanwhile has committed, and the
	// entries it numbered are no longer pending.
	pending, err := readPendingTx(ctx, tx)
	if err != nil {
		return 0, err
	}
	rows := make([]map[string]any, len(pending))
	for i, p := range pending {
		rows[i] = map[string]any{"eid": p.elementID, "seq": last + int64(i) + 1}
	}
	if _, err := tx.Run(ctx, `UNWIND $rows AS sq MATCH (ae:AuditPending) WHERE elementId(ae) = sq.eid
SET ae.seq = sq.seq REMOVE ae:AuditPending`, map[string]any{"rows": rows}); err != nil {
		return 0, err
	}
	_, err = tx.Run(ctx, `MATCH (c:AuditCounter {id: 'audit'}) SET c.n = $n`, map[string]any{"n": last + int64(len(pending))})
	return len(pending), err
}
