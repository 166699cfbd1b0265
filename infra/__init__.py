"""The TAP platform as a CDK (Python) app: one ``TapStack-<env>`` stack per environment."""
