package chainmap

import "slices"

// The entity types below are what a dataset describes and what every store returns.
// Their JSON names are the dataset's column names and the stores' property names, so
// one spelling runs from the spreadsheet to the graph. Optional figures are pointers:
// nil means unknown, never zero.

// DatasetInfo describes a loaded dataset, from its manifest.
type DatasetInfo struct {
	ID        string `json:"id"`
	TitleZh   string `json:"title_zh,omitempty"`
	TitleEn   string `json:"title_en,omitempty"`
	Version   string `json:"version,omitempty"`
	Licence   string `json:"licence,omitempty"`
	Synthetic bool   `json:"synthetic,omitempty"`
	// FocusChain and FocusRegion name the default view of the dataset.
	FocusChain  string   `json:"focus_chain,omitempty"`
	FocusRegion string   `json:"focus_region,omitempty"`
	FocusParks  []string `json:"focus_parks,omitempty"`
}

// Source is a document, article or data set that facts cite.
type Source struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher,omitempty"`
	Date      string `json:"date,omitempty"`
	URL       string `json:"url,omitempty"`
	Licence   string `json:"licence,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Chain is an industrial chain, such as aluminium from coal to end products.
type Chain struct {
	ID          string `json:"id"`
	NameZh      string `json:"name_zh"`
	NameEn      string `json:"name_en,omitempty"`
	Description string `json:"description,omitempty"`
	Provenance
}

// Segment is one link of a chain (a product or activity), placed in a hierarchy.
type Segment struct {
	ID     string `json:"id"`
	Chain  string `json:"chain"`
	Parent string `json:"parent,omitempty"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en,omitempty"`
	Stage  Stage  `json:"stage"`
	// Order is the display position within the stage column.
	Order int `json:"order,omitempty"`
	// GBT holds GB/T 4754-2017 industry class codes.
	GBT []string `json:"gbt,omitempty"`
	// HS holds Harmonized System product codes.
	HS          []string `json:"hs,omitempty"`
	AlloySeries []int    `json:"alloy_series,omitempty"`
	// Keywords, ExcludeKeywords and Materials are the segment's 挂链 rules for the
	// importer: words that place a firm here (besides the words of name_zh), words that
	// keep it out, and the materials its products must be made of (inherited by child
	// segments), so a copper-foil maker is not put on an aluminium-foil segment.
	Keywords        []string `json:"keywords,omitempty"`
	ExcludeKeywords []string `json:"exclude_keywords,omitempty"`
	Materials       []string `json:"materials,omitempty"`
	// Unit is the capacity unit every operation in this segment is converted to.
	Unit string `json:"unit,omitempty"`
	// MinEnterprises, MinCapacity and MinLQ are the gap thresholds below which a
	// present segment counts as weak.
	MinEnterprises *int     `json:"min_enterprises,omitempty"`
	MinCapacity    *float64 `json:"min_capacity,omitempty"`
	MinLQ          *float64 `json:"min_lq,omitempty"`
	// Priorities are tags set by a policy clause, written "tag@citation".
	Priorities []Priority `json:"priorities,omitempty"`
	Provenance
}

// Priority is a tag (延链, 招商, 重点发展…) with the clause that sets it, written
// "tag@SOURCE#locator".
type Priority string

// Tag returns the tag part of the priority.
func (p Priority) Tag() string {
	t, _, _ := cutLast(string(p), "@")
	return t
}

