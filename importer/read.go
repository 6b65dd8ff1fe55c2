package importer

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	pathpkg "path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// grid is one sheet or CSV file as text: rows of cells with the line (CSV) or row
// number (XLSX) each came from, as a person opening the file would count them.
type grid struct {
	label string // file, or file[sheet], as problems name it
	file  string
	sheet string
	sum   string // SHA-256 of the file's bytes, hex
	rows  [][]string
	lines []int
	// more, when set, streams the rows after those in rows (a CSV file holds only its
	// first rows, enough to find the header, in rows); it returns false at the end.
	more func() ([]string, int, bool)
	kept int // rows kept so far, for Limits.Rows
	// done, on a file's first grid, releases what the file's grids read from (the
	// workbook) once they have all been read.
	done func()
}

// csvBufferedRows is how many rows of a CSV file are held to find the header: the
// header search and the unit row below it.
const csvBufferedRows = headerSearchRows + 1

// readGrids reads every sheet of an XLSX workbook, or the one table of a CSV file, as
// text. File-level problems (unreadable, wrong encoding, malformed CSV) go to rep; a
// file that cannot be read yields no grid.
func readGrids(ctx context.Context, path string, lim Limits, rep *Report) []*grid {
	if !strings.EqualFold(filepath.Ext(path), ".xlsx") {
		if g, zip := readCSVStream(ctx, path, lim, rep); !zip {
			if g == nil {
				return nil
			}
			return []*grid{g}
		}
	}
	raw, err := readBounded(ctx, path, lim)
	if err != nil {
		rep.problem(path, 0, "", "cannot read: %v", err)
		return nil
	}
	var out []*grid
	done := func() {}
	if isZip(raw) || strings.EqualFold(filepath.Ext(path), ".xlsx") {
		out, done = readXLSX(path, raw, lim, rep)
	} else if g := readCSV(path, raw, lim, rep); g != nil {
		out = []*grid{g}
	}
	sum := sha256.Sum256(raw)
	for _, g := range out {
		g.file, g.sum = path, hex.EncodeToString(sum[:])
	}
	if len(out) > 0 {
		out[0].done = done
	} else {
		done()
	}
	return out
}

func isZip(raw []byte) bool { return bytes.HasPrefix(raw, []byte("PK\x03\x04")) }

// decodeText returns raw as UTF-8 text: a UTF-8 BOM is dropped, UTF-16 is refused, and
// text that is not UTF-8 but decodes as GB18030 (what Excel saves in China, GBK being a
// subset) is decoded and a note says so.
func decodeText(path string, raw []byte, rep *Report) ([]byte, bool) {
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		raw = raw[3:]
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		rep.problem(path, 1, "", "file is UTF-16 encoded; save it as \"CSV UTF-8\" (Excel: Save As → CSV UTF-8)")
		return nil, false
	}
	if utf8.Valid(raw) {
		return raw, true
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil || !utf8.Valid(dec) {
		rep.problem(path, 1, "", "file is neither UTF-8 nor GBK/GB18030; save it as \"CSV UTF-8\"")
		return nil, false
	}
	rep.note("%s: not UTF-8; decoded as GBK/GB18030 (the encoding Excel uses for CSV in China)", path)
	return dec, true
}

// readCSV parses a CSV export. Rows may have different lengths (title rows above the
// header have one cell); a malformed quote stops the file at that line.
func readCSV(path string, raw []byte, lim Limits, rep *Report) *grid {
	text, ok := decodeText(path, raw, rep)
	if !ok {
		return nil
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	g := &grid{label: path}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return g
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			msg := err.Error()
			if errors.As(err, &pe) {
				line, msg = pe.Line, pe.Err.Error()
			}
			rep.problem(path, line, "", "malformed CSV: %s (reading stopped here)", msg)
			return g
		}
		line, _ := cr.FieldPos(0)
		if !keepRow(g, rec, line, lim, rep) {
			return g
		}
	}
}

// keepRow appends a row to g unless it breaks a size limit (reported, row dropped);
// it returns false when the row limit is reached or a row is wider than lim.Columns, and
// reading must stop.
func keepRow(g *grid, rec []string, line int, lim Limits, rep *Report) bool {
	rec, keep, cont := checkRow(g, rec, line, lim, rep)
	if keep {
		g.rows = append(g.rows, rec)
		g.lines = append(g.lines, line)
	}
	return cont
}

