package loaders

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/chainmap/chainmap"
)

// fields reads typed values out of one row, recording a problem for each bad field.
type fields struct {
	rep  *Report
	row  *rawRow
	kind chainmap.Kind // the row's table, for the rule tables of rules.go
	bad  bool
}

func (f *fields) fail(col, format string, args ...any) {
	f.bad = true
	f.rep.add(f.row.file, f.row.lineOf(col), col, format, args...)
}

func (f *fields) str(col string) string { return f.row.get(col) }

func (f *fields) req(col string) string {
	v := f.row.get(col)
	if v == "" {
		f.fail(col, "is required")
	}
	return v
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// validID reports whether s matches idPattern, without the regular expression: every
// row names several ids, and matching them was a tenth of a large load's CPU time.
// TestValidIDMatchesPattern holds the two together.
func validID(s string) bool {
	if len(s) < 1 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func (f *fields) id(col string, required bool) string {
	v := f.row.get(col)
	if v == "" {
		if required {
			f.fail(col, "is required")
		}
		return ""
	}
	if !validID(v) {
		f.fail(col, "%q is not a valid id (letters, digits and . _ : - only, at most 128)", v)
	}
	return v
}

func splitList(v string) []string {
	if v == "" {
		return nil
	}
	v = strings.ReplaceAll(v, "；", ";")
	parts := strings.Split(v, ";")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (f *fields) list(col string) []string { return splitList(f.row.get(col)) }

func (f *fields) idList(col string) []string {
	l := f.list(col)
	seen := make(map[string]bool, len(l))
	for _, v := range l {
		if !validID(v) {
			f.fail(col, "%q is not a valid id", v)
		}
		if seen[v] {
			f.fail(col, "%q is listed twice", v)
		}
		seen[v] = true
	}
	return l
}

func (f *fields) float(col string, min, max float64) *float64 {
	v := f.row.get(col)
	if v == "" {
		return nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		f.fail(col, "%q is not a number (use a . decimal point and no thousands separators)", v)
		return nil
	}
	if x < min {
		if min == 0 {
			f.fail(col, "must not be negative, got %s", v)
		} else {
			f.fail(col, "must be at least %g, got %s", min, v)
		}
		return nil
	}
	if x > max {
		f.fail(col, "must be at most %g, got %s", max, v)
		return nil
	}
	return &x
}

func (f *fields) int(col string, min, max int) *int {
	v := f.row.get(col)
	if v == "" {
		return nil
	}
	x, err := strconv.Atoi(v)
	if err != nil {
		f.fail(col, "%q is not a whole number", v)
		return nil
	}
	if x < min || x > max {
		f.fail(col, "must be between %d and %d, got %d", min, max, x)
		return nil
	}
	return &x
}

// year reads a year column; UnknownYear ("unknown") says the source gives no year and
// reads as none, so a rule requiring the year is met without inventing one.
func (f *fields) year(col string) *int {
	if f.row.get(col) == UnknownYear {
		return nil
	}
	return f.int(col, 1900, 2100)
}

func (f *fields) enum(col, def string, allowed ...string) string {
	v := f.row.get(col)
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	f.fail(col, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// boolean reads true or false (empty is false).
func (f *fields) boolean(col string) bool {
	switch v := f.row.get(col); v {
	case "", "false":
		return false
	case "true":
		return true
	default:
		f.fail(col, "%q is not true or false", v)
		return false
	}
}

// qualifier reads a column saying whether a figure is a value or a bound.
func (f *fields) qualifier(col string) chainmap.Qualifier {
	return chainmap.Qualifier(f.enum(col, "", chainmap.Qualifiers...))
}

var datePattern = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

func (f *fields) date(col string) string {
	v := f.row.get(col)
	if v != "" && !datePattern.MatchString(v) {
		f.fail(col, "%q is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", v)
	}
	return v
}

// coords reads lon/lat; both or neither must be given, within China's extent padded to
// cover overseas plants (any valid WGS-84 point is accepted with a plausible range).
func (f *fields) coords() (*float64, *float64) {
	lon := f.float("lon", -180, 180)
	lat := f.float("lat", -90, 90)
	if (lon == nil) != (lat == nil) {
		return nil, nil // half a point: reported by the rule table (rules.go)
	}
	return lon, lat
}

// provenance reads sources, confidence and note; a row that carries a figure (hasFigure,
// or any of its table's FigureColumns) needs a source unless it is marked illustrative
// or synthetic.
func (f *fields) provenance(hasFigure bool) chainmap.Provenance {
	var p chainmap.Provenance
	for _, c := range f.list("sources") {
		cit := chainmap.Citation(c)
		if cit.SourceID() == "" || !validID(cit.SourceID()) {
			f.fail("sources", "%q is not a citation (SOURCE or SOURCE#locator)", c)
			continue
		}
		p.Sources = append(p.Sources, cit)
	}
	conf := f.enum("confidence", "", "primary", "sourced", "unverified", "illustrative", "synthetic")
	p.Confidence = chainmap.Confidence(conf)
	if p.Confidence == "" {
		if len(p.Sources) > 0 {
			p.Confidence = chainmap.ConfidenceSourced
		} else {
			p.Confidence = chainmap.ConfidenceUnverified
		}
	}
	if (hasFigure || f.figureGiven()) && len(p.Sources) == 0 && !p.Illustrative() {
		f.fail("sources", "a figure without a source must be marked confidence illustrative (or synthetic)")
	}
	if (p.Confidence == chainmap.ConfidencePrimary || p.Confidence == chainmap.ConfidenceSourced) && len(p.Sources) == 0 && f.row.get("confidence") != "" {
		f.fail("confidence", "%s needs at least one source", p.Confidence)
	}
	p.Note = f.str("note")
	return p
}

var adcodePattern = regexp.MustCompile(`^[1-9]\d{5}$`)
