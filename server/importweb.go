package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainmap/chainmap"
	"github.com/chainmap/chainmap/importer"
	"github.com/chainmap/chainmap/loaders"
)

// The enterprise-list import of the web page: the same import and placement review as
// `chainmap import` and `--apply-review`, behind a manager's login, so that a bureau
// without a terminal can keep its dataset current.
//
//	GET    /import             who asks, whether they may import here, and the bounds
//	POST   /import             multipart: files (CSV/XLSX), optional sheet and mapping.
//	                           The lists are imported into a staging copy of the served
//	                           dataset folder; the answer is the report and the review rows.
//	GET    /import/{id}        the staged report again; ?offset= pages the review rows
//	POST   /import/{id}/apply  {"decisions":[{"row":0,"review":"accept","note":""}],
//	                           "acceptPlaced":false}:
//	                           the decisions applied to the staged copy, the changed files
//	                           installed in the served folder (validated, put back on
//	                           failure), the store reloaded through the reload lock
//	DELETE /import/{id}        discard a staged import
//
// One import or apply runs at a time (409 otherwise). A staged import belongs to who
// uploaded it and expires after ImportConfig.TTL.

// ImportConfig enables the import in the web page.
type ImportConfig struct {
	// DataDir is the served dataset folder, the one Config.Reload re-reads.
	DataDir string
	// StateDir holds uploads and staged imports awaiting review (under the state dir).
	StateDir string
	// MaxBytes bounds one upload, all files together (default 16 MiB: the importer holds
	// the lists whole, about 25 bytes of memory per byte of list, so 16 MiB — some 80,000
	// registry rows — costs about 400 MB while it runs); MaxFiles the number of list
	// files (default 10).
	MaxBytes int64
	MaxFiles int
	// TTL is how long a staged import waits for its review (default 2 h); Timeout bounds
	// one import or apply (default 5 min).
	TTL     time.Duration
	Timeout time.Duration
	// Skip names files or folders inside DataDir that are not the dataset (the state
	// file, when it was put there): never copied, fingerprinted or replaced.
	Skip []string
}

const (
	maxStagedImports  = 16       // staged imports kept at once (each holds a copy of the dataset)
	maxImportNameLen  = 200      // bytes of an uploaded file's name
	maxMappingBytes   = 64 << 10 // the optional mapping file
	maxSheetNameBytes = 256
	reviewPageRows    = 2000     // review rows per answer
	maxProblemsShown  = 1000     // problems and notes per answer
	maxApplyBody      = 16 << 20 // the decisions of one apply
	importLogFile     = "imports.log"
	stageMetaFile     = "stage.json"
	codeBusy          = "IMPORT_BUSY" // another import or a reload is running
	codeExpired       = "IMPORT_EXPIRED"
)

func (c *ImportConfig) defaults() {
	if c.MaxBytes <= 0 {
		c.MaxBytes = 16 << 20
	}
	if c.MaxFiles <= 0 {
		c.MaxFiles = 10
	}
	if c.TTL <= 0 {
		c.TTL = 2 * time.Hour
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
}

// importState is the server's import state: one import at a time, and the staged imports'
// folder.
type importState struct {
	cfg  ImportConfig
	busy sync.Mutex // held while an upload is imported or a review applied
	log  sync.Mutex // serialises appends to the import log
}

func (s *Server) routeImport() {
	s.imports = &importState{cfg: *s.cfg.Import}
	s.imports.cfg.defaults()
	if err := os.MkdirAll(s.imports.cfg.StateDir, 0o700); err != nil {
		s.log.Error("import: state folder", "dir", s.imports.cfg.StateDir, "err", err)
	}
	s.mux.HandleFunc("POST /import", s.requireAction(chainmap.ActImport, s.importUpload))
	s.mux.HandleFunc("GET /import/{id}", s.requireAction(chainmap.ActImport, s.importShow))
	s.mux.HandleFunc("POST /import/{id}/apply", s.requireAction(chainmap.ActImport, s.importApply))
	s.mux.HandleFunc("DELETE /import/{id}", s.requireAction(chainmap.ActImport, s.importDiscard))
}

// stage is a staged import: what was uploaded, by whom, the fingerprint of the served
// folder it was imported against, and what the import found.
type stage struct {
	ID          string            `json:"id"`
	Owner       string            `json:"owner"`
	Created     time.Time         `json:"created"`
	Expires     time.Time         `json:"expires"`
	Files       []uploadedFile    `json:"files"`
	Sheet       string            `json:"sheet,omitempty"`
	Fingerprint map[string]string `json:"fingerprint"`
	Report      importReport      `json:"report"`
	Review      [][]string        `json:"review"`
	Segments    []importer.SegmentChoice
}

type uploadedFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// importReport is the import's report as the page shows it.
type importReport struct {
	RowsRead         int             `json:"rowsRead"`
	Firms            int             `json:"firms"`
	Merges           int             `json:"merges"`
	Confirmed        int             `json:"confirmed"`
	Uncertain        int             `json:"uncertain"`
	Rejected         int             `json:"rejected"`
	AddedEnterprises int             `json:"addedEnterprises"`
	AddedOperations  int             `json:"addedOperations"`
	AddedSources     int             `json:"addedSources"`
	Problems         []importProblem `json:"problems"`
	ProblemCount     int             `json:"problemCount"`
	Notes            []string        `json:"notes"`
	MergeLines       []string        `json:"mergeLines"`
	Error            string          `json:"error,omitempty"`
}

type importProblem struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Field string `json:"field"`
	Msg   string `json:"message"`
	Text  string `json:"text"` // file:line: column: what is wrong
}

