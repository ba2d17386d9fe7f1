"""How the events feature's next steps read in Slack: the /event, /ticket and /venue commands to run."""

from core.errors import NextStep

STEPS = {
    NextStep.LIST_EVENTS: "{message} See `/event list` for the slugs.",
    NextStep.LIST_EVENTS_AGAIN: "{fact}; run `/event list` again.",
    NextStep.LIST_ALL_EVENTS: "{fact}; see them with `/event list all`.",
    NextStep.EDIT_EVENT_DATES: "{fact}; change its dates with `/event edit {event}` first.",
    NextStep.PUBLISH_EVENT: "{fact}; publish it with `/event publish {event}` before selling.",
    NextStep.ADD_FIRST_TICKET_TYPE: "{fact}: `/ticket add {event} name=\"General admission\" price=25`.",
    NextStep.LIST_TICKET_TYPES: "{message} See `/ticket list {event}`.",
    NextStep.EDIT_TICKET_TYPES: "{fact} (`/ticket edit`).",
    NextStep.ADD_VENUE: "{fact}; add it with `/venue add name=…` or see `/venue list`.",
}
