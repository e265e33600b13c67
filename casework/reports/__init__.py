"""Read-only reports: the SLA at-risk board and the policy versions in use (no models)."""
