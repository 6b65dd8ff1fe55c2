package loaders

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chainmap/chainmap"
)

var provenanceColumns = []string{"sources", "confidence", "note"}

// columns lists the columns each table accepts (provenance columns are added to all).
var columns = map[chainmap.Kind][]string{
	chainmap.KindSources: {"id", "title", "publisher", "date", "url", "licence", "kind", "note"},
	chainmap.KindChains:  {"id", "name_zh", "name_en", "description"},
	chainmap.KindSegments: {"id", "chain", "parent", "name_zh", "name_en", "stage", "order", "gbt", "hs", "alloy_series", "unit", "min_enterprises", "min_capacity", "min_lq", "priorities",
		"keywords", "exclude_keywords", "materials"},
	chainmap.KindFlows:   {"from", "to", "coefficient", "coefficient_unit", "kind", "one_way"},
	chainmap.KindRegions: {"id", "name_zh", "name_en", "level", "parent", "lon", "lat", "boundary"},
	chainmap.KindParks:   {"id", "name_zh", "name_en", "kind", "parent", "regions", "focus_segments", "lon", "lat", "shape", "area_km2"},
	chainmap.KindEnterprises: {"id", "name_zh", "name_en", "short_name", "credit_code", "region", "park", "lon", "lat", "parent",
		"revenue", "revenue_year", "employees", "employees_year", "stock_code", "designations", "kind", "status"},
	chainmap.KindOperations: {"enterprise", "segment", "role", "capacity", "capacity_unit", "capacity_year", "capacity_qualifier",
		"output", "output_unit", "output_year", "output_qualifier", "products", "evidence", "verification"},
	chainmap.KindSupplyLinks: {"supplier", "customer", "segment", "products", "volume", "volume_unit", "year", "verification"},
	chainmap.KindProjects: {"id", "name_zh", "name_en", "enterprise", "park", "region", "segments", "capacity", "capacity_unit",
		"capacity_qualifier", "investment", "investment_qualifier", "stage", "start_year", "end_year"},
	chainmap.KindPolicies: {"id", "document", "clause", "title_zh", "title_en", "instrument", "rate", "base", "cap", "cap_period",
		"condition", "segments", "regions"},
	chainmap.KindGoals: {"id", "name_zh", "name_en", "metric", "region", "park", "segment", "baseline_year", "baseline_value",
		"baseline_qualifier", "target_year", "comparator", "target_value", "target_max", "unit", "current_year", "current_value",
		"current_qualifier", "derive"},
	chainmap.KindIndicators:   {"id", "metric", "name_zh", "name_en", "region", "park", "segment", "year", "value", "unit", "share_of", "share", "qualifier"},
	chainmap.KindPlatforms:    {"id", "name_zh", "name_en", "kind", "hosts", "region", "park", "segments", "status"},
	chainmap.KindTechnologies: {"id", "name_zh", "name_en", "category", "segments", "platforms"},
}

func allowedColumns(k chainmap.Kind) map[string]bool {
	m := map[string]bool{}
	for _, c := range columns[k] {
		m[c] = true
	}
	if k != chainmap.KindSources {
		for _, c := range provenanceColumns {
			m[c] = true
		}
	}
	return m
}

// maxFigure is the domain's bound on every quantity (chainmap.MaxFigure).
const maxFigure = chainmap.MaxFigure

// parseRecord converts one row into its domain record, checking everything that can be
// checked from the row alone. It returns the record as a value of the kind's type.
func parseRecord(k chainmap.Kind, f *fields) any {
	rk, ok := recordKinds[k]
	if !ok {
		panic("loaders: unknown kind " + string(k))
	}
	return rk.parse(f)
}

// recordKind is what the loader knows of one kind: how to read a row into its record,
// and how to gather records into a typed batch.
type recordKind interface {
	parse(f *fields) any
	batcher(capacity int) batcher
}

// parser reads one row into a record of type T.
type parser[T chainmap.Record] func(*fields) T

func (p parser[T]) parse(f *fields) any          { return p(f) }
func (p parser[T]) batcher(capacity int) batcher { return &rowsBatcher[T]{capacity: capacity} }

