package neo4jstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The pipeline's user data lives in the same database as the graph, under labels of its
// own that no load, prune or reset matches, and without relationships to dataset nodes
// (a lead names its enterprise and segment by id), so a prune that detaches a dataset node
// cannot touch a lead either:
//
//	(:Lead {id, version, chain, segment, park, region, owner, stage, enterprise,
//	        last_activity_ms, firm_key, credit_code, data})
//	(:FollowUp {id, lead, data})          (:AuditEntry {seq, subject, data}) (audit.go)
//	(:User {name, data})                  (:AuditCounter {id: 'audit', n})
//	(:Session {id_hash, user, role, created_ms, expires_ms})   (sessions.go)
//
// data holds the record's JSON; the other properties are copies the filters use.

var _ chainmap.LeadStore = (*Store)(nil)

// leadLabels are the labels of user data; Reset and prune never name them.
var leadLabels = []string{"Lead", "FollowUp", "AuditEntry", "User", "AuditCounter", "Attachment", "Session", "PipelineFormat"}

// leadFormat is the layout of the pipeline's data this build reads and writes, recorded
// in (:PipelineFormat {id: 'pipeline', format}): 2 has the leads' firm keys (firm_key,
// credit_code) and audit entries numbered after commit (audit.go). A build meeting a
// higher format refuses to write, so that a newer layout is never half-written by an
// older binary; a lower one is upgraded (fillFirmKeys) and then raised.
const leadFormat = 2

// checkLeadFormat refuses a database whose pipeline data has a format above leadFormat.
func checkLeadFormat(got int) error {
	if got > leadFormat {
		return chainmap.Errorf(chainmap.EUNAVAILABLE,
			"the pipeline's data in this database has format %d, written by a newer chainmap; this build writes format %d: upgrade chainmap before writing leads", got, leadFormat)
	}
	return nil
}

func leadSchemaStatements() []string {
	return append([]string{
		"CREATE CONSTRAINT lead_id IF NOT EXISTS FOR (n:Lead) REQUIRE n.id IS UNIQUE",
		"CREATE CONSTRAINT followup_id IF NOT EXISTS FOR (n:FollowUp) REQUIRE n.id IS UNIQUE",
		"CREATE INDEX followup_lead IF NOT EXISTS FOR (n:FollowUp) ON (n.lead)",
		"CREATE CONSTRAINT auditentry_seq IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.seq IS UNIQUE",
		"CREATE CONSTRAINT user_name IF NOT EXISTS FOR (n:User) REQUIRE n.name IS UNIQUE",
		"CREATE CONSTRAINT auditcounter_id IF NOT EXISTS FOR (n:AuditCounter) REQUIRE n.id IS UNIQUE",
		"CREATE CONSTRAINT attachment_id IF NOT EXISTS FOR (n:Attachment) REQUIRE n.id IS UNIQUE", // leads_attachments.go
		"CREATE INDEX attachment_lead IF NOT EXISTS FOR (n:Attachment) ON (n.lead)",
		"CREATE INDEX lead_firm_key IF NOT EXISTS FOR (n:Lead) ON (n.firm_key)",
		"CREATE INDEX lead_credit_code IF NOT EXISTS FOR (n:Lead) ON (n.credit_code)",
		"CREATE CONSTRAINT pipelineformat_id IF NOT EXISTS FOR (n:PipelineFormat) REQUIRE n.id IS UNIQUE",
	}, sessionSchemaStatements()...)
}

// ensureLeadSchema creates the pipeline's constraints once per process (again after a
// failure).
func (s *Store) ensureLeadSchema(ctx context.Context) error {
	s.leadSchemaMu.Lock()
	defer s.leadSchemaMu.Unlock()
	if s.leadSchemaDone {
		return nil
	}
	for _, stmt := range leadSchemaStatements() {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("neo4j: create pipeline schema: %w", err)
		}
	}
	res, err := s.write(ctx, `MERGE (pf:PipelineFormat {id: 'pipeline'}) ON CREATE SET pf.format = 0 RETURN pf.format`, nil)
	if err != nil {
		return fmt.Errorf("neo4j: read the pipeline's data format: %w", err)
	}
	if err := checkLeadFormat(asInt(res.Records[0].Values[0])); err != nil {
		return err
	}
	if err := s.fillFirmKeys(ctx); err != nil {
		return err
	}
	if _, err := s.write(ctx, `MATCH (pf:PipelineFormat {id: 'pipeline'}) WHERE pf.format < $f SET pf.format = $f`, map[string]any{"f": leadFormat}); err != nil {
		return fmt.Errorf("neo4j: record the pipeline's data format: %w", err)
	}
	s.leadSchemaDone = true
	return nil
}

