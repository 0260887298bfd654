"""Edges of the requests service: database, Kafka, protobuf."""
