"""Baolei package."""
