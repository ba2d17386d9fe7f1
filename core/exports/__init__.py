"""CSV exports of an event's attendees, orders, check-ins and guests, and of contacts: streamed, never all in memory."""
