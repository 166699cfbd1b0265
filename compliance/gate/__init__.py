"""The gate: waivers, baseline, and the threshold that decides the exit code."""
