"""The journeys' JavaScript (Maestro's `${...}` expressions and scripts): reading and checking.

`template` splits a text into literal pieces and `${...}` expressions; `syntax` checks a
script or an expression with the engine the robot runs them on (QuickJS), so `validate`
points at the line and column of a mistake. Running scripts is the robot's job
(`robots.js`).
"""
