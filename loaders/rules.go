package loaders

import (
	"fmt"
	"strings"

	"github.com/chainmap/chainmap"
)

// The format's conditional rules live in this one table, applied to every row by the
// loader and rendered into docs/dataset-format.md (section "Rules `validate` enforces"),
// so the documentation and the validator cannot drift: TestFormatDocMatchesRules fails
// when they differ, and `go test ./loaders -run TestFormatDocMatchesRules -update`
// rewrites the section.

// RequiredWhen is one conditional requirement: in a table, a column must be given when
// another column is given (or, with Equals, holds that value).
type RequiredWhen struct {
	Kind   chainmap.Kind
	Column string
	When   string
	Equals string // empty: whenever When is given
	// Why is the reason shown in the documentation.
	Why string
}

// RequiredWhenRules lists every conditional requirement of the format.
var RequiredWhenRules = []RequiredWhen{
	{chainmap.KindFlows, "coefficient_unit", "coefficient", "", "without it the mass balance cannot tell what the coefficient measures (write `t/t`, `kWh/t`…); there is no default"},
	{chainmap.KindEnterprises, "revenue_year", "revenue", "", "a revenue is a figure of a year; write `unknown` when the source gives none"},
	{chainmap.KindEnterprises, "employees_year", "employees", "", "a headcount is a figure of a year; write `unknown` when the source gives none"},
	{chainmap.KindOperations, "capacity_unit", "capacity", "", "capacities are converted to the segment's unit"},
	{chainmap.KindOperations, "output_unit", "output", "", "outputs are converted to the segment's unit"},
	{chainmap.KindSupplyLinks, "volume_unit", "volume", "", "a volume means nothing without its unit"},
	{chainmap.KindProjects, "capacity_unit", "capacity", "", "the capacity is checked against the first segment's unit"},
	{chainmap.KindGoals, "target_max", "comparator", "between", "`between` needs an upper bound"},
	{chainmap.KindIndicators, "share_of", "share", "", "a share is a percentage of another region"},
	{chainmap.KindOperations, "capacity", "capacity_qualifier", "", "a qualifier qualifies a figure"},
	{chainmap.KindOperations, "output", "output_qualifier", "", "a qualifier qualifies a figure"},
	{chainmap.KindProjects, "capacity", "capacity_qualifier", "", "a qualifier qualifies a figure"},
	{chainmap.KindProjects, "investment", "investment_qualifier", "", "a qualifier qualifies a figure"},
	{chainmap.KindGoals, "baseline_value", "baseline_qualifier", "", "a qualifier qualifies a figure"},
	{chainmap.KindGoals, "current_value", "current_qualifier", "", "a qualifier qualifies a figure"},
}

// OneOf is a rule that at least one of a table's columns must be given.
type OneOf struct {
	Kind    chainmap.Kind
	Columns []string
	Why     string
}

// OneOfRules lists every "at least one of" rule of the format; the problem is reported on
// the first column.
var OneOfRules = []OneOf{
	{chainmap.KindGoals, []string{"region", "park"}, "a goal needs a scope"},
	{chainmap.KindIndicators, []string{"region", "park"}, "an indicator needs a scope"},
}

// coordinateKinds are the tables with a point (lon, lat): both or neither.
var coordinateKinds = []chainmap.Kind{chainmap.KindRegions, chainmap.KindParks, chainmap.KindEnterprises}

func init() {
	// A point is both coordinates or none: each requires the other.
	for _, k := range coordinateKinds {
		RequiredWhenRules = append(RequiredWhenRules,
			RequiredWhen{k, "lat", "lon", "", "a point needs both coordinates"},
			RequiredWhen{k, "lon", "lat", "", "a point needs both coordinates"})
	}
}

