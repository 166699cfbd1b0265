"""Deploy the gated assembly to AWS and read its runtime compliance back (boto3).

One responsibility a module: ``session`` (credentials, endpoint, roles), ``target`` (what the
assembly says to deploy), ``bootstrap``, ``assets``, ``stack`` (state, change sets, direct
create/update), ``events`` (waiting, progress), ``deployment`` (the ``deployment@1`` record),
``deploy`` (the command), ``config_rules``, ``keys`` and ``verify`` (the runtime check).
"""
