"""The command line's data: simulated by scikit-learn, or read from a CSV file with pandas."""

import csv
import itertools
import re

import numpy as np

from ._settings import SIMULATION_DEFAULTS, UsageError


def load_data(args):
    """``(X, y, description)`` from a CSV file (``--csv``) or from ``make_classification``
    (``make_regression`` with ``--task regression``)."""
    simulation_flags = [name for name in SIMULATION_DEFAULTS if getattr(args, name) is not None]
    if args.csv is None:
        if args.target is not None:
            raise UsageError("--target names a column of --csv; give --csv PATH as well")
        if args.sep is not None:
            raise UsageError("--sep is the separator of --csv; give --csv PATH as well")
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


def read_csv(path, target, numeric_target=False, sep=","):
    """Read a CSV file with a header row into ``(X, y, description)`` with ``pandas.read_csv``.

    ``X`` is a DataFrame of the numeric feature columns, named by the header (so that a pipeline
    fitted on it has ``feature_names_in_``); ``y`` is a NumPy array: numbers with
    ``numeric_target``, else class labels (integers when every label is one, so that ``10`` sorts
    after ``9``, else strings). Every problem is a UsageError naming the column and the line.
    """
    import pandas as pd

    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            # utf-8-sig: spreadsheet programs often write a byte-order mark before the header.
            encoding="utf-8-sig",
            skipinitialspace=True,
            # Only an empty cell is missing: "NA" or "n/a" in a feature column is a mistake to
            # report, not a value to guess.
            keep_default_na=False,
            na_values=[""],
            # Blank lines are kept (and dropped below), so that row i is on line i + 2.
            skip_blank_lines=False,
        )
    except FileNotFoundError:
        raise UsageError(f"cannot read --csv {path!r}: No such file") from None
    except OSError as error:
        raise UsageError(f"cannot read --csv {path!r}: {error.strerror or error}") from None
    except pd.errors.EmptyDataError:
        raise UsageError(f"--csv {path!r} is empty; expected a header row and data rows") from None
    except pd.errors.ParserError as error:
        raise UsageError(_parser_error(path, error)) from None
    except UnicodeDecodeError as error:
        raise UsageError(f"cannot read --csv {path!r} as UTF-8 text: {error}") from None

    if not isinstance(frame.index, pd.RangeIndex):
        # Rows longer than the header from the first data row on: pandas takes their extra
        # leading fields for an index instead of refusing them.
        header = [str(name).strip() for name in frame.columns]
        line, fields = _first_long_line(path, sep, len(header))
        raise UsageError(
            f"{path}, line {line}: expected {len(header)} fields as in the header, got {fields}"
            f"{_separator_hint(header, sep)}"
        )
    header = _header(path, sep, frame)
    unnamed = [index + 1 for index, name in enumerate(header) if not name.strip()]
    if unnamed:
        raise UsageError(
            f"--csv {path!r}: column {unnamed[0]} of the header has no name (a DataFrame's index, "
            "as DataFrame.to_csv writes by default? write the file with index=False)"
        )
    if target not in header:  # the header's name may have spaces around it
        spaced = [name for name in header if name.strip() == target.strip()]
        target = spaced[0] if len(spaced) == 1 else target
    if len(set(header)) < len(header):
        repeated = sorted({name for name in header if header.count(name) > 1})
        raise UsageError(f"--csv {path!r} names a column twice: {', '.join(map(repr, repeated))}")
    frame.columns = header
    frame = frame[frame.notna().any(axis=1)]  # blank lines (a trailing newline or two)
    lines = frame.index.to_numpy() + 2
    if target not in header:
        raise UsageError(
            f"--target {target!r} is not a column of {path}; its columns are: "
            f"{', '.join(header)}{_separator_hint(header, sep)}"
        )
    if len(header) < 2:
        raise UsageError(
            f"--csv {path!r} has no feature columns besides --target {target!r}"
            f"{_separator_hint(header, sep)}"
        )
    if frame.empty:
        raise UsageError(f"--csv {path!r} has a header row but no data rows")
    _refuse_empty_cells(frame, lines, path, sep, target)

    features = [name for name in header if name != target]
    X = pd.DataFrame(
        {name: _numeric_column(frame[name], name, lines) for name in features},
        index=range(len(frame)),
    )
    if numeric_target:
        y = _numeric_column(frame[target], target, lines, kind="target column")
        summary = "numeric"
    else:
        y = _label_column(frame[target], target, lines)
        classes = np.unique(y).tolist()  # Python values: repr'd as 'setosa', not np.str_(...)
        if len(classes) < 2:
            raise UsageError(
                f"target column {target!r} holds a single class, {classes[0]!r}; a classifier "
                "needs two or more"
            )
        summary = f"with {len(classes)} classes"
    description = (
        f"{path} ({len(y)} rows, {len(features)} feature columns, target {target!r} {summary})"
    )
    return X, y, description


