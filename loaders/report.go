package loaders

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chainmap/chainmap"
)

// Problem is one thing wrong with a dataset, located precisely enough to fix it.
type Problem struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// String formats the problem as "file:line: field: what is wrong".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// MaxProblems bounds how many problems a report keeps, so that a wholly wrong file of a
// million rows does not exhaust memory; the count of dropped problems is kept.
const MaxProblems = 10000

// Report collects every problem found in a dataset, and what was read.
type Report struct {
	Problems []Problem
	// Dropped counts problems beyond MaxProblems.
	Dropped int
	// Rows counts the rows read per table.
	Rows map[chainmap.Kind]int
	// Changes holds, after a load into a store that counts them (chainmap.ChangeCounter),
	// what the load created, updated and removed per kind.
	Changes map[chainmap.Kind]chainmap.Change
	// bytes counts the text of the problems kept, bounded by maxReportBytes.
	bytes int
}

// add records a problem. Every value it echoes is clipped (see clip): string arguments,
// the file and field names, and the message as a whole; past MaxProblems problems or
// maxReportBytes of text, problems are only counted, so no input can make the report
// large.
func (r *Report) add(file string, line int, field, format string, args ...any) {
	if len(r.Problems) >= MaxProblems || r.bytes >= maxReportBytes {
		r.Dropped++
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = clip(s)
		}
	}
	// text arguments (the loader's own wording) are bounded by maxMessage only.
	p := Problem{File: printable(clip(file)), Line: line, Field: printable(clip(field)),
		Msg: printable(clipTo(fmt.Sprintf(format, args...), maxMessage))}
	r.bytes += len(p.File) + len(p.Field) + len(p.Msg) + 16
	r.Problems = append(r.Problems, p)
}

// OK reports whether the dataset has no problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Dropped == 0 }

// Sort orders problems by file and line, for stable output.
func (r *Report) Sort() {
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i], r.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// printable escapes what a terminal would act on or hide (control characters, escape
// sequences, bidirectional overrides, invalid UTF-8), so that a file name or header cell
// cannot forge report lines or recolour the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, hidden) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case hidden(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hidden(r rune) bool { return r != ' ' && !unicode.IsGraphic(r) }

// text is a message argument written by the loader itself (advice, a cycle's path of
// ids): it is not clipped as values are, only bounded with the whole message.
type text string

// ValidationError is returned by Load when the dataset has problems; nothing was written.
type ValidationError struct {
	Report *Report
}

// Error summarises the problems.
func (e *ValidationError) Error() string {
	n := len(e.Report.Problems) + e.Report.Dropped
	first := ""
	if len(e.Report.Problems) > 0 {
		first = ": " + e.Report.Problems[0].String()
	}
	return fmt.Sprintf("dataset has %d problem(s), nothing was written%s", n, first)
}
