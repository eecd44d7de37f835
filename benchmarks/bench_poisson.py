"""Poisson regression of counts at several scales: L1L2Regressor(loss="poisson") against
MLPRegressor(loss="poisson"), PoissonRegressor and the true rates.

For each ``--seed`` and each count scale (counts near 1, 100 and 10,000 by default), draws 1,000
rows of five standard-normal features and Poisson counts of rate ``scale * exp(0.5 x0 - 0.3 x1)``
(a log-rate linear in two features), splits them 3:1 (``train_test_split(random_state=0)``),
and fits, in ``make_pipeline(StandardScaler(), ...)``, ``L1L2Regressor(loss="poisson")`` and
``MLPRegressor(loss="poisson", max_iter=1000)`` at their defaults (``random_state`` the seed),
and ``PoissonRegressor()``. Prints the held-out mean Poisson deviance of each (and of the true
rates: what noise alone costs), the epochs our fit used and its fit time, as a Markdown table,
then the mean deviance per scale. Results, not speed: a script that prints figures.

    python benchmarks/bench_poisson.py [--seeds 3] [--scales 1,100,10000] [--quick]
"""

import _common  # noqa: I001  (first: quiet TensorFlow start-up)

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Regressor

MODELS = ("L1L2Regressor", "MLPRegressor", "PoissonRegressor", "true rates")


def data(seed, scale, rows):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    rate = scale * np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])
    return train_test_split(X, rng.poisson(rate), rate, random_state=0)


def one_run(seed, scale, rows):
    """Held-out deviance of each model, our epochs and fit seconds."""
    X_train, X_test, y_train, y_test, _, rate_test = data(seed, scale, rows)
    ours = make_pipeline(StandardScaler(), L1L2Regressor(loss="poisson", random_state=seed))
    mlp = make_pipeline(
        StandardScaler(), MLPRegressor(loss="poisson", max_iter=1000, random_state=seed)
    )
    glm = make_pipeline(StandardScaler(), PoissonRegressor())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        ours.fit(X_train, y_train)
        seconds = time.perf_counter() - started
    ours_warnings = len(caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPRegressor's ConvergenceWarnings
        mlp.fit(X_train, y_train)
    glm.fit(X_train, y_train)
    deviances = {
        name: mean_poisson_deviance(y_test, model.predict(X_test))
        for name, model in zip(MODELS, (ours, mlp, glm))
    }
    deviances["true rates"] = mean_poisson_deviance(y_test, rate_test)
    return deviances, ours[-1].n_iter_, seconds, ours_warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="data and network seeds 0..N-1")
    parser.add_argument("--scales", default="1,100,10000",
                        help="comma-separated count scales (the rate's value at x = 0)")
    parser.add_argument("--rows", type=int, default=1000, help="rows drawn per data set")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 300 rows")
    args = parser.parse_args(argv)
    seeds, rows = (1, 300) if args.quick else (args.seeds, args.rows)
    scales = [float(value) for value in args.scales.split(",")]
    print(_common.machine_header())
    print()
    print("| seed | counts near | " + " | ".join(MODELS)
          + " | our epochs | our fit | our warnings |")
    print("|" + "--:|" * (len(MODELS) + 5))
    by_scale = {scale: {name: [] for name in MODELS} for scale in scales}
    for seed in range(seeds):
        for scale in scales:
            deviances, epochs, seconds, caught = one_run(seed, scale, rows)
            for name in MODELS:
                by_scale[scale][name].append(deviances[name])
            cells = " | ".join(f"{deviances[name]:.3g}" for name in MODELS)
            print(f"| {seed} | {scale:g} | {cells} | {epochs} | {seconds:.2f} s | {caught} |",
                  flush=True)
    print()
    print("| counts near | " + " | ".join(f"{name}, mean" for name in MODELS) + " |")
    print("|" + "--:|" * (len(MODELS) + 1))
    for scale in scales:
        means = " | ".join(f"{statistics.mean(by_scale[scale][name]):.3g}" for name in MODELS)
        print(f"| {scale:g} | {means} |")


if __name__ == "__main__":
    main()
