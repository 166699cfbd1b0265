"""The record: the findings@1 model, deployment@1, fingerprints, reading a record back."""
