"""Synthesis: run the CDK app as cdk synth would, attach cdk-nag, read the cloud assembly."""
