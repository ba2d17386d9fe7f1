"""Selling: orders and holds, payments, tickets and their codes."""
