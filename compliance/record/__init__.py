"""The record: the findings@2 model and its requirement coverage, deployment@1, fingerprints,
reading a record back."""