// startWrite is what every write of user data does first: fail fast while the database
// is known to be down, make sure the pipeline's schema and format are in place, and bound
// the call by the store's deadline.
func (s *Store) startWrite(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := s.failFast(ctx); err != nil {
		return nil, nil, err
	}
	if err := s.ensureLeadSchema(ctx); err != nil {
		return nil, nil, err
	}
	ctx, cancel := s.deadline(ctx)
	return ctx, cancel, nil
}

// writeTx runs fn in one write transaction with the store's deadline (fn gets the
// bounded context); the driver retries it on transient errors, so fn must not have effects
// outside the transaction. Domain errors from fn (a conflict, a missing lead) come back
// as they are.
func (s *Store) writeTx(ctx context.Context, what string, fn func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error)) (any, error) {
	ctx, cancel, err := s.startWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.Background())
	out, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) { return fn(ctx, tx) })
	if err != nil {
		var de *chainmap.Error
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, fmt.Errorf("neo4j: %s: %w", what, s.wrap(err))
	}
	return out, nil
}

func leadParams(l *chainmap.Lead) map[string]any {
	raw, _ := json.Marshal(l)
	fk := chainmap.LeadFirm(l)
	return map[string]any{"id": l.ID, "version": l.Version, "chain": l.Chain, "segment": l.Segment,
		"park": l.Park, "region": l.Region, "owner": l.Owner, "stage": string(l.Stage),
		"enterprise": l.Enterprise, "last": l.LastActivity.UnixMilli(), "firm_key": fk.Name,
		"credit_code": fk.CreditCode, "data": string(raw)}
}

const setLead = `SET l.version = $version, l.chain = $chain, l.segment = $segment, l.park = $park,
 l.region = $region, l.owner = $owner, l.stage = $stage, l.enterprise = $enterprise,
 l.last_activity_ms = $last, l.firm_key = $firm_key, l.credit_code = $credit_code, l.data = $data`

// fillFirmKeys gives the leads an older chainmap wrote (without firm_key) their firm
// keys, computed by chainmap.LeadFirm, a thousand per transaction: the upgrade that lets
// LeadQuery.Firm use the firm indexes. It is a no-op once every lead has its key.
func (s *Store) fillFirmKeys(ctx context.Context) error {
	after := ""
	for {
		// In id order from the last batch (the lead_id index), so the upgrade reads each
		// lead once however many there are.
		res, err := s.read(ctx, `MATCH (l:Lead) WHERE l.id > $after AND (l.firm_key IS NULL OR l.firm_key = '')
RETURN l.id, l.data ORDER BY l.id LIMIT 1000`, map[string]any{"after": after})
		if err != nil {
			return fmt.Errorf("neo4j: find leads without firm keys: %w", err)
		}
		if len(res.Records) == 0 {
			return nil
		}
		rows := make([]map[string]any, 0, len(res.Records))
		for _, rec := range res.Records {
			id, _ := rec.Values[0].(string)
			l, err := decodeLead(rec.Values[1])
			if err != nil {
				return err
			}
			fk := chainmap.LeadFirm(l)
			rows = append(rows, map[string]any{"id": id, "k": fk.Name, "c": fk.CreditCode, "d": rec.Values[1]})
			after = id
		}
		if s.fillRead != nil {
			s.fillRead()
		}
		// Only where the lead is still as read: a write since (another process's) has
		// written the keys of its own data already.
		if _, err := s.write(ctx, `UNWIND $rows AS fk MATCH (l:Lead {id: fk.id})
SET l._lock = true REMOVE l._lock
WITH l, fk WHERE l.data = fk.d SET l.firm_key = fk.k, l.credit_code = fk.c`,
			map[string]any{"rows": rows}); err != nil {
			return fmt.Errorf("neo4j: fill firm keys: %w", err)
		}
	}
}

