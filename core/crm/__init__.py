"""The CRM: contacts, companies, timelines, search, consent and unsubscribe."""
