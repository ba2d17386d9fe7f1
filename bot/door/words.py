"""How the door's errors read: in Slack (the command to run), and on the scanner API for door staff.

The scanner API answers with the error's stable code and a plain sentence a person at the door can
act on: no slash commands, no Slack markup.
"""

from core.errors import DomainError, NextStep, NotFound, Thing

STEPS = {
    NextStep.MAKE_DOOR_TOKEN: "{fact}; an organizer makes one with `/eventos door-token EVENT`.",
    NextStep.NAME_DOOR_TOKEN: "{fact}: `/eventos door-token {event} revoke \"Door 1\"`.",
    NextStep.LIST_DOOR_TOKENS: "{fact}; `/eventos door-token {event} list` shows them.",
    NextStep.SEARCH_ATTENDEES: "{fact}; search again with `/checkin EVENT name-or-email`.",
    NextStep.NAME_ATTENDEE: "{fact}: `/checkin {event} anna@example.com` or `/checkin {event} Anna`.",
}

# For door staff at a scanner: what to do, without Slack.
SCANNER_STEPS = {
    NextStep.MAKE_DOOR_TOKEN: "{fact}; ask an organizer for a door token for this event.",
    NextStep.SEARCH_ATTENDEES: "{fact}; search for the guest again.",
}
NO_TOKEN = "Send a door token as Authorization: Bearer dt_…; ask an organizer for a door token for this event."
NO_EVENT = "There is no event “{asked}”; check which event this scanner is set to."


def scanner_sentence(error: DomainError) -> str:
    """The plain sentence the scanner API sends with the error's code."""
    if isinstance(error, NotFound) and error.kind == Thing.EVENT:
        return NO_EVENT.format(asked=error.asked)
    step = error.next_step
    if step is not None and step.step in SCANNER_STEPS:
        return SCANNER_STEPS[step.step].format(message=error.message, fact=error.message.removesuffix("."), **step.args)
    return error.message
