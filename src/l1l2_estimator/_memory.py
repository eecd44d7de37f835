"""The memory free on this machine, and whether a training fits in it, without importing
TensorFlow (the command line checks its simulated data against it before anything heavy is
imported)."""

import os


def available_memory():
    """Bytes of memory free now, or None where the platform does not say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


# Bytes per weight while training: the float32 weight, up to three optimizer slots, its gradient,
# the copies read back (float32) and published (float64 coefs_), and in an ensemble of several
# chains each step's split copy of the weights and the joined gradient.
_BYTES_PER_WEIGHT = 4 * (1 + 3 + 1 + 1 + 2 + 2)
# Bytes per unit and batch row of each member in a step: float32 activations, their gradients
# and one temporary.
_BYTES_PER_ACTIVATION = 4 * 3


def check_training_memory(name, sizes, members, *, rows=0, batch=0, remedy=None):
    """Refuse, before allocating anything, training that cannot fit in the memory available:
    the weights and optimizer state of ``members`` networks of layer ``sizes``, the ``rows``
    gathered each epoch (every training fold's, for a cross-validation) and a step's activations
    on ``batch`` rows. An allocation failure deep in NumPy or TensorFlow says little, and the
    operating system may kill the process first. ``remedy`` replaces the message's advice (the
    command line names its flags)."""
    n_weights = sum(fan_in * fan_out + fan_out for fan_in, fan_out in zip(sizes[:-1], sizes[1:]))
    needed = (
        n_weights * members * _BYTES_PER_WEIGHT
        + rows * sizes[0] * 4
        + batch * members * sum(sizes[1:]) * _BYTES_PER_ACTIVATION
    )
    available = available_memory()
    if available is None:  # not on this platform: let allocation decide
        return
    if needed > available:
        what = f"{members} networks" if members > 1 else "the network"
        verb = "need" if members > 1 else "needs"
        if remedy is None:
            remedy = "Use smaller hidden_layer_sizes (or fewer features)" + (
                ", a smaller batch_size, or fewer l1s, l2s or folds." if members > 1 else "."
            )
        raise MemoryError(
            f"{name}: {what} with layer sizes {list(sizes)} ({n_weights * members:,} weights) "
            f"{verb} about {needed / 2**30:.1f} GiB to train, but {available / 2**30:.1f} GiB of "
            f"memory are available. {remedy}"
        )
