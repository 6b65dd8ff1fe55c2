package chainmap

import (
	"slices"
	"testing"
)

// TestRowsKinds: each record type's batches name their own kind, every kind has exactly
// one record type, and Kinds lists them in load order.
func TestRowsKinds(t *testing.T) {
	got := []Kind{Rows[Source]{}.Kind(), Rows[Chain]{}.Kind(), Rows[Segment]{}.Kind(), Rows[Flow]{}.Kind(),
		Rows[Region]{}.Kind(), Rows[Park]{}.Kind(), Rows[Enterprise]{}.Kind(), Rows[Operation]{}.Kind(),
		Rows[SupplyLink]{}.Kind(), Rows[Project]{}.Kind(), Rows[Policy]{}.Kind(), Rows[Goal]{}.Kind(),
		Rows[Indicator]{}.Kind(), Rows[Platform]{}.Kind(), Rows[Technology]{}.Kind()}
	if !slices.Equal(got, Kinds) {
		t.Errorf("kinds of the record types %v, want %v", got, Kinds)
	}
	if kindOf(DatasetInfo{}) != "" {
		t.Error("a type that is no record has a kind")
	}
	b := Rows[Enterprise]{{ID: "a"}, {ID: "b"}}
	if b.Len() != 2 || b.At(1).(Enterprise).ID != "b" {
		t.Errorf("Len %d, At(1) %v", b.Len(), b.At(1))
	}
}
