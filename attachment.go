package chainmap

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainmap/chainmap/internal/safefile"
)

// Evidence files. A request of a move to 签约 or later cites documents; their scans and
// files are stored with the lead (in the state store, never as files named by the
// client), size- and type-checked by their content, never by the name they came with.

// Bounds of attachments (docs/pipeline.md).
const (
	// MaxAttachmentBytes bounds one file: 10 MiB holds a scanned agreement of a few dozen
	// pages as PDF.
	MaxAttachmentBytes = 10 << 20
	// MaxAttachmentsPerLead bounds the files of one lead (about 200 MiB at most).
	MaxAttachmentsPerLead = 20
	maxFileNameRunes      = 100
	ActionLeadAttach      = "lead.attach"
)

// The types an attachment may be, by its content.
var attachmentTypes = []struct {
	Type string   // Content-Type served
	Exts []string // extensions the name may carry; the first is added when it has none
	Name string   // for messages
}{
	{"application/pdf", []string{".pdf"}, "a PDF document"},
	{"image/png", []string{".png"}, "a PNG image"},
	{"image/jpeg", []string{".jpg", ".jpeg"}, "a JPEG image"},
	{"application/ofd", []string{".ofd"}, "an OFD document"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}, "a Word (DOCX) document"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}, "an Excel (XLSX) workbook"},
}

// attachmentZipLimits bound a DOCX, XLSX or OFD archive before anything reads it: a zip
// bomb declares (or inflates to) far more than any real document.
var attachmentZipLimits = safefile.ZipLimits{Part: 64 << 20, Total: 128 << 20, Entries: 2000, Ratio: 100, RatioFloor: 1 << 20}

// Attachment is a file stored with a lead. Content is kept apart (AttachmentStore).
type Attachment struct {
	ID   string `json:"id"`
	Lead string `json:"lead"`
	// Name is the sanitised file name (SanitizeFileName), with an extension that matches
	// its type.
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// AttachmentStore keeps evidence files with their leads. Both state stores implement it
// (conformance/approval_test.go holds them to the same behaviour).
type AttachmentStore interface {
	// AddAttachment stores a file of an existing lead (ENOTFOUND otherwise) with its audit
	// entry, refusing (EINVALID) a lead that holds MaxAttachmentsPerLead files already.
	AddAttachment(ctx context.Context, a *Attachment, content []byte, audit AuditEntry) error
	// Attachment returns a file and its content, or ENOTFOUND.
	Attachment(ctx context.Context, id string) (*Attachment, []byte, error)
	// Attachments returns a lead's files (without content), by id.
	Attachments(ctx context.Context, lead string) ([]*Attachment, error)
}

// SanitizeFileName makes a client's file name safe to store and to send back in a
// Content-Disposition header: only its last path element, without control, invisible or
// reserved characters (<>:"/\|?*), without leading or trailing dots and spaces, at most
// 100 characters (keeping the extension); "attachment" if nothing is left.
func SanitizeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune(`<>:"|?*;`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), ". ")
	if n := utf8.RuneCountInString(name); n > maxFileNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:maxFileNameRunes-utf8.RuneCountInString(ext)]) + ext
	}
	stem := strings.ToUpper(strings.TrimSuffix(name, path.Ext(name)))
	if slices.Contains([]string{"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}, stem) {
		name = "_" + name
	}
	if strings.TrimSuffix(name, path.Ext(name)) == "" {
		name = "attachment" + name
	}
	return name
}

