"""One module per `ronde` sub-command; each exposes a click command named `command`."""
