package importer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// spill holds the records of an import in a temporary file, so that memory holds only
// what entity resolution needs (an offset per record, hashed keys per firm) however long
// the lists are. The file is unlinked as soon as it is created (on Unix), so nothing is
// left behind if the process dies.
type spill struct {
	f    *os.File
	w    *bufio.Writer
	offs []int64 // start of each record; the end is the next start or size
	size int64
	buf  []byte
	err  error // first write error, returned by get and close
	// reads counts get calls: resolution must read a bounded number of records per
	// row, not one per row already merged.
	reads int
}

func newSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, "chainmap-import-*.spill")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the import's records: %w", err)
	}
	os.Remove(f.Name()) // the open descriptor keeps it; best effort elsewhere
	return &spill{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// maxSpilled bounds the records of one import, so indexes fit an int32.
const maxSpilled = 1<<31 - 2

// put appends r and returns its index (after a write error, indexes still grow and get
// returns the error). The caller keeps below maxSpilled records.
func (s *spill) put(r *Record) int32 {
	s.buf = encodeRecord(s.buf[:0], r)
	if _, err := s.w.Write(s.buf); err != nil && s.err == nil {
		s.err = fmt.Errorf("writing the import's temporary file: %w", err)
	}
	s.offs = append(s.offs, s.size)
	s.size += int64(len(s.buf))
	return int32(len(s.offs) - 1)
}

// get reads back record i.
func (s *spill) get(i int32) (Record, error) {
	s.reads++
	if s.err != nil {
		return Record{}, s.err
	}
	if s.w.Buffered() > 0 {
		if err := s.w.Flush(); err != nil {
			s.err = fmt.Errorf("writing the import's temporary file: %w", err)
			return Record{}, s.err
		}
	}
	end := s.size
	if int(i)+1 < len(s.offs) {
		end = s.offs[i+1]
	}
	b := make([]byte, end-s.offs[i])
	if _, err := s.f.ReadAt(b, s.offs[i]); err != nil {
		return Record{}, fmt.Errorf("reading the import's temporary file: %w", err)
	}
	return decodeRecord(b)
}

func (s *spill) close() {
	if s != nil && s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}

// recordStrings lists the string fields of a record in their encoded order.
func recordStrings(r *Record) []*string {
	return []*string{&r.File, &r.Source, &r.Name, &r.CreditCode, &r.BadCode, &r.Status, &r.StatusWord,
		&r.Province, &r.City, &r.County, &r.Address, &r.Division, &r.IndustryCode, &r.Industry, &r.Scope,
		&r.Revenue, &r.Capital, &r.CapitalText, &r.FormerName, &r.Employees}
}

func encodeRecord(b []byte, r *Record) []byte {
	b = binary.AppendUvarint(b, uint64(r.Line))
	b = binary.AppendUvarint(b, uint64(r.RevenueYear))
	for _, p := range recordStrings(r) {
		b = binary.AppendUvarint(b, uint64(len(*p)))
		b = append(b, *p...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Products)))
	for _, p := range r.Products {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

var errSpillCorrupt = errors.New("the import's temporary file is corrupt")

func decodeRecord(b []byte) (Record, error) {
	var r Record
	num := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	str := func() (string, bool) {
		n, ok := num()
		if !ok || n > uint64(len(b)) {
			return "", false
		}
		s := string(b[:n])
		b = b[n:]
		return s, true
	}
	line, ok1 := num()
	year, ok2 := num()
	if !ok1 || !ok2 {
		return r, errSpillCorrupt
	}
	r.Line, r.RevenueYear = int(line), int(year)
	for _, p := range recordStrings(&r) {
		s, ok := str()
		if !ok {
			return r, errSpillCorrupt
		}
		*p = s
	}
	n, ok := num()
	if !ok || n > uint64(len(b)) {
		return r, errSpillCorrupt
	}
	for range n {
		s, ok := str()
		if !ok {
			return r, errSpillCorrupt
		}
		r.Products = append(r.Products, s)
	}
	return r, nil
}
