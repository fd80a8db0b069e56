"""The engine: runs workflows through drivers; others import only ``rpcapi``."""
