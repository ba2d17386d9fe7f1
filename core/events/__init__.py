"""Events, venues and ticket types, and the numbers on an event's card."""
