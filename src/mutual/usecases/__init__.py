"""One module per capability: async functions that call the core, then the store.

The HTTP layer and the CLI both call these; neither holds a rule of its own.
"""