// Clause returns the citation of the clause that sets the priority.
func (p Priority) Clause() Citation {
	_, c, _ := cutLast(string(p), "@")
	return Citation(c)
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// Flow says that one segment's output is an input of another, with an optional
// technical coefficient (units of From per unit of To).
type Flow struct {
	From            string   `json:"from"`
	To              string   `json:"to"`
	Coefficient     *float64 `json:"coefficient,omitempty"`
	CoefficientUnit string   `json:"coefficient_unit,omitempty"`
	// Kind is "input" (empty: the from segment is an input of the to segment) or
	// "return" (material going back against the chain, e.g. scrap to recycling).
	Kind string `json:"kind,omitempty"`
	// OneWay says the flow can never be part of a loop: validate reports a cycle
	// through it (a raw material or energy input that cannot come back).
	OneWay bool `json:"one_way,omitempty"`
	Provenance
}

// FlowReturn is the kind of a return flow (scrap or recovered material going back).
const FlowReturn = "return"

// IsReturn reports whether the flow carries material back against the chain.
func (f Flow) IsReturn() bool { return f.Kind == FlowReturn }

// Key identifies a flow within a dataset.
func (f Flow) Key() string { return f.From + ">" + f.To }

// RegionLevel is the administrative level of a region.
type RegionLevel string

// The administrative levels, from coarsest to finest.
const (
	LevelCountry    RegionLevel = "country"
	LevelProvince   RegionLevel = "province"
	LevelPrefecture RegionLevel = "prefecture"
	LevelCounty     RegionLevel = "county"
	LevelZone       RegionLevel = "zone"
	LevelTown       RegionLevel = "town"
)

// Rank orders levels from coarse (0) to fine; unknown levels rank -1.
func (l RegionLevel) Rank() int {
	switch l {
	case LevelCountry:
		return 0
	case LevelProvince:
		return 1
	case LevelPrefecture:
		return 2
	case LevelCounty, LevelZone:
		return 3
	case LevelTown:
		return 4
	}
	return -1
}

// Region is an administrative division identified by its adcode.
type Region struct {
	ID     string      `json:"id"`
	NameZh string      `json:"name_zh"`
	NameEn string      `json:"name_en,omitempty"`
	Level  RegionLevel `json:"level"`
	Parent string      `json:"parent,omitempty"`
	Lon    *float64    `json:"lon,omitempty"`
	Lat    *float64    `json:"lat,omitempty"`
	// Boundary is the dataset-relative path of a GeoJSON file, optionally with
	// "#featureId" for one feature of a shared file.
	Boundary string `json:"boundary,omitempty"`
	// BoundaryGeoJSON is the boundary feature itself, resolved from Boundary at load
	// time so that every store can serve it.
	BoundaryGeoJSON string `json:"boundary_geojson,omitempty"`
	Provenance
}

// Park is an industrial park, cluster or demonstration zone spanning regions.
type Park struct {
	ID            string   `json:"id"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en,omitempty"`
	Kind          string   `json:"kind"`
	Parent        string   `json:"parent,omitempty"`
	Regions       []string `json:"regions"`
	FocusSegments []string `json:"focus_segments,omitempty"`
	Lon           *float64 `json:"lon,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Shape         string   `json:"shape,omitempty"`
	AreaKm2       *float64 `json:"area_km2,omitempty"`
	Provenance
}

// parkKindsCoveringRegions are the park kinds defined by whole regions (see
// ParkCoversRegions).
var parkKindsCoveringRegions = []string{"zone", "cluster"}

// ParkKindsCoveringRegions returns the park kinds defined by whole regions, for stores
// that test a park's kind in their own query language (the Neo4j store passes it as a
// parameter).
func ParkKindsCoveringRegions() []string { return slices.Clone(parkKindsCoveringRegions) }

// ParkCoversRegions reports whether a park is defined by whole regions — a zone or a
// cluster such as the 巩义 demonstration zone — so that every enterprise located in those
// regions belongs to it, not only those recorded in it.
func ParkCoversRegions(p *Park) bool { return slices.Contains(parkKindsCoveringRegions, p.Kind) }

// StatusActive is the status of an enterprise that operates; an empty status means the
// same (see Enterprise.Active).
const StatusActive = "active"

// Operation roles. RoleRnD researches a segment without producing in it, so it does not
// count for the segment's presence (docs/gap-analysis.md, CountsForPresence); an empty
// role means RoleProducer.
const (
	RoleProducer = "producer"
	RoleRnD      = "rnd"
	RoleService  = "service"
)

// CountsForPresence reports whether an operation in this role counts as the enterprise
// being present in the segment: every role but research (RoleRnD) does.
func CountsForPresence(role string) bool { return role != RoleRnD }

// Enterprise is a firm (or institute) located in a region, possibly in a park.
type Enterprise struct {
	ID            string   `json:"id"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en,omitempty"`
	ShortName     string   `json:"short_name,omitempty"`
	CreditCode    string   `json:"credit_code,omitempty"`
	Region        string   `json:"region"`
	Park          string   `json:"park,omitempty"`
	Lon           *float64 `json:"lon,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Parent        string   `json:"parent,omitempty"`
	Revenue       *float64 `json:"revenue,omitempty"`
	RevenueYear   *int     `json:"revenue_year,omitempty"`
	Employees     *int     `json:"employees,omitempty"`
	EmployeesYear *int     `json:"employees_year,omitempty"`
	StockCode     string   `json:"stock_code,omitempty"`
	Designations  []string `json:"designations,omitempty"`
	Kind          string   `json:"kind,omitempty"`
	Status        string   `json:"status,omitempty"`
	Provenance
}

// Active reports whether the enterprise is operating (the default status).
func (e Enterprise) Active() bool { return e.Status == "" || e.Status == StatusActive }

// Operation says what an enterprise does in a segment, with its capacity and output.
type Operation struct {
	Enterprise   string   `json:"enterprise"`
	Segment      string   `json:"segment"`
	Role         string   `json:"role,omitempty"`
	Capacity     *float64 `json:"capacity,omitempty"`
	CapacityUnit string   `json:"capacity_unit,omitempty"`
	CapacityYear *int     `json:"capacity_year,omitempty"`
	// CapacityBase and CapacityDim hold the capacity in its dimension's base unit
	// (tonnes, pieces, kWh…), set at load so stores can add capacities across units.
	CapacityBase *float64 `json:"capacity_base,omitempty"`
	CapacityDim  string   `json:"capacity_dim,omitempty"`
	Output       *float64 `json:"output,omitempty"`
	OutputUnit   string   `json:"output_unit,omitempty"`
	OutputYear   *int     `json:"output_year,omitempty"`
	// CapacityQualifier and OutputQualifier say whether those figures are bounds.
	CapacityQualifier Qualifier `json:"capacity_qualifier,omitempty"`
	OutputQualifier   Qualifier `json:"output_qualifier,omitempty"`
	Products          []string  `json:"products,omitempty"`
	Evidence          string    `json:"evidence,omitempty"`
	Verification      string    `json:"verification,omitempty"`
	Provenance
}

// VerificationSuggested marks a record nobody has verified yet: an enterprise placed on
// a chain link by an import's rules (挂链) before review. Analyses count it unless asked
// for verified placements only, and say how many counted enterprises rest on it.
const VerificationSuggested = "suggested"

// IsSuggested reports whether a verification value marks a suggestion.
func IsSuggested(verification string) bool { return verification == VerificationSuggested }

// Key identifies an operation within a dataset.
func (o Operation) Key() string { return o.Enterprise + ">" + o.Segment }

// SupplyLink says that one enterprise supplies another.
type SupplyLink struct {
	Supplier     string   `json:"supplier"`
	Customer     string   `json:"customer"`
	Segment      string   `json:"segment,omitempty"`
	Products     []string `json:"products,omitempty"`
	Volume       *float64 `json:"volume,omitempty"`
	VolumeUnit   string   `json:"volume_unit,omitempty"`
	Year         *int     `json:"year,omitempty"`
	Verification string   `json:"verification,omitempty"`
	Provenance
}

// Key identifies a supply link within a dataset.
func (l SupplyLink) Key() string { return l.Supplier + ">" + l.Customer + ">" + l.Segment }

// Project is an investment project, from lead to production.
type Project struct {
	ID           string   `json:"id"`
	NameZh       string   `json:"name_zh"`
	NameEn       string   `json:"name_en,omitempty"`
	Enterprise   string   `json:"enterprise,omitempty"`
	Park         string   `json:"park,omitempty"`
	Region       string   `json:"region,omitempty"`
	Segments     []string `json:"segments,omitempty"`
	Capacity     *float64 `json:"capacity,omitempty"`
	CapacityUnit string   `json:"capacity_unit,omitempty"`
	Investment   *float64 `json:"investment,omitempty"`
	// CapacityQualifier and InvestmentQualifier say whether those figures are bounds.
	CapacityQualifier   Qualifier `json:"capacity_qualifier,omitempty"`
	InvestmentQualifier Qualifier `json:"investment_qualifier,omitempty"`
	Stage               string    `json:"stage"`
	StartYear           *int      `json:"start_year,omitempty"`
	EndYear             *int      `json:"end_year,omitempty"`
	Provenance
}

// Policy is a clause of a policy document: a subsidy, award, fund, exemption or
// programme, and the segments it supports.
type Policy struct {
	ID         string   `json:"id"`
	Document   string   `json:"document"`
	Clause     string   `json:"clause,omitempty"`
	TitleZh    string   `json:"title_zh"`
	TitleEn    string   `json:"title_en,omitempty"`
	Instrument string   `json:"instrument"`
	Rate       *float64 `json:"rate,omitempty"`
	Base       string   `json:"base,omitempty"`
	Cap        *float64 `json:"cap,omitempty"`
	CapPeriod  string   `json:"cap_period,omitempty"`
	Condition  string   `json:"condition,omitempty"`
	Segments   []string `json:"segments,omitempty"`
	Regions    []string `json:"regions,omitempty"`
	Provenance
}

// Goal is a target for a scope (region or park) by a year.
type Goal struct {
	ID            string   `json:"id"`
	NameZh        string   `json:"name_zh"`
	NameEn        string   `json:"name_en,omitempty"`
	Metric        string   `json:"metric"`
	Region        string   `json:"region,omitempty"`
	Park          string   `json:"park,omitempty"`
	Segment       string   `json:"segment,omitempty"`
	BaselineYear  *int     `json:"baseline_year,omitempty"`
	BaselineValue *float64 `json:"baseline_value,omitempty"`
	// BaselineQualifier says whether the baseline is a value or a bound (see Qualifier).
	BaselineQualifier Qualifier `json:"baseline_qualifier,omitempty"`
	TargetYear        int       `json:"target_year"`
	Comparator        string    `json:"comparator"`
	TargetValue       float64   `json:"target_value"`
	TargetMax         *float64  `json:"target_max,omitempty"`
	Unit              string    `json:"unit,omitempty"`
	CurrentYear       *int      `json:"current_year,omitempty"`
	CurrentValue      *float64  `json:"current_value,omitempty"`
	// CurrentQualifier says whether the current value is a value or a bound.
	CurrentQualifier Qualifier `json:"current_qualifier,omitempty"`
	Derive           string    `json:"derive,omitempty"`
	Provenance
}

// Indicator is a measured figure for a scope, such as a city's output of a product.
type Indicator struct {
	ID      string   `json:"id"`
	Metric  string   `json:"metric"`
	NameZh  string   `json:"name_zh,omitempty"`
	NameEn  string   `json:"name_en,omitempty"`
	Region  string   `json:"region,omitempty"`
	Park    string   `json:"park,omitempty"`
	Segment string   `json:"segment,omitempty"`
	Year    *int     `json:"year,omitempty"`
	Value   *float64 `json:"value,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	ShareOf string   `json:"share_of,omitempty"`
	Share   *float64 `json:"share,omitempty"`
	// Qualifier says whether Value (and Share) is a value or a bound: "超过70%" is
	// more_than 70, "6万余" more_than 60000, "约50万吨" about 50.
	Qualifier Qualifier `json:"qualifier,omitempty"`
	Provenance
}

// Platform is an innovation or service platform (centre, institute, alliance, market).
type Platform struct {
	ID       string   `json:"id"`
	NameZh   string   `json:"name_zh"`
	NameEn   string   `json:"name_en,omitempty"`
	Kind     string   `json:"kind"`
	Hosts    []string `json:"hosts,omitempty"`
	Region   string   `json:"region,omitempty"`
	Park     string   `json:"park,omitempty"`
	Segments []string `json:"segments,omitempty"`
	Status   string   `json:"status,omitempty"`
	Provenance
}

// Technology is a key technology the plan wants developed.
type Technology struct {
	ID        string   `json:"id"`
	NameZh    string   `json:"name_zh"`
	NameEn    string   `json:"name_en,omitempty"`
	Category  string   `json:"category,omitempty"`
	Segments  []string `json:"segments,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
	Provenance
}

// Qualifier says whether a figure is a value or a bound, as sources write them: "约"
// (about), "以上"/"不低于" (at least), "超过"/"余" (more than), "以下"/"不超过" (at most),
// "不足"/"低于" (less than). Empty means the figure is the value.
type Qualifier string

// The qualifiers a figure can carry.
const (
	QualifierAbout    Qualifier = "about"
	QualifierAtLeast  Qualifier = "at_least"
	QualifierMoreThan Qualifier = "more_than"
	QualifierAtMost   Qualifier = "at_most"
	QualifierLessThan Qualifier = "less_than"
)

// Qualifiers lists every qualifier, for validation.
var Qualifiers = []string{string(QualifierAbout), string(QualifierAtLeast), string(QualifierMoreThan), string(QualifierAtMost), string(QualifierLessThan)}

// IsBound reports whether the figure is a bound (not a value, exact or approximate).
func (q Qualifier) IsBound() bool { return q != "" && q != QualifierAbout }