def _header(path, sep, frame):
    """The header's names as written, spaces included (as ``pandas.read_csv(path, sep=sep)`` names
    the columns, so that a saved pipeline accepts the DataFrame it reads); read with the csv
    module, so that a name that pandas renamed when repeated (``a``, ``a.1``) can be reported."""
    names = [str(name) for name in frame.columns]
    with open(path, newline="", encoding="utf-8-sig") as file:
        for row in csv.reader(file, delimiter=sep):
            if any(cell.strip() for cell in row):
                return row if len(row) == len(names) else names
    return names


def _parser_error(path, error):
    message = " ".join(str(error).split())
    too_many = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if too_many:
        expected, line, got = too_many.groups()
        return f"{path}, line {line}: expected {expected} fields as in the header, got {got}"
    message = message.removeprefix("Error tokenizing data. ")
    return f"cannot read --csv {path!r} as CSV text: {message}"


def _separator_hint(header, sep):
    """A hint when the header reads as one column that another separator would split."""
    if len(header) != 1:
        return ""
    for candidate, name in ((";", "';'"), ("\t", "tab"), (",", "','"), ("|", "'|'")):
        if candidate != sep and candidate in header[0]:
            return f" (one column: is the file separated by {name}? then pass --sep {name})"
    return ""


def _first_long_line(path, sep, width):
    """``(line, fields)`` of the first line with more than ``width`` fields."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file, delimiter=sep, skipinitialspace=True)
        for row in reader:
            if len(row) > width:
                return reader.line_num, len(row)
    return 2, width + 1  # not found again: the first data line, as pandas read it


def _fields_on_line(path, line, sep):
    """How many fields ``line`` (1-based) of the file has, read the way the csv module reads it."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        text = next(itertools.islice(file, line - 1, None), "")
    return len(next(csv.reader([text], delimiter=sep, skipinitialspace=True), []))


def _numeric_column(column, name, lines, kind="feature column"):
    """``column`` (without empty cells) as float64, or a UsageError naming the first non-numeric
    or non-finite cell."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column):  # bool included: True is 1
        values = column.to_numpy(dtype=np.float64)
    else:
        values = np.empty(len(column))
        for index, (value, line) in enumerate(zip(column, lines)):
            try:
                values[index] = float(value)
            except ValueError:
                hint = ""
                if re.fullmatch(r"\s*[+-]?\d*,\d+\s*", value):
                    hint = " (a decimal comma? write numbers with a decimal point)"
                raise UsageError(
                    f"{kind} {name!r} must be numeric, got {value!r} on line {line}{hint}"
                ) from None
    finite = np.isfinite(values)
    if not finite.all():
        index = int(np.flatnonzero(~finite)[0])
        raise UsageError(
            f"{kind} {name!r} must hold finite numbers, got {str(column.iloc[index])!r} on line "
            f"{lines[index]}"
        )
    return values


def _label_column(column, name, lines):
    """Class labels: integers if every label is an integer, else strings (whitespace stripped);
    whole numbers written as floats (``1.0``) count as integers."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_integer_dtype(column):
        return column.to_numpy()
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy()
        fractional = values != np.round(values)
        if fractional.any():
            index = int(np.flatnonzero(fractional)[0])
            raise UsageError(
                f"target column {name!r} holds numbers that are not whole, such as "
                f"{values[index]:g} on line {lines[index]}: class labels are expected; for a "
                "numeric target, pass --task regression"
            )
        return values.astype(np.int64)
    # Python strings in an object array: printed and repr'd as themselves, not as np.str_('a').
    labels = np.array([str(label).strip() for label in column], dtype=object)
    if not all(label for label in labels):  # a cell of spaces only
        line = lines[[bool(label) for label in labels].index(False)]
        raise UsageError(f"empty cell in target column {name!r} on line {line}")
    return labels


def _refuse_empty_cells(frame, lines, path, sep, target):
    """UsageError for the first row with a missing value: too few fields, or an empty cell."""
    incomplete = np.flatnonzero(frame.isna().any(axis=1).to_numpy())
    if incomplete.size == 0:
        return
    row = frame.iloc[incomplete[0]]
    line = int(lines[incomplete[0]])
    fields = _fields_on_line(path, line, sep)
    if fields < len(frame.columns):
        raise UsageError(
            f"{path}, line {line}: expected {len(frame.columns)} fields as in the header, "
            f"got {fields}"
        )
    name = row.index[np.flatnonzero(row.isna().to_numpy())[0]]
    kind = "target column" if name == target else "feature column"
    raise UsageError(f"empty cell in {kind} {name!r} on line {line}")
