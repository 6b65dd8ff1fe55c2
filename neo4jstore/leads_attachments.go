package neo4jstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chainmap/chainmap"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Evidence files are nodes of their own, (:Attachment {id, lead, data, content}), data
// holding the metadata's JSON and content the file's bytes (at most
// chainmap.MaxAttachmentBytes), without relationships, like the other user data.

var _ chainmap.AttachmentStore = (*Store)(nil)

// AddAttachment implements chainmap.AttachmentStore: it takes the lead's write lock, so
// two uploads to one lead count each other's files, then writes the file and its audit
// entry in the same transaction.
func (s *Store) AddAttachment(ctx context.Context, a *chainmap.Attachment, content []byte, audit chainmap.AuditEntry) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = s.writeTx(ctx, "add attachment", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		rec, err := firstRecord(ctx, tx, `MATCH (l:Lead {id: $lead}) SET l._lock = true
WITH l OPTIONAL MATCH (att:Attachment {lead: $lead})
WITH l, count(att) AS n, sum(CASE WHEN att.id = $id THEN 1 ELSE 0 END) AS same
REMOVE l._lock RETURN n, same`, map[string]any{"lead": a.Lead, "id": a.ID}, chainmap.Errorf(chainmap.ENOTFOUND, "no lead %q", a.Lead))
		if err != nil {
			return nil, err
		}
		n, same := asInt(rec.Values[0]), asInt(rec.Values[1])
		if same > 0 {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "an attachment %q exists already", a.ID)
		}
		if n >= chainmap.MaxAttachmentsPerLead {
			return nil, chainmap.Errorf(chainmap.EINVALID, "lead %s holds %d files already; at most %d are kept per lead", a.Lead, n, chainmap.MaxAttachmentsPerLead)
		}
		if _, err := tx.Run(ctx, `CREATE (:Attachment {id: $id, lead: $lead, data: $data, content: $content})`,
			map[string]any{"id": a.ID, "lead": a.Lead, "data": string(raw), "content": content}); err != nil {
			return nil, err
		}
		return nil, appendAuditTx(ctx, tx, subjectLead, audit)
	})
	return err
}

// Attachment implements chainmap.AttachmentStore.
func (s *Store) Attachment(ctx context.Context, id string) (*chainmap.Attachment, []byte, error) {
	res, err := s.read(ctx, `MATCH (att:Attachment {id: $id}) RETURN att.data, att.content`, map[string]any{"id": id})
	if err != nil {
		return nil, nil, fmt.Errorf("neo4j: read attachment: %w", err)
	}
	if len(res.Records) == 0 {
		return nil, nil, chainmap.Errorf(chainmap.ENOTFOUND, "no attachment %q", id)
	}
	a := new(chainmap.Attachment)
	if err := decodeJSON(res.Records[0].Values[0], a); err != nil {
		return nil, nil, err
	}
	content, ok := res.Records[0].Values[1].([]byte)
	if !ok {
		return nil, nil, fmt.Errorf("neo4j: attachment %s content is %T", id, res.Records[0].Values[1])
	}
	return a, content, nil
}

// Attachments implements chainmap.AttachmentStore.
func (s *Store) Attachments(ctx context.Context, lead string) ([]*chainmap.Attachment, error) {
	res, err := s.read(ctx, `MATCH (att:Attachment {lead: $lead}) RETURN att.data ORDER BY att.id`, map[string]any{"lead": lead})
	if err != nil {
		return nil, fmt.Errorf("neo4j: list attachments: %w", err)
	}
	return decodeAll[chainmap.Attachment](res.Records)
}

var _ chainmap.AttachmentBackup = (*Store)(nil)

// ExportAttachments implements chainmap.AttachmentBackup.
func (s *Store) ExportAttachments(ctx context.Context) ([]*chainmap.AttachmentBlob, error) {
	res, err := s.read(ctx, `MATCH (att:Attachment) RETURN att.data, att.content ORDER BY att.id`, nil)
	if err != nil {
		return nil, fmt.Errorf("neo4j: export attachments: %w", err)
	}
	out := make([]*chainmap.AttachmentBlob, 0, len(res.Records))
	for _, rec := range res.Records {
		b := new(chainmap.AttachmentBlob)
		if err := decodeJSON(rec.Values[0], &b.Attachment); err != nil {
			return nil, err
		}
		content, ok := rec.Values[1].([]byte)
		if !ok {
			return nil, fmt.Errorf("neo4j: attachment %s content is %T", b.ID, rec.Values[1])
		}
		b.Content = content
		out = append(out, b)
	}
	return out, nil
}

// ImportAttachments implements chainmap.AttachmentBackup, in one write transaction.
func (s *Store) ImportAttachments(ctx context.Context, files []*chainmap.AttachmentBlob) error {
	rows := make([]map[string]any, len(files))
	for i, f := range files {
		raw, err := json.Marshal(&f.Attachment)
		if err != nil {
			return err
		}
		rows[i] = map[string]any{"id": f.ID, "lead": f.Lead, "data": string(raw), "content": f.Content}
	}
	_, err := s.writeTx(ctx, "import attachments", func(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, `OPTIONAL MATCH (att:Attachment) RETURN count(att)`, nil)
		if err != nil {
			return nil, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return nil, err
		}
		if asInt(rec.Values[0]) > 0 {
			return nil, chainmap.Errorf(chainmap.ECONFLICT, "Neo4j already holds attachments; restore only into an empty store")
		}
		_, err = tx.Run(ctx, `UNWIND $rows AS ar CREATE (:Attachment {id: ar.id, lead: ar.lead, data: ar.data, content: ar.content})`,
			map[string]any{"rows": rows})
		return nil, err
	})
	return err
}
