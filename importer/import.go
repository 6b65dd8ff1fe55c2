package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/loaders"
)

// Options tune an import.
type Options struct {
	Read   ReadOptions
	DryRun bool // report only, write nothing
	Strict bool // any problem stops the import before anything is written
	// Progress, if set, is called as firms are placed with how many are done of how
	// many (for a progress bar on a terminal).
	Progress func(done, total int)
	// ReadProgress, if set, is called every 10,000 rows read with how many were read
	// (the total is not known until the files are read).
	ReadProgress func(rows int)
	// OnRow, if set, receives each firm's placement as it is made, and Result.Rows
	// stays empty: a caller that prints or writes rows as they come holds none of them.
	OnRow func(Row)
	// TempDir holds the import's temporary record file (default: the system's).
	TempDir string
	// ReviewPath, if set, is where the review workbook is written, as firms are placed,
	// when the import succeeds; Result.Reviewed counts its rows.
	ReviewPath string
}

// Row is one entity's placement, as the report and the review sheet show it.
type Row struct {
	Entity     *Entity
	Placement  Placement
	Written    bool   // an operation was added for the primary segment
	Skipped    string // why no operation was added although placed
	Enterprise map[string]string
}

// Result is what an import did (or, dry, would do).
type Result struct {
	Report *Report
	// Rows are the placements, unless Options.OnRow took them.
	Rows             []Row
	Firms            int // firms placed or not (len(Rows) when OnRow is not set)
	Reviewed         int // rows of the review workbook written (Options.ReviewPath)
	AddedEnterprises int
	AddedOperations  int
	AddedSources     int
	// segments and segmentNames list the taxonomy for the review workbook.
	segments     []string
	segmentNames map[string]string
}

// ErrStrict is returned with --strict when the lists have problems.
var ErrStrict = errors.New("the lists have problems and --strict is set: nothing was written")

