"""dualcheck: export-control compliance for dual-use items."""

from dualcheck import _compiled

__version__ = "0.1.0"

# the screening hot path may be compiled (setup.py); load a compiled module only while its source is unchanged
_compiled.install()
