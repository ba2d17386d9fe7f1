"""How the storefront's refusals read on the page: one sentence each, saying what to fix."""

from core.storefront.checkout import Refused

SENTENCES = {
    "event_unknown": "This event is not on sale here; check the link you followed.",
    "event_cancelled": "This event was cancelled, so it sells no tickets.",
    "event_ended": "This event has ended, so it sells no more tickets.",
    "form_expired": "This page was open too long or came from another browser; reload it and fill in the form again.",
    "form_used": "This form was already used for order {reference}; reload the page to buy more tickets.",
    "ticket_unknown": "Choose one of the ticket types listed on this page.",
    "ticket_ended": "Sales for {ticket} have closed; choose another ticket type.",
    "ticket_not_yet": "Sales for {ticket} have not opened yet; come back when they do.",
    "sold_out": "{ticket} just sold out; choose another ticket type.",
    "qty_invalid": "Enter how many tickets you want as a whole number, 1 or more.",
    "qty_above_stock": "Only {most} {ticket} tickets are left; choose {most} or fewer.",
    "qty_above_max": "You can buy at most {most} {ticket} tickets in one order; choose {most} or fewer.",
    "name_missing": "Enter your name, as it should appear on the tickets.",
    "name_too_long": "Shorten your name to at most {most} characters.",
    "email_missing": "Enter your email address; your tickets are sent there.",
    "email_too_long": "Shorten your email address to at most {most} characters.",
    "email_invalid": "Enter a valid email address, like ann@example.com.",
    "phone_too_long": "Shorten your phone number to at most {most} characters, or leave it empty.",
    "phone_invalid": "Enter a valid phone number with its country code, like +49 30 1234567, or leave it empty.",
    "payments_unavailable": "Card payments are not set up for this event yet; please ask the organizer.",
    "payment_failed": "The payment service did not answer, and nothing was charged; try again in a minute.",
    "promo_malformed": "A promo code has only letters, digits, - and _; check what you typed.",
    "promo_unknown": "{promo} is not a promo code we know; check its spelling.",
    "promo_other_event": "{promo} is a promo code for another event, not this one.",
    "promo_expired": "The promo code {promo} has expired.",
    "promo_used_up": "The promo code {promo} has been used up.",
    "promo_few_left": "The promo code {promo} has only {most} uses left; choose {most} or fewer tickets.",
    "promo_not_for_ticket": "The promo code {promo} is not valid for {ticket}; choose a ticket type it lists.",
    "waitlist_not_needed": "{ticket} is not sold out; buy it with the ticket form instead.",
    "waitlist_qty_above_max": "You can wait for at most {most} {ticket} tickets; choose {most} or fewer.",
    "offer_open": "An offer for these tickets was already emailed to {email}; use the link in that email.",
    "offer_used": "This offer was already used for order {reference}; your tickets were emailed to you.",
    "offer_lapsed": "This offer has lapsed and its seats went to the next person in line; join the waitlist again on the event page.",
    "too_many": "Lots of people are buying right now; wait a few seconds, then submit the form again.",
}


def sentence(refused: Refused) -> str:
    return SENTENCES[refused.code].format(**refused.details)
