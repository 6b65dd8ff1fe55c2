package importer

import (
	"strings"
)

// Record is one enterprise row of a list, its cells read by field and checked.
type Record struct {
	File string // file or file[sheet]
	Line int
	// Source is the id of the sources.csv row the file becomes.
	Source       string
	Name         string
	CreditCode   string // normalised; empty if absent or invalid
	BadCode      string // a code that failed its check, kept aside
	Status       string // active, closed, or "" when unknown
	StatusWord   string
	Province     string
	City         string
	County       string
	Address      string
	Division     string
	IndustryCode string // 4-digit GB/T 4754 class, "" if none
	Industry     string // class name as written
	Scope        string
	Products     []string
	Revenue      string // 亿元, exact decimal
	RevenueYear  int
	Capital      string // 亿元, exact decimal, for the note
	CapitalText  string // as written, when not converted (foreign currency)
	FormerName   string
	Employees    string
}

// get returns the cell of the first column of field f, or "".
func (t *table) get(rec []string, f Field) (string, *column) {
	for i := range t.columns {
		c := &t.columns[i]
		if c.field == f && c.index < len(rec) {
			if v := strings.TrimSpace(rec[c.index]); v != "" {
				return v, c
			}
		}
	}
	return "", nil
}

// all returns the non-empty cells of every column of field f (主要产品1, 2, 3).
func (t *table) all(rec []string, f Field) []string {
	var out []string
	for _, c := range t.columns {
		if c.field == f && c.index < len(rec) {
			out = append(out, splitItems(rec[c.index])...)
		}
	}
	return out
}