// CheckAttachment checks a file by its content: not empty, at most MaxAttachmentBytes,
// and a PDF, PNG or JPEG by its signature, or a DOCX, XLSX or OFD archive within
// attachmentZipLimits that holds the part its format requires. The name's extension must
// agree with the content (one is added when it has none). It returns the sanitised name
// and the content type.
func CheckAttachment(name string, content []byte) (string, string, error) {
	name = SanitizeFileName(name)
	if len(content) == 0 {
		return "", "", Errorf(EINVALID, "file %s is empty", clip(name))
	}
	if len(content) > MaxAttachmentBytes {
		return "", "", Errorf(EINVALID, "file %s is %d bytes; at most %d (10 MiB) are accepted", clip(name), len(content), MaxAttachmentBytes)
	}
	typ := -1
	switch {
	case bytes.HasPrefix(content, []byte("%PDF-")):
		typ = 0
	case bytes.HasPrefix(content, []byte("\x89PNG\r\n\x1a\n")):
		typ = 1
	case bytes.HasPrefix(content, []byte{0xFF, 0xD8, 0xFF}):
		typ = 2
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		t, err := zipKind(name, content)
		if err != nil {
			return "", "", err
		}
		typ = t
	default:
		return "", "", Errorf(EINVALID, "file %s is not a PDF, PNG, JPEG, OFD, DOCX or XLSX document (judged by its content)", clip(name))
	}
	at := attachmentTypes[typ]
	ext := strings.ToLower(path.Ext(name))
	switch {
	case ext == "":
		name += at.Exts[0]
	case !slices.Contains(at.Exts, ext):
		return "", "", Errorf(EINVALID, "file %s is named %s but holds %s; name it %s", clip(name), ext, at.Name, at.Exts[0])
	}
	return name, at.Type, nil
}

// zipKind says which document format an archive is (an index of attachmentTypes), after
// CheckZip has bounded it.
func zipKind(name string, content []byte) (int, error) {
	r := bytes.NewReader(content)
	if err := safefile.CheckZip(r, int64(len(content)), name, attachmentZipLimits); err != nil {
		var le *safefile.LimitError
		if errors.As(err, &le) {
			return 0, Errorf(EINVALID, "file %s refused: %v", clip(name), err)
		}
		return 0, Errorf(EINVALID, "file %s is not a readable archive: %v", clip(name), err)
	}
	zr, err := zip.NewReader(r, int64(len(content)))
	if err != nil {
		return 0, Errorf(EINVALID, "file %s is not a readable archive", clip(name))
	}
	has := map[string]bool{}
	for _, f := range zr.File {
		has[f.Name] = true
	}
	switch {
	case has["[Content_Types].xml"] && has["word/document.xml"]:
		return 4, nil
	case has["[Content_Types].xml"] && has["xl/workbook.xml"]:
		return 5, nil
	case has["OFD.xml"]:
		return 3, nil
	}
	return 0, Errorf(EINVALID, "file %s is a zip archive but not a DOCX, XLSX or OFD document", clip(name))
}

// attachments returns the lead store's attachment side, or an error saying this store
// keeps none.
func (p *Pipeline) attachments() (AttachmentStore, error) {
	as, ok := p.Leads.(AttachmentStore)
	if !ok {
		return nil, Errorf(EUNAVAILABLE, "this state store keeps no attachments")
	}
	return as, nil
}

// AddAttachment stores an evidence file with a lead the actor may edit (or request moves
// of), after CheckAttachment.
func (p *Pipeline) AddAttachment(ctx context.Context, lead, name string, content []byte) (*Attachment, error) {
	a := ActorFrom(ctx)
	if _, err := p.editable(ctx, a, lead); err != nil {
		return nil, err
	}
	as, err := p.attachments()
	if err != nil {
		return nil, err
	}
	name, typ, err := CheckAttachment(name, content)
	if err != nil {
		return nil, err
	}
	now := p.now()
	sum := sha256.Sum256(content)
	att := &Attachment{ID: NewID("A", now), Lead: lead, Name: name, Type: typ, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), By: a.Name, At: now}
	if err := as.AddAttachment(ctx, att, content, AuditEntry{At: now, Actor: a.Name, Action: ActionLeadAttach,
		Subject: lead, After: AuditJSON(att)}); err != nil {
		return nil, fmt.Errorf("attach to %s: %w", lead, err)
	}
	return att, nil
}

// Attachment returns a stored file, for whoever may read leads.
func (p *Pipeline) Attachment(ctx context.Context, id string) (*Attachment, []byte, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, nil, err
	}
	as, err := p.attachments()
	if err != nil {
		return nil, nil, err
	}
	return as.Attachment(ctx, id)
}

