"""The command line's data: simulated by scikit-learn, or read from a CSV file."""

import csv

import numpy as np

from ._settings import SIMULATION_DEFAULTS, UsageError


def load_data(args):
    """``(X, y, description)`` from a CSV file (``--csv``) or from ``make_classification``
    (``make_regression`` with ``--task regression``)."""
    simulation_flags = [name for name in SIMULATION_DEFAULTS if getattr(args, name) is not None]
    if args.csv is None:
        if args.target is not None:
            raise UsageError("--target names a column of --csv; give --csv PATH as well")
        settings = {
            name: default if getattr(args, name) is None else getattr(args, name)
            for name, default in SIMULATION_DEFAULTS.items()
        }
        if args.task == "regression":
            if args.classes is not None:
                raise UsageError("--classes shapes classification data; drop it with --task regression")
            return simulate_regression(settings["samples"], settings["features"], args.seed)
        return simulate(**settings, seed=args.seed)
    if args.target is None:
        raise UsageError(f"--csv {args.csv!r} needs --target COLUMN, the column of class labels")
    if simulation_flags:
        flags = ", ".join(f"--{name}" for name in simulation_flags)
        raise UsageError(f"{flags} shape simulated data only; drop them when reading --csv")
    return read_csv(args.csv, args.target, numeric_target=args.task == "regression")


def simulate(samples, features, classes, seed):
    """Simulated data in the proportions of the classic recipe (20 features: 10 informative,
    5 redundant)."""
    from sklearn.datasets import make_classification

    informative = min(features, max(2, features // 2))
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


def read_csv(path, target, numeric_target=False):
    """Read a CSV file with a header row into ``(X, y, description)``.

    Every column but ``target`` is a numeric feature. Class labels are kept as strings unless
    every one of them is an integer, so that ``10`` sorts after ``9`` in the reports.
    """
    try:
        # utf-8-sig: spreadsheet programs often write a byte-order mark before the header.
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file, skipinitialspace=True)
            # Blank lines (a trailing newline or two) are not rows of data.
            rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except OSError as error:
        raise UsageError(f"cannot read --csv {path!r}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"cannot read --csv {path!r} as CSV text: {error}") from None
    if not rows:
        raise UsageError(f"--csv {path!r} is empty; expected a header row and data rows")

    (_, header), data = rows[0], rows[1:]
    header = [name.strip() for name in header]
    if target not in header:
        raise UsageError(
            f"--target {target!r} is not a column of {path}; its columns are: {', '.join(header)}"
        )
    if len(header) < 2:
        raise UsageError(f"--csv {path!r} has no feature columns besides --target {target!r}")
    if not data:
        raise UsageError(f"--csv {path!r} has a header row but no data rows")
    for line, row in data:
        if len(row) != len(header):
            raise UsageError(
                f"{path}, line {line}: expected {len(header)} fields as in the header, "
                f"got {len(row)}"
            )

    lines = [line for line, _ in data]
    cells = np.array([row for _, row in data], dtype=object)
    target_index = header.index(target)
    feature_indices = [i for i in range(len(header)) if i != target_index]
    X = np.column_stack(
        [_numeric_column(cells[:, i], header[i], lines) for i in feature_indices]
    )
    if numeric_target:
        y = _numeric_column(cells[:, target_index], target, lines, kind="target column")
        summary = "numeric"
    else:
        y = _label_column(cells[:, target_index], target, lines)
        summary = f"with {np.unique(y).size} classes"
    description = (
        f"{path} ({len(y)} rows, {len(feature_indices)} feature columns, target {target!r} "
        f"{summary})"
    )
    return X, y, description


def _numeric_column(values, name, lines, kind="feature column"):
    try:
        return values.astype(np.float64)
    except ValueError:
        pass
    for value, line in zip(values, lines):  # only on failure: find the value to name
        try:
            float(value)
        except ValueError:
            raise UsageError(
                f"{kind} {name!r} must be numeric, got {value!r} on line {line}"
            ) from None
    raise AssertionError("unreachable: a value failed in bulk but not on its own")


def _label_column(values, name, lines):
    labels = np.array([value.strip() for value in values])
    for label, line in zip(labels, lines):
        if not label:
            raise UsageError(f"target column {name!r} has an empty value on line {line}")
    try:
        return np.array([int(label) for label in labels])
    except ValueError:
        return labels
