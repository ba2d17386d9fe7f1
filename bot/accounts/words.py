"""How the accounts feature's next steps read in Slack: the command that grants a role."""

from core.errors import NextStep

STEPS = {
    NextStep.ASK_FOR_ROLE: "{fact}; ask an admin to run `/eventos role @you {role}`.",
    NextStep.TRY_EVENTOS_ONCE: "{fact}; ask them to run any /eventos command first.",
}
