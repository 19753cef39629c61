"""The robot's JavaScript: a sandboxed QuickJS engine with Maestro's script API (`engine`) and
the real HTTP calls that scripts make through it (`http`)."""
