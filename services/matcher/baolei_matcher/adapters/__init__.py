"""Edges of the matcher: protobuf mapping and the Faust app's agents."""