// batcher gathers records of one kind into a chainmap.Rows batch.
type batcher interface {
	kind() chainmap.Kind
	add(rec any)
	len() int
	// take returns the batch gathered so far and starts a new one (a fresh slice: the
	// store may keep pointers into the rows it was given).
	take() chainmap.Batch
}

type rowsBatcher[T chainmap.Record] struct {
	rows     chainmap.Rows[T]
	capacity int
}

func (b *rowsBatcher[T]) kind() chainmap.Kind { return b.rows.Kind() }
func (b *rowsBatcher[T]) len() int            { return len(b.rows) }
func (b *rowsBatcher[T]) add(rec any) {
	if b.rows == nil {
		b.rows = make(chainmap.Rows[T], 0, b.capacity)
	}
	b.rows = append(b.rows, rec.(T))
}
func (b *rowsBatcher[T]) take() chainmap.Batch {
	r := b.rows
	b.rows = nil
	return r
}

// recordKinds holds, per kind, the function reading one row into its domain record.
var recordKinds = map[chainmap.Kind]recordKind{
	chainmap.KindSources:      parser[chainmap.Source](parseSource),
	chainmap.KindChains:       parser[chainmap.Chain](parseChain),
	chainmap.KindSegments:     parser[chainmap.Segment](parseSegment),
	chainmap.KindFlows:        parser[chainmap.Flow](parseFlow),
	chainmap.KindRegions:      parser[chainmap.Region](parseRegion),
	chainmap.KindParks:        parser[chainmap.Park](parsePark),
	chainmap.KindEnterprises:  parser[chainmap.Enterprise](parseEnterprise),
	chainmap.KindOperations:   parser[chainmap.Operation](parseOperation),
	chainmap.KindSupplyLinks:  parser[chainmap.SupplyLink](parseSupplyLink),
	chainmap.KindProjects:     parser[chainmap.Project](parseProject),
	chainmap.KindPolicies:     parser[chainmap.Policy](parsePolicy),
	chainmap.KindGoals:        parser[chainmap.Goal](parseGoal),
	chainmap.KindIndicators:   parser[chainmap.Indicator](parseIndicator),
	chainmap.KindPlatforms:    parser[chainmap.Platform](parsePlatform),
	chainmap.KindTechnologies: parser[chainmap.Technology](parseTechnology),
}

// parseSource reads one row of the sources table (see docs/dataset-format.md).
func parseSource(f *fields) chainmap.Source {
	return chainmap.Source{ID: f.id("id", true), Title: f.req("title"), Publisher: f.str("publisher"),
		Date: f.date("date"), URL: f.str("url"), Licence: f.str("licence"),
		Kind: f.enum("kind", "", "policy", "news", "report", "filing", "dataset", "code", "other"), Note: f.str("note")}
}

// parseChain reads one row of the chains table (see docs/dataset-format.md).
func parseChain(f *fields) chainmap.Chain {
	return chainmap.Chain{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Description: f.str("description"), Provenance: f.provenance(false)}
}

// parseSegment reads one row of the segments table (see docs/dataset-format.md).
func parseSegment(f *fields) chainmap.Segment {
	s := chainmap.Segment{ID: f.id("id", true), Chain: f.id("chain", true), Parent: f.id("parent", false),
		NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Stage: chainmap.Stage(f.enum("stage", "", "upstream", "midstream", "downstream", "end_product", "service")),
		GBT:   f.list("gbt"), HS: f.list("hs"), Unit: f.str("unit"),
		Keywords: f.list("keywords"), ExcludeKeywords: f.list("exclude_keywords"), Materials: f.list("materials"),
		MinEnterprises: f.int("min_enterprises", 0, chainmap.MaxThresholdEnterprises), MinCapacity: f.float("min_capacity", 0, maxFigure),
		MinLQ: f.float("min_lq", 0, 1000)}
	if s.Stage == "" && f.str("stage") == "" {
		f.fail("stage", "is required")
	}
	if o := f.int("order", -1<<20, 1<<20); o != nil {
		s.Order = *o
	}
	for _, c := range s.GBT {
		if len(c) != 4 || strings.Trim(c, "0123456789") != "" {
			f.fail("gbt", "%q is not a 4-digit GB/T 4754 class code", c)
		}
	}
	for _, c := range s.HS {
		if strings.Trim(strings.ReplaceAll(c, ".", ""), "0123456789") != "" || len(strings.ReplaceAll(c, ".", "")) < 2 {
			f.fail("hs", "%q is not an HS code", c)
		}
	}
	for _, k := range s.ExcludeKeywords {
		if slices.Contains(s.Keywords, k) {
			f.fail("exclude_keywords", "%q is also a keyword: a word cannot both place a firm here and keep it out", k)
		}
	}
	for _, a := range f.list("alloy_series") {
		var n int
		if _, err := fmt.Sscanf(a, "%d", &n); err != nil || n < 1 || n > 9 || fmt.Sprint(n) != a {
			f.fail("alloy_series", "%q is not an alloy series 1–9", a)
			continue
		}
		s.AlloySeries = append(s.AlloySeries, n)
	}
	// Unknown units are allowed, but then only the identical spelling converts.
	for _, p := range f.list("priorities") {
		pr := chainmap.Priority(p)
		if pr.Tag() == "" {
			f.fail("priorities", "%q has no tag (write tag@SOURCE#clause)", p)
		}
		s.Priorities = append(s.Priorities, pr)
	}
	s.Provenance = f.provenance(s.MinCapacity != nil)
	return s
}

