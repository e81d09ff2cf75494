"""Model families as pluggable protocols: tool schema, prompt, image size, grid and parser."""
