"""How the CRM's next steps read in Slack: the /contact and /company commands to run."""

from core.errors import NextStep

STEPS = {
    NextStep.FIND_CONTACTS: "{fact}: `/contact find ann`, an email, a name or a company.",
    NextStep.FIND_CONTACT_AGAIN: "{fact}; look it up again with `/contact find`.",
    NextStep.CHECK_CONTACT: "{fact}; check it with `/contact find {email}`.",
    NextStep.SHOW_CONTACT: "{fact}; see it with `/contact show {email}`.",
    NextStep.ADD_CONTACT: "{fact}; add one with `/contact add email={email}`.",
    NextStep.TAG_CONTACT: "{fact}: `/contact tag ann@example.com vip speaker` (or `-vip` to remove one).",
    NextStep.ADD_PHONE: "{fact}: `/contact phone {email} +4915123456789` or the card's Edit button.",
    NextStep.MERGE_CONTACTS: "{fact}: `/contact merge old@example.com into ann@example.com`.",
    NextStep.CHECK_COMPANY: "{fact}; check the name with `/company show {name}`.",
    NextStep.SHOW_COMPANY: "{fact}; see `/company show {name}`.",
    NextStep.ADD_COMPANY: "{fact}; add it with `/company add name=\"{name}\"`.",
}
