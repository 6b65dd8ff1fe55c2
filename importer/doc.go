// Package importer brings a bureau's enterprise lists (business-registry exports and the
// statistics bureau's 规上企业名录, as CSV or XLSX) into a chainmap dataset: it reads the
// lists as they really come (title rows, units, merged cells, GBK), resolves the same firm
// across files and against the dataset, finds its region, and places it on the chain's
// segments (挂链) by the taxonomy's published rules, with evidence a person can review.
// Nothing it writes is verified until a reviewer says so: placements are written as
// operations with verification "suggested". See docs/import.md.
package importer
