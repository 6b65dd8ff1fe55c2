package safefile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
)

// ZipLimits bound an archive (an XLSX workbook is a zip of XML parts) before anything
// decompresses it.
type ZipLimits struct {
	Part int64 // declared uncompressed bytes of one part that Large accepts
	// Small bounds the other parts, when Large is set: a reader may hold those in memory
	// whole (excelize does, except for sheets and shared strings).
	Small int64
	// SmallTotal bounds the parts Large does not accept, together.
	SmallTotal int64
	Large      func(part string) bool
	Total      int64 // declared uncompressed bytes of all parts
	Entries    int   // parts in the archive
	// Ratio bounds uncompressed / compressed bytes of any part larger than RatioFloor.
	// Deflate reaches about 1,000:1 on repeated bytes (a whitespace-bloated sheet); real
	// spreadsheet XML stays well under 100:1, the bound Apache POI uses by default.
	Ratio      int64
	RatioFloor int64
}

// CheckZip checks every part's declared size and compression ratio, and their total,
// against lim, without decompressing anything. The declared sizes cannot lie to readers
// built on archive/zip (excelize is): it fails a part that inflates past its declared
// size. Errors are *LimitError naming the file and the part, or say why the archive is
// unreadable.
func CheckZip(ra io.ReaderAt, size int64, name string, lim ZipLimits) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return fmt.Errorf("%s: not a zip archive (an .xlsx workbook is one): %w", name, err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if lim.Entries > 0 && len(zr.File) > lim.Entries {
		return &LimitError{File: name, What: "entries", Limit: int64(lim.Entries)}
	}
	var total, small uint64
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		if max := lim.Part; max > 0 {
			if lim.Large != nil && !lim.Large(f.Name) {
				small += u
				if lim.SmallTotal > 0 && small > uint64(lim.SmallTotal) {
					return &LimitError{File: name, Part: f.Name, What: "archive (uncompressed, parts other than sheets)", Limit: lim.SmallTotal}
				}
				if lim.Small > 0 {
					max = lim.Small
				}
			}
			if u > uint64(max) {
				return &LimitError{File: name, Part: f.Name, What: "part (uncompressed)", Limit: max}
			}
		}
		total += u
		if lim.Total > 0 && total > uint64(lim.Total) {
			return &LimitError{File: name, Part: f.Name, What: "archive (uncompressed, all parts)", Limit: lim.Total}
		}
		if lim.Ratio > 0 && u > uint64(lim.RatioFloor) && (c == 0 || u/c > uint64(lim.Ratio)) {
			return &LimitError{File: name, Part: f.Name, What: "ratio", Limit: lim.Ratio}
		}
	}
	return nil
}
