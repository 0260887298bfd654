"""Presenters: what the console and the sheets show, in words people read (zh first, en available)."""
