"""Development tools: the Slack stand-in and request signer shared by the console, the tests and the bench.

The server never imports this package (an import-linter contract checks it); the console loads it
lazily, only when it runs the local workspace.
"""
