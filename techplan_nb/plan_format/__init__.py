"""The plan's Markdown format: what its sections are called and where they sit (`sections`)."""
