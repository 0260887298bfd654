"""Plain rules of needs: validation, priority, lifecycle. No I/O."""
