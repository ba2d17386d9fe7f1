"""The App Home tab: its event, buttons and view."""
