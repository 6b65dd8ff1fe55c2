package main

import (
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
