package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/chainmap/chainmap"
)

// approvalPolicy reads --approvers (comma-separated roles; empty: the default, manager
// and admin) and --self-approval into the pipeline's approval policy.
func approvalPolicy(approvers string, self bool) (chainmap.ApprovalPolicy, error) {
	pol := chainmap.ApprovalPolicy{SelfApproval: self}
	for _, r := range strings.Split(approvers, ",") {
		if r = strings.TrimSpace(r); r != "" {
			pol.Approvers = append(pol.Approvers, chainmap.Role(r))
		}
	}
	if err := pol.Validate(); err != nil {
		return pol, fmt.Errorf("--approvers: %w", err)
	}
	return pol, nil
}

// importFiles restores a backup's evidence files after its leads.
func importFiles(ctx context.Context, st chainmap.LeadStore, d *chainmap.StateDump) error {
	if len(d.Attachments) == 0 {
		return nil
	}
	ab, ok := st.(chainmap.AttachmentBackup)
	if !ok {
		return fmt.Errorf("the backup holds %d files but this state store keeps none", len(d.Attachments))
	}
	if err := ab.ImportAttachments(ctx, d.Attachments); err != nil {
		return fmt.Errorf("restore files (the leads are restored): %w", err)
	}
	return nil
}
