"""How the guest lists' next steps read in Slack: the /guest commands to run."""

from core.errors import NextStep

STEPS = {
    NextStep.OPEN_GUEST_HELP: "{fact}; ask them to run `/guest help` once.",
    NextStep.SHOW_GUEST_LISTS: "{fact}; see an event's lists with `/guest stats EVENT`.",
}
