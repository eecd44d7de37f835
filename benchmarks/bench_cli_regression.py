"""The command line's regression result on scikit-learn's diabetes data, against MLPRegressor.

Writes ``load_diabetes`` as a CSV file with pandas (as a user would), runs
``l1l2-estimator --task regression --csv diabetes.csv --target target`` with and without ``--grid``
for each ``--seed`` (which seeds the split and the network), and fits on exactly the same split:
``RidgeCV``, ``MLPRegressor()`` on the raw target, ``MLPRegressor()`` with the target
standardized as the command line does it (``TransformedTargetRegressor``), and that pipeline with
``alpha`` chosen by ``GridSearchCV`` (3 folds, ``alpha`` in 1e-4 ... 10). Prints held-out R² per
seed and the mean, as a Markdown table, and the wall time of each command-line run (fitting and
reporting, TensorFlow already imported).

    python benchmarks/bench_cli_regression.py [--seeds 5] [--quick]
"""

import _common  # noqa: F401, I001  (first: quiet TensorFlow start-up)

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import cli


def cli_r2(csv, seed, grid):
    """Held-out R² printed by the command line, and its wall time."""
    args = ["--task", "regression", "--csv", str(csv), "--target", "target", "--seed", str(seed)]
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args + (["--grid"] if grid else []))
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"the command line failed: {err.getvalue()}")
    return float(out.getvalue().split("Test R²: ")[1].split()[0]), seconds


def standardized(regressor):
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), regressor), transformer=StandardScaler()
    )


def peers(seed):
    """The reference models, built for one seed."""
    return {
        "RidgeCV": make_pipeline(StandardScaler(), RidgeCV()),
        "MLPRegressor(), raw target": make_pipeline(
            StandardScaler(), MLPRegressor(random_state=seed)
        ),
        "MLPRegressor(), target standardized": standardized(MLPRegressor(random_state=seed)),
        "MLPRegressor, alpha by GridSearchCV, target standardized": TransformedTargetRegressor(
            GridSearchCV(
                make_pipeline(StandardScaler(), MLPRegressor(random_state=seed)),
                {"mlpregressor__alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]},
                cv=3,
            ),
            transformer=StandardScaler(),
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="one seed")
    args = parser.parse_args()
    seeds = range(1 if args.quick else args.seeds)
    _common.quiet()
    print(_common.machine_header())
    print()

    scores, times = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "diabetes.csv"
        load_diabetes(as_frame=True).frame.to_csv(csv, index=False)
        frame = pd.read_csv(csv)
        X, y = frame.drop(columns="target"), frame["target"].to_numpy()
        cli_r2(csv, 0, grid=False)  # imports TensorFlow and traces once, outside the timings
        for seed in seeds:
            for grid in (False, True):
                name = f"l1l2-estimator --task regression{' --grid' if grid else ''}"
                r2, seconds = cli_r2(csv, seed, grid)
                scores.setdefault(name, []).append(r2)
                times.setdefault(name, []).append(seconds)
            # The command line's split: train_test_split(test_size=0.25, random_state=seed).
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=seed
            )
            for name, model in peers(seed).items():
                scores.setdefault(name, []).append(
                    model.fit(X_train, y_train).score(X_test, y_test)
                )

    headers = ["model", *(f"seed {seed}" for seed in seeds), "mean"]
    rows = [
        [f"**{name}**" if name.startswith("l1l2") else name]
        + [f"{value:.3f}" for value in values]
        + [f"{np.mean(values):.3f}"]
        for name, values in scores.items()
    ]
    print(_common.markdown_table(headers, rows))
    print()
    for name, seconds in times.items():
        print(f"{name}: median {statistics.median(seconds):.1f} s per run")


if __name__ == "__main__":
    main()
