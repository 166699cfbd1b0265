"""The audit report (HTML, Markdown): view model, reference data, chart, one Jinja environment."""
