"""Time: clocks and wall-clock times read in IANA zones."""
