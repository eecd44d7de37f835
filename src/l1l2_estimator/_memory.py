"""The memory free on this machine, and whether a training fits in it, without importing
TensorFlow (the command line checks its simulated data against it before anything heavy is
imported)."""

import functools
import os
from pathlib import Path

# Where Linux says what memory there is: moved by the tests.
PROC = Path("/proc")
CGROUPS = Path("/sys/fs/cgroup")


def available_memory():
    """Bytes of memory a process can take now, or None where the platform does not say: Linux'
    ``MemAvailable`` (free memory and the file cache it can reclaim at once: the free pages
    alone, which had been counted, left out a cache that a long-running machine fills), within
    the room the process' memory control groups leave (a container's limit, of which the
    machine-wide figures know nothing); elsewhere the free pages."""
    available = _meminfo("MemAvailable")
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    room = _cgroup_room()
    return available if room is None else min(available, room)


def in_words(size):
    """A number of bytes for a message: in GiB, or in MiB below one (a container's room of 80
    MiB had read "0.0 GiB")."""
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def _meminfo(key):
    """A ``/proc/meminfo`` figure in bytes, or None."""
    try:
        for line in (PROC / "meminfo").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


# The files of a memory cgroup, v2 and v1: its limit, its use, and the counter of its use that
# is file cache the kernel can reclaim at once (in its ``memory.stat``).
_V2 = ("memory.max", "memory.current", "inactive_file")
_V1 = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")


def _cgroup_room():
    """The least room (limit minus use, less the reclaimable cache) of this process' memory
    cgroup and those above it, in cgroup v2 or v1; None without a limit, or where it cannot be
    read (a check that cannot tell lets the fit try)."""
    rooms = [_room(folder, *files) for folder, files in _limited_groups(PROC, CGROUPS)]
    rooms = [room for room in rooms if room is not None]
    return min(rooms) if rooms else None


@functools.lru_cache(maxsize=4)
def _limited_groups(proc, cgroups):
    """``(folder, files)`` of each memory cgroup of this process (its own and those above it)
    that has a limit: looked for once per process (walking every group at every fit cost it
    0.16 ms, 1% of a small fit), read afresh at each check."""
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except (OSError, ValueError):  # unreadable, or not text
        return ()
    groups = []
    for line in lines:
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":
            base, files = cgroups, _V2
        elif "memory" in controllers.split(","):
            base, files = cgroups / "memory", _V1
        else:
            continue
        # The group and each above it (a container sees its own group as the root).
        parts = [part for part in path.split("/") if part and part not in (".", "..")]
        for depth in range(len(parts), -1, -1):
            folder = base.joinpath(*parts[:depth])
            if _room(folder, *files) is not None:
                groups.append((folder, files))
    return tuple(groups)


def _room(folder, limit_file, usage_file, cache_counter):
    """A group's limit minus its use, less its reclaimable cache (the use counts the file
    cache, which a container filled by reading its data: counted as used, fits that would fit
    were refused); None without a limit there."""
    try:
        limit = int((folder / limit_file).read_text().strip())
        usage = int((folder / usage_file).read_text().strip())
    except (OSError, ValueError):  # absent, unreadable, or "max": no limit there
        return None
    if limit >= 2**62:  # v1's "no limit" (the largest page-aligned number)
        return None
    cache = 0
    try:
        for line in (folder / "memory.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == cache_counter:
                cache = int(value)
    except (OSError, ValueError):  # no counter: the use as it is
        cache = 0
    return max(limit - (usage - min(cache, usage)), 0)


# Bytes per weight while training: the float32 weight, up to three optimizer slots, its gradient,
# the copies read back (float32) and published (float64 coefs_), in an ensemble of several
# chains each step's split copy of the weights and the joined gradient, and a step's
# temporaries. Measured (2026-12-08): searches of 80 members on 5,000-20,000 inputs raised the
# peak by 51-59 bytes a weight (40 counted had let through searches that needed 1.3-1.5 times
# as much as the check allowed).
_BYTES_PER_WEIGHT = 4 * 15
# Bytes per unit and batch row of each member in a step: float32 activations, their gradients
# and the temporaries (a softmax's exponentials, one-hot targets and gradient: with 5,000
# classes, 12 counted had let through a search that needed 1.8 times the check's figure).
_BYTES_PER_ACTIVATION = 4 * 6


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
            # The output layer is one unit per class (or output): the widest, with many classes.
            widest_output = sizes[-1] > max(sizes[:-1])
            remedy = "Use smaller hidden_layer_sizes (or fewer features" + (
                ", or fewer classes or outputs: the output layer is the widest)"
                if widest_output else ")"
            ) + (", a smaller batch_size, or fewer l1s, l2s or folds." if members > 1 else ".")
        raise MemoryError(
            f"{name}: {what} with layer sizes {list(sizes)} ({n_weights * members:,} weights) "
            f"{verb} about {in_words(needed)} to train, but {in_words(available)} of "
            f"memory are available. {remedy}"
        )
