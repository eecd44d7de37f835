"""The command line's data: simulated by scikit-learn, or read from a CSV file (``_csv``)."""

from ._csv import read_csv
from ._settings import SIMULATION_DEFAULTS, UsageError


def load_data(args):
    """``(X, y, description)`` from a CSV file (``--csv``) or from ``make_classification``
    (``make_regression`` with ``--task regression``)."""
    simulation_flags = [name for name in SIMULATION_DEFAULTS if getattr(args, name) is not None]
    if args.csv is None:
        if args.target is not None:
            raise UsageError("--target names a column of --csv; give --csv PATH as well")
        for flag, what in (
            ("sep", "is the separator of"), ("drop", "names columns of"),
            ("decimal", "is the decimal mark of"), ("encoding", "is the text encoding of"),
        ):
            if getattr(args, flag) is not None:
                raise UsageError(f"--{flag} {what} --csv; give --csv PATH as well")
        settings = {
            name: default if getattr(args, name) is None else getattr(args, name)
            for name, default in SIMULATION_DEFAULTS.items()
        }
        if args.task == "regression":
            if args.classes is not None:
                raise UsageError(
                    "--classes shapes classification data; drop it with --task regression"
                )
            return simulate_regression(settings["samples"], settings["features"], args.seed)
        return simulate(**settings, seed=args.seed)
    if args.target is None:
        raise UsageError(f"--csv {args.csv!r} needs --target COLUMN, the column of class labels")
    if simulation_flags:
        flags = ", ".join(f"--{name}" for name in simulation_flags)
        which = "them" if len(simulation_flags) > 1 else "it"
        verb = "shape" if len(simulation_flags) > 1 else "shapes"
        raise UsageError(f"{flags} {verb} simulated data only; drop {which} when reading --csv")
    return read_csv(
        args.csv,
        args.target,
        numeric_target=args.task == "regression",
        sep="," if args.sep is None else args.sep,
        drop=args.drop or (),
        decimal="." if args.decimal is None else args.decimal,
        encoding=args.encoding,
    )


def simulated_informative(features):
    """How many of ``features`` simulated features are informative: half, at least 2."""
    return min(features, max(2, features // 2))


def simulate(samples, features, classes, seed):
    """Simulated data in the proportions of the classic recipe (20 features: 10 informative,
    5 redundant)."""
    from sklearn.datasets import make_classification

    informative = simulated_informative(features)
    redundant = min(features - informative, features // 4)
    X, y = make_classification(
        n_samples=samples,
        n_features=features,
        n_informative=informative,
        n_redundant=redundant,
        n_classes=classes,
        random_state=seed,
    )
    description = (
        f"simulated by make_classification ({samples} samples, {features} features, "
        f"{classes} classes, seed {seed})"
    )
    return X, y, description


def simulate_regression(samples, features, seed):
    """Simulated regression data: half the features informative, some noise."""
    from sklearn.datasets import make_regression

    X, y = make_regression(
        n_samples=samples,
        n_features=features,
        n_informative=max(1, features // 2),
        noise=10.0,
        random_state=seed,
    )
    description = (
        f"simulated by make_regression ({samples} samples, {features} features, seed {seed})"
    )
    return X, y, description
