"""The `techplan` command: thin argument parsing over the package."""
