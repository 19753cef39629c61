"""Reliability tests against the real processes: kills, locks, hangs, full disks."""
