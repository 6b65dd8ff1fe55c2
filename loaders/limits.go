package loaders

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/chainmap/chainmap/internal/safefile"
)

// Bounds on what one dataset may make the loader read, hold or print. Each is checked
// while the input streams, before it is buffered (see internal/safefile), and each is
// documented in docs/dataset-format.md ("Limits") and docs/reliability.md.
const (
	// maxField bounds one cell: longer cells are refused rather than stored.
	maxField = 64 << 10
	// maxRawCell bounds a CSV cell as written while it streams: a cell of maxField
	// characters made only of quotes is written in twice that plus its two quotes.
	// Cells between maxField and this get the per-cell message and reading goes on;
	// longer ones stop the file.
	maxRawCell = 2*maxField + 2
	// maxRow bounds one CSV record as written (quoted line breaks included).
	maxRow = 1 << 20
	// maxTableBytes bounds one CSV table file.
	maxTableBytes = 4 << 30
	// maxColumns bounds the cells of one row of a workbook sheet.
	maxColumns = 256
	// maxManifestBytes bounds manifest.yaml; maxTaxonomyBytes a taxonomy YAML file.
	// A YAML node tree takes up to about 100 times its text (measured: 4 MiB of short
	// items, 430 MiB of heap), so these stay small: the bundled taxonomy is 49 KB.
	maxManifestBytes = 64 << 10
	maxTaxonomyBytes = 2 << 20
	// maxBoundaryBytes bounds one GeoJSON boundary file, maxBoundaryTotal all of them
	// (their features are held until the load ends), maxBoundaryFiles the distinct files
	// named and maxBoundaryName the length of one name (failures are remembered by name).
	maxBoundaryBytes = 32 << 20
	maxBoundaryTotal = 128 << 20
	maxBoundaryFiles = 50000
	maxBoundaryName  = 1024
	// maxWorkbookBytes bounds the workbook file as stored (compressed).
	maxWorkbookBytes = 64 << 20
	// maxEcho bounds, in characters, every value a problem quotes back.
	maxEcho = 120
	// maxMessage bounds one problem's message, maxReportBytes all of them together.
	maxMessage     = 1000
	maxReportBytes = 4 << 20
)

// maxRows bounds the data rows of one table: the id sets validation keeps grow with
// them (about 25 bytes per id, so at most about 1.2 GiB per table). It must admit a
// national registry: 10M enterprises come with some 15M operations (the 10M benchmark
// tier was refused at 10,000,000), and China registers tens of millions of firms. A
// variable only so that a test can lower it.
var maxRows = 50_000_000

// workbookLimits bound the parts of an .xlsx before excelize inflates them. Sheets and
// the shared strings larger than workbookInMemory are streamed by excelize from a
// temporary file, so the disk they take is bounded by Total; excelize holds every other
// part in memory whole, so those are bounded by workbookInMemory each and four times
// that together.
var workbookLimits = safefile.ZipLimits{Part: 128 << 20, Small: workbookInMemory, SmallTotal: 4 * workbookInMemory,
	Large: streamedPart, Total: 256 << 20, Entries: 10000, Ratio: 100, RatioFloor: 1 << 20}

const workbookInMemory = 16 << 20

// streamedPart reports whether excelize streams the part from a temporary file when it
// is large (its own test, lib.go ReadZipReader): a worksheet or the shared strings.
func streamedPart(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	return strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml"
}

var csvLimits = safefile.CSVLimits{File: maxTableBytes, Row: maxRow, Cell: maxRawCell}

// readFile reads a whole (small) file of the dataset, refusing it past max bytes.
func readFile(ctx context.Context, fsys fs.FS, name string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return safefile.ReadAll(ctx, f, name, max)
}

// why says why a file could not be read, without repeating its name (problems name
// their file already).
func why(name string, err error) string {
	var le *safefile.LimitError
	if errors.As(err, &le) {
		return le.Message()
	}
	s := err.Error()
	for _, p := range []string{name + ": ", "open " + name + ": "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// clip bounds a value echoed in a problem to maxEcho characters, marking the cut, so
// that a 200 MB header cell or id is not printed whole.
func clip(s string) string {
	return clipTo(s, maxEcho)
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, runes := 0, 0
	for i < len(s) && runes < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		runes++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}
