"""The journey language: YAML files (Maestro flows with a `monitor:` header) -> typed model."""
