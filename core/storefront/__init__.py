"""The storefront: public event pages, self-service checkout and the alerts of a rush of public orders."""
