"""Money: amounts in integer minor units of an ISO currency."""
