package importer

import (
	"context"
	"strings"
)

// ReadOptions say how to read the lists.
type ReadOptions struct {
	// Sheet picks one sheet of each workbook by name; empty reads every sheet that has a
	// recognisable header.
	Sheet   string
	Mapping *Mapping
	Limits  Limits
}

// List is one file read: its records and what it becomes in sources.csv.
type List struct {
	Path    string
	Source  string // sources.csv id: IMPORT- and the start of the file's SHA-256
	Records []Record
	count   int // records read (Records is empty when they were streamed)
}

// ReadLists reads every file, finds each sheet's header, and returns the records.
// Problems go to rep; a bad row never stops the good ones.
func ReadLists(ctx context.Context, paths []string, opt ReadOptions, rep *Report) []List {
	var cur []Record
	lists := readLists(ctx, paths, opt, rep, func(r Record) { cur = append(cur, r) }, func(l *List) {
		l.Records, cur = cur, nil
	})
	return lists
}

// readLists reads every file and hands each record to fn as it is read, holding no
// more than a file's first rows (CSV) or one sheet (XLSX) at a time; end is called
// after each file's records, before the next file's.
func readLists(ctx context.Context, paths []string, opt ReadOptions, rep *Report, fn func(Record), end func(*List)) []List {
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	sheet := opt.Sheet
	if sheet == "" && opt.Mapping != nil {
		sheet = opt.Mapping.Sheet
	}
	var out []List
	for _, p := range paths {
		if ctx.Err() != nil {
			rep.problem(p, 0, "", "not read: %v", ctx.Err())
			continue
		}
		grids := readGrids(ctx, p, opt.Limits, rep)
		if len(grids) == 0 {
			continue
		}
		l := List{Path: p, Source: sourceID(grids[0].sum)}
		found := false
		for _, g := range grids {
			if sheet != "" && g.sheet != "" && g.sheet != sheet {
				continue
			}
			found = true
			l.count += readTable(g, l.Source, opt.Mapping, rep, fn)
		}
		if grids[0].done != nil {
			grids[0].done()
		}
		end(&l)
		if sheet != "" && grids[0].sheet != "" && !found {
			rep.problem(p, 0, "", "no sheet named %q (sheets: %s)", sheet, sheetNames(grids))
		}
		out = append(out, l)
	}
	return out
}

func sourceID(sum string) string { return "IMPORT-" + strings.ToUpper(sum[:10]) }

func sheetNames(gs []*grid) string {
	n := make([]string, len(gs))
	for i, g := range gs {
		n[i] = g.sheet
	}
	return strings.Join(n, ", ")
}

// readTable finds a grid's header and reads its records, noting ignored columns and
// sheets without a header.
func readTable(g *grid, source string, m *Mapping, rep *Report, fn func(Record)) int {
	t := findHeader(g, m, rep)
	if t == nil {
		for g.more != nil { // a CSV file: read it to the end, so its problems are reported
			if _, _, ok := g.more(); !ok {
				break
			}
		}
		if g.sheet != "" && len(g.rows) > 0 {
			rep.note("%s: no header row with an enterprise name column in the first %d rows: sheet ignored", g.label, headerSearchRows)
		} else if len(g.rows) > 0 {
			rep.problem(g.label, 1, "", "no header row with an enterprise name column (企业名称, 单位详细名称…) in the first %d rows; name the columns with --mapping", headerSearchRows)
		}
		return 0
	}
	if len(t.ignored) > 0 {
		rep.note("%s:%d: columns not used: %s", g.label, t.lines[t.headerAt], strings.Join(t.ignored, ", "))
	}
	return t.records(source, m, rep, fn)
}