// reviewItem is one review row as the page shows it; Row indexes the staged review.
type reviewItem struct {
	Row          int      `json:"row"`
	Line         int      `json:"line"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Region       string   `json:"region"`
	Products     string   `json:"products"`
	Segment      string   `json:"segment"`
	SegmentName  string   `json:"segmentName"`
	Alternatives []string `json:"alternatives"`
	Decision     string   `json:"decision"`
	Score        int      `json:"score"`
	Evidence     string   `json:"evidence"`
	RuledOut     string   `json:"ruledOut"`
	Written      string   `json:"written"`
}

func importError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, map[string]any{"error": fmt.Sprintf(format, args...), "code": code})
}

// importUpload receives the lists, imports them into a staging copy of the served
// folder and answers the report and the first page of review rows.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	im := s.imports
	if r.ContentLength > im.cfg.MaxBytes {
		importError(w, http.StatusRequestEntityTooLarge, codeBadRequest, "the upload is %d bytes; at most %d are taken", r.ContentLength, im.cfg.MaxBytes)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		importError(w, http.StatusUnsupportedMediaType, codeMediaType, "send the lists as multipart/form-data (field files)")
		return
	}
	if !im.busy.TryLock() {
		w.Header().Set("Retry-After", "10")
		importError(w, http.StatusConflict, chainmap.ECONFLICT, "another import is running on this server; try again when it has finished")
		return
	}
	defer im.busy.Unlock()
	extendDeadlines(w, im.cfg.Timeout)
	ctx, cancel := context.WithTimeout(r.Context(), im.cfg.Timeout)
	defer cancel()
	actor := chainmap.ActorFrom(r.Context())
	im.sweep(actor.Name)
	if n := im.count(); n >= maxStagedImports {
		importError(w, http.StatusServiceUnavailable, chainmap.EUNAVAILABLE, "%d imports are waiting for their review; apply or discard one first", n)
		return
	}

	st := &stage{ID: newStageID(), Owner: actor.Name, Created: time.Now().UTC()}
	st.Expires = st.Created.Add(im.cfg.TTL)
	dir := im.dir(st.ID)
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o700); err != nil {
		s.log.Error("import: staging folder", "err", err)
		importError(w, http.StatusInternalServerError, chainmap.EINTERNAL, "the staging folder could not be made")
		return
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	opt, ref := im.receive(w, r, st, filepath.Join(dir, "files"))
	if ref != nil {
		writeJSON(w, ref.status, map[string]any{"error": ref.message, "code": ref.code})
		return
	}
	fp, err := fingerprint(im.cfg.DataDir, im.skip())
	if err == nil {
		err = copyDataset(im.cfg.DataDir, filepath.Join(dir, "data"), im.skip())
	}
	if err != nil {
		s.log.Error("import: staging copy of the dataset", "err", err)
		importError(w, http.StatusInternalServerError, chainmap.EINTERNAL, "the dataset could not be copied for staging")
		return
	}
	st.Fingerprint = fp
	paths := make([]string, len(st.Files))
	for i, f := range st.Files {
		paths[i] = filepath.Join(dir, "files", f.Name)
	}
	// The real import, into the copy: what the served folder would become without any
	// review, validated there; the served folder is not touched until the apply.
	res, err := importer.Import(ctx, paths, filepath.Join(dir, "data"), opt)
	st.Report = reportOf(res, filepath.Join(dir, "files")+string(os.PathSeparator))
	s.auditImport(actor.Name, "import.upload", st.ID, map[string]any{"files": st.Files, "rows": st.Report.RowsRead,
		"firms": st.Report.Firms, "confirmed": st.Report.Confirmed, "uncertain": st.Report.Uncertain, "problems": st.Report.ProblemCount, "error": errString(err)})
	if err != nil {
		// Names as the user knows them: the uploaded file's, and the dataset's for the copy.
		msg := strings.ReplaceAll(err.Error(), filepath.Join(dir, "files")+string(os.PathSeparator), "")
		st.Report.Error = strings.ReplaceAll(msg, filepath.Join(dir, "data"), "the dataset")
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": st.Report.Error, "code": chainmap.EINVALID, "report": st.Report})
		return
	}
	if res == nil || (len(res.Rows) == 0 && !res.Report.OK()) {
		st.Report.Error = "no firm could be read from the lists: see the problems"
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": st.Report.Error, "code": chainmap.EINVALID, "report": st.Report})
		return
	}
	st.Review = importer.ReviewTable(res)
	st.Segments = res.SegmentChoices()
	if err := writeJSONFile(filepath.Join(dir, stageMetaFile), st); err != nil {
		s.log.Error("import: stage", "err", err)
		importError(w, http.StatusInternalServerError, chainmap.EINTERNAL, "the staged import could not be kept")
		return
	}
	keep = true
	writeJSON(w, http.StatusOK, stageAnswer(st, 0))
}

// receive reads the multipart body into files, bounded before anything is kept: the
// whole body (MaxBytes), the number of files, each file's name and type.
func (im *importState) receive(w http.ResponseWriter, r *http.Request, st *stage, dir string) (importer.Options, *refusal) {
	var opt importer.Options
	r.Body = http.MaxBytesReader(w, r.Body, im.cfg.MaxBytes)
	reader, err := r.MultipartReader()
	if err != nil {
		return opt, &refusal{http.StatusBadRequest, codeBadRequest, "the body is not multipart/form-data: " + err.Error()}
	}
	tooBig := func(err error) *refusal {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &refusal{http.StatusRequestEntityTooLarge, codeBadRequest, fmt.Sprintf("the upload is larger than the %d bytes taken", im.cfg.MaxBytes)}
		}
		return &refusal{http.StatusBadRequest, codeBadRequest, "the upload could not be read: " + err.Error()}
	}
	for {
		p, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return opt, tooBig(err)
		}
		switch p.FormName() {
		case "files":
			if len(st.Files) >= im.cfg.MaxFiles {
				return opt, &refusal{http.StatusBadRequest, codeBadRequest, fmt.Sprintf("at most %d files are taken at once", im.cfg.MaxFiles)}
			}
			name, msg := uploadName(p.Header.Get("Content-Disposition"))
			if msg != "" {
				return opt, &refusal{http.StatusBadRequest, codeBadRequest, msg}
			}
			if ext := strings.ToLower(filepath.Ext(name)); ext != ".csv" && ext != ".xlsx" {
				return opt, &refusal{http.StatusUnsupportedMediaType, codeMediaType, fmt.Sprintf("%s: only .csv and .xlsx lists are taken", name)}
			}
			if slices.ContainsFunc(st.Files, func(f uploadedFile) bool { return strings.EqualFold(f.Name, name) }) {
				return opt, &refusal{http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s: two files of the same name", name)}
			}
			f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return opt, &refusal{http.StatusBadRequest, codeBadRequest, fmt.Sprintf("%s: cannot be kept", name)}
			}
			h := sha256.New()
			n, err := io.Copy(io.MultiWriter(f, h), p)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return opt, tooBig(err)
			}
			st.Files = append(st.Files, uploadedFile{Name: name, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		case "sheet":
			b, err := io.ReadAll(io.LimitReader(p, maxSheetNameBytes+1))
			if err != nil {
				return opt, tooBig(err)
			}
			if len(b) > maxSheetNameBytes || !utf8.Valid(b) {
				return opt, &refusal{http.StatusBadRequest, codeBadRequest, "sheet: a sheet name of at most 256 bytes of UTF-8"}
			}
			st.Sheet = strings.TrimSpace(string(b))
			opt.Read.Sheet = st.Sheet
		case "mapping":
			b, err := io.ReadAll(io.LimitReader(p, maxMappingBytes+1))
			if err != nil {
				return opt, tooBig(err)
			}
			if len(b) > maxMappingBytes {
				return opt, &refusal{http.StatusRequestEntityTooLarge, codeBadRequest, "mapping: at most 64 KiB"}
			}
			if len(bytes.TrimSpace(b)) == 0 {
				continue
			}
			m, err := importer.ReadMapping("mapping", bytes.NewReader(b))
			if err != nil {
				return opt, &refusal{http.StatusBadRequest, chainmap.EINVALID, err.Error()}
			}
			opt.Read.Mapping = m
		default:
			return opt, &refusal{http.StatusBadRequest, codeBadRequest, fmt.Sprintf("unknown field %q: send files, and optionally sheet and mapping", clipName(p.FormName()))}
		}
	}
	if len(st.Files) == 0 {
		return opt, &refusal{http.StatusBadRequest, codeBadRequest, "send at least one list file (field files)"}
	}
	return opt, nil
}

// uploadName is the file name of an upload as the client sent it, refused (with a
// message) rather than cleaned when it names a folder, is hidden, too long or not text:
// the name is kept in the dataset (sources, notes), so it must be the file's own.
func uploadName(disposition string) (string, string) {
	_, params, err := mime.ParseMediaType(disposition)
	name := params["filename"]
	if err != nil || name == "" {
		return "", "each file needs a file name"
	}
	switch {
	case len(name) > maxImportNameLen || !utf8.ValidString(name):
		return "", fmt.Sprintf("%q: a file name of at most %d bytes of UTF-8", clipName(name), maxImportNameLen)
	case strings.ContainsAny(name, `/\:`) || name == "." || name == ".." || strings.HasPrefix(name, "."):
		return "", fmt.Sprintf("%q: a file name, not a path (no / \\ : or leading dot)", clipName(name))
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) }):
		return "", fmt.Sprintf("%q: control characters in the file name", clipName(name))
	}
	return name, ""
}

func clipName(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 80
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// reportOf condenses the importer's result for the page; prefix (the staging folder of
// the files) is cut from every file name, so the page sees the names it uploaded.
func reportOf(res *importer.Result, prefix string) importReport {
	var out importReport
	if res == nil {
		return out
	}
	cut := func(s string) string { return strings.ReplaceAll(s, prefix, "") }
	rep := res.Report
	out.Firms, out.Merges = len(res.Rows), len(rep.Merges)
	for _, row := range res.Rows {
		out.RowsRead += len(row.Entity.Rows)
		switch row.Placement.Decision {
		case importer.Confirmed:
			out.Confirmed++
		case importer.Uncertain:
			out.Uncertain++
		case importer.Rejected:
			out.Rejected++
		}
	}
	out.AddedEnterprises, out.AddedOperations, out.AddedSources = res.AddedEnterprises, res.AddedOperations, res.AddedSources
	out.ProblemCount = len(rep.Problems) + rep.Dropped
	out.Problems = []importProblem{}
	for _, p := range rep.Problems[:min(len(rep.Problems), maxProblemsShown)] {
		p.File = cut(p.File)
		out.Problems = append(out.Problems, importProblem{File: p.File, Line: p.Line, Field: p.Field, Msg: cut(p.Msg), Text: cut(p.String())})
	}
	for _, n := range rep.Notes[:min(len(rep.Notes), maxProblemsShown)] {
		out.Notes = append(out.Notes, cut(n))
	}
	for _, m := range rep.Merges[:min(len(rep.Merges), maxProblemsShown)] {
		out.MergeLines = append(out.MergeLines, cut(m))
	}
	return out
}

// stageAnswer is a staged import as the page gets it, review rows from offset.
func stageAnswer(st *stage, offset int) map[string]any {
	col := map[string]int{}
	for i, c := range importer.ReviewColumns() {
		col[c] = i
	}
	get := func(row []string, c string) string { return row[col[c]] }
	offset = max(0, min(offset, len(st.Review)))
	end := min(len(st.Review), offset+reviewPageRows)
	items := make([]reviewItem, 0, end-offset)
	for i := offset; i < end; i++ {
		row := st.Review[i]
		score, _ := strconv.Atoi(get(row, importer.ReviewColScore))
		var alts []string
		if a := get(row, importer.ReviewColAlternatives); a != "" {
			alts = strings.Split(a, ";")
		}
		items = append(items, reviewItem{Row: i, Line: i + 2, ID: get(row, importer.ReviewColID), Name: get(row, importer.ReviewColName),
			Region: get(row, importer.ReviewColRegion), Products: get(row, importer.ReviewColProducts),
			Segment: get(row, importer.ReviewColSegment), SegmentName: get(row, importer.ReviewColSegmentName), Alternatives: alts,
			Decision: get(row, importer.ReviewColDecision), Score: score, Evidence: get(row, importer.ReviewColEvidence),
			RuledOut: get(row, importer.ReviewColRuledOut), Written: get(row, importer.ReviewColWritten)})
	}
	return map[string]any{"id": st.ID, "expiresAt": st.Expires.Format(time.RFC3339), "files": st.Files, "sheet": st.Sheet,
		"report": st.Report, "review": items, "reviewTotal": len(st.Review), "reviewOffset": offset, "segments": st.Segments}
}

// importInfo tells the page who is asking and whether to offer the import: the role of
// the session (empty when anonymous), whether Authorize lets it import, and whether this
// server can (one without a writable dataset folder, such as one serving the bundled
// dataset, cannot). It always answers 200, so the page can ask on every load without a
// refused request.
func (s *Server) importInfo(w http.ResponseWriter, r *http.Request) {
	a, _ := s.actorOf(r)
	out := map[string]any{"name": a.Name, "role": string(a.Role), "allowed": chainmap.Authorize(a, chainmap.ActImport, nil) == nil,
		"enabled": s.imports != nil}
	if a.Anonymous() {
		out["name"], out["role"] = "", ""
	}
	if s.imports == nil {
		out["reason"] = "this server serves no dataset folder it can write (start it with chainmap serve --data DIR)"
	} else if out["allowed"] == true {
		out["applicable"] = s.cfg.Reload != nil
		out["maxBytes"], out["maxFiles"] = s.imports.cfg.MaxBytes, s.imports.cfg.MaxFiles
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) importShow(w http.ResponseWriter, r *http.Request) {
	st, status, msg := s.imports.load(r.PathValue("id"), chainmap.ActorFrom(r.Context()).Name)
	if st == nil {
		importError(w, status, codeOf(status), "%s", msg)
		return
	}
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	writeJSON(w, http.StatusOK, stageAnswer(st, off))
}

func (s *Server) importDiscard(w http.ResponseWriter, r *http.Request) {
	im := s.imports
	if !im.busy.TryLock() {
		importError(w, http.StatusConflict, chainmap.ECONFLICT, "an import is running; try again when it has finished")
		return
	}
	defer im.busy.Unlock()
	st, status, msg := im.load(r.PathValue("id"), chainmap.ActorFrom(r.Context()).Name)
	if st == nil {
		importError(w, status, codeOf(status), "%s", msg)
		return
	}
	os.RemoveAll(im.dir(st.ID))
	s.auditImport(st.Owner, "import.discard", st.ID, nil)
	writeJSON(w, http.StatusOK, map[string]any{"discarded": st.ID})
}

// importApply applies the reviewer's decisions to the staged copy, installs the changed
// files in the served folder and reloads the store, all under the reload lock; any
// failure puts the served folder back as it was.
func (s *Server) importApply(w http.ResponseWriter, r *http.Request) {
	im := s.imports
	if s.cfg.Reload == nil {
		importError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "this store cannot be reloaded through the server, so the import cannot be applied here; use chainmap import and chainmap load")
		return
	}
	var in struct {
		Decisions []struct {
			Row    int    `json:"row"`
			Review string `json:"review"`
			Note   string `json:"note"`
		} `json:"decisions"`
		// AcceptPlaced accepts every placed row (confirmed or uncertain) that has no
		// decision of its own: the page's "accept all" reaches the rows it has not loaded.
		AcceptPlaced bool `json:"acceptPlaced"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		importError(w, http.StatusUnsupportedMediaType, codeMediaType, "send the decisions as application/json")
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxApplyBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		importError(w, http.StatusBadRequest, codeBadRequest, "send {\"decisions\": [{\"row\": n, \"review\": \"accept\" | \"reject\" | segment id, \"note\": …}]}: %v", err)
		return
	}
	if !im.busy.TryLock() {
		w.Header().Set("Retry-After", "10")
		importError(w, http.StatusConflict, chainmap.ECONFLICT, "another import is running on this server; try again when it has finished")
		return
	}
	defer im.busy.Unlock()
	actor := chainmap.ActorFrom(r.Context())
	st, status, msg := im.load(r.PathValue("id"), actor.Name)
	if st == nil {
		importError(w, status, codeOf(status), "%s", msg)
		return
	}
	seen := map[int]bool{}
	decisions := make([]importer.Decision, 0, len(in.Decisions))
	for _, d := range in.Decisions {
		if d.Row < 0 || d.Row >= len(st.Review) || seen[d.Row] {
			importError(w, http.StatusBadRequest, chainmap.EINVALID, "decisions: row %d is not a review row of this import, or is decided twice", d.Row)
			return
		}
		if len(d.Review) > 200 || len(d.Note) > 2000 || !utf8.ValidString(d.Review+d.Note) {
			importError(w, http.StatusBadRequest, chainmap.EINVALID, "decisions: row %d: a decision of at most 200 bytes and a note of at most 2000, UTF-8", d.Row)
			return
		}
		seen[d.Row] = true
		decisions = append(decisions, importer.Decision{Line: d.Row + 2, Row: st.Review[d.Row], Review: d.Review, Note: d.Note})
	}
	if in.AcceptPlaced {
		cols := importer.ReviewColumns()
		seg, dec := slices.Index(cols, importer.ReviewColSegment), slices.Index(cols, importer.ReviewColDecision)
		for i, row := range st.Review {
			if !seen[i] && row[seg] != "" && (row[dec] == importer.Confirmed || row[dec] == importer.Uncertain) {
				decisions = append(decisions, importer.Decision{Line: i + 2, Row: row, Review: "accept"})
			}
		}
	}
	slices.SortFunc(decisions, func(a, b importer.Decision) int { return a.Line - b.Line })

	if !s.reloading.TryLock() {
		w.Header().Set("Retry-After", "5")
		importError(w, http.StatusConflict, chainmap.ECONFLICT, "a reload is running; try again when it has finished")
		return
	}
	defer s.reloading.Unlock()
	extendDeadlines(w, im.cfg.Timeout)
	ctx, cancel := context.WithTimeout(r.Context(), im.cfg.Timeout)
	defer cancel()
	if fp, err := fingerprint(im.cfg.DataDir, im.skip()); err != nil || !mapsEqual(fp, st.Fingerprint) {
		importError(w, http.StatusConflict, chainmap.ECONFLICT, "the dataset changed since these lists were uploaded; upload them again")
		return
	}
	before := s.completeness(ctx)
	staged := filepath.Join(im.dir(st.ID), "data")
	res, err := importer.ApplyDecisions(ctx, decisions, "review", staged, actor.Name, false)
	if err != nil {
		s.auditImport(actor.Name, "import.apply.failed", st.ID, map[string]any{"error": err.Error()})
		os.RemoveAll(im.dir(st.ID)) // the staged copy may be half applied: upload again
		importError(w, http.StatusUnprocessableEntity, chainmap.EINVALID, "the review could not be applied, the dataset is unchanged: %v", err)
		return
	}
	installed, err := install(staged, im.cfg.DataDir)
	if err == nil {
		var rep *loaders.Report
		if rep, err = loaders.Validate(ctx, im.cfg.DataDir); err == nil && !rep.OK() {
			err = &loaders.ValidationError{Report: rep}
		}
	}
	if err == nil {
		err = s.cfg.Reload(ctx)
	}
	if err != nil {
		if rerr := installed.restore(); rerr != nil {
			s.log.Error("import: restoring the dataset folder after a failed apply", "err", rerr)
		}
		s.auditImport(actor.Name, "import.apply.failed", st.ID, map[string]any{"error": err.Error()})
		s.log.Warn("import apply refused; the dataset is as it was", "err", err)
		importError(w, http.StatusUnprocessableEntity, chainmap.EINVALID, "the import could not be applied, the dataset is unchanged: %v", err)
		return
	}
	after := s.completeness(ctx)
	os.RemoveAll(im.dir(st.ID))
	problems := make([]importProblem, 0, len(res.Problems))
	for _, p := range res.Problems {
		problems = append(problems, importProblem{File: p.File, Line: p.Line, Field: p.Field, Msg: p.Msg, Text: p.String()})
	}
	s.auditImport(actor.Name, "import.apply", st.ID, map[string]any{"files": st.Files, "accepted": res.Accepted, "rejected": res.Rejected,
		"moved": res.Moved, "unchanged": res.Unchanged, "changedFiles": installed.names()})
	s.log.Info("import applied", "user", actor.Name, "id", st.ID, "accepted", res.Accepted, "rejected", res.Rejected, "moved", res.Moved)
	writeJSON(w, http.StatusOK, map[string]any{"accepted": res.Accepted, "rejected": res.Rejected, "moved": res.Moved,
		"unchanged": res.Unchanged, "problems": problems, "changedFiles": installed.names(), "changes": diffCompleteness(before, after)})
}