// checkRow applies the size limits to a row: it returns the row (trailing blank cells
// removed), whether to keep it (false: reported and skipped) and whether reading may
// go on (false: the row limit is reached or the row is wider than lim.Columns).
func checkRow(g *grid, rec []string, line int, lim Limits, rep *Report) ([]string, bool, bool) {
	if g.kept >= lim.Rows {
		rep.problem(g.label, line, "", "more than %d rows: the rest of the file is not read", lim.Rows)
		return nil, false, false
	}
	if n := len(rec); n > 0 && rec[n-1] == "" { // styled blank cells at the right
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		rec = slices.Clone(rec) // do not keep the blanks' backing array alive
	}
	if cols := cmp.Or(lim.Columns, maxColumns); len(rec) > cols {
		rep.problem(g.label, line, "", "row has %d cells, more than the %d allowed (reading stopped here)", len(rec), cols)
		return nil, false, false
	}
	total := 0
	for _, c := range rec {
		if len(c) > lim.CellBytes {
			rep.problem(g.label, line, "", "a cell is %d bytes long, more than the %d allowed: row skipped", len(c), lim.CellBytes)
			return nil, false, true
		}
		total += len(c)
	}
	if total > lim.RowBytes {
		rep.problem(g.label, line, "", "row is %d bytes long, more than the %d allowed: row skipped", total, lim.RowBytes)
		return nil, false, true
	}
	g.kept++
	return rec, true, true
}

// readXLSX opens every sheet of a workbook as a grid streaming its rows (the first are
// held to find the header). Cells hold their cached values (what Excel last computed
// for a formula), and a merged range's value is copied into each of its cells, so a
// merged 所属区县 or a merged header reads as a person sees it. The returned func closes
// the workbook once the grids are read.
func readXLSX(path string, raw []byte, lim Limits, rep *Report) ([]*grid, func()) {
	// A sheet or shared-string part larger than xlsxInMemory is unzipped to a temporary
	// file by excelize, not into memory (the size bounds were checked before).
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{
		UnzipSizeLimit: lim.UnzipBytes, UnzipXMLSizeLimit: min(lim.UnzipXMLBytes, xlsxInMemory)})
	if err != nil {
		rep.problem(path, 0, "", "cannot open the workbook: %v", err)
		return nil, func() {}
	}
	parts, err := sheetParts(raw)
	if err != nil {
		f.Close()
		rep.problem(path, 0, "", "cannot read the workbook's sheet list: %v", err)
		return nil, func() {}
	}
	var out []*grid
	var closers []func()
	for _, sheet := range f.GetSheetList() {
		g, closeRows, err := readSheet(f, path, sheet, parts[sheet], lim, rep)
		if err != nil {
			rep.problem(fmt.Sprintf("%s[%s]", path, sheet), 0, "", "cannot read the sheet: %v", err)
			continue
		}
		out = append(out, g)
		closers = append(closers, closeRows)
	}
	return out, func() {
		for _, c := range closers {
			c()
		}
		f.Close()
	}
}

// readSheet opens a sheet's rows: the first csvBufferedRows in the grid, the rest
// streamed through more, each merged range filled in as its rows pass.
func readSheet(f *excelize.File, path, sheet string, part *zip.File, lim Limits, rep *Report) (*grid, func(), error) {
	g := &grid{label: fmt.Sprintf("%s[%s]", path, sheet), sheet: sheet}
	// Merged ranges are read from the sheet's XML as it streams, never through
	// excelize's whole-sheet model, which holds every cell up to each row's last one
	// (16,384 for a row reaching XFD, even a blank one: 1,000 such rows of a 17 KB
	// workbook took 3.3 GB).
	merges := newMergeFiller(part, g.label, rep)
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, err
	}
	n, done := 0, false
	next := func() ([]string, int, bool) {
		for !done && rows.Next() {
			n++
			rec, err := rows.Columns()
			if err != nil {
				rep.problem(g.label, n, "", "unreadable row: %v", err)
				continue
			}
			rec, keep, cont := checkRow(g, rec, n, lim, rep)
			if !cont {
				break
			}
			if keep {
				return merges.fill(n, rec), n, true
			}
		}
		if !done {
			done = true
			if err := rows.Error(); err != nil {
				rep.problem(g.label, n, "", "cannot read the rest of the sheet: %v", err)
			}
		}
		return nil, 0, false
	}
	for len(g.rows) < csvBufferedRows {
		rec, line, ok := next()
		if !ok {
			return g, func() { rows.Close() }, nil
		}
		g.rows = append(g.rows, rec)
		g.lines = append(g.lines, line)
	}
	g.more = next
	return g, func() { rows.Close() }, nil
}