// Attachments lists a lead's files.
func (p *Pipeline) Attachments(ctx context.Context, lead string) ([]*Attachment, error) {
	if err := Authorize(ActorFrom(ctx), ActReadLeads, nil); err != nil {
		return nil, err
	}
	as, err := p.attachments()
	if err != nil {
		return nil, err
	}
	return as.Attachments(ctx, lead)
}

// checkEvidenceFiles refuses evidence citing a file that is not one of the lead's.
func (p *Pipeline) checkEvidenceFiles(ctx context.Context, lead string, ev []Evidence) error {
	cited := 0
	for _, e := range ev {
		cited += len(e.Attachments)
	}
	if cited == 0 {
		return nil
	}
	as, err := p.attachments()
	if err != nil {
		return err
	}
	have, err := as.Attachments(ctx, lead)
	if err != nil {
		return err
	}
	for i, e := range ev {
		for _, id := range e.Attachments {
			if !slices.ContainsFunc(have, func(a *Attachment) bool { return a.ID == id }) {
				return Errorf(EINVALID, "evidence[%d].attachments: %q is not a file of lead %s", i, clip(id), lead)
			}
		}
	}
	return nil
}

// AttachmentBlob is a file with its content, as a backup holds it (content base64 in
// the JSON).
type AttachmentBlob struct {
	Attachment
	Content []byte `json:"content"`
}

// AttachmentBackup is the side of an attachment store that backups use: every file out,
// and every file back into a store that holds none (ECONFLICT otherwise). The audit
// entries of the uploads travel with the audit trail.
type AttachmentBackup interface {
	ExportAttachments(ctx context.Context) ([]*AttachmentBlob, error)
	ImportAttachments(ctx context.Context, files []*AttachmentBlob) error
}

// validateAttachments checks a backup's files: each of a lead the backup holds, unique,
// within the limits, of the type and hash it claims.
func (d *StateDump) validateAttachments() error {
	leads := map[string]int{}
	for _, l := range d.Leads {
		if l != nil {
			leads[l.ID] = 0
		}
	}
	seen := map[string]bool{}
	for i, f := range d.Attachments {
		if f == nil {
			return Errorf(EINVALID, "attachments[%d] is null", i)
		}
		n, ok := leads[f.Lead]
		if !ok || seen[f.ID] || f.ID == "" {
			return Errorf(EINVALID, "attachments[%d]: unknown lead %s or repeated id %s", i, clip(f.Lead), clip(f.ID))
		}
		if n >= MaxAttachmentsPerLead {
			return Errorf(EINVALID, "attachments[%d]: lead %s has more than %d files", i, clip(f.Lead), MaxAttachmentsPerLead)
		}
		leads[f.Lead], seen[f.ID] = n+1, true
		name, typ, err := CheckAttachment(f.Name, f.Content)
		if err != nil {
			return fmt.Errorf("attachments[%d]: %w", i, err)
		}
		sum := sha256.Sum256(f.Content)
		if name != f.Name || typ != f.Type || f.Size != int64(len(f.Content)) || f.SHA256 != hex.EncodeToString(sum[:]) {
			return Errorf(EINVALID, "attachments[%d] (%s): its name, type, size or hash does not match its content", i, clip(f.ID))
		}
	}
	return nil
}

// BackupState returns all the user data of st for a backup: ExportState, and, when st
// keeps evidence files, those of the leads the dump holds. The command line and the
// server's backup endpoint both call it, so a backup through either carries the files.
func BackupState(ctx context.Context, st LeadStore) (*StateDump, error) {
	d, err := st.ExportState(ctx)
	if err != nil {
		return nil, err
	}
	ab, ok := st.(AttachmentBackup)
	if !ok {
		return d, nil
	}
	files, err := ab.ExportAttachments(ctx)
	if err != nil {
		return nil, fmt.Errorf("back up files: %w", err)
	}
	leads := make(map[string]bool, len(d.Leads))
	for _, l := range d.Leads {
		leads[l.ID] = true
	}
	for _, f := range files {
		if leads[f.Lead] {
			d.Attachments = append(d.Attachments, f)
		}
	}
	return d, nil
}
