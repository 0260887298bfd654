"""A Faust (faust-streaming) matcher with its state in Faust tables: issue 21's fair comparison
with the aiokafka matcher (services/matcher). Kept under bench/: it is a measured prototype, not a
service; bench/results/faust.md says what it measured and why the service stays as it is."""