// splitItems splits a products cell on the separators lists use (、，,；;/).
func splitItems(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("、，,；;/\n", r) })
	out := f[:0]
	for _, s := range f {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// records turns the data rows of a table into records. A row with a problem in one
// cell keeps its other cells; a row without a name is reported and skipped.
func (t *table) records(source string, m *Mapping, rep *Report, fn func(Record)) int {
	n := 0
	one := func(rec []string, line int) {
		if blankRow(rec) || t.isRepeatedHeader(rec) {
			return
		}
		r, ok := t.record(rec, line, m, rep)
		if !ok {
			return
		}
		r.Source = source
		fn(r)
		n++
	}
	for i := t.first; i < len(t.rows); i++ {
		one(t.rows[i], t.lines[i])
		t.rows[i] = nil // read: its cells may go
	}
	for t.more != nil {
		rec, line, ok := t.more()
		if !ok {
			break
		}
		one(rec, line)
	}
	return n
}

func blankRow(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// isRepeatedHeader spots a header repeated further down (exports joined from pages).
func (t *table) isRepeatedHeader(rec []string) bool {
	v, c := t.get(rec, FieldName)
	return c != nil && v == c.header
}

func (t *table) record(rec []string, line int, m *Mapping, rep *Report) (Record, bool) {
	r := Record{File: t.label, Line: line}
	var nameCol *column
	r.Name, nameCol = t.get(rec, FieldName)
	if nameCol == nil {
		if len(rec) > 0 && isFootnote(rec) {
			return r, false
		}
		rep.problem(t.label, line, t.headerOf(FieldName), "no enterprise name: row skipped")
		return r, false
	}
	r.Name = cleanName(r.Name)
	r.readCode(t, rec, rep)
	r.readStatus(t, rec, rep)
	r.Province, _ = t.get(rec, FieldProvince)
	r.City, _ = t.get(rec, FieldCity)
	r.County, _ = t.get(rec, FieldCounty)
	r.Address, _ = t.get(rec, FieldAddress)
	r.Division, _ = t.get(rec, FieldDivision)
	r.readIndustry(t, rec, rep)
	r.Scope, _ = t.get(rec, FieldScope)
	r.Products = t.all(rec, FieldProducts)
	r.readRevenue(t, rec, m, rep)
	r.readCapital(t, rec, rep)
	r.FormerName, _ = t.get(rec, FieldFormerName)
	r.Employees, _ = t.get(rec, FieldEmployees)
	return r, true
}

// isFootnote spots the notes exports end with ("注：…", "数据来源…", "共N条").
func isFootnote(rec []string) bool {
	first := ""
	for _, v := range rec {
		if v = strings.TrimSpace(v); v != "" {
			first = v
			break
		}
	}
	return strings.HasPrefix(first, "注") || strings.HasPrefix(first, "数据来源") || strings.HasPrefix(first, "共") ||
		strings.HasPrefix(first, "说明")
}

func (t *table) headerOf(f Field) string {
	for _, c := range t.columns {
		if c.field == f {
			return c.header
		}
	}
	return string(f)
}

func (r *Record) readStatus(t *table, rec []string, rep *Report) {
	v, c := t.get(rec, FieldStatus)
	if c == nil {
		return
	}
	r.StatusWord = v
	st, ok := statusOf(v)
	if !ok {
		rep.problem(t.label, r.Line, c.header, "unknown status %q (kept as unknown)", v)
	}
	r.Status = st
}

func (r *Record) readRevenue(t *table, rec []string, m *Mapping, rep *Report) {
	v, c := t.get(rec, FieldRevenue)
	if c == nil {
		return
	}
	mon, err := parseMoney(v, c.unit)
	switch {
	case err != nil:
		rep.problem(t.label, r.Line, c.header, "%v", err)
		return
	case mon == nil:
		return
	case mon.Foreign != "":
		rep.problem(t.label, r.Line, c.header, "%q is in %s, not converted (no exchange rate is assumed)", v, mon.Foreign)
		return
	}
	r.RevenueYear = c.year
	if r.RevenueYear == 0 && m != nil {
		r.RevenueYear = m.RevenueYear
	}
	if r.RevenueYear == 0 {
		rep.problem(t.label, r.Line, c.header, "revenue without a year is not written: give it in the header (2023年营业收入) or the mapping's revenue_year")
		return
	}
	r.Revenue = inUnit(mon.Yuan, "亿元")
}

func (r *Record) readCapital(t *table, rec []string, rep *Report) {
	v, c := t.get(rec, FieldCapital)
	if c == nil {
		return
	}
	mon, err := parseMoney(v, firstNonEmpty(c.unit, "万元")) // registries state capital in 万元
	switch {
	case err != nil:
		rep.problem(t.label, r.Line, c.header, "%v", err)
	case mon == nil:
	case mon.Foreign != "":
		r.CapitalText = v
		rep.problem(t.label, r.Line, c.header, "%q is in %s, not converted (no exchange rate is assumed)", v, mon.Foreign)
	default:
		r.Capital = inUnit(mon.Yuan, "亿元")
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// readIndustry reads the GB/T 4754 class: a 行业代码 column ("3252", "C3252"), or a
// 国标行业 cell that may hold a code, a name, or both ("C3252 铝压延加工").
func (r *Record) readIndustry(t *table, rec []string, rep *Report) {
	if v, c := t.get(rec, FieldIndustryCode); c != nil {
		code := industryCode(v)
		if code == "" {
			rep.problem(t.label, r.Line, c.header, "%q is not a GB/T 4754 class code (4 digits, optionally after its letter)", v)
		}
		r.IndustryCode = code
	}
	if v, _ := t.get(rec, FieldIndustry); v != "" {
		r.Industry = v
		if r.IndustryCode == "" {
			r.IndustryCode = classOf(v)
		}
	}
}

// industryCode extracts a 4-digit class code from "3252", "C3252", "C3252 铝压延加工"
// or "铝压延加工(3252)"; it returns "" if there is none.
func industryCode(v string) string {
	digits := strings.Builder{}
	run := 0
	for _, c := range v {
		if c >= '0' && c <= '9' {
			digits.WriteRune(c)
			run++
			continue
		}
		if run == 4 {
			return digits.String()[digits.Len()-4:]
		}
		run = 0
	}
	if run == 4 {
		return digits.String()[digits.Len()-4:]
	}
	return ""
}
