"""Guest lists: names on an event's lists, promoters, the door and the counts to settle with promoters."""
