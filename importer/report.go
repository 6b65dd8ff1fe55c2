package importer

import (
	"fmt"
	"sort"

	"github.com/chainmap/chainmap/loaders"
)

// MaxProblems bounds how many problems a report keeps, so a wholly wrong file of a
// million rows does not exhaust memory; the rest are counted in Dropped.
const MaxProblems = 10000

// Report is what an import found: problems (each `file:line: column: what is wrong`),
// notes (what was decided on the reader's behalf, such as an encoding or a merge) and
// counts.
type Report struct {
	Problems []loaders.Problem
	Dropped  int
	// Notes are facts the user should know but that are not errors: the encoding a file
	// was decoded from, columns ignored, merges made and why.
	Notes []string
	// Merges lists every merge of two rows or of a row with an existing enterprise.
	Merges []string
}

func (r *Report) problem(file string, line int, col, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.Dropped++
		return
	}
	r.Problems = append(r.Problems, loaders.Problem{File: file, Line: line, Field: col, Msg: fmt.Sprintf(format, args...)})
}

func (r *Report) note(format string, args ...any) {
	if len(r.Notes) < MaxProblems {
		r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
	}
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Dropped == 0 }

// Sort orders problems by file and line for stable output.
func (r *Report) Sort() {
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i], r.Problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// addNote appends a note to a list kept aside for later, at most MaxProblems of them.
func addNote(notes *[]string, s string) {
	if len(*notes) < MaxProblems {
		*notes = append(*notes, s)
	}
}
