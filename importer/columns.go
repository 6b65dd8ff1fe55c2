package importer

import (
	"regexp"
	"strings"

	"golang.org/x/text/width"
)

// Field is what a column of an enterprise list means to the import.
type Field string

// The fields the import understands. Several columns may feed products (主要产品1/2/3).
const (
	FieldSeq          Field = "seq"           // 序号: ignored, recognised so it is not reported
	FieldName         Field = "name"          // 企业名称, 单位详细名称
	FieldCreditCode   Field = "credit_code"   // 统一社会信用代码
	FieldStatus       Field = "status"        // 登记状态
	FieldProvince     Field = "province"      // 所属省份
	FieldCity         Field = "city"          // 所属城市
	FieldCounty       Field = "county"        // 所属区县
	FieldAddress      Field = "address"       // 企业地址, 详细地址
	FieldDivision     Field = "division_code" // 区划代码
	FieldIndustryCode Field = "industry_code" // 行业代码 (GB/T 4754)
	FieldIndustry     Field = "industry"      // 国标行业, 所属行业 (a class name, sometimes with its code)
	FieldScope        Field = "scope"         // 经营范围
	FieldProducts     Field = "products"      // 主要产品, 主导产品, 主要业务活动
	FieldRevenue      Field = "revenue"       // 营业收入 (money)
	FieldCapital      Field = "capital"       // 注册资本 (money)
	FieldFormerName   Field = "former_name"   // 曾用名
	FieldEmployees    Field = "employees"     // 参保人数, 从业人员
)

// knownHeaders maps the column names registry exports and statistics-bureau lists use,
// after normaliseHeader, to their field.
var knownHeaders = map[string]Field{
	"序号": FieldSeq, "编号": FieldSeq, "行号": FieldSeq,
	"企业名称": FieldName, "单位详细名称": FieldName, "单位名称": FieldName, "公司名称": FieldName,
	"企业(机构)名称": FieldName, "名称": FieldName, "法人单位详细名称": FieldName, "企业全称": FieldName,
	"统一社会信用代码": FieldCreditCode, "社会信用代码": FieldCreditCode, "信用代码": FieldCreditCode,
	"统一代码": FieldCreditCode, "统一社会信用代码/注册号": FieldCreditCode,
	"登记状态": FieldStatus, "经营状态": FieldStatus, "企业状态": FieldStatus, "状态": FieldStatus,
	"所属省份": FieldProvince, "省份": FieldProvince, "省": FieldProvince,
	"所属城市": FieldCity, "城市": FieldCity, "地市": FieldCity, "所属地市": FieldCity,
	"所属区县": FieldCounty, "区县": FieldCounty, "县区": FieldCounty, "所在区县": FieldCounty, "县(市、区)": FieldCounty,
	"企业地址": FieldAddress, "注册地址": FieldAddress, "详细地址": FieldAddress, "通信地址": FieldAddress,
	"地址": FieldAddress, "住所": FieldAddress, "经营地址": FieldAddress, "单位所在地详细地址": FieldAddress,
	"区划代码": FieldDivision, "行政区划代码": FieldDivision, "单位所在地区划代码": FieldDivision,
	"行业代码": FieldIndustryCode, "国标行业代码": FieldIndustryCode, "行业小类代码": FieldIndustryCode,
	"国民经济行业代码": FieldIndustryCode,
	"国标行业":     FieldIndustry, "所属行业": FieldIndustry, "行业": FieldIndustry, "行业名称": FieldIndustry,
	"国民经济行业": FieldIndustry, "行业小类": FieldIndustry, "国标行业小类": FieldIndustry,
	"经营范围": FieldScope,
	"主要产品": FieldProducts, "主要产品1": FieldProducts, "主要产品2": FieldProducts, "主要产品3": FieldProducts,
	"主要产品一": FieldProducts, "主要产品二": FieldProducts, "主要产品三": FieldProducts,
	"主导产品": FieldProducts, "主要业务活动": FieldProducts, "产品": FieldProducts, "主营产品": FieldProducts,
	"营业收入": FieldRevenue, "主营业务收入": FieldRevenue, "营业总收入": FieldRevenue,
	"注册资本": FieldCapital,
	"曾用名":  FieldFormerName,
	"参保人数": FieldEmployees, "从业人员": FieldEmployees, "从业人员期末人数": FieldEmployees, "从业人数": FieldEmployees,
}

// column is one recognised column of a list.
type column struct {
	index  int
	header string // as written
	field  Field
	unit   string // money unit stated in the header or a unit row (千元, 万元, 亿元)
	year   int    // year stated in the header ("2023年营业收入"), 0 if none
}

var (
	headerUnitRe = regexp.MustCompile(`[(\[](?:单位[:：]?)?\s*(千元|万元|亿元|元|人|个)\s*[)\]]`)
	headerYearRe = regexp.MustCompile(`^((?:19|20)\d{2})年?(?:度)?`)
)

// normaliseHeader folds a header cell for lookup: full-width to half-width, no spaces
// or line breaks, no unit in brackets, no leading year. It returns the folded name, the
// unit and the year found.
func normaliseHeader(h string) (name, unit string, year int) {
	h = width.Fold.String(strings.TrimSpace(h))
	h = strings.Join(strings.Fields(h), "")
	h = strings.ReplaceAll(h, "【", "[")
	h = strings.ReplaceAll(h, "】", "]")
	if m := headerUnitRe.FindStringSubmatch(h); m != nil {
		unit = m[1]
		h = strings.Replace(h, m[0], "", 1)
	}
	if m := headerYearRe.FindStringSubmatch(h); m != nil && len(h) > len(m[0]) {
		for _, c := range m[1] {
			year = year*10 + int(c-'0')
		}
		h = h[len(m[0]):]
	}
	return h, unit, year
}

// recognise maps one header cell to its field: the mapping file first, then the known
// headers.
func recognise(h string, m *Mapping) (Field, string, int, bool) {
	name, unit, year := normaliseHeader(h)
	if m != nil {
		if f, ok := m.field(h, name); ok {
			if u := m.Units[strings.TrimSpace(h)]; u != "" {
				unit = u
			}
			return f, unit, year, true
		}
	}
	f, ok := knownHeaders[name]
	return f, unit, year, ok
}
