"""Accounts and users: workspaces, roles and permissions, the App Home's facts."""
