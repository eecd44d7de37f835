"""The memory free on this machine, without importing TensorFlow (the command line checks its
simulated data against it before anything heavy is imported)."""

import os


def available_memory():
    """Bytes of memory free now, or None where the platform does not say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
