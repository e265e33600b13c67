"""casework: a self-hosted help desk whose support policy is code."""
