package neo4jstore

import (
	"slices"
	"testing"
)

// TestUserDataLabelsAreNeverDatasetLabels: the labels a dataset load, --prune, --replace
// and Reset delete (nodeKinds and the store's bookkeeping labels) never include a label of
// user data, so no reload can match a lead, a follow-up, a user or the audit trail.
func TestUserDataLabelsAreNeverDatasetLabels(t *testing.T) {
	dataset := []string{"Dataset", "StatsMeta", "SegmentStats"}
	for _, n := range nodeKinds {
		dataset = append(dataset, n.label)
	}
	for _, l := range leadLabels {
		if slices.Contains(dataset, l) {
			t.Errorf("user-data label %s is also a dataset label that loads delete", l)
		}
	}
	if len(leadLabels) < 5 {
		t.Errorf("leadLabels = %v: every label of user data must be listed", leadLabels)
	}
}