// Import reads the lists, resolves, locates and places every firm, and adds to the
// dataset in dir the enterprises placed on a segment, one suggested operation each, and
// a sources row per file. The dataset is validated before and after; if the result does
// not validate, the tables are restored.
//
// Memory does not grow with the rows' contents: rows are streamed from the files (a
// CSV is never held whole), each record goes to a temporary file as it is read, entity
// resolution keeps hashed keys and indexes per firm, firms are then placed one at a time
// and the rows they add are appended to temporary files that the commit streams into
// the tables.
func Import(ctx context.Context, paths []string, dir string, opt Options) (*Result, error) {
	ds, err := OpenDataset(ctx, dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	res := &Result{Report: rep, segmentNames: map[string]string{}}
	for _, s := range ds.Segments {
		res.segments = append(res.segments, s.ID)
		res.segmentNames[s.ID] = s.NameZh
	}
	rs, err := newResolver(ds.Enterprises, rep, opt.TempDir)
	if err != nil {
		return res, err
	}
	defer rs.close()
	read := 0
	lists := readLists(ctx, paths, opt.Read, rep, func(r Record) {
		rs.add(r)
		if read++; opt.ReadProgress != nil && read%10_000 == 0 {
			opt.ReadProgress(read)
		}
	}, func(*List) {})
	if rs.err != nil {
		return res, rs.err
	}
	if opt.Strict && !rep.OK() {
		return res, ErrStrict
	}
	tabs, err := openTables(ds)
	if err != nil {
		return res, err
	}
	defer tabs.close()
	tabs.pendingDir = opt.TempDir
	var review *reviewWriter
	if opt.ReviewPath != "" {
		if review, err = newReviewWriter(res.segments, res.segmentNames); err != nil {
			return res, fmt.Errorf("review workbook %s: %w", opt.ReviewPath, err)
		}
		defer review.f.Close()
	}
	var reviewErr error
	ix := newRegionIndex(ds)
	cl := NewClassifier(ds.Segments)
	total := 0
	for _, e := range rs.ents {
		if e.first >= 0 {
			total++
		}
	}
	// Link and locate notes come after every merge of rows, as when resolution and
	// location ran over the whole list in turn.
	var links, linkNotes, locNotes []string
	rs.each(func(e *Entity) bool {
		if res.Firms%1000 == 0 && ctx.Err() != nil {
			return false
		}
		ix.locateOne(e, rep, &locNotes)
		row := tabs.place(e, cl.Place(e.Rec), ds)
		if row.Written && tabs.addedEnterprise {
			rs.ents[e.idx].written = true
			if e.parent >= 0 {
				tabs.branches = append(tabs.branches, [2]int32{e.idx, e.parent})
			}
		}
		res.Firms++
		if review != nil && reviewErr == nil {
			reviewErr = review.add(row)
		}
		if opt.OnRow != nil {
			opt.OnRow(row)
		} else {
			res.Rows = append(res.Rows, row)
		}
		if opt.Progress != nil && (res.Firms%1000 == 0 || res.Firms == total) {
			opt.Progress(res.Firms, total)
		}
		return true
	}, &links, &linkNotes)
	if rs.err != nil {
		return res, rs.err
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("import stopped after placing %d of %d firms, nothing written: %w", res.Firms, total, err)
	}
	if err := tabs.err(); err != nil {
		return res, err
	}
	if reviewErr != nil {
		return res, fmt.Errorf("review workbook %s: %w", opt.ReviewPath, reviewErr)
	}
	rep.Merges = append(rep.Merges, links...)
	for _, n := range append(linkNotes, locNotes...) {
		rep.note("%s", n)
	}
	tabs.dropUnplacedParents(rs, rep)
	for _, l := range lists {
		tabs.addSource(l)
	}
	res.AddedEnterprises, res.AddedOperations, res.AddedSources = tabs.added[0], tabs.added[1], tabs.added[2]
	rep.Sort()
	if !opt.DryRun {
		if err := tabs.commit(ctx, dir); err != nil {
			return res, err
		}
	}
	if review != nil {
		if res.Reviewed, err = review.save(opt.ReviewPath); err != nil {
			return res, fmt.Errorf("review workbook %s: %w", opt.ReviewPath, err)
		}
	}
	return res, nil
}

// tables are the dataset tables an import or a review changes.
type tables struct {
	ent, ops, src *csvTable
	ledger        *ledger
	segs          map[string]chainmap.Segment
	added         [3]int
	// An import appends its rows to temporary files under pendingDir; branches are the
	// added branches (entity, parent entity), and addedEnterprise says whether the last
	// place added the firm's enterprise row.
	pendingDir      string
	branches        [][2]int32
	addedEnterprise bool
}

// close drops the temporary files of rows not committed.
func (t *tables) close() {
	for _, tab := range []*csvTable{t.ent, t.ops, t.src} {
		tab.dropPending()
	}
}

// err is the first error writing pending rows.
func (t *tables) err() error {
	for _, tab := range []*csvTable{t.ent, t.ops, t.src} {
		if tab.pendErr != nil {
			return tab.pendErr
		}
	}
	return nil
}

func openTables(ds *Dataset) (*tables, error) {
	t := &tables{segs: map[string]chainmap.Segment{}}
	for _, s := range ds.Segments {
		t.segs[s.ID] = s
	}
	for _, k := range []struct {
		key string
		dst **csvTable
	}{{"enterprises", &t.ent}, {"operations", &t.ops}, {"sources", &t.src}} {
		f := ds.Manifest.Tables[k.key]
		if f == "" || !strings.HasSuffix(strings.ToLower(f), ".csv") {
			return nil, fmt.Errorf("import into %s: the manifest must name %s as a CSV table (e.g. %s: %s.csv)", ds.Dir, k.key, k.key, k.key)
		}
		tab, err := readCSVTable(filepath.Join(ds.Dir, f))
		if err != nil {
			return nil, fmt.Errorf("import into %s: %w", ds.Dir, err)
		}
		*k.dst = tab
	}
	// The columns the import reads and writes, present even in a table that lacks them.
	t.ent.ensure("id", "name_zh", "region")
	t.ops.ensure("enterprise", "segment", "verification")
	t.src.ensure("id", "title")
	if ds.Manifest.Encoding == "gb18030" {
		return nil, fmt.Errorf("import into %s: the dataset is declared gb18030; the importer writes UTF-8 tables only", ds.Dir)
	}
	var err error
	t.ledger, err = readLedger(ds.Dir)
	return t, err
}

// place records an entity's placement: the enterprise row when it is new and placed,
// and a suggested operation unless the enterprise already has one on that segment (or
// an ancestor or descendant of it) or a reviewer rejected it.
func (t *tables) place(e *Entity, p Placement, ds *Dataset) Row {
	row := Row{Entity: e, Placement: p}
	t.addedEnterprise = false
	if p.Primary == "" && len(p.RuledOut) == 0 {
		return row // no evidence at all: not written, not in the review
	}
	row.Enterprise = enterpriseRow(e)
	if p.Decision == Rejected {
		return row
	}
	if e.Region == "" && !e.Existing {
		row.Skipped = "no region could be found for it"
		return row
	}
	if t.ledger.rejected(e.ID, p.Primary) {
		row.Skipped = "a reviewer rejected this placement"
		return row
	}
	if seg := t.relatedOperation(e.ID, p.Primary); seg != "" {
		row.Skipped = "the enterprise already has an operation on " + seg
		return row
	}
	t.addedEnterprise = t.ensureEnterprise(row.Enterprise, t.pendingDir)
	t.ops.appendRow(operationRow(e, p, t.segs[p.Primary]), t.pendingDir)
	t.added[1]++
	row.Written = true
	return row
}

// ensureEnterprise appends an enterprise row unless the table already has one with its
// id (new firms' ids are unique: a credit code, or the hash of a name no other firm of
// the lists has); it reports whether it added the row.
func (t *tables) ensureEnterprise(vals map[string]string, pending string) bool {
	if t.ent.find(map[string]string{"id": vals["id"]}) >= 0 {
		return false
	}
	t.ent.appendRow(vals, pending)
	t.added[0]++
	return true
}

// dropUnplacedParents clears the parent of added branches whose parent is not in the
// dataset (a parent that is not on the chain is not added just to be a parent).
func (t *tables) dropUnplacedParents(rs *resolver, rep *Report) {
	for _, b := range t.branches {
		if rs.ents[b[1]].written {
			continue
		}
		id, p := rs.idOf(b[0]), rs.idOf(b[1])
		if t.ent.find(map[string]string{"id": p}) >= 0 {
			continue
		}
		rep.note("%s: its parent %s is not on the chain, so it is not added: parent left empty", id, p)
		t.ent.clearPending("parent", id)
	}
}

// relatedOperation returns the segment of an existing operation of the enterprise on
// seg or on an ancestor or descendant of it, or "".
func (t *tables) relatedOperation(ent, seg string) string {
	for _, i := range t.ops.rowsWith("enterprise", ent) {
		if s := t.ops.get(i, "segment"); s == seg || t.isAncestor(s, seg) || t.isAncestor(seg, s) {
			return s
		}
	}
	return ""
}

func (t *tables) isAncestor(a, b string) bool {
	for p, n := t.segs[b].Parent, 0; p != "" && n < 32; p, n = t.segs[p].Parent, n+1 {
		if p == a {
			return true
		}
	}
	return false
}

// maxRowsNamed bounds the rows an enterprise's note names, so a firm an export repeats
// thousands of times does not get a note longer than a cell may be.
const maxRowsNamed = 20

// enterpriseRow is the enterprises.csv row of a new entity.
func enterpriseRow(e *Entity) map[string]string {
	r := e.Rec
	status := r.Status
	var sources, from []string
	for _, x := range e.Rows {
		if !slices.Contains(sources, x.Source) {
			sources = append(sources, x.Source)
		}
		if len(from) < maxRowsNamed {
			from = append(from, fmt.Sprintf("%s:%d", filepath.Base(x.File), x.Line))
		}
	}
	if more := len(e.Rows) - len(from); more > 0 {
		from = append(from, fmt.Sprintf("and %d more rows", more))
	}
	note := []string{"imported from " + strings.Join(from, ", ")}
	if r.StatusWord != "" {
		note = append(note, "登记状态 "+r.StatusWord)
	}
	if r.Capital != "" {
		note = append(note, "注册资本 "+r.Capital+" 亿元")
	} else if r.CapitalText != "" {
		note = append(note, "注册资本 "+r.CapitalText)
	}
	if e.RegionNote != "" {
		note = append(note, "region: "+e.RegionNote)
	}
	vals := map[string]string{"id": e.ID, "name_zh": r.Name, "credit_code": r.CreditCode, "region": e.Region,
		"park": e.Park, "parent": e.Parent, "status": status, "sources": strings.Join(sources, ";"),
		"confidence": "sourced", "note": strings.Join(note, "; ")}
	if r.Revenue != "" {
		vals["revenue"], vals["revenue_year"] = r.Revenue, fmt.Sprint(r.RevenueYear)
	}
	return vals
}

// operationRow is the suggested operation of a placement.
func operationRow(e *Entity, p Placement, seg chainmap.Segment) map[string]string {
	role := "producer"
	if seg.Stage == chainmap.StageService {
		role = "service"
	}
	note := fmt.Sprintf("挂链 %s, score %d", p.Decision, p.Score)
	if len(p.Alternatives) > 0 {
		note += "; alternatives " + strings.Join(p.Alternatives, ", ")
	}
	var sources []string
	for _, x := range e.Rows {
		if !slices.Contains(sources, x.Source) {
			sources = append(sources, x.Source)
		}
	}
	return map[string]string{"enterprise": e.ID, "segment": p.Primary, "role": role,
		"products": strings.Join(e.Rec.Products, ";"), "evidence": p.EvidenceText(), "verification": "suggested",
		"sources": strings.Join(sources, ";"), "confidence": "unverified", "note": note}
}

// addSource adds the sources.csv row of an imported file, once.
func (t *tables) addSource(l List) {
	if t.src.find(map[string]string{"id": l.Source}) >= 0 || l.count == 0 {
		return
	}
	t.src.add(map[string]string{"id": l.Source, "title": "Imported enterprise list: " + filepath.Base(l.Path),
		"kind": "dataset", "note": "added by chainmap import; the id is the start of the file's SHA-256, so the same file is one source"})
	t.added[2]++
}

// commit writes the changed tables, then validates the dataset; if it does not
// validate, the original tables are put back and the problems returned.
func (t *tables) commit(ctx context.Context, dir string) error {
	all := []*csvTable{t.src, t.ent, t.ops}
	// The old tables are kept as hard links (a copy where links fail) until the new ones
	// validate, rather than read into memory.
	backup := map[string]string{}
	defer func() {
		for _, b := range backup {
			os.Remove(b)
		}
	}()
	for _, tab := range all {
		if tab.dirty {
			b := filepath.Join(filepath.Dir(tab.path), ".import-backup-"+filepath.Base(tab.path))
			os.Remove(b)
			if err := os.Link(tab.path, b); err != nil {
				if err := copyFile(tab.path, b); err != nil {
					return fmt.Errorf("backing up %s: %w", tab.path, err)
				}
			}
			backup[tab.path] = b
		}
	}
	restore := func() {
		for p, b := range backup {
			os.Rename(b, p)
		}
	}
	for _, tab := range all {
		if err := tab.write(); err != nil {
			restore()
			return err
		}
	}
	if err := t.ledger.write(); err != nil {
		restore()
		return err
	}
	rep, err := loaders.Validate(ctx, dir)
	if err == nil && !rep.OK() {
		err = &loaders.ValidationError{Report: rep}
	}
	if err != nil {
		restore()
		return fmt.Errorf("the dataset would not validate after the import, so nothing was changed: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
