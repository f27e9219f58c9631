"""Campaigns: compose, queue (one policy decision per recipient) and build messages."""
