"""Use cases: each public function is one transaction (ledger + balances + outbox, then commit)."""
