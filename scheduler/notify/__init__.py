"""Delivery of alert notices: Apprise channels and Prometheus Alertmanager v2, in a worker
thread with retries and back-off, so that a broken channel never blocks the robot."""
