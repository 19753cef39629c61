"""Runs a journey on a device session and measures it. Knows nothing of SQL."""
