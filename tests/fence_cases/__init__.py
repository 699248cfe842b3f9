"""User functions for tests/test_fence.py: real module files, so symgrad reads real source with real positions."""
