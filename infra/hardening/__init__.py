"""The hardening layer: the Aspects and constructs that take the seed platform to its controls.

``TapStack(hardened=False)`` builds the platform exactly as the seed writes it (the frozen
"before" of ``tests/fixtures/seed``); with ``hardened=True`` the stack adds this layer.
"""
