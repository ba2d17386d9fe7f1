"""How the sales feature's next steps read in Slack: the /sell and /order commands to run."""

from core.errors import NextStep

STEPS = {
    NextStep.SELL_NEW: "{fact}; sell new tickets with `/sell`.",
    NextStep.SELL_AGAIN: "{fact}; sell again with `/sell`.",
    NextStep.SHOW_ORDER: "{message} See `/order show {reference}`.",
    NextStep.REFUND_ORDER: "{fact}; refund it with `/order refund {reference}`.",
    NextStep.OPEN_PROMO_HELP: "{fact}; ask them to run `/promo help` once.",
}
