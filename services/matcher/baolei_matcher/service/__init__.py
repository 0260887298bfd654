"""The matcher's use cases: fold an event into the state, run a solve round and publish its
decisions, take a snapshot. Each takes its ports (a publisher, a lease) as arguments, so it runs
with fakes in unit tests; none imports aiokafka."""
