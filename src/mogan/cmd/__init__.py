"""Composition roots: parse configuration, build transports and drivers, run.

One module per console script. Nothing else in Mogan reads command-line
arguments or starts threads at import.
"""

import warnings

# NOTE: oslo.messaging imports oslo.service, whose default backend imports
# eventlet, which warns on import that it is deprecated. Mogan never uses
# eventlet (no monkey patching, threads only), so the warning would only
# clutter every start and every --help; it is silenced here, before any
# console script's imports run, and only this warning.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
