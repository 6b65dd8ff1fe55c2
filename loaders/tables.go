package loaders

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/chainmap/chainmap/internal/safefile"
	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// rawRow is one row of a table as text, with where it came from.
type rawRow struct {
	file   string
	line   int
	index  map[string]int // column → position; shared by the rows of a CSV or sheet
	values []string
	// lines gives a field's own line, for YAML where fields sit on different lines.
	lines map[string]int
}

func (r *rawRow) get(col string) string {
	if i, ok := r.index[col]; ok && i < len(r.values) {
		return r.values[i]
	}
	return ""
}

func (r *rawRow) lineOf(col string) int {
	if l, ok := r.lines[col]; ok {
		return l
	}
	return r.line
}

// tableSource yields the rows of one table; it reports file-level problems itself.
type tableSource struct {
	fsys     fs.FS
	file     string // as named in the manifest
	sheet    string // set for a workbook sheet
	encoding string
	wb       *excelize.File
	yamlKey  string // set for a taxonomy YAML section
	// aborted is set when the table could not be read to its end (missing file, wrong
	// encoding, malformed CSV, bad header): references to its ids are then not checked,
	// so one broken file does not bury its own problem under hundreds of follow-ups.
	aborted bool
}

// label is how problems name the table's file.
func (t *tableSource) label() string {
	if t.sheet != "" {
		return fmt.Sprintf("%s[%s]", t.file, t.sheet)
	}
	return t.file
}

// each calls fn for every data row. Header problems, encoding problems and malformed
// CSV are added to rep; fn's error aborts the iteration and is returned.
// Reading stops with ctx's error when ctx is done (checked on every read of the file),
// and stops with a problem once a table passes maxRows rows.
func (t *tableSource) each(ctx context.Context, rep *Report, allowed map[string]bool, fn func(*rawRow) error) error {
	t.aborted = false
	rows := 0
	counted := func(r *rawRow) error {
		if rows++; rows > maxRows {
			rep.add(t.label(), r.line, "", "table has more than %d rows (reading stopped here)", maxRows)
			t.aborted = true
			return errStop
		}
		return fn(r)
	}
	var err error
	switch {
	case t.yamlKey != "":
		err = t.eachYAML(ctx, rep, allowed, counted)
	case t.sheet != "":
		err = t.eachSheet(ctx, rep, allowed, counted)
	default:
		err = t.eachCSV(ctx, rep, allowed, counted)
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// errStop ends a table's iteration after its problem was reported.
var errStop = errors.New("stop reading this table")

func (t *tableSource) header(rep *Report, line int, cols []string, allowed map[string]bool) (map[string]int, bool) {
	index := make(map[string]int, len(cols))
	ok := true
	for i, c := range cols {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		if c == "" {
			continue
		}
		if _, dup := index[c]; dup {
			rep.add(t.label(), line, c, "column appears twice in the header")
			ok = false
			continue
		}
		if !allowed[c] {
			rep.add(t.label(), line, c, "unknown column (see docs/dataset-format.md)")
			ok = false
		}
		index[c] = i
	}
	return index, ok
}

func (t *tableSource) eachCSV(ctx context.Context, rep *Report, allowed map[string]bool, fn func(*rawRow) error) error {
	f, err := t.fsys.Open(t.file)
	if err != nil {
		rep.add(t.file, 0, "", "cannot open: %s", text(why(t.file, err)))
		t.aborted = true
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxTableBytes {
		rep.add(t.file, 0, "", "file is %d bytes, more than the %d allowed", st.Size(), int64(maxTableBytes))
		t.aborted = true
		return nil
	}
	// The guard bounds the file, each record and each cell as they stream, before
	// csv.Reader buffers them (it holds a whole line, however long). It reads the raw
	// bytes: GB18030 leaves the ASCII quote, comma and line break as they are.
	br := bufio.NewReaderSize(safefile.NewCSVGuard(ctx, f, t.file, csvLimits), 1<<16)
	head, _ := br.Peek(4)
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		rep.add(t.file, 1, "", "file is UTF-16 encoded; save it as \"CSV UTF-8\" (Excel: Save As → CSV UTF-8)")
		t.aborted = true
		return nil
	}
	gb := t.encoding == "gb18030"
	if gb {
		in = simplifiedchinese.GB18030.NewDecoder().Reader(br)
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		rep.add(t.file, 1, "", "file is empty: a header row is required")
		t.aborted = true
		return nil
	}
	if err := t.stopped(ctx, rep, err, nil); err != nil || t.aborted {
		return err
	}
	if err != nil {
		rep.add(t.file, csvErrLine(err), "", "malformed CSV: %v", csvErrMsg(err))
		t.aborted = true
		return nil
	}
	if !gb && !utf8.ValidString(strings.Join(header, ",")) {
		rep.add(t.file, 1, "", "%s", encodingAdvice(header))
		t.aborted = true
		return nil
	}
	index, ok := t.header(rep, 1, header, allowed)
	if !ok {
		t.aborted = true
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err := t.stopped(ctx, rep, err, header); err != nil || t.aborted {
			return err
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				rep.add(t.file, pe.StartLine, "", "row has %d fields, the header has %d", len(rec), len(header))
				continue
			}
			rep.add(t.file, csvErrLine(err), "", "malformed CSV: %v (reading stopped here)", csvErrMsg(err))
			t.aborted = true
			return nil
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if !gb {
			bad := false
			for _, v := range rec {
				if !utf8.ValidString(v) {
					bad = true
					break
				}
			}
			if bad {
				rep.add(t.file, line, "", "%s", encodingAdvice(rec))
				t.aborted = true
				return nil
			}
		}
		if !cleanRow(rep, t.file, line, header, rec) {
			continue
		}
		if err := fn(&rawRow{file: t.file, line: line, index: index, values: trimAll(rec)}); err != nil {
			return err
		}
	}
}

// stopped handles the errors that end a CSV file early: cancellation is returned, a bound
// passed (see safefile.CSVGuard) and an unreadable file are reported naming the line and
// column, and the table marked aborted. Other errors (malformed CSV) are left to the
// caller.
func (t *tableSource) stopped(ctx context.Context, rep *Report, err error, header []string) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		return err
	}
	var le *safefile.LimitError
	var pe *csv.ParseError
	switch {
	case errors.As(err, &le):
		col := ""
		if le.Field > 0 && le.Field <= len(header) {
			col = strings.TrimSpace(header[le.Field-1])
		}
		rep.add(t.file, le.Line, col, "%s", text(le.Message()))
	case errors.As(err, &pe):
		return nil
	default:
		rep.add(t.file, 0, "", "cannot read: %s (reading stopped here)", text(why(t.file, err)))
	}
	t.aborted = true
	return nil
}