// parseFlow reads one row of the flows table (see docs/dataset-format.md).
func parseFlow(f *fields) chainmap.Flow {
	fl := chainmap.Flow{From: f.id("from", true), To: f.id("to", true),
		Coefficient: f.float("coefficient", 0, maxFigure), CoefficientUnit: f.str("coefficient_unit"),
		Kind: f.enum("kind", "", "input", chainmap.FlowReturn), OneWay: f.boolean("one_way")}
	if fl.Kind == "input" {
		fl.Kind = "" // the default, stored as absent
	}
	if fl.From != "" && fl.From == fl.To {
		f.fail("to", "a segment cannot flow into itself")
	}
	fl.Provenance = f.provenance(fl.Coefficient != nil)
	return fl
}

// parseRegion reads one row of the regions table (see docs/dataset-format.md).
func parseRegion(f *fields) chainmap.Region {
	r := chainmap.Region{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Level:  chainmap.RegionLevel(f.enum("level", "", "country", "province", "prefecture", "county", "zone", "town")),
		Parent: f.str("parent"), Boundary: f.str("boundary")}
	if r.Level == "" && f.str("level") == "" {
		f.fail("level", "is required")
	}
	if r.ID != "" && !adcodePattern.MatchString(r.ID) && r.Level != chainmap.LevelTown {
		f.fail("id", "%q is not an adcode (6 digits, not starting with 0)", r.ID)
	}
	if r.Parent != "" && !adcodePattern.MatchString(r.Parent) && !validID(r.Parent) {
		f.fail("parent", "%q is not an adcode", r.Parent)
	}
	r.Lon, r.Lat = f.coords()
	r.Provenance = f.provenance(false)
	return r
}

// parsePark reads one row of the parks table (see docs/dataset-format.md).
func parsePark(f *fields) chainmap.Park {
	p := chainmap.Park{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Kind:   f.enum("kind", "", "zone", "cluster", "park", "development_zone", "logistics_hub", "other"),
		Parent: f.id("parent", false), Regions: f.idList("regions"), FocusSegments: f.idList("focus_segments"),
		Shape: f.str("shape"), AreaKm2: f.float("area_km2", 0, 1e6)}
	if f.str("kind") == "" {
		f.fail("kind", "is required")
	}
	if len(p.Regions) == 0 && f.str("regions") == "" {
		f.fail("regions", "is required (the regions the park spans)")
	}
	p.Lon, p.Lat = f.coords()
	p.Provenance = f.provenance(p.AreaKm2 != nil)
	return p
}

