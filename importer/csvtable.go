package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// csvTable is a dataset table held whole for a rewrite: the import adds rows (and,
// when the table lacks them, columns) and writes it back atomically. encoding/csv
// writes back byte for byte what the bundled tables hold.
type csvTable struct {
	path   string
	header []string
	rows   [][]string
	bom    bool
	dirty  bool
	// idx maps a column to each value's row numbers, built on first use, so that
	// finding a row stays cheap.
	idx map[string]map[string][]int
	// pending holds rows an import appends, as column/value pairs in a temporary file,
	// so that a million added rows are never held; write streams them after the rows.
	// find does not see them.
	pending *os.File
	pendW   *csv.Writer
	pendBuf *bufio.Writer
	pendErr error
	cleared map[string]map[string]bool // column → ids whose value in it is cleared
}

// appendRow adds a row to the pending file (created in dir, "" for the system's).
func (t *csvTable) appendRow(vals map[string]string, dir string) {
	cols := make([]string, 0, len(vals))
	for c := range vals {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	t.ensure(cols...)
	t.dirty = true
	if t.pendErr != nil {
		return
	}
	if t.pending == nil {
		f, err := os.CreateTemp(dir, "chainmap-import-rows-*.csv")
		if err != nil {
			t.pendErr = fmt.Errorf("temporary file for rows of %s: %w", t.path, err)
			return
		}
		os.Remove(f.Name())
		t.pending, t.pendBuf = f, bufio.NewWriterSize(f, 1<<16)
		t.pendW = csv.NewWriter(t.pendBuf)
	}
	pairs := make([]string, 0, 2*len(cols))
	for _, c := range cols {
		pairs = append(pairs, c, vals[c])
	}
	if err := t.pendW.Write(pairs); err != nil {
		t.pendErr = fmt.Errorf("temporary file for rows of %s: %w", t.path, err)
	}
}

// clearPending empties column col of the pending row whose id is id, when written.
func (t *csvTable) clearPending(col, id string) {
	t.ensure(col)
	if t.cleared == nil {
		t.cleared = map[string]map[string]bool{}
	}
	if t.cleared[col] == nil {
		t.cleared[col] = map[string]bool{}
	}
	t.cleared[col][id] = true
}

// dropPending closes and removes the pending file.
func (t *csvTable) dropPending() {
	if t.pending != nil {
		t.pending.Close()
		t.pending = nil
	}
}

// writePending streams the pending rows into w in the table's columns.
func (t *csvTable) writePending(w *csv.Writer) error {
	if t.pending == nil {
		return nil
	}
	t.pendW.Flush()
	if err := t.pendBuf.Flush(); err != nil {
		return fmt.Errorf("temporary file for rows of %s: %w", t.path, err)
	}
	if _, err := t.pending.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := csv.NewReader(bufio.NewReaderSize(t.pending, 1<<16))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	id := t.col("id")
	row := make([]string, len(t.header))
	for {
		pairs, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("temporary file for rows of %s: %w", t.path, err)
		}
		clear(row)
		for i := 0; i+1 < len(pairs); i += 2 {
			if c := t.col(pairs[i]); c >= 0 {
				row[c] = pairs[i+1]
			}
		}
		if id >= 0 {
			for col, ids := range t.cleared {
				if ids[row[id]] {
					row[t.col(col)] = ""
				}
			}
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
}

func readCSVTable(path string) (*csvTable, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &csvTable{path: path}
	if bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.bom, raw = true, raw[3:]
	}
	r := csv.NewReader(bytes.NewReader(raw))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no header row", path)
	}
	t.header, t.rows = recs[0], recs[1:]
	return t, nil
}

func (t *csvTable) col(name string) int { return slices.Index(t.header, name) }

// ensure adds the columns the table lacks, at the end, empty in existing rows.
func (t *csvTable) ensure(cols ...string) {
	grew := false
	for _, c := range cols {
		if t.col(c) < 0 {
			t.header = append(t.header, c)
			t.dirty, grew = true, true
		}
	}
	if !grew {
		return
	}
	for i, r := range t.rows {
		for len(r) < len(t.header) {
			r = append(r, "")
		}
		t.rows[i] = r
	}
}

// keyPreference orders the columns find looks rows up by.
var keyPreference = []string{"id", "enterprise", "segment", "parent"}

// find returns the index of the first row whose columns hold the values, or -1.
func (t *csvTable) find(vals map[string]string) int {
	key := ""
	for _, k := range keyPreference {
		if _, ok := vals[k]; ok {
			key = k
			break
		}
	}
	if key == "" {
		for k := range vals {
			if key == "" || k < key {
				key = k
			}
		}
	}
	for _, row := range t.rowsWith(key, vals[key]) {
		r, ok := t.rows[row], true
		for c, v := range vals {
			if i := t.col(c); i < 0 || i >= len(r) || r[i] != v {
				ok = false
				break
			}
		}
		if ok {
			return row
		}
	}
	return -1
}

// rowsWith returns the rows whose column col holds val, in order.
func (t *csvTable) rowsWith(col, val string) []int {
	if t.idx == nil {
		t.idx = map[string]map[string][]int{}
	}
	m, ok := t.idx[col]
	if !ok {
		m = map[string][]int{}
		if c := t.col(col); c >= 0 {
			for i, r := range t.rows {
				if c < len(r) {
					m[r[c]] = append(m[r[c]], i)
				}
			}
		}
		t.idx[col] = m
	}
	return m[val]
}

func (t *csvTable) get(row int, col string) string {
	if i := t.col(col); i >= 0 && i < len(t.rows[row]) {
		return t.rows[row][i]
	}
	return ""
}

func (t *csvTable) set(row int, col, v string) {
	t.ensure(col)
	if t.rows[row][t.col(col)] != v {
		t.rows[row][t.col(col)] = v
		t.dirty = true
		delete(t.idx, col)
	}
}

func (t *csvTable) add(vals map[string]string) {
	cols := make([]string, 0, len(vals))
	for c := range vals {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	t.ensure(cols...)
	row := make([]string, len(t.header))
	for c, v := range vals {
		row[t.col(c)] = v
	}
	t.rows = append(t.rows, row)
	t.dirty = true
	for col, m := range t.idx {
		if c := t.col(col); c >= 0 {
			m[row[c]] = append(m[row[c]], len(t.rows)-1)
		}
	}
}

func (t *csvTable) remove(row int) {
	t.rows = slices.Delete(t.rows, row, row+1)
	t.dirty = true
	t.idx = nil
}

// write replaces the file through a temporary file in the same folder, so a crash
// leaves the old table or the new one, never half of one.
func (t *csvTable) write() error {
	if !t.dirty {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.path), ".import-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if t.bom {
		bw.Write([]byte{0xEF, 0xBB, 0xBF})
	}
	w := csv.NewWriter(bw)
	w.Write(t.header)
	w.WriteAll(t.rows)
	err = t.writePending(w)
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", t.path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), t.path)
}
