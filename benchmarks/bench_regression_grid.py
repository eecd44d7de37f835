"""L1L2RegressorCV's default penalty grid against the classifier's, by nested cross-validation.

For scikit-learn's ``load_diabetes`` and ``make_regression`` (500 × 20, 8 informative, noise 20),
fits ``make_pipeline(StandardScaler(), TransformedTargetRegressor(L1L2RegressorCV(l1s=g,
l2s=g, random_state=0), transformer=StandardScaler()))`` for each grid ``g`` (the regressor's
default, the classifier's default, and a five-value grid spanning both), scored by an outer
5-fold ``KFold(shuffle=True, random_state=0)``; ``RidgeCV`` and ``MLPRegressor()`` (target
standardized the same way) on the same folds for reference. Prints the outer folds' mean and
standard deviation of R², the penalties each search chose most often, and the wall time, as a
Markdown table. Also ``L1L2Regressor(random_state=0)`` with its defaults (the classifier's
penalties), target standardized the same way. Figures: README, "Cross-validated penalties".

    python benchmarks/bench_regression_grid.py [--quick] [--models SUBSTRING,...]
"""

import _common as c  # noqa: I001  (first: quiet TensorFlow start-up)

import argparse
import collections
import time
import warnings

from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, make_regression
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_validate
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2ClassifierCV, L1L2Regressor, L1L2RegressorCV

GRIDS = {
    "regressor's default": L1L2RegressorCV().l1s,
    "classifier's default": L1L2ClassifierCV().l1s,
    "both, five values": (0.0, 1e-4, 1e-3, 1e-2, 1e-1),
}


def datasets():
    return {
        "load_diabetes": load_diabetes(return_X_y=True),
        "make_regression 500×20": make_regression(
            n_samples=500, n_features=20, n_informative=8, noise=20.0, random_state=0
        ),
    }


def standardized(regressor):
    return make_pipeline(
        StandardScaler(), TransformedTargetRegressor(regressor, transformer=StandardScaler())
    )


def models(quick):
    epochs = {"epochs": 20} if quick else {}
    out = {
        f"L1L2RegressorCV, {name} {tuple(grid)}": standardized(
            L1L2RegressorCV(l1s=grid, l2s=grid, random_state=0, **epochs)
        )
        for name, grid in GRIDS.items()
    }
    out["L1L2Regressor() (its defaults)"] = standardized(L1L2Regressor(random_state=0, **epochs))
    out["RidgeCV"] = make_pipeline(StandardScaler(), RidgeCV())
    out["MLPRegressor()"] = standardized(MLPRegressor(random_state=0))
    return out


def chosen(fitted):
    """The (l1, l2) pair a fitted pipeline's search chose, or None for the references."""
    search = getattr(fitted[-1], "regressor_", None)
    return (search.l1_, search.l2_) if hasattr(search, "l1_") else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 outer folds, 20 epochs")
    parser.add_argument(
        "--models", default="",
        help="comma-separated substrings: only the models whose names hold one (default: all)",
    )
    args = parser.parse_args(argv)
    wanted = [part for part in args.models.split(",") if part]
    outer = KFold(2 if args.quick else 5, shuffle=True, random_state=0)
    c.warm_up()  # untimed: TensorFlow's start-up had fallen on the first row's time
    rows = []
    for data_name, (X, y) in datasets().items():
        for name, model in models(args.quick).items():
            if wanted and not any(part in name for part in wanted):
                continue
            c.progress(f"{data_name}: {name}")
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = cross_validate(model, X, y, cv=outer, return_estimator=True)
            seconds = time.perf_counter() - start
            scores = result["test_score"]
            pairs = [chosen(fitted) for fitted in result["estimator"]]
            common = collections.Counter(pairs).most_common(1)[0]
            rows.append([
                data_name,
                name,
                f"{scores.mean():.3f} ± {scores.std():.3f}",
                "" if common[0] is None else f"{common[0]} ({common[1]} of {len(pairs)})",
                f"{seconds:.1f} s",
            ])
    c.emit(c.machine_header())
    c.emit()
    c.emit(c.markdown_table(
        ["data", "model", "outer R² (mean ± std)", "most chosen (l1, l2)", "time"], rows
    ))


if __name__ == "__main__":
    main()