// firmMatch is the start of the Leads query for a firm's leads (LeadQuery.Firm, with the
// parameters $firm_name and $firm_code): the leads under its name key, and under its
// credit code when it has one, from the indexes; then FirmKey.Match in Cypher. The
// credit-code branch is left out for a key without a code rather than guarded by a
// parameter: Neo4j plans such a guard as a filter above the index seek, which then read
// every lead without a code (an empty credit_code) on each duplicate check.
func firmMatch(k chainmap.FirmKey) string {
	code := ""
	if k.CreditCode != "" {
		code = `
  UNION
  MATCH (l:Lead) WHERE l.credit_code = $firm_code RETURN l`
	}
	return `CALL {
  MATCH (l:Lead) WHERE l.firm_key = $firm_name RETURN l` + code + `
}
WITH l WHERE l.id > $after
  AND (CASE WHEN $firm_code <> '' AND l.credit_code <> '' THEN l.credit_code = $firm_code ELSE $firm_name <> '' AND l.firm_key = $firm_name END)`
}

func decodeLead(v any) (*chainmap.Lead, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("neo4j: lead data is %T", v)
	}
	l := new(chainmap.Lead)
	if err := json.Unmarshal([]byte(s), l); err != nil {
		return nil, fmt.Errorf("neo4j: decode lead: %w", err)
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
	ctx, cancel, err := s.startWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	params := auditParams(leadParams(out), audit)
	data := params["data"].(string)
	// One auto-commit statement (leadwrite.go): create the lead unless the id exists, and
	// its audit entry.
	// unsure: an earlier run's outcome is unknown, and it may commit late, so that a later
	// run finds the lead "existing" (or breaks the id's constraint) because of it.
	unsure := false
	for range 3 {
		run := func() ([]*neo4j.Record, error) {
			return s.autoCommit(ctx, neo4j.AccessModeWrite, `OPTIONAL MATCH (x:Lead {id: $id})
WITH x WHERE x IS NULL
CREATE (l:Lead {id: $id}) `+setLead+auditOn("l")+`
RETURN count(*)`, params)
		}
		if s.casRun != nil {
			inner := run
			run = func() ([]*neo4j.Record, error) { return s.casRun(inner) }
		}
		recs, err := run()
		if err == nil && len(recs) > 0 && asInt(recs[0].Values[0]) > 0 {
			s.leadCache.put(out.ID, data)
			return out, nil
		}
		if err == nil && !unsure {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "a lead %q exists already", out.ID)
		}
		if err != nil && !retryable(ctx, err) && !(unsure && isConstraintError(err)) {
			return nil, fmt.Errorf("neo4j: create lead: %w", s.wrap(err))
		}
		unsure = true
		// The outcome may be unknown: the lead as stored says.
		now, rerr := s.readLeadData(ctx, out.ID)
		switch {
		case rerr == nil && now == data:
			return out, nil
		case rerr == nil:
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "a lead %q exists already", out.ID)
		case chainmap.ErrorCode(rerr) != chainmap.ENOTFOUND:
			return nil, rerr
		}
	}
	return nil, chainmap.Errorf(chainmap.EUNAVAILABLE, "the database keeps failing this write; try again")
}

// isConstraintError reports whether Neo4j refused a statement for breaking a constraint.
func isConstraintError(err error) bool {
	var ne *neo4j.Neo4jError
	return errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed"
}

