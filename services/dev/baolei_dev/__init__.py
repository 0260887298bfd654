"""Baolei's developer and operator entry points: `make run` (the broker, the three services on
SQLite and a demo city) and the `baolei` command. They start and wire every service, so they live
in a package of their own: `baolei_common` imports no service, and no service imports this."""
