"""Composition roots: parse configuration, build transports and drivers, run.

One module per console script. Nothing else in Mogan reads command-line
arguments or starts threads at import.
"""