// extendDeadlines gives an import's connection the import's own time: the server's read
// and write timeouts are set for queries (30 s and 40 s), shorter than reading 16 MiB on
// a slow line or importing it.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(d))
	rc.SetWriteDeadline(time.Now().Add(d + 10*time.Second))
}

func codeOf(status int) string {
	switch status {
	case http.StatusNotFound:
		return chainmap.ENOTFOUND
	case http.StatusGone:
		return codeExpired
	}
	return codeBadRequest
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (im *importState) dir(id string) string { return filepath.Join(im.cfg.StateDir, id) }

func newStageID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func validStageID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// load reads a staged import of owner; else nil, a status and why.
func (im *importState) load(id, owner string) (*stage, int, string) {
	if !validStageID(id) {
		return nil, http.StatusNotFound, "no such import"
	}
	raw, err := os.ReadFile(filepath.Join(im.dir(id), stageMetaFile))
	var st stage
	if err != nil || json.Unmarshal(raw, &st) != nil || st.Owner != owner {
		return nil, http.StatusNotFound, "no such import (an import is seen only by who uploaded it)"
	}
	if time.Now().After(st.Expires) {
		os.RemoveAll(im.dir(id))
		return nil, http.StatusGone, "this import waited longer than its review time and was discarded; upload the lists again"
	}
	return &st, 0, ""
}

// sweep removes expired staged imports, unfinished ones, and owner's earlier ones (one
// staged import per person: a new upload replaces the last).
func (im *importState) sweep(owner string) {
	entries, _ := os.ReadDir(im.cfg.StateDir)
	for _, e := range entries {
		if !e.IsDir() || !validStageID(e.Name()) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(im.dir(e.Name()), stageMetaFile))
		var st stage
		if err != nil || json.Unmarshal(raw, &st) != nil || time.Now().After(st.Expires) || st.Owner == owner {
			os.RemoveAll(im.dir(e.Name()))
		}
	}
}

