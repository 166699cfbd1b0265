"""One Construct per logical unit of the TAP platform, each with keyword-only props."""