// xlsxInMemory is the largest workbook part unzipped into memory (excelize's default).
const xlsxInMemory = 16 << 20

// maxMergedRanges bounds the merged ranges read from one sheet.
const maxMergedRanges = 100_000

// sheetParts maps each sheet's name to its part in the workbook's zip, from
// xl/workbook.xml and its relationships (both small, and bounded by the zip checks that
// ran before).
func sheetParts(raw []byte) (map[string]*zip.File, error) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, err
	}
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[strings.TrimPrefix(zf.Name, "/")] = zf
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(files["xl/workbook.xml"], &wb); err != nil {
		return nil, fmt.Errorf("xl/workbook.xml: %w", err)
	}
	if err := decodePart(files["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return nil, fmt.Errorf("xl/_rels/workbook.xml.rels: %w", err)
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = pathpkg.Join("xl", t)
		}
		target[r.ID] = t
	}
	out := map[string]*zip.File{}
	for _, sh := range wb.Sheets {
		if zf := files[target[sh.RID]]; zf != nil {
			out[sh.Name] = zf
		}
	}
	return out, nil
}

// decodePart decodes one small XML part of the workbook.
func decodePart(zf *zip.File, v any) error {
	if zf == nil {
		return fmt.Errorf("missing")
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// mergedRanges streams a sheet's XML and returns the ref of every <mergeCell> ("A1:G1"),
// at most maxMergedRanges of them.
func mergedRanges(part *zip.File) ([]string, error) {
	rc, err := part.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var refs []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return refs, nil
		}
		if err != nil {
			return refs, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "mergeCell" {
			continue
		}
		for _, a := range el.Attr {
			if a.Name.Local == "ref" {
				if len(refs) >= maxMergedRanges {
					return refs, fmt.Errorf("more than %d merged ranges", maxMergedRanges)
				}
				refs = append(refs, a.Value)
			}
		}
	}
}

// maxMergedCells bounds the cells all merged ranges of a sheet may fill, so a workbook
// of many huge merged ranges cannot make the reader write billions of cells.
const maxMergedCells = 10_000_000

// mergeFiller copies the value of each merged range (its top-left cell's, as Excel
// shows it) into every cell it covers, row by row as the sheet streams.
type mergeFiller struct {
	ranges []*mergeRange // by first row
	next   int
	active []*mergeRange
}

type mergeRange struct {
	r1, r2, c1, c2 int
	value          string
}

func newMergeFiller(part *zip.File, label string, rep *Report) *mergeFiller {
	m := &mergeFiller{}
	if part == nil {
		return m
	}
	refs, err := mergedRanges(part)
	if err != nil {
		rep.problem(label, 0, "", "merged cells: %v", err)
	}
	filled := 0
	for _, ref := range refs {
		start, end, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(start)
		c2, r2, err2 := excelize.CellNameToCoordinates(end)
		if err1 != nil || err2 != nil || c2 < c1 || r2 < r1 || c1 > maxColumns {
			continue
		}
		c2 = min(c2, maxColumns) // nothing beyond a row's bound was read, nor is filled
		if filled += (r2 - r1 + 1) * (c2 - c1 + 1); filled > maxMergedCells {
			rep.problem(label, r1, "", "merged cells cover more than %d cells: the rest are left unfilled", maxMergedCells)
			break
		}
		m.ranges = append(m.ranges, &mergeRange{r1: r1, r2: r2, c1: c1, c2: c2})
	}
	slices.SortStableFunc(m.ranges, func(a, b *mergeRange) int { return a.r1 - b.r1 })
	return m
}

// fill fills row n (rows come in increasing order; a range whose first row was not
// read fills with "").
func (m *mergeFiller) fill(n int, rec []string) []string {
	for m.next < len(m.ranges) && m.ranges[m.next].r1 <= n {
		m.active = append(m.active, m.ranges[m.next])
		m.next++
	}
	m.active = slices.DeleteFunc(m.active, func(r *mergeRange) bool { return r.r2 < n })
	for _, r := range m.active {
		if r.r1 == n && r.c1-1 < len(rec) {
			r.value = rec[r.c1-1]
		}
		for c := r.c1; c <= r.c2; c++ {
			rec = setCell(rec, c-1, r.value)
		}
	}
	return rec
}

func setCell(rec []string, i int, v string) []string {
	for len(rec) <= i {
		rec = append(rec, "")
	}
	rec[i] = v
	return rec
}
