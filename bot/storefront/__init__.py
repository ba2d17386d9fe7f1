"""The storefront's HTTP side: public event pages and checkout (web), their words, and Babel formatting."""
