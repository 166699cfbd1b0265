"""The live configuration of a deployed stack's resources, read from each service's own read
APIs and written in the template's property shape, so that the checks that judged the template
judge what runs (:mod:`compliance.aws.live.judge`)."""
