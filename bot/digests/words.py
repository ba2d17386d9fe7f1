"""How the digests feature's next steps read in Slack: the /digest commands, and the channel as a link."""

from core.errors import NextStep

STEPS = {
    NextStep.NAME_DIGEST_CHANNEL: "{fact}, like `/digest subscribe #sales`.",
    NextStep.LIST_DIGESTS: "<#{channel}> gets no digest; `/digest list` shows the channels that do.",
}
