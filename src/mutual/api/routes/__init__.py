"""One module per resource; handlers translate HTTP to use cases and back, nothing more."""
