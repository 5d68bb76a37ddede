"""Practice in the Norwegian test's format: reading, listening, writing and oral sets."""
