"""An evidence folder as one zip an auditor can check: every file with its SHA-256 in
``MANIFEST.json``, and an in-toto statement over them to sign (``tap-compliance bundle``)."""
