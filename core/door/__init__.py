"""The door: check-ins, scanner tokens and the live door status."""
