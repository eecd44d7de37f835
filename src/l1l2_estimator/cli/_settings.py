"""What the command line's parts share: its fixed settings and its error type."""

PROG = "l1l2-estimator"

# The (l1, l2) pairs --grid tries, per task, and the folds that score them. Classification: none,
# light, moderate. Regression: measured on load_diabetes (README, "Command line"), where a network
# needs far stronger penalties than on the classification data the estimators' defaults were
# chosen for; the best pair lies inside this grid, and its middle is the regression default below.
GRIDS = {
    "classification": {"l1": (0.0, 1e-4, 1e-3), "l2": (0.0, 1e-4, 1e-3)},
    "regression": {"l1": (0.0, 1e-2, 1e-1), "l2": (3e-3, 3e-2, 3e-1)},
}
CV_FOLDS = 3

# Penalties a run uses unless --l1/--l2 (or --grid) say otherwise; a task without an entry keeps
# the estimator's own defaults (ESTIMATOR_DEFAULTS).
TASK_PENALTIES = {"classification": {}, "regression": {"l1": 1e-2, "l2": 3e-2}}

# The l1 values of --plot's regularization path: few, as each is one more fit of the whole model;
# from no penalty up to one that visibly shrinks the first layer for that task's default l2.
PLOT_L1_VALUES = {
    "classification": (0.0, 1e-4, 1e-3, 1e-2),
    "regression": (0.0, 1e-3, 1e-2, 1e-1),
}

# Defaults of the flags that only make sense for simulated data; they are None in the parser so
# that giving one together with --csv can be reported instead of silently ignored.
SIMULATION_DEFAULTS = {"samples": 1000, "features": 20, "classes": 2}

# The classic recipe's network, two hidden layers; the estimator's own default is one of 100 units.
DEFAULT_HIDDEN = "64,32"

# The estimators' defaults that --help shows, written here so that --help needs no TensorFlow;
# tests/test_cli.py checks that they equal the estimators' own.
ESTIMATOR_DEFAULTS = {"l1": 1e-5, "l2": 1e-4, "epochs": 1000}
# The most epochs the estimators accept (a 32-bit count), for the same reason and checked alike.
MAX_EPOCHS = 2**31 - 1
# The most rows, features, classes or units in a layer a flag takes: NumPy's and TensorFlow's
# dimensions are 64-bit (and sizes beyond it overflowed the memory checks' float arithmetic).
MAX_COUNT = 2**63 - 1


class UsageError(Exception):
    """A problem with the user's input; reported as one line on stderr with exit code 2."""


def printable(text):
    """``text`` with the characters a terminal would act on (control characters: escape
    sequences, newlines) escaped as Python writes them, ``\\x1b``, ``\\n``; the rest, other
    scripts included, as written."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# The characters of a cell or label that a message quotes: a file's cell may be megabytes long.
QUOTED_LENGTH = 80


def quoted(text):
    """``repr(text)``, cut to its first ``QUOTED_LENGTH`` characters and its length where it is
    longer."""
    return _cut(text, repr)


def _cut(text, show):
    """``show(text)``, or where ``text`` is longer than ``QUOTED_LENGTH`` characters, ``show``
    of its first ones and its length."""
    if len(text) <= QUOTED_LENGTH:
        return show(text)
    return f"{show(text[:QUOTED_LENGTH])}... ({len(text):,} characters)"


def quoted_label(label):
    """A class label as a message quotes it: a string as ``quoted`` does, a number as
    ``repr``."""
    return quoted(label) if isinstance(label, str) else repr(label)


# The names of a file's columns that a message lists: a header may hold a million.
LISTED_COLUMNS = 20


def column_list(names):
    """The column ``names`` for a message: each printable and cut as ``quoted`` cuts a cell,
    the first ``LISTED_COLUMNS`` of them and how many there are in all."""
    shown = [_cut(name, printable) for name in names[:LISTED_COLUMNS]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f", ... ({len(names):,} columns in all)" if more else "")
