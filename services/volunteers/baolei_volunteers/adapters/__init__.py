"""The volunteers service's edges: database (tables, unit of work), Kafka and protobuf codecs."""
