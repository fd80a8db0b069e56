"""The Placement client and the embedded Placement app (issue #3)."""
