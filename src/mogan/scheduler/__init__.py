"""The scheduler: picks nodes and claims them in Placement; others import ``rpcapi``."""
