"""Alerting: pure rules over stored runs, incidents as a small state machine, a pre-diagnosis.

Delivery lives apart, in `scheduler.notify` (Alertmanager's dispatch/notify split): the two
share only `scheduler.signals`, and `scheduler.alerting` wires them.
"""
