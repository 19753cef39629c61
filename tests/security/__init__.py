"""Security tests: secrets never written, hostile inputs refused cleanly."""
