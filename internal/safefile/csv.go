package safefile

import (
	"context"
	"errors"
	"io"
)

// CSVLimits bound a CSV file while it streams, before encoding/csv buffers it: csv.Reader
// keeps a whole line (and a quoted cell across lines) in memory, so without these a
// single 200 MB cell or a file with no line break is read whole before any check sees it.
type CSVLimits struct {
	File int64 // bytes in the file (< 0: no bound)
	Row  int64 // bytes in one record, quoted line breaks included
	Cell int64 // bytes in one cell, as written (quotes included)
}

// CSVGuard reads a CSV stream and fails with a *LimitError, naming the line and column,
// as soon as a cell, a record or the file passes its bound. It follows quoting the way
// RFC 4180 does (a comma or line break inside quotes belongs to the cell), so it counts
// records and cells as encoding/csv will see them. It checks ctx on every read.
type CSVGuard struct {
	r      *Reader
	lim    CSVLimits
	line   int // current physical line, 1-based
	field  int // current column, 1-based
	row    int64
	cell   int64
	quoted bool
	err    error
}

// NewCSVGuard wraps r; name labels errors.
func NewCSVGuard(ctx context.Context, r io.Reader, name string, lim CSVLimits) *CSVGuard {
	return &CSVGuard{r: NewReader(ctx, r, name, lim.File), lim: lim, line: 1, field: 1}
}

// Read implements io.Reader: it hands on the bytes up to the one that passes a bound,
// then the error.
func (g *CSVGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	for i := 0; i < n; i++ {
		c := p[i]
		g.row++
		g.cell++
		switch {
		case c == '"':
			g.quoted = !g.quoted // "" inside quotes toggles twice: still quoted
		case c == ',' && !g.quoted:
			g.field++
			g.cell = 0
		case c == '\n':
			g.line++
			if !g.quoted {
				g.field, g.row, g.cell = 1, 0, 0
			}
		}
		if g.lim.Cell > 0 && g.cell > g.lim.Cell {
			g.err = &LimitError{File: g.r.name, Line: g.line, Field: g.field, What: "cell", Limit: g.lim.Cell}
		} else if g.lim.Row > 0 && g.row > g.lim.Row {
			g.err = &LimitError{File: g.r.name, Line: g.line, What: "row", Limit: g.lim.Row}
		}
		if g.err != nil {
			return i, g.err
		}
	}
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			le.Line = g.line
		}
		g.err = err
	}
	return n, err
}