func (im *importState) count() int {
	entries, _ := os.ReadDir(im.cfg.StateDir)
	n := 0
	for _, e := range entries {
		if e.IsDir() && validStageID(e.Name()) {
			n++
		}
	}
	return n
}

// auditImport records a step of an import in the import log (JSON lines, append-only,
// synced) under the state dir, and in the server log. The pipeline's audit trail holds
// changes of leads and accounts only; the dataset's own record of reviews is its
// import-review.csv ledger.
func (s *Server) auditImport(actor, action, id string, detail map[string]any) {
	im := s.imports
	entry := map[string]any{"at": time.Now().UTC().Format(time.RFC3339Nano), "actor": actor, "action": action, "import": id}
	for k, v := range detail {
		entry[k] = v
	}
	s.log.Info("import audit", "action", action, "actor", actor, "import", id)
	line, err := json.Marshal(entry)
	if err != nil {
		return
	}
	im.log.Lock()
	defer im.log.Unlock()
	f, err := os.OpenFile(filepath.Join(im.cfg.StateDir, importLogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		s.log.Error("import log", "err", err)
		return
	}
	defer f.Close()
	if _, err = f.Write(append(line, '\n')); err == nil {
		err = f.Sync()
	}
	if err != nil { // a failed write or sync of the import log is reported, not dropped
		s.log.Error("import log", "err", err)
	}
}

// skip lists what the served folder may hold that is not the dataset: the staging folder
// and the state file when they were put inside it (the default, DIR/.chainmap, is hidden
// and skipped anyway). Copied, the staging folder would copy itself; fingerprinted, the
// state file would change with every lead written.
func (im *importState) skip() []string {
	return append([]string{im.cfg.StateDir}, im.cfg.Skip...)
}

// datasetFiles lists the regular files of a dataset folder, relative, skipping hidden
// entries (the default state file lives in DIR/.chainmap) and the paths in skip.
func datasetFiles(dir string, skip []string) ([]string, error) {
	var out []string
	abs := make([]string, 0, len(skip))
	for _, p := range skip {
		if a, err := filepath.Abs(p); err == nil && p != "" {
			abs = append(abs, a)
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if a, aerr := filepath.Abs(p); aerr == nil && p != dir && slices.Contains(abs, a) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// fingerprint is the SHA-256 of every file of a dataset folder, to tell whether it
// changed between an upload and its apply.
func fingerprint(dir string, skip []string) (map[string]string, error) {
	files, err := datasetFiles(dir, skip)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, rel := range files {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out[rel] = hex.EncodeToString(h.Sum(nil))
	}
	return out, nil
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func copyDataset(src, dst string, skip []string) error {
	files, err := datasetFiles(src, skip)
	if err != nil {
		return err
	}
	for _, rel := range files {
		raw, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, rel), raw, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// installed records the files install replaced (their previous contents) or created.
type installed struct {
	dir  string
	prev map[string][]byte // nil: the file did not exist
	mode map[string]fs.FileMode
}

// install writes every file of the staged folder that differs from the served one into
// it (each through a temporary file and a rename, so a reader never sees half a file),
// keeping what it replaced.
func install(staged, served string) (*installed, error) {
	in := &installed{dir: served, prev: map[string][]byte{}, mode: map[string]fs.FileMode{}}
	files, err := datasetFiles(staged, nil)
	if err != nil {
		return in, err
	}
	for _, rel := range files {
		next, err := os.ReadFile(filepath.Join(staged, rel))
		if err != nil {
			return in, err
		}
		target := filepath.Join(served, rel)
		cur, err := os.ReadFile(target)
		mode := fs.FileMode(0o644)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cur = nil
		case err != nil:
			return in, err
		case bytes.Equal(cur, next):
			continue
		default:
			if fi, err := os.Stat(target); err == nil {
				mode = fi.Mode().Perm()
			}
		}
		in.prev[rel], in.mode[rel] = cur, mode
		if err := writeAtomic(target, next, mode); err != nil {
			return in, err
		}
	}
	return in, nil
}

// restore puts the served folder back as it was before install.
func (in *installed) restore() error {
	var errs []error
	for rel, raw := range in.prev {
		target := filepath.Join(in.dir, rel)
		if raw == nil {
			if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		errs = append(errs, writeAtomic(target, raw, in.mode[rel]))
	}
	return errors.Join(errs...)
}

func (in *installed) names() []string {
	out := make([]string, 0, len(in.prev))
	for rel := range in.prev {
		out = append(out, filepath.ToSlash(rel))
	}
	slices.Sort(out)
	return out
}

func writeAtomic(path string, raw []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(raw)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func writeJSONFile(path string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeAtomic(path, raw, 0o600)
}

// chainCompleteness is one chain's gap analysis in the dataset's focus region, before or
// after an import.
type chainCompleteness struct {
	Chain        string
	Region       string
	Present      int
	Total        int
	Completeness float64
	Status       map[string]chainmap.GapStatus
	Names        map[string]string
}

// completeChange is what an import changed in one chain's gap analysis.
type completeChange struct {
	Chain    string          `json:"chain"`
	Region   string          `json:"region"`
	Before   completeFigures `json:"before"`
	After    completeFigures `json:"after"`
	Segments []statusChange  `json:"segments"`
}

type completeFigures struct {
	Present      int     `json:"present"`
	Total        int     `json:"total"`
	Completeness float64 `json:"completeness"`
}

type statusChange struct {
	ID     string `json:"id"`
	NameZh string `json:"nameZh"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// completeness is the gap analysis of every chain of the served dataset in its focus
// region (what the page shows first); empty when the dataset names no focus region.
func (s *Server) completeness(ctx context.Context) map[string]chainCompleteness {
	out := map[string]chainCompleteness{}
	info, err := s.store.Info(ctx)
	if err != nil || info.FocusRegion == "" {
		return out
	}
	chains, err := s.store.Chains(ctx, chainmap.IDQuery{})
	if err != nil {
		return out
	}
	for _, c := range chains[:min(len(chains), 20)] {
		rep, err := chainmap.GapAnalysis(ctx, s.store, chainmap.GapQuery{Chain: c.ID, Scope: chainmap.Scope{Region: info.FocusRegion}})
		if err != nil {
			continue
		}
		cc := chainCompleteness{Chain: c.ID, Region: info.FocusRegion, Present: rep.Present, Total: rep.Total, Completeness: rep.Completeness,
			Status: map[string]chainmap.GapStatus{}, Names: map[string]string{}}
		for _, g := range rep.Segments {
			cc.Status[g.Segment.ID] = g.Status
			cc.Names[g.Segment.ID] = g.Segment.NameZh
		}
		out[c.ID] = cc
	}
	return out
}

func diffCompleteness(before, after map[string]chainCompleteness) []completeChange {
	var out []completeChange
	for id, a := range after {
		b := before[id]
		ch := completeChange{Chain: id, Region: a.Region, Before: completeFigures{b.Present, b.Total, b.Completeness},
			After: completeFigures{a.Present, a.Total, a.Completeness}, Segments: []statusChange{}}
		for seg, st := range a.Status {
			if was := b.Status[seg]; was != st {
				ch.Segments = append(ch.Segments, statusChange{ID: seg, NameZh: a.Names[seg], Before: string(was), After: string(st)})
			}
		}
		slices.SortFunc(ch.Segments, func(x, y statusChange) int { return strings.Compare(x.ID, y.ID) })
		out = append(out, ch)
	}
	slices.SortFunc(out, func(x, y completeChange) int { return strings.Compare(x.Chain, y.Chain) })
	return out
}