// parseEnterprise reads one row of the enterprises table (see docs/dataset-format.md).
func parseEnterprise(f *fields) chainmap.Enterprise {
	e := chainmap.Enterprise{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		ShortName: f.str("short_name"), CreditCode: strings.ToUpper(f.str("credit_code")),
		Region: f.req("region"), Park: f.id("park", false), Parent: f.id("parent", false),
		Revenue: f.float("revenue", 0, maxFigure), RevenueYear: f.year("revenue_year"),
		Employees: f.int("employees", 0, 1<<30), EmployeesYear: f.year("employees_year"),
		StockCode: f.str("stock_code"), Designations: f.list("designations"),
		Kind:   f.enum("kind", "", "enterprise", "institute", "university", "project", "association"),
		Status: f.enum("status", "", "active", "planned", "closed", "unknown")}
	if e.CreditCode != "" && !chainmap.ValidCreditCode(e.CreditCode) {
		f.fail("credit_code", "%q is not a valid unified social credit code (18 characters with a check character)", e.CreditCode)
	}
	if e.Parent != "" && e.Parent == e.ID {
		f.fail("parent", "an enterprise cannot control itself")
	}
	e.Lon, e.Lat = f.coords()
	e.Provenance = f.provenance(e.Revenue != nil || e.Employees != nil)
	return e
}

// parseOperation reads one row of the operations table (see docs/dataset-format.md).
func parseOperation(f *fields) chainmap.Operation {
	o := chainmap.Operation{Enterprise: f.id("enterprise", true), Segment: f.id("segment", true),
		Role:     f.enum("role", "", chainmap.RoleProducer, chainmap.RoleRnD, chainmap.RoleService),
		Capacity: f.float("capacity", 0, maxFigure), CapacityUnit: f.str("capacity_unit"), CapacityYear: f.year("capacity_year"),
		Output: f.float("output", 0, maxFigure), OutputUnit: f.str("output_unit"), OutputYear: f.year("output_year"),
		Products: f.list("products"), Evidence: f.str("evidence"),
		Verification:      f.enum("verification", "", "verified", "suggested"),
		CapacityQualifier: f.qualifier("capacity_qualifier"), OutputQualifier: f.qualifier("output_qualifier")}
	if o.Capacity != nil {
		if base, dim, ok := chainmap.Normalise(*o.Capacity, o.CapacityUnit); ok {
			o.CapacityBase, o.CapacityDim = &base, dim
		}
	}
	o.Provenance = f.provenance(o.Capacity != nil || o.Output != nil)
	return o
}

// parseSupplyLink reads one row of the supply_links table (see docs/dataset-format.md).
func parseSupplyLink(f *fields) chainmap.SupplyLink {
	l := chainmap.SupplyLink{Supplier: f.id("supplier", true), Customer: f.id("customer", true),
		Segment: f.id("segment", false), Products: f.list("products"),
		Volume: f.float("volume", 0, maxFigure), VolumeUnit: f.str("volume_unit"), Year: f.year("year"),
		Verification: f.enum("verification", "", "verified", "suggested")}
	if l.Supplier != "" && l.Supplier == l.Customer {
		f.fail("customer", "an enterprise cannot supply itself")
	}
	l.Provenance = f.provenance(l.Volume != nil)
	return l
}

// parseProject reads one row of the projects table (see docs/dataset-format.md).
func parseProject(f *fields) chainmap.Project {
	p := chainmap.Project{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Enterprise: f.id("enterprise", false), Park: f.id("park", false), Region: f.str("region"),
		Segments: f.idList("segments"), Capacity: f.float("capacity", 0, maxFigure), CapacityUnit: f.str("capacity_unit"),
		Investment: f.float("investment", 0, maxFigure),
		Stage:      f.enum("stage", "", "lead", "negotiating", "signed", "registered", "under_construction", "completed", "producing", "cancelled", "unknown"),
		StartYear:  f.year("start_year"), EndYear: f.year("end_year"),
		CapacityQualifier: f.qualifier("capacity_qualifier"), InvestmentQualifier: f.qualifier("investment_qualifier")}
	if f.str("stage") == "" {
		f.fail("stage", "is required")
	}
	if p.StartYear != nil && p.EndYear != nil && *p.EndYear < *p.StartYear {
		f.fail("end_year", "is before start_year")
	}
	p.Provenance = f.provenance(p.Capacity != nil || p.Investment != nil)
	return p
}

