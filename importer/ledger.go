package importer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// LedgerFile holds the reviewers' decisions in the dataset folder (it is not a table of
// the manifest): a placement a reviewer rejected is not suggested again by a later
// import of the same lists.
const LedgerFile = "import-review.csv"

type ledger struct {
	t *csvTable
}

func readLedger(dir string) (*ledger, error) {
	p := filepath.Join(dir, LedgerFile)
	t, err := readCSVTable(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &ledger{t: &csvTable{path: p, header: []string{"enterprise", "segment", "decision", "reviewer", "note"}}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &ledger{t: t}, nil
}

func (l *ledger) rejected(ent, seg string) bool {
	return l.t.find(map[string]string{"enterprise": ent, "segment": seg, "decision": "reject"}) >= 0
}

// record keeps a decision, replacing an earlier one on the same placement; it reports
// whether the ledger changed.
func (l *ledger) record(ent, seg, decision, reviewer, note string) bool {
	was := l.t.dirty
	l.t.dirty = false
	if i := l.t.find(map[string]string{"enterprise": ent, "segment": seg}); i >= 0 {
		l.t.set(i, "decision", decision)
		l.t.set(i, "reviewer", reviewer)
		l.t.set(i, "note", note)
	} else {
		l.t.add(map[string]string{"enterprise": ent, "segment": seg, "decision": decision, "reviewer": reviewer, "note": note})
	}
	changed := l.t.dirty
	l.t.dirty = was || changed
	return changed
}

func (l *ledger) write() error {
	if !l.t.dirty {
		return nil
	}
	if _, err := os.Stat(l.t.path); errors.Is(err, fs.ErrNotExist) {
		f, err := os.Create(l.t.path)
		if err != nil {
			return err
		}
		f.Close()
	}
	return l.t.write()
}
