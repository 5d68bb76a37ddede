"""The curriculum: lesson files (Markdown with YAML front matter) and their loader."""
