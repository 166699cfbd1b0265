"""Pure analysis of CloudFormation templates: loading, intrinsics, matching, policies."""
