"""Matcher solver core: pure Python, no I/O."""