// encodingAdvice explains a non-UTF-8 file, recognising GBK/GB18030 (what Excel saves
// in China) so the user knows exactly what to do.
func encodingAdvice(rec []string) text {
	raw := []byte(strings.Join(rec, ","))
	if dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw); err == nil && utf8.Valid(dec) {
		return "file is not UTF-8: it looks like GBK/GB18030 (as Excel saves CSV in China); " +
			"re-save it as \"CSV UTF-8\" (Excel: Save As → CSV UTF-8) or set `encoding: gb18030` in manifest.yaml"
	}
	return "file is not valid UTF-8; re-save it as \"CSV UTF-8\""
}

func cleanRow(rep *Report, file string, line int, header, rec []string) bool {
	ok := true
	for i, v := range rec {
		col := ""
		if i < len(header) {
			col = header[i]
		}
		if len(v) > maxField {
			rep.add(file, line, col, "cell is %d bytes long, more than the %d allowed", len(v), maxField)
			ok = false
			continue
		}
		for _, r := range v {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
				rep.add(file, line, col, "cell holds a control character (U+%04X)", r)
				ok = false
				break
			}
		}
	}
	return ok
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func trimAll(rec []string) []string {
	for i, v := range rec {
		rec[i] = strings.TrimSpace(v)
	}
	return rec
}

func csvErrLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func csvErrMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (t *tableSource) eachSheet(ctx context.Context, rep *Report, allowed map[string]bool, fn func(*rawRow) error) error {
	rows, err := t.wb.Rows(t.sheet)
	if err != nil {
		rep.add(t.file, 0, "", "no sheet named %q in the workbook", t.sheet)
		t.aborted = true
		return nil
	}
	defer rows.Close()
	var index map[string]int
	var header []string
	n := 0
	for rows.Next() {
		n++
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := rows.Columns()
		if err != nil {
			rep.add(t.label(), n, "", "unreadable row: %v", err)
			continue
		}
		if len(rec) > maxColumns {
			rep.add(t.label(), n, "", "row has %d cells, more than the %d allowed (reading stopped here)", len(rec), maxColumns)
			t.aborted = true
			return nil
		}
		if index == nil {
			if blank(rec) {
				continue
			}
			header = rec
			var ok bool
			if index, ok = t.header(rep, n, rec, allowed); !ok {
				t.aborted = true
				return nil
			}
			continue
		}
		if blank(rec) {
			continue
		}
		if !cleanRow(rep, t.label(), n, header, rec) {
			continue
		}
		if err := fn(&rawRow{file: t.label(), line: n, index: index, values: trimAll(rec)}); err != nil {
			return err
		}
	}
	if index == nil {
		rep.add(t.label(), 1, "", "sheet is empty: a header row is required")
	}
	return rows.Error()
}

// eachYAML turns the entries of one taxonomy section (chains, segments or flows) into
// rows, so YAML and CSV taxonomies share one parser and one set of checks.
func (t *tableSource) eachYAML(ctx context.Context, rep *Report, allowed map[string]bool, fn func(*rawRow) error) error {
	raw, err := readFile(ctx, t.fsys, t.file, maxTaxonomyBytes)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if err != nil {
		rep.add(t.file, 0, "", "cannot read: %s", text(why(t.file, err)))
		t.aborted = true
		return nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		rep.add(t.file, yamlErrLine(err), "", "not valid YAML: %v", err)
		t.aborted = true
		return nil
	}
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		rep.add(t.file, doc.Line, "", "must be a mapping with chains, segments and flows")
		t.aborted = true
		return nil
	}
	var seq *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k := doc.Content[i].Value
		if k != "chains" && k != "segments" && k != "flows" {
			if t.yamlKey == "chains" { // report once
				rep.add(t.file, doc.Content[i].Line, k, "unknown key (expected chains, segments, flows)")
			}
			continue
		}
		if k == t.yamlKey {
			seq = doc.Content[i+1]
		}
	}
	if seq == nil {
		return nil
	}
	if seq.Kind != yaml.SequenceNode {
		rep.add(t.file, seq.Line, t.yamlKey, "must be a list")
		t.aborted = true
		return nil
	}
	for _, item := range seq.Content {
		if item.Kind != yaml.MappingNode {
			rep.add(t.file, item.Line, t.yamlKey, "each entry must be a mapping")
			continue
		}
		row := &rawRow{file: t.file, line: item.Line, index: map[string]int{}, lines: map[string]int{}}
		ok := true
		put := func(col string, line int, v string) {
			if _, dup := row.index[col]; dup {
				rep.add(t.file, line, col, "given twice")
				ok = false
				return
			}
			if !allowed[col] {
				rep.add(t.file, line, col, "unknown key (see docs/dataset-format.md)")
				ok = false
				return
			}
			row.index[col] = len(row.values)
			row.values = append(row.values, strings.TrimSpace(v))
			row.lines[col] = line
		}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch {
			case k.Value == "thresholds" && v.Kind == yaml.MappingNode:
				for j := 0; j+1 < len(v.Content); j += 2 {
					put(v.Content[j].Value, v.Content[j].Line, v.Content[j+1].Value)
				}
			case v.Kind == yaml.ScalarNode:
				put(k.Value, k.Line, v.Value)
			case v.Kind == yaml.SequenceNode:
				parts := make([]string, 0, len(v.Content))
				for _, e := range v.Content {
					switch e.Kind {
					case yaml.ScalarNode:
						parts = append(parts, e.Value)
					case yaml.MappingNode: // a priority: {tag, clause}
						var p struct {
							Tag    string `yaml:"tag"`
							Clause string `yaml:"clause"`
							Note   string `yaml:"note"`
						}
						if err := e.Decode(&p); err != nil || p.Tag == "" {
							rep.add(t.file, e.Line, k.Value, "each entry must be {tag, clause}")
							ok = false
							continue
						}
						if p.Clause != "" {
							parts = append(parts, p.Tag+"@"+p.Clause)
						} else {
							parts = append(parts, p.Tag)
						}
					default:
						rep.add(t.file, e.Line, k.Value, "list entries must be plain values")
						ok = false
					}
				}
				put(k.Value, k.Line, strings.Join(parts, ";"))
			default:
				rep.add(t.file, k.Line, k.Value, "must be a value or a list")
				ok = false
			}
		}
		if !ok {
			continue
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}
