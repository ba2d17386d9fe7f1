"""How the campaigns feature's next steps read in Slack: the /campaign commands to run."""

from core.errors import NextStep

STEPS = {
    NextStep.LIST_CAMPAIGNS: "{message} See `/campaign list` for the names.",
    NextStep.SEND_CAMPAIGN_NOW: "{fact}, or use `/campaign send {campaign}`.",
}