// Lead implements chainmap.LeadStore.
func (s *Store) Lead(ctx context.Context, id string) (*chainmap.Lead, error) {
	if err := s.failFast(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	data, err := s.readLeadData(ctx, id)
	if err != nil {
		return nil, err
	}
	return decodeLead(data)
}

// Leads implements chainmap.LeadStore: the filters of LeadQuery in Cypher, by id.
func (s *Store) Leads(ctx context.Context, q chainmap.LeadQuery) (*chainmap.LeadPage, error) {
	q, after, err := q.Normalise()
	if err != nil {
		return nil, err
	}
	stages := make([]string, len(q.Stages))
	for i, st := range q.Stages {
		stages[i] = string(st)
	}
	open := []string{}
	for _, st := range chainmap.AllLeadStages {
		if st.Open() && st != chainmap.LeadOnHold {
			open = append(open, string(st))
		}
	}
	var stale any
	if !q.StaleBefore.IsZero() {
		stale = q.StaleBefore.UnixMilli()
	}
	// A firm's leads come from the firm indexes (the double-counting check); the rule
	// that decides among them is FirmKey.Match, written here in Cypher.
	match, firmName, firmCode := "MATCH (l:Lead)\nWHERE l.id > $after", "", ""
	if q.Firm != nil {
		// The indexes and the firm keys of leads an older chainmap wrote (fillFirmKeys)
		// must exist before the first such query of this process, which may read first.
		if err := s.ensureLeadSchema(ctx); err != nil {
			return nil, err
		}
		firmName, firmCode = q.Firm.Name, q.Firm.CreditCode
		match = firmMatch(*q.Firm)
	}
	res, err := s.read(ctx, match+`
  AND (size($ids) = 0 OR l.id IN $ids)
  AND ($chain = '' OR l.chain = $chain)
  AND (size($segments) = 0 OR l.segment IN $segments)
  AND (size($parks) = 0 OR l.park IN $parks)
  AND (size($regions) = 0 OR l.region IN $regions)
  AND (size($stages) = 0 OR l.stage IN $stages)
  AND ($owner = '' OR l.owner = $owner)
  AND ($enterprise = '' OR l.enterprise = $enterprise)
  AND ($stale IS NULL OR (l.stage IN $open AND l.last_activity_ms < $stale))
RETURN l.data ORDER BY l.id LIMIT $limit`, map[string]any{
		"after": after, "ids": nonNil(q.IDs), "chain": q.Chain, "segments": nonNil(q.Segments),
		"parks": nonNil(q.Parks), "regions": nonNil(q.Regions), "stages": stages, "owner": q.Owner,
		"enterprise": q.Enterprise, "stale": stale, "open": open, "limit": q.First + 1,
		"firm_name": firmName, "firm_code": firmCode})
	if err != nil {
		return nil, fmt.Errorf("neo4j: list leads: %w", err)
	}
	page := &chainmap.LeadPage{}
	for i, rec := range res.Records {
		if i == q.First {
			page.HasNext = true
			break
		}
		l, err := decodeLead(rec.Values[0])
		if err != nil {
			return nil, err
		}
		page.Leads = append(page.Leads, l)
	}
	if n := len(page.Leads); n > 0 {
		page.EndCursor = chainmap.EncodeLeadCursor(page.Leads[n-1].ID)
	}
	return page, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UpdateLead implements chainmap.LeadStore: an optimistic write (leadwrite.go) of the
// change chainmap.ApplyLeadChange computes, so no concurrent update can slip between the
// version check and the write.
func (s *Store) UpdateLead(ctx context.Context, id string, version int64, change chainmap.LeadChange) (*chainmap.Lead, error) {
	return s.writeLead(ctx, id, leadWrite{what: "update lead", compute: func(cur *chainmap.Lead) (*chainmap.Lead, chainmap.AuditEntry, error) {
		return chainmap.ApplyLeadChange(cur, version, change)
	}})
}

// AddFollowUp implements chainmap.LeadStore: the follow-up, its lead's count and last
// activity and the audit entry in one optimistic write (leadwrite.go).
func (s *Store) AddFollowUp(ctx context.Context, f *chainmap.FollowUp, audit chainmap.AuditEntry) (*chainmap.FollowUp, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(f)
	_, err := s.writeLead(ctx, f.Lead, leadWrite{what: "add follow-up",
		compute: func(l *chainmap.Lead) (*chainmap.Lead, chainmap.AuditEntry, error) {
			l.FollowUps++
			if f.At.After(l.LastActivity) {
				l.LastActivity = f.At
			}
			return l, audit, nil
		},
		extra:  "CREATE (:FollowUp {id: $fid, lead: $id, data: $fdata})",
		params: map[string]any{"fid": f.ID, "fdata": string(raw)},
		done:   "MATCH (f:FollowUp {id: $fid}) RETURN f.lead = $id AND f.data = $fdata"})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// FollowUps implements chainmap.LeadStore.
func (s *Store) FollowUps(ctx context.Context, lead string) ([]*chainmap.FollowUp, error) {
	res, err := s.read(ctx, `MATCH (f:FollowUp {lead: $id}) RETURN f.data`, map[string]any{"id": lead})
	if err != nil {
		return nil, fmt.Errorf("neo4j: read follow-ups: %w", err)
	}
	out, err := decodeAll[chainmap.FollowUp](res.Records)
	if err != nil {
		return nil, err
	}
	chainmap.SortFollowUps(out)
	return out, nil
}

func decodeJSON(v any, out any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("neo4j: record data is %T", v)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("neo4j: decode %T: %w", out, err)
	}
	return nil
}

// decodeAll decodes the JSON data in the first column of every record.
func decodeAll[T any](records []*neo4j.Record) ([]*T, error) {
	out := make([]*T, 0, len(records))
	for _, rec := range records {
		v := new(T)
		if err := decodeJSON(rec.Values[0], v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Audit implements chainmap.LeadStore.
func (s *Store) Audit(ctx context.Context, q chainmap.AuditQuery) ([]*chainmap.AuditEntry, error) {
	q = q.Normalise()
	if err := s.sequenceAudit(ctx); err != nil {
		return nil, err
	}
	res, err := s.read(ctx, `MATCH (ae:AuditEntry) WHERE ae.seq > $after AND ($subject = '' OR ae.subject = $subject)
RETURN ae.data, ae.seq ORDER BY ae.seq LIMIT $limit`, map[string]any{"after": q.After, "subject": q.Subject, "limit": q.Limit})
	if err != nil {
		return nil, fmt.Errorf("neo4j: read audit: %w", err)
	}
	out := make([]*chainmap.AuditEntry, 0, len(res.Records))
	for _, rec := range res.Records {
		e := new(chainmap.AuditEntry)
		if err := decodeJSON(rec.Values[0], e); err != nil {
			return nil, err
		}
		e.Seq = int64(asInt(rec.Values[1]))
		out = append(out, e)
	}
	return out, nil
}

// AddUser implements chainmap.LeadStore.
func (s *Store) AddUser(ctx context.Context, u *chainmap.User, audit chainmap.AuditEntry) error {
	if err := u.Validate(); err != nil {
		return err
	}
	raw, _ := json.Marshal(u)
	_, err := s.writeTx(ctx, "add user", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, `OPTIONAL MATCH (x:User {name: $name}) RETURN x IS NOT NULL`, map[string]any{"name": u.Name})
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		if exists, _ := rec.Values[0].(bool); exists {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "a user %q exists already", u.Name)
		}
		if _, err := tx.Run(ctx, `CREATE (:User {name: $name, data: $data})`, map[string]any{"name": u.Name, "data": string(raw)}); err != nil {
			return nil, err
		}
		return nil, appendAuditTx(ctx, tx, subjectUser, audit)
	})
	return err
}

// User implements chainmap.LeadStore.
func (s *Store) User(ctx context.Context, name string) (*chainmap.User, error) {
	res, err := s.read(ctx, `MATCH (u:User {name: $name}) RETURN u.data`, map[string]any{"name": name})
	if err != nil {
		return nil, fmt.Errorf("neo4j: read user: %w", err)
	}
	if len(res.Records) == 0 {
		return nil, chainmap.Errorf(chainmap.ENOTFOUND, "no user %q", name)
	}
	u := new(chainmap.User)
	return u, decodeJSON(res.Records[0].Values[0], u)
}

// Users implements chainmap.LeadStore.
func (s *Store) Users(ctx context.Context) ([]*chainmap.User, error) {
	res, err := s.read(ctx, `MATCH (u:User) RETURN u.data ORDER BY u.name`, nil)
	if err != nil {
		return nil, fmt.Errorf("neo4j: read users: %w", err)
	}
	return decodeAll[chainmap.User](res.Records)
}

// ExportState implements chainmap.LeadStore, reading every kind in one transaction so
// the dump is consistent. The transaction numbers the pending audit entries itself and
// holds the audit counter's lock to its end: a sequencer committing between two of its
// reads would otherwise move entries from pending to numbered unseen by both, and
// provisional numbers would differ from those the trail gives the same entries later.
func (s *Store) ExportState(ctx context.Context) (*chainmap.StateDump, error) {
	if err := s.failFast(ctx); err != nil {
		return nil, err
	}
	if err := s.sequenceAudit(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.deadline(ctx)
	defer cancel()
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: neo4j.AccessModeWrite})
	defer sess.Close(context.Background())
	d := &chainmap.StateDump{Format: chainmap.StateFormat, Leads: []*chainmap.Lead{}, FollowUps: []*chainmap.FollowUp{},
		Audit: []*chainmap.AuditEntry{}, Users: []*chainmap.User{}}
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		d.Leads, d.FollowUps, d.Audit, d.Users = d.Leads[:0], d.FollowUps[:0], d.Audit[:0], d.Users[:0]
		for _, q := range []struct {
			cypher string
			number bool // number the pending audit entries first
			add    func(rec *neo4j.Record) error
		}{
			{"MATCH (l:Lead) RETURN l.data ORDER BY l.id", false, func(rec *neo4j.Record) error {
				l := new(chainmap.Lead)
				d.Leads = append(d.Leads, l)
				return decodeJSON(rec.Values[0], l)
			}},
			{"MATCH (f:FollowUp) RETURN f.data ORDER BY f.id", false, func(rec *neo4j.Record) error {
				f := new(chainmap.FollowUp)
				d.FollowUps = append(d.FollowUps, f)
				return decodeJSON(rec.Values[0], f)
			}},
			{"MATCH (ae:AuditEntry) WHERE ae.seq IS NOT NULL RETURN ae.data, ae.seq ORDER BY ae.seq", true, func(rec *neo4j.Record) error {
				e := new(chainmap.AuditEntry)
				d.Audit = append(d.Audit, e)
				if err := decodeJSON(rec.Values[0], e); err != nil {
					return err
				}
				e.Seq = int64(asInt(rec.Values[1])) // the entry's JSON was written before it had one
				return nil
			}},
			{"MATCH (u:User) RETURN u.data ORDER BY u.name", false, func(rec *neo4j.Record) error {
				u := new(chainmap.User)
				d.Users = append(d.Users, u)
				return decodeJSON(rec.Values[0], u)
			}},
		} {
			if q.number {
				// Entries committed since sequenceAudit ran (the writes the leads read
				// above may show) are numbered here, under the counter's lock.
				for {
					n, err := numberPendingTx(ctx, tx)
					if err != nil {
						return nil, err
					}
					if n < maxSequenceBatch {
						break
					}
				}
			}
			res, err := tx.Run(ctx, q.cypher, nil)
			if err != nil {
				return nil, err
			}
			for res.Next(ctx) {
				if err := q.add(res.Record()); err != nil {
					return nil, err
				}
			}
			if err := res.Err(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j: export state: %w", s.wrap(err))
	}
	return d, nil
}

// ImportState implements chainmap.LeadStore, in one write transaction.
func (s *Store) ImportState(ctx context.Context, d *chainmap.StateDump) error {
	if err := d.Validate(); err != nil {
		return err
	}
	leads := make([]map[string]any, len(d.Leads))
	for i, l := range d.Leads {
		leads[i] = leadParams(l)
	}
	rows := func(n int, f func(i int) map[string]any) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	fus := rows(len(d.FollowUps), func(i int) map[string]any {
		raw, _ := json.Marshal(d.FollowUps[i])
		return map[string]any{"id": d.FollowUps[i].ID, "lead": d.FollowUps[i].Lead, "data": string(raw)}
	})
	audit := rows(len(d.Audit), func(i int) map[string]any {
		raw, _ := json.Marshal(d.Audit[i])
		return map[string]any{"seq": d.Audit[i].Seq, "subject": d.Audit[i].Subject, "data": string(raw)}
	})
	users := rows(len(d.Users), func(i int) map[string]any {
		raw, _ := json.Marshal(d.Users[i])
		return map[string]any{"name": d.Users[i].Name, "data": string(raw)}
	})
	var last int64
	if n := len(d.Audit); n > 0 {
		last = d.Audit[n-1].Seq
	}
	_, err := s.writeTx(ctx, "import state", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, `MATCH (n) WHERE n:Lead OR n:FollowUp OR n:AuditEntry OR n:User RETURN count(n)`, nil)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		if asInt(rec.Values[0]) > 0 {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "Neo4j already holds pipeline data; restore only into an empty one")
		}
		for _, q := range []struct {
			cypher string
			rows   []map[string]any
		}{
			{"UNWIND $rows AS lr CREATE (l:Lead {id: lr.id}) " + strings.ReplaceAll(setLead, "$", "lr."), leads},
			{"UNWIND $rows AS lr CREATE (:FollowUp {id: lr.id, lead: lr.lead, data: lr.data})", fus},
			{"UNWIND $rows AS lr CREATE (:AuditEntry {seq: lr.seq, subject: lr.subject, data: lr.data})", audit},
			{"UNWIND $rows AS lr CREATE (:User {name: lr.name, data: lr.data})", users},
		} {
			if _, err := tx.Run(ctx, q.cypher, map[string]any{"rows": q.rows}); err != nil {
				return nil, err
			}
		}
		_, err = tx.Run(ctx, "MERGE (c:AuditCounter {id: 'audit'}) SET c.n = $n", map[string]any{"n": last})
		return nil, err
	})
	return err
}
