"""Deploy the gated assembly to AWS and read its runtime compliance back (boto3).

One responsibility a module: ``options`` (what both commands are told), ``session``
(credentials, endpoint, roles), ``target`` (what the assembly says to deploy), ``bootstrap``,
``assets``, ``stack`` (state, change sets, direct create/update), ``events`` (waiting,
progress), ``stopping`` (SIGINT, SIGTERM and the deadline end a run), ``evidence`` (where
deployment.json goes, never lost), ``deploy`` (the command; the gate it runs first is
handed in, ``aws`` never imports the engine), ``config_rules``, ``keys`` and ``verify`` (the
runtime check).
"""
