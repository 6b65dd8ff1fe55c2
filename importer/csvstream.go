package importer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/chainmap/chainmap/internal/safefile"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// readCSVStream reads a CSV list without holding it: a first pass computes the file's
// SHA-256 (its source id) and checks its encoding, a second streams the rows. The grid
// holds the first rows (to find the header) and streams the rest through more. It
// reports zip = true, reading nothing, when the file is a workbook after all.
func readCSVStream(ctx context.Context, path string, lim Limits, rep *Report) (g *grid, zip bool) {
	f, err := safefile.Open(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		rep.problem(path, 0, "", "cannot read: %v", err)
		return nil, false
	}
	st, err := f.Stat()
	if err == nil && st.Size() > lim.FileBytes {
		err = &safefile.LimitError{File: path, What: "file", Limit: lim.FileBytes}
	}
	var sum string
	var head []byte
	var utf8OK bool
	if err == nil {
		sum, head, utf8OK, err = scanFile(ctx, f, lim.FileBytes)
	}
	if err != nil {
		f.Close()
		rep.problem(path, 0, "", "cannot read: %v", err)
		return nil, false
	}
	if isZip(head) {
		f.Close()
		return nil, true
	}
	bom := 0
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		bom = 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		f.Close()
		rep.problem(path, 1, "", "file is UTF-16 encoded; save it as \"CSV UTF-8\" (Excel: Save As → CSV UTF-8)")
		return nil, false
	}
	if _, err := f.Seek(int64(bom), io.SeekStart); err != nil {
		f.Close()
		rep.problem(path, 0, "", "cannot read: %v", err)
		return nil, false
	}
	if !utf8OK && !decodesAsGB18030(f, int64(bom)) {
		f.Close()
		rep.problem(path, 1, "", "file is neither UTF-8 nor GBK/GB18030; save it as \"CSV UTF-8\"")
		return nil, false
	}
	// The second pass hashes what it reads too: a file changed between the passes (still
	// being written by an export) does not pass for the one whose SHA-256 named it.
	again := sha256.New()
	again.Write(head[:min(bom, len(head))])
	var text io.Reader = bufio.NewReaderSize(io.TeeReader(f, again), 1<<16)
	if !utf8OK {
		rep.note("%s: not UTF-8; decoded as GBK/GB18030 (the encoding Excel uses for CSV in China)", path)
		text = transform.NewReader(text, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	g = &grid{label: path, file: path, sum: sum}
	done := false
	next := func() ([]string, int, bool) {
		for !done {
			if g.kept%4096 == 0 && ctx.Err() != nil {
				line, _ := cr.FieldPos(0)
				rep.problem(path, line, "", "not read further: %v", ctx.Err())
				break
			}
			rec, err := cr.Read()
			if err == io.EOF {
				if hex.EncodeToString(again.Sum(nil)) != sum {
					rep.problem(path, 0, "", "the file changed while it was being read (still being written?): import it again when it is complete")
				}
				break
			}
			if err != nil {
				var pe *csv.ParseError
				line, msg := 0, err.Error()
				if errors.As(err, &pe) {
					line, msg = pe.Line, pe.Err.Error()
				}
				rep.problem(path, line, "", "malformed CSV: %s (reading stopped here)", msg)
				break
			}
			line, _ := cr.FieldPos(0)
			rec, keep, cont := checkRow(g, rec, line, lim, rep)
			if !cont {
				break
			}
			if keep {
				return rec, line, true
			}
		}
		if !done {
			done = true
			f.Close()
		}
		return nil, 0, false
	}
	for len(g.rows) < csvBufferedRows {
		rec, line, ok := next()
		if !ok {
			return g, false
		}
		g.rows = append(g.rows, rec)
		g.lines = append(g.lines, line)
	}
	g.more = next
	return g, false
}

// scanFile reads f once: its SHA-256, its first bytes and whether it is valid UTF-8,
// checking the context as it goes and refusing more than max bytes.
func scanFile(ctx context.Context, f *os.File, max int64) (sum string, head []byte, utf8OK bool, err error) {
	h := sha256.New()
	buf := make([]byte, 1<<16)
	var carry []byte // the start of a character cut by the chunk's end
	var n int64
	utf8OK = true
	for {
		if err := ctx.Err(); err != nil {
			return "", nil, false, err
		}
		k, rerr := f.Read(buf)
		if k > 0 {
			n += int64(k)
			if n > max {
				return "", nil, false, &safefile.LimitError{File: f.Name(), What: "file", Limit: max}
			}
			chunk := buf[:k]
			h.Write(chunk)
			if len(head) < 8 {
				head = append(head, chunk[:min(len(chunk), 8-len(head))]...)
			}
			if utf8OK {
				data := append(carry, chunk...)
				cut := len(data)
				for i := len(data) - 1; i >= 0 && i >= len(data)-3; i-- {
					if utf8.RuneStart(data[i]) {
						if !utf8.FullRune(data[i:]) {
							cut = i
						}
						break
					}
				}
				utf8OK = utf8.Valid(data[:cut])
				carry = append([]byte(nil), data[cut:]...)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "", nil, false, rerr
		}
	}
	if len(carry) > 0 {
		utf8OK = false
	}
	return hex.EncodeToString(h.Sum(nil)), head, utf8OK, nil
}

// decodesAsGB18030 reports whether f, from offset on, decodes as GB18030 into valid
// UTF-8; it leaves f at offset.
func decodesAsGB18030(f *os.File, offset int64) bool {
	defer f.Seek(offset, io.SeekStart)
	r := transform.NewReader(bufio.NewReader(f), simplifiedchinese.GB18030.NewDecoder())
	buf := make([]byte, 1<<16)
	var carry []byte
	for {
		k, err := r.Read(buf)
		data := append(carry, buf[:k]...)
		cut := len(data)
		for i := len(data) - 1; i >= 0 && i >= len(data)-3; i-- {
			if utf8.RuneStart(data[i]) {
				if !utf8.FullRune(data[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(data[:cut]) {
			return false
		}
		carry = append([]byte(nil), data[cut:]...)
		if err == io.EOF {
			return len(carry) == 0
		}
		if err != nil {
			return false
		}
	}
}
