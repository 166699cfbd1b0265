"""Judging: a run's targets, our checks and checkov's built-ins on them, results as findings."""
