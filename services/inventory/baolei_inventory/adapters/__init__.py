"""Edges of the inventory: database, migrations, protobuf mapping, Kafka handling."""
