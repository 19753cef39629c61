"""Around-the-clock runs and device pool; alerting in stages (`alerts` decides, `notify`
delivers, `signals` holds what they share)."""
