"""Implementations of the ports; the only core code that imports vendor SDKs."""
