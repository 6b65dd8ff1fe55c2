package importer

import (
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FieldIgnore marks a column the mapping file names on purpose to leave it out, so it is
// not reported as ignored.
const FieldIgnore Field = "ignore"

// Mapping is the optional --mapping file: what the import cannot recognise by itself.
//
//	columns:            # header as written in the list → field
//	  公司全称: name
//	  注册区县: county
//	  营收: revenue
//	  联系人: ignore
//	units:              # money unit of a column when neither its header nor its cells say
//	  营收: 万元
//	revenue_year: 2023  # the year of the revenue column, when its header does not say
//	sheet: 名录          # the sheet to read (same as --sheet)
type Mapping struct {
	Columns     map[string]string `yaml:"columns"`
	Units       map[string]string `yaml:"units"`
	RevenueYear int               `yaml:"revenue_year"`
	Sheet       string            `yaml:"sheet"`
}

// Fields lists every field a mapping may name.
var Fields = []Field{FieldSeq, FieldName, FieldCreditCode, FieldStatus, FieldProvince, FieldCity, FieldCounty,
	FieldAddress, FieldDivision, FieldIndustryCode, FieldIndustry, FieldScope, FieldProducts, FieldRevenue,
	FieldCapital, FieldFormerName, FieldEmployees, FieldIgnore}

// ReadMapping parses a mapping file, refusing unknown keys, fields and units with the
// line they are on.
func ReadMapping(name string, r io.Reader) (*Mapping, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	var m Mapping
	if err := dec.Decode(&m); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for h, f := range m.Columns {
		if !knownField(Field(f)) {
			return nil, fmt.Errorf("%s: columns: %s: unknown field %q (known: %s)", name, h, f, fieldList())
		}
	}
	for h, u := range m.Units {
		if _, ok := moneyUnits[u]; !ok {
			return nil, fmt.Errorf("%s: units: %s: unknown unit %q (元, 千元, 万元 or 亿元)", name, h, u)
		}
	}
	if m.RevenueYear != 0 && (m.RevenueYear < 1900 || m.RevenueYear > 2100) {
		return nil, fmt.Errorf("%s: revenue_year: %d is not a year", name, m.RevenueYear)
	}
	return &m, nil
}

func knownField(f Field) bool {
	for _, k := range Fields {
		if k == f {
			return true
		}
	}
	return false
}

func fieldList() string {
	s := make([]string, len(Fields))
	for i, f := range Fields {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// field looks a header up, as written or normalised.
func (m *Mapping) field(raw, normalised string) (Field, bool) {
	if f, ok := m.Columns[strings.TrimSpace(raw)]; ok {
		return Field(f), true
	}
	if f, ok := m.Columns[normalised]; ok {
		return Field(f), true
	}
	return "", false
}
