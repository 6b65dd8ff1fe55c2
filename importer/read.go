package importer

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
}

// readGrids reads every sheet of an XLSX workbook, or the one table of a CSV file, as
// text. File-level problems (unreadable, wrong encoding, malformed CSV) go to rep; a
// file that cannot be read yields no grid.
func readGrids(ctx context.Context, path string, lim Limits, rep *Report) []*grid {
	raw, err := readBounded(ctx, path, lim)
	if err != nil {
		rep.problem(path, 0, "", "cannot read: %v", err)
		return nil
	}
	var out []*grid
	if isZip(raw) || strings.EqualFold(filepath.Ext(path), ".xlsx") {
		out = readXLSX(path, raw, lim, rep)
	} else if g := readCSV(path, raw, lim, rep); g != nil {
		out = []*grid{g}
	}
	sum := sha256.Sum256(raw)
	for _, g := range out {
		g.file, g.sum = path, hex.EncodeToString(sum[:])
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
	if len(g.rows) >= lim.Rows {
		rep.problem(g.label, line, "", "more than %d rows: the rest of the file is not read", lim.Rows)
		return false
	}
	if n := len(rec); n > 0 && rec[n-1] == "" { // styled blank cells at the right
		for len(rec) > 0 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		rec = slices.Clone(rec) // do not keep the blanks' backing array alive
	}
	if cols := cmp.Or(lim.Columns, maxColumns); len(rec) > cols {
		rep.problem(g.label, line, "", "row has %d cells, more than the %d allowed (reading stopped here)", len(rec), cols)
		return false
	}
	total := 0
	for _, c := range rec {
		if len(c) > lim.CellBytes {
			rep.problem(g.label, line, "", "a cell is %d bytes long, more than the %d allowed: row skipped", len(c), lim.CellBytes)
			return true
		}
		total += len(c)
	}
	if total > lim.RowBytes {
		rep.problem(g.label, line, "", "row is %d bytes long, more than the %d allowed: row skipped", total, lim.RowBytes)
		return true
	}
	g.rows = append(g.rows, rec)
	g.lines = append(g.lines, line)
	return true
}

// readXLSX reads every sheet of a workbook. Cells hold their cached values (what Excel
// last computed for a formula), and a merged range's value is copied into each of its
// cells, so a merged 所属区县 or a merged header reads as a person sees it.
func readXLSX(path string, raw []byte, lim Limits, rep *Report) []*grid {
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{
		UnzipSizeLimit: lim.UnzipBytes, UnzipXMLSizeLimit: lim.UnzipXMLBytes})
	if err != nil {
		rep.problem(path, 0, "", "cannot open the workbook: %v", err)
		return nil
	}
	defer f.Close()
	var out []*grid
	for _, sheet := range f.GetSheetList() {
		g, err := readSheet(f, path, sheet, lim, rep)
		if err != nil {
			rep.problem(fmt.Sprintf("%s[%s]", path, sheet), 0, "", "cannot read the sheet: %v", err)
			continue
		}
		out = append(out, g)
	}
	return out
}

func readSheet(f *excelize.File, path, sheet string, lim Limits, rep *Report) (*grid, error) {
	g := &grid{label: fmt.Sprintf("%s[%s]", path, sheet), sheet: sheet}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n, stopped := 0, false
	for rows.Next() {
		n++
		rec, err := rows.Columns()
		if err != nil {
			rep.problem(g.label, n, "", "unreadable row: %v", err)
			continue
		}
		if !keepRow(g, rec, n, lim, rep) {
			stopped = true
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, err
	}
	// excelize reads merged ranges through its whole-sheet model, which holds every cell
	// up to each row's last one (16,384 for a row reaching XFD: 3,000 such rows took 6 GB):
	// a sheet whose reading stopped at a bound is not loaded again for them.
	if !stopped {
		fillMerged(f, g, rep)
	}
	return g, nil
}

// maxMergedCells bounds the cells all merged ranges of a sheet may fill, so a workbook
// of many huge merged ranges cannot make the reader write billions of cells.
const maxMergedCells = 10_000_000

// fillMerged copies the value of each merged range into every cell it covers.
func fillMerged(f *excelize.File, g *grid, rep *Report) {
	merged, err := f.GetMergeCells(g.sheet)
	if err != nil {
		rep.problem(g.label, 0, "", "cannot read merged cells: %v", err)
		return
	}
	row := map[int]int{} // sheet row number → index in g.rows
	for i, l := range g.lines {
		row[l] = i
	}
	filled := 0
	for _, m := range merged {
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err1 != nil || err2 != nil {
			continue
		}
		if filled += (r2 - r1 + 1) * (c2 - c1 + 1); filled > maxMergedCells {
			rep.problem(g.label, r1, "", "merged cells cover more than %d cells: the rest are left unfilled", maxMergedCells)
			return
		}
		for r := r1; r <= r2; r++ {
			i, ok := row[r]
			if !ok {
				continue
			}
			for c := c1; c <= c2; c++ {
				g.rows[i] = setCell(g.rows[i], c-1, m.GetCellValue())
			}
		}
	}
}

func setCell(rec []string, i int, v string) []string {
	for len(rec) <= i {
		rec = append(rec, "")
	}
	rec[i] = v
	return rec
}
