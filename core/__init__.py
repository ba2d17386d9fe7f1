"""Domain services and rules. Knows nothing of Slack; talks to the outside through ports."""
