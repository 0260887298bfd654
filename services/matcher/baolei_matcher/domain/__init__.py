"""The matcher's state and decisions as plain data: no Kafka, no Faust, no protobuf."""
