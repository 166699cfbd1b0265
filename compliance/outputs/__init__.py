"""Outputs: every format rendered from a record, and publishing them into the evidence folder."""