// parsePolicy reads one row of the policies table (see docs/dataset-format.md).
func parsePolicy(f *fields) chainmap.Policy {
	p := chainmap.Policy{ID: f.id("id", true), Document: f.id("document", true), Clause: f.str("clause"),
		TitleZh: f.req("title_zh"), TitleEn: f.str("title_en"),
		Instrument: f.enum("instrument", "", "subsidy", "award", "fund", "exemption", "land", "case_by_case", "programme", "other"),
		Rate:       f.float("rate", 0, 100), Base: f.str("base"), Cap: f.float("cap", 0, maxFigure),
		CapPeriod: f.str("cap_period"), Condition: f.str("condition"), Segments: f.idList("segments"), Regions: f.list("regions")}
	if f.str("instrument") == "" {
		f.fail("instrument", "is required")
	}
	p.Provenance = f.provenance(p.Rate != nil || p.Cap != nil)
	return p
}

// parseGoal reads one row of the goals table (see docs/dataset-format.md).
func parseGoal(f *fields) chainmap.Goal {
	g := chainmap.Goal{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Metric: f.req("metric"), Region: f.str("region"), Park: f.id("park", false), Segment: f.id("segment", false),
		BaselineYear: f.year("baseline_year"), BaselineValue: f.float("baseline_value", -maxFigure, maxFigure),
		Comparator: f.enum("comparator", "", "ge", "gt", "le", "lt", "eq", "approx", "between"),
		TargetMax:  f.float("target_max", -maxFigure, maxFigure), Unit: f.str("unit"),
		CurrentYear: f.year("current_year"), CurrentValue: f.float("current_value", -maxFigure, maxFigure),
		Derive: f.str("derive"), BaselineQualifier: f.qualifier("baseline_qualifier"), CurrentQualifier: f.qualifier("current_qualifier")}
	if y := f.int("target_year", 1900, 2100); y != nil { // a goal's year is never unknown
		g.TargetYear = *y
	} else if f.str("target_year") == "" {
		f.fail("target_year", "is required")
	}
	if v := f.float("target_value", -maxFigure, maxFigure); v != nil {
		g.TargetValue = *v
	} else if f.str("target_value") == "" {
		f.fail("target_value", "is required")
	}
	if f.str("comparator") == "" {
		f.fail("comparator", "is required")
	}
	if g.TargetMax != nil && *g.TargetMax < g.TargetValue {
		f.fail("target_max", "is below target_value")
	}
	if g.Derive != "" {
		if _, err := chainmap.ParseDerivation(g.Derive); err != nil {
			f.fail("derive", "%v", err)
		}
	}
	g.Provenance = f.provenance(true)
	return g
}

// parseIndicator reads one row of the indicators table (see docs/dataset-format.md).
func parseIndicator(f *fields) chainmap.Indicator {
	in := chainmap.Indicator{ID: f.id("id", true), Metric: f.req("metric"), NameZh: f.str("name_zh"), NameEn: f.str("name_en"),
		Region: f.str("region"), Park: f.id("park", false), Segment: f.id("segment", false), Year: f.year("year"),
		Value: f.float("value", -maxFigure, maxFigure), Unit: f.str("unit"), ShareOf: f.str("share_of"),
		Share: f.float("share", 0, 100), Qualifier: f.qualifier("qualifier")}
	in.Provenance = f.provenance(in.Value != nil || in.Share != nil)
	return in
}

// parsePlatform reads one row of the platforms table (see docs/dataset-format.md).
func parsePlatform(f *fields) chainmap.Platform {
	p := chainmap.Platform{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Kind: f.enum("kind", "", "innovation_center", "research_institute", "alliance", "university", "testing",
			"trading", "logistics", "finance", "exhibition", "association", "other"),
		Hosts: f.idList("hosts"), Region: f.str("region"), Park: f.id("park", false), Segments: f.idList("segments"),
		Status: f.enum("status", "", "planned", "existing")}
	if f.str("kind") == "" {
		f.fail("kind", "is required")
	}
	p.Provenance = f.provenance(false)
	return p
}

// parseTechnology reads one row of the technologies table (see docs/dataset-format.md).
func parseTechnology(f *fields) chainmap.Technology {
	return chainmap.Technology{ID: f.id("id", true), NameZh: f.req("name_zh"), NameEn: f.str("name_en"),
		Category: f.str("category"), Segments: f.idList("segments"), Platforms: f.idList("platforms"),
		Provenance: f.provenance(false)}
}
