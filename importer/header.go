package importer

import (
	"regexp"
	"strings"
)

// table is a grid whose header row has been found: the recognised columns and the rows
// below the header.
type table struct {
	*grid
	headerAt int // index of the header row in grid.rows
	first    int // index of the first data row
	columns  []column
	ignored  []string
}

// headerSearchRows is how far down the header is looked for (title, notice and unit
// rows sit above it).
const headerSearchRows = 30

var unitLineRe = regexp.MustCompile(`单位\s*[:：]\s*(千元|万元|亿元|元)`)

// findHeader finds the header row: the first of the top rows where at least two cells
// are recognised columns and one of them is the enterprise name. Title or notice rows
// above it may state the money unit ("单位：千元"), which then applies to every money
// column whose header does not give its own.
func findHeader(g *grid, m *Mapping, rep *Report) *table {
	tableUnit := ""
	for i := 0; i < len(g.rows) && i < headerSearchRows; i++ {
		cols, hasName := recogniseRow(g.rows[i], m)
		if len(cols) >= 2 && hasName {
			t := &table{grid: g, headerAt: i, first: i + 1, columns: cols}
			t.readUnitRow(tableUnit)
			t.listIgnored(m)
			return t
		}
		if u := unitLineRe.FindStringSubmatch(strings.Join(g.rows[i], " ")); u != nil {
			tableUnit = u[1]
		}
	}
	return nil
}

func recogniseRow(rec []string, m *Mapping) ([]column, bool) {
	var cols []column
	hasName := false
	for i, h := range rec {
		if strings.TrimSpace(h) == "" {
			continue
		}
		f, unit, year, ok := recognise(h, m)
		if !ok {
			continue
		}
		cols = append(cols, column{index: i, header: strings.TrimSpace(h), field: f, unit: unit, year: year})
		hasName = hasName || f == FieldName
	}
	return cols, hasName
}

// readUnitRow applies a unit row right under the header (statistics tables put 千元 or
// 甲/乙/1/2 there) and the unit of a title row to money columns that state none.
func (t *table) readUnitRow(tableUnit string) {
	if t.first < len(t.rows) && isUnitRow(t.rows[t.first]) {
		unitRow := t.rows[t.first]
		for i := range t.columns {
			if c := &t.columns[i]; c.index < len(unitRow) && c.unit == "" {
				if _, ok := moneyUnits[strings.TrimSpace(unitRow[c.index])]; ok {
					c.unit = strings.TrimSpace(unitRow[c.index])
				}
			}
		}
		t.first++
	}
	for i := range t.columns {
		if c := &t.columns[i]; c.unit == "" && isMoney(c.field) {
			c.unit = tableUnit
		}
	}
}

// isUnitRow reports whether every non-empty cell of rec is a unit or a column marker
// (甲 乙 丙 丁, or a small number counting columns), and at least one is a unit.
func isUnitRow(rec []string) bool {
	units := 0
	for _, v := range rec {
		v = strings.TrimSpace(v)
		switch {
		case v == "" || v == "—" || v == "-":
		case moneyUnits[v] != nil || v == "人" || v == "个":
			units++
		case strings.Contains("甲乙丙丁戊己", v) && len([]rune(v)) == 1:
		case len(v) <= 2 && strings.Trim(v, "0123456789") == "":
		default:
			return false
		}
	}
	return units > 0
}

func isMoney(f Field) bool { return f == FieldRevenue || f == FieldCapital }

// listIgnored records the header cells that are not recognised, so the report can say
// which columns were left out.
func (t *table) listIgnored(m *Mapping) {
	known := map[int]bool{}
	for _, c := range t.columns {
		known[c.index] = true
	}
	for i, h := range t.rows[t.headerAt] {
		if h = strings.TrimSpace(h); h != "" && !known[i] {
			t.ignored = append(t.ignored, h)
		}
	}
}
