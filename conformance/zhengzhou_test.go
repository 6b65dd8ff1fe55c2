package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chainmap/chainmap"
)

// cites reports whether a fact cites the given section or one of its sub-clauses
// (SEED#二(四) matches SEED#二(四)1).
func cites(p chainmap.Provenance, citation string) bool {
	for _, s := range p.Sources {
		if strings.HasPrefix(string(s), citation) {
			return true
		}
	}
	return false
}

func fv(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// TestZhengzhou reads back, from both stores, every quantitative fact of the seed
// (郑政〔2019〕8号) with the section it comes from, and the structure it sets out.
func TestZhengzhou(t *testing.T) {
	defer failOnMust(t)
	stores := loadAll(t, "../data/zhengzhou-aluminium")

	t.Run("2018 status figures", func(t *testing.T) {
		defer failOnMust(t)
		want := []struct {
			id, value, share string
		}{
			{"ind-2018-enterprises", "127", "nil"},
			{"ind-2018-scale", "1300", "nil"},
			{"ind-2018-alumina-output", "218.9", "19"},
			{"ind-2018-primary-output", "42.3", "16"},
			{"ind-2018-semis-output", "404.8", "47"},
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for _, w := range want {
				got := must(s.Indicators(ctxT(t), chainmap.IndicatorQuery{IDs: []string{w.id}}))
				if len(got) != 1 {
					t.Errorf("%s missing", w.id)
					continue
				}
				in := got[0]
				if fv(in.Value) != w.value || fv(in.Share) != w.share || *in.Year != 2018 || in.Region != "410100" {
					t.Errorf("%s = %s (share %s, year %v), want %s (share %s)", w.id, fv(in.Value), fv(in.Share), *in.Year, w.value, w.share)
				}
				if !cites(in.Provenance, "SEED#一(一)") || in.Confidence != chainmap.ConfidencePrimary {
					t.Errorf("%s cites %v (%s), want SEED#一(一), primary", w.id, in.Sources, in.Confidence)
				}
			}
		})
	})

	t.Run("2021 goals", func(t *testing.T) {
		defer failOnMust(t)
		want := []struct {
			id, cmp, value, max, unit, clause string
		}{
			{"gongyi-zone-1000", "ge", "1000", "nil", "亿元", "SEED#一(四)"},
			{"electrolytic-capacity-2021", "approx", "50", "nil", "万吨/年", "SEED#一(四)"},
			{"processing-capacity-2021", "ge", "500", "nil", "万吨/年", "SEED#一(四)"},
			{"value-added-per-tonne-2021", "gt", "1", "nil", "万元/吨", "SEED#一(四)"},
			{"enterprises-ge-50-2021", "between", "8", "10", "家", "SEED#一(四)"},
			{"enterprises-ge-100-2021", "between", "4", "5", "家", "SEED#一(四)"},
			{"red-mud-utilisation-2021", "ge", "12", "nil", "%", "SEED#二(一)1"},
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for _, w := range want {
				got := must(s.Goals(ctxT(t), chainmap.GoalQuery{IDs: []string{w.id}}))
				if len(got) != 1 {
					t.Errorf("goal %s missing", w.id)
					continue
				}
				g := got[0]
				if g.TargetYear != 2021 || g.Comparator != w.cmp || fmt.Sprint(g.TargetValue) != w.value || fv(g.TargetMax) != w.max || g.Unit != w.unit {
					t.Errorf("goal %s = %s %v..%s %s by %d", w.id, g.Comparator, g.TargetValue, fv(g.TargetMax), g.Unit, g.TargetYear)
				}
				if !cites(g.Provenance, w.clause) {
					t.Errorf("goal %s cites %v, want %s", w.id, g.Sources, w.clause)
				}
			}
		})
	})

	t.Run("subsidies and awards", func(t *testing.T) {
		defer failOnMust(t)
		want := []struct {
			id, instrument, rate, base, cap, clause string
		}{
			{"pol-solar-wind", "subsidy", "20", "设备投资额", "1000", "二(一)2"},
			{"pol-hiend-terminal", "subsidy", "2", "吨销售收入", "1000", "二(三)1"},
			{"pol-hiend-alumina", "subsidy", "2", "吨销售收入", "1000", "二(三)1"},
			{"pol-tech-industrialisation", "award", "20", "设备投资额", "1000", "三(一)2"},
			{"pol-key-tech-case", "case_by_case", "nil", "", "nil", "三(一)2"},
			{"pol-fund-1000", "fund", "nil", "", "nil", "三(五)1"},
			{"pol-subfund", "fund", "nil", "", "nil", "三(五)1"},
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for _, w := range want {
				got := must(s.Policies(ctxT(t), chainmap.PolicyQuery{IDs: []string{w.id}}))
				if len(got) != 1 {
					t.Errorf("policy %s missing", w.id)
					continue
				}
				p := got[0]
				if p.Instrument != w.instrument || fv(p.Rate) != w.rate || p.Base != w.base || fv(p.Cap) != w.cap || p.Clause != w.clause || p.Document != "SEED" {
					t.Errorf("policy %s = %s %s%% of %q cap %s at %s %s", w.id, p.Instrument, fv(p.Rate), p.Base, fv(p.Cap), p.Document, p.Clause)
				}
			}
			progs := must(s.Policies(ctxT(t), chainmap.PolicyQuery{IDs: []string{"pol-prog-steel", "pol-prog-copper", "pol-prog-wood", "pol-prog-plastic"}}))
			if len(progs) != 4 {
				t.Errorf("四以 programmes: %d of 4", len(progs))
			}
			for _, p := range progs {
				if p.Instrument != "programme" || len(p.Segments) == 0 {
					t.Errorf("programme %s = %s with segments %v", p.ID, p.Instrument, p.Segments)
				}
			}
		})
	})

	t.Run("audit corrections (issue 15)", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			// The 1000亿元 fund's size is a number the API returns, cited to its clause.
			fund := must(s.Indicators(ctxT(t), chainmap.IndicatorQuery{IDs: []string{"ind-ncc-fund-size"}}))
			if len(fund) != 1 || fv(fund[0].Value) != "1000" || fund[0].Unit != "亿元" || !cites(fund[0].Provenance, "SEED#三(五)1") {
				t.Errorf("fund size = %v", fund)
			}
			// 中州铝业 is 中国铝业股份有限公司下属子公司.
			zz := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{IDs: []string{"zhongzhou"}}))
			if len(zz.Enterprises) != 1 || zz.Enterprises[0].Parent != "chalco" {
				t.Errorf("zhongzhou parent = %+v", zz.Enterprises)
			}
			// The 豫联 60万吨 project is in 巩义; its stage rests on no undated report.
			yl := must(s.Projects(ctxT(t), chainmap.ProjectQuery{IDs: []string{"prj-yulian-60"}}))
			if len(yl) != 1 || yl[0].Region != "410181" || yl[0].Stage != "unknown" {
				t.Errorf("prj-yulian-60 = %+v", yl)
			}
			// The seed states no stage for its key projects: none is guessed.
			for _, id := range []string{"prj-mingtai-12.5", "prj-hengtong-40", "prj-zhonghengmei-15", "prj-zhongbu-lvgang", "prj-zhongchuyun"} {
				p := must(s.Projects(ctxT(t), chainmap.ProjectQuery{IDs: []string{id}}))
				if len(p) != 1 || p[0].Stage != "unknown" {
					t.Errorf("project %s stage = %v, want unknown", id, p)
				}
			}
			// No source is the content-farm copy, and nothing cites it.
			for _, src := range must(s.Sources(ctxT(t), chainmap.IDQuery{})) {
				if strings.Contains(src.URL, "strain.blog") || src.ID == "SWA-C919" {
					t.Errorf("content-farm source %s still listed", src.ID)
				}
			}
			// Rows that rest on the decoded alloy digits are not primary.
			segs := must(s.Segments(ctxT(t), chainmap.SegmentQuery{IDs: []string{"E1", "E5.aero", "E6"}}))
			for _, sg := range segs {
				if sg.Confidence == chainmap.ConfidencePrimary {
					t.Errorf("segment %s rests on the decoded digits but is primary", sg.ID)
				}
			}
			// 神火's 2024 figures are sales targets.
			ops := must(s.Operations(ctxT(t), chainmap.OperationQuery{Enterprises: []string{"shenhuo"}}))
			for _, o := range ops {
				if strings.Contains(o.Evidence, "production target") || (strings.Contains(o.Evidence, "2024") && !strings.Contains(o.Evidence, "sales target")) {
					t.Errorf("shenhuo %s evidence %q", o.Segment, o.Evidence)
				}
			}
		})
	})

	t.Run("bounds (issue 15)", func(t *testing.T) {
		defer failOnMust(t)
		want := map[string]struct {
			value string
			q     chainmap.Qualifier
		}{
			"ind-gy-2022-workers":      {"60000", chainmap.QualifierMoreThan}, // 6万余
			"ind-gy-2022-al-share":     {"70", chainmap.QualifierAtLeast},     // 70%以上
			"ind-gy-2022-processors":   {"100", chainmap.QualifierMoreThan},   // 100多家
			"ind-gy-2022-output":       {"450", ""},                           // 450万吨, a value
			"ind-gy-2022-sheetfoil-cn": {"nil", chainmap.QualifierAbout},      // about 30% (a share)
		}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for id, w := range want {
				got := must(s.Indicators(ctxT(t), chainmap.IndicatorQuery{IDs: []string{id}}))
				if len(got) != 1 || fv(got[0].Value) != w.value || got[0].Qualifier != w.q {
					t.Errorf("%s = %v", id, got)
				}
			}
			g := must(s.Goals(ctxT(t), chainmap.GoalQuery{IDs: []string{"goal2015-deep-share"}}))
			if len(g) != 1 || fv(g[0].BaselineValue) != "10" || g[0].BaselineQualifier != chainmap.QualifierLessThan {
				t.Errorf("不足10%% baseline = %+v", g)
			}
			ops := must(s.Operations(ctxT(t), chainmap.OperationQuery{Enterprises: []string{"zhongbu-lugang"}, Segments: []string{"S3"}}))
			if len(ops) != 1 || ops[0].OutputQualifier != chainmap.QualifierAbout || ops[0].CapacityQualifier != "" {
				t.Errorf("中部陆港 about 700万吨 = %+v", ops)
			}
			// The 2018 LQ rests on exact figures and is unchanged by the bounds.
			rep := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: chainmap.Scope{Region: "410100"}}))
			for _, sg := range rep.Segments {
				if sg.Segment.ID == "M1" && (sg.LQ == nil || *sg.LQ != 1.61) {
					t.Errorf("M1 LQ = %v, want 1.61", sg.LQ)
				}
			}
		})
	})

	t.Run("the 再生铝 loop (issue 15)", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			flows := must(s.Flows(ctxT(t), chainmap.FlowQuery{Chain: "aluminium"}))
			ret, oneWay := map[string]bool{}, 0
			for _, f := range flows {
				if f.IsReturn() {
					ret[f.Key()] = cites(f.Provenance, "SEED#二(一)2")
				}
				if f.OneWay {
					oneWay++
				}
			}
			if !ret["E>U7"] || !ret["M1>U7"] || len(ret) != 2 || oneWay != 7 {
				t.Errorf("return flows %v, one-way flows %d", ret, oneWay)
			}
			rep := must(chainmap.GapAnalysis(ctxT(t), s, chainmap.GapQuery{Chain: "aluminium", Scope: chainmap.Scope{Region: "410100"}}))
			u7 := gapOf(t, rep, "U7")
			var up []string
			for _, n := range u7.Upstream {
				up = append(up, fmt.Sprintf("%s:%v", n.Segment, n.Return))
			}
			if strings.Join(up, ",") != "E:true,M1:true" {
				t.Errorf("U7 upstream = %v, want the scrap sources E and M1", up)
			}
			// E's scrap going to U7 is not demand for E: E's kind does not rest on it.
			for _, n := range gapOf(t, rep, "E").Downstream {
				if n.Segment == "U7" && !n.Return {
					t.Errorf("E → U7 not marked as a return")
				}
			}
		})
	})

	t.Run("key projects", func(t *testing.T) {
		defer failOnMust(t)
		want := map[string]string{"prj-yulian-60": "60", "prj-mingtai-12.5": "12.5", "prj-hengtong-40": "40",
			"prj-zhonghengmei-15": "15", "prj-zhongbu-lvgang": "nil", "prj-zhongchuyun": "nil"}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			for id, capacity := range want {
				got := must(s.Projects(ctxT(t), chainmap.ProjectQuery{IDs: []string{id}}))
				if len(got) != 1 {
					t.Errorf("project %s missing", id)
					continue
				}
				p := got[0]
				if fv(p.Capacity) != capacity || !cites(p.Provenance, "SEED#三(三)1") || p.Enterprise == "" || len(p.Segments) == 0 {
					t.Errorf("project %s = capacity %s, enterprise %q, segments %v, sources %v", id, fv(p.Capacity), p.Enterprise, p.Segments, p.Sources)
				}
			}
		})
	})

	t.Run("1区+2集群", func(t *testing.T) {
		defer failOnMust(t)
		want := map[string]string{"gongyi-zone": "410181", "dengfeng-cluster": "410185", "shangjie-xingyang-cluster": "410106;410182"}
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			info := must(s.Info(ctxT(t)))
			if strings.Join(info.FocusParks, ";") != "gongyi-zone;dengfeng-cluster;shangjie-xingyang-cluster" {
				t.Errorf("focus parks = %v", info.FocusParks)
			}
			for id, regions := range want {
				got := must(s.Parks(ctxT(t), chainmap.ParkQuery{IDs: []string{id}}))
				if len(got) != 1 || strings.Join(got[0].Regions, ";") != regions || !cites(got[0].Provenance, "SEED#二(四)") {
					t.Errorf("park %s missing, or regions/sources wrong", id)
				}
			}
			// A zone holds its sub-parks' enterprises and everything in the county it spans.
			zone := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{Park: "gongyi-zone"}))
			county := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{Region: "410181"}))
			if zone.Total < county.Total || county.Total == 0 {
				t.Errorf("gongyi-zone holds %d enterprises, its county %d", zone.Total, county.Total)
			}
			inZZ := must(s.Parks(ctxT(t), chainmap.ParkQuery{Region: "410100"}))
			if len(inZZ) < 3 {
				t.Errorf("parks in Zhengzhou = %d", len(inZZ))
			}
		})
	})

	t.Run("the chain 煤—电—氧化铝—电解铝—铝精深加工—铝终端制品", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			segs := must(s.Segments(ctxT(t), chainmap.SegmentQuery{Chain: "aluminium"}))
			byID := map[string]*chainmap.Segment{}
			for _, sg := range segs {
				byID[sg.ID] = sg
			}
			for _, id := range []string{"U1", "U2", "U4", "U6", "M1", "E"} {
				if byID[id] == nil {
					t.Errorf("segment %s missing", id)
				}
			}
			// The eight alloy series and the priorities of 二(二).
			tags := map[string]string{}
			for i := 1; i <= 8; i++ {
				sg := byID[fmt.Sprintf("M1.S%d", i)]
				if sg == nil {
					t.Errorf("alloy series %d missing", i)
					continue
				}
				for _, p := range sg.Priorities {
					if strings.HasPrefix(string(p.Clause()), "SEED#二(二)") {
						tags[fmt.Sprint(i)] = p.Tag()
					}
				}
			}
			wantTags := map[string]string{"1": "扩大", "2": "重点发展", "3": "提高比例", "4": "提高比例", "5": "提高比例", "6": "重点发展", "7": "重点发展", "8": "提高比例"}
			for k, v := range wantTags {
				if tags[k] != v {
					t.Errorf("alloy series %s priority = %q, want %q", k, tags[k], v)
				}
			}
			flows := must(s.Flows(ctxT(t), chainmap.FlowQuery{Chain: "aluminium"}))
			if len(flows) < 10 {
				t.Errorf("only %d flows", len(flows))
			}
		})
	})

	t.Run("named enterprises, platforms and technologies", func(t *testing.T) {
		defer failOnMust(t)
		each(t, stores, func(t *testing.T, s chainmap.Store) {
			named := must(s.Enterprises(ctxT(t), chainmap.EnterpriseQuery{IDs: []string{"chalco-zhengzhou", "yulian", "mingtai", "wanda", "zhongmei"}}))
			if len(named.Enterprises) != 5 {
				t.Errorf("seed's named enterprises: %d of 5", len(named.Enterprises))
			}
			for _, e := range named.Enterprises {
				if !cites(e.Provenance, "SEED#一(一)") {
					t.Errorf("%s does not cite SEED#一(一): %v", e.ID, e.Sources)
				}
			}
			plats := must(s.Platforms(ctxT(t), chainmap.IDQuery{IDs: []string{"plat-nmic", "plat-hpal", "plat-alloy-rc", "plat-lightweight",
				"plat-inst-transport", "plat-inst-building", "plat-inst-hiend", "plat-alliance"}}))
			if len(plats) != 8 {
				t.Errorf("四中心、三院、一联盟: %d of 8", len(plats))
			}
			tech := must(s.Technologies(ctxT(t), chainmap.IDQuery{}))
			if len(tech) < 8 {
				t.Errorf("key technologies: %d", len(tech))
			}
			kids := must(s.Regions(ctxT(t), chainmap.RegionQuery{Parent: "410100"}))
			counties := 0
			for _, r := range kids {
				if r.Level == chainmap.LevelCounty {
					counties++
					if r.BoundaryGeoJSON == "" {
						t.Errorf("county %s has no boundary", r.ID)
					}
				}
			}
			if counties != 12 {
				t.Errorf("Zhengzhou county-level units = %d, want 12", counties)
			}
		})
	})

	t.Run("same answers on both stores", func(t *testing.T) {
		defer failOnMust(t)
		if len(stores) < 2 {
			t.Skip("Neo4j not configured")
		}
		sameAnswers(t, stores)
	})
}