// FigureColumns lists, per table, the columns that count as figures for the provenance
// rule: a row giving any of them and citing no source must be marked `illustrative` or
// `synthetic`. Gap thresholds are figures too: they are judgements someone must own.
var FigureColumns = map[chainmap.Kind][]string{
	chainmap.KindSegments:    {"min_enterprises", "min_capacity", "min_lq"},
	chainmap.KindFlows:       {"coefficient"},
	chainmap.KindParks:       {"area_km2"},
	chainmap.KindEnterprises: {"revenue", "employees"},
	chainmap.KindOperations:  {"capacity", "output"},
	chainmap.KindSupplyLinks: {"volume"},
	chainmap.KindProjects:    {"capacity", "investment"},
	chainmap.KindPolicies:    {"rate", "cap"},
	chainmap.KindGoals:       {"target_value", "baseline_value", "current_value"},
	chainmap.KindIndicators:  {"value", "share"},
}

// UnknownYear is what a year column holds when the source gives no year: it satisfies a
// "year required when …" rule without inventing a figure, and is read as no year.
const UnknownYear = "unknown"

// kindOrder is the order tables appear in the documentation.
var kindOrder = []chainmap.Kind{chainmap.KindSources, chainmap.KindChains, chainmap.KindSegments, chainmap.KindFlows, chainmap.KindRegions, chainmap.KindParks, chainmap.KindEnterprises,
	chainmap.KindOperations, chainmap.KindSupplyLinks, chainmap.KindProjects, chainmap.KindPolicies, chainmap.KindGoals, chainmap.KindIndicators, chainmap.KindPlatforms, chainmap.KindTechnologies}

// checkRequiredWhen applies the conditional requirements of the row's table: the
// RequiredWhenRules and the OneOfRules.
func (f *fields) checkRequiredWhen() {
	for _, r := range OneOfRules {
		if r.Kind != f.kind {
			continue
		}
		given := false
		for _, c := range r.Columns {
			given = given || f.str(c) != ""
		}
		if !given {
			f.fail(r.Columns[0], "%s: give %s", r.Why, strings.Join(r.Columns, " or "))
		}
	}
	for _, r := range RequiredWhenRules {
		if r.Kind != f.kind || f.str(r.Column) != "" {
			continue
		}
		when := f.str(r.When)
		switch {
		case r.Equals == "" && when != "":
			f.fail(r.Column, "is required when %s is given", r.When)
		case r.Equals != "" && when == r.Equals:
			f.fail(r.Column, "is required when %s is %s", r.When, r.Equals)
		}
	}
}

// figureGiven reports whether the row gives any of its table's figure columns.
func (f *fields) figureGiven() bool {
	for _, c := range FigureColumns[f.kind] {
		if f.str(c) != "" {
			return true
		}
	}
	return false
}

// RulesMarkdown renders the rule tables as the documentation shows them.
func RulesMarkdown() string {
	var b strings.Builder
	b.WriteString("**Required when** (a column that must be given when another is):\n\n")
	b.WriteString("| table | column | required when | why |\n|---|---|---|---|\n")
	for _, k := range kindOrder {
		for _, r := range RequiredWhenRules {
			if r.Kind != k {
				continue
			}
			cond := fmt.Sprintf("`%s` is given", r.When)
			if r.Equals != "" {
				cond = fmt.Sprintf("`%s` is `%s`", r.When, r.Equals)
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", k, r.Column, cond, r.Why)
		}
	}
	b.WriteString("\n**At least one of** (a row must give one of these columns):\n\n")
	b.WriteString("| table | columns | why |\n|---|---|---|\n")
	for _, k := range kindOrder {
		for _, r := range OneOfRules {
			if r.Kind == k {
				fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", k, strings.Join(r.Columns, "` or `"), r.Why)
			}
		}
	}
	b.WriteString("\n**Figures** (a row giving any of these and citing no source must be `illustrative` or `synthetic`):\n\n")
	b.WriteString("| table | figure columns |\n|---|---|\n")
	for _, k := range kindOrder {
		cols := FigureColumns[k]
		if len(cols) == 0 {
			continue
		}
		fmt.Fprintf(&b, "| `%s` | `%s` |\n", k, strings.Join(cols, "`, `"))
	}
	return b.String()
}
