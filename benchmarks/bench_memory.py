"""Resident memory over many fits in one process: the grid-search pattern.

Fits fresh clones of L1L2Classifier (each with different l1/l2, as a grid search does) one after
another in this process and prints the resident set size (RSS) after fit 10 and after the last fit.
By default every fit draws a fresh seed (``random_state=None``, the estimator's default).

    python benchmarks/bench_memory.py [--fits 100] [--architectures 1] [--random-state N]
"""

import argparse
import itertools
import time

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)
from sklearn.base import clone

from l1l2_estimator import L1L2Classifier


def rss_mib():
    """This process's resident set size in MiB (Linux: /proc/self/status)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


def run(fits, architectures, samples=500, random_state=None):
    X, y = c.make_xy(n_samples=samples)
    base = L1L2Classifier(epochs=5, batch_size=64, random_state=random_state)
    penalties = itertools.cycle([0.0, 1e-5, 1e-4, 1e-3])
    sizes = itertools.cycle([(16 + i,) for i in range(architectures)])
    readings = {}
    start = time.perf_counter()
    for fit in range(1, fits + 1):
        estimator = clone(base).set_params(
            l1=next(penalties), l2=next(penalties), hidden_layer_sizes=next(sizes)
        )
        estimator.fit(X, y).predict(X[:10])
        if fit in (1, 10, fits):
            readings[fit] = rss_mib()
    return readings, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=100, help="fits in the process")
    parser.add_argument(
        "--architectures", type=int, default=1, help="distinct hidden sizes cycled through"
    )
    parser.add_argument(
        "--random-state", type=int, default=None, help="seed of every fit (default: None)"
    )
    args = parser.parse_args(argv)
    c.quiet()
    readings, seconds = run(args.fits, args.architectures, random_state=args.random_state)
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"{args.fits} fits of fresh clones ({args.architectures} architecture(s), l1/l2 varying, "
        f"random_state={args.random_state}), {seconds:.1f} s in all"
    )
    rows = [[k, f"{v:.1f}"] for k, v in readings.items()]
    c.emit(c.markdown_table(["after fit", "RSS (MiB)"], rows))
    if 10 in readings and args.fits > 10:
        c.emit(
            f"growth from fit 10 to fit {args.fits}: {readings[args.fits] - readings[10]:.1f} MiB"
        )


if __name__ == "__main__":
    main()
