"""Plain dataclasses and rules of the inventory: no database, web, Kafka or protobuf imports."""
