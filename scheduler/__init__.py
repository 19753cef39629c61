"""Around-the-clock runs, device pool, alert rules, pre-diagnosis, notifications."""
