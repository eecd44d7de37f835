"""The flags of ``l1l2-estimator``, each parsed and checked here, before TensorFlow is imported."""

import argparse
import os
import re

from ._settings import (
    CV_FOLDS,
    DEFAULT_HIDDEN,
    ESTIMATOR_DEFAULTS,
    GRIDS,
    MAX_COUNT,
    MAX_EPOCHS,
    PLOT_L1_VALUES,
    PROG,
    SIMULATION_DEFAULTS,
    TASK_PENALTIES,
    UsageError,
    quoted,
)


class _VersionAction(argparse.Action):
    """argparse's ``version`` action, with the version read when the flag is given: reading it
    imports importlib.metadata, about 40 ms, which every other run of the command line had paid
    for (``--help`` and a usage error included)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"{PROG} {__version__}")
        parser.exit()


class _OneTargetAction(argparse.Action):
    """``--target``, refused when given again: the command line fits one target column, and the
    last of several had been taken silently, the others becoming features (label columns of a
    multilabel CSV among them), beside ``--drop``, which does take several."""

    def __call__(self, parser, namespace, values, option_string=None):
        earlier = getattr(namespace, self.dest, None)
        if earlier is not None:
            raise argparse.ArgumentError(
                self,
                f"given twice ({quoted(earlier)}, then {quoted(values)}): the command line "
                f"fits one target column (for several labels or targets, fit L1L2Classifier "
                "or L1L2Regressor in Python; --drop leaves other columns out of the features)",
            )
        setattr(namespace, self.dest, values)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are UsageErrors: one line on stderr, exit code 2, like
    every other error of the command line."""

    def error(self, message):
        # One line, also when an unknown argument holds a newline.
        raise UsageError(re.sub(r"[\r\n]+", " ", message))


def build_parser():
    """The argument parser of ``l1l2-estimator``."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Fit StandardScaler + L1L2Classifier (an L1-L2-regularized Keras network) on a "
            "stratified training split and report accuracy, the confusion matrix and "
            "per-class precision/recall on the held-out split; with --task regression, fit "
            "L1L2Regressor and report R², mean absolute and root mean squared error."
        ),
        epilog=(
            "Without --csv the data are simulated by sklearn's make_classification "
            "(make_regression with --task regression). "
            "Exit codes: 0 success, 2 usage or input error, 1 when this Python cannot run "
            "the package's TensorFlow code, 130 interrupted (Ctrl-C)."
        ),
    )
    parser.add_argument("--version", action=_VersionAction)
    data = parser.add_argument_group("data")
    data.add_argument(
        "--csv",
        metavar="PATH",
        type=_path,
        help="read the data from this CSV file (header row required; feature columns numeric)",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        action=_OneTargetAction,
        help="the CSV column holding the class labels (or the numeric target with --task "
        "regression); one column: the command line fits no multilabel or multi-output target",
    )
    data.add_argument(
        "--sep",
        type=_separator,
        metavar="CHAR",
        help="the column separator of --csv (default ','; ';' or 'tab' for files that use them)",
    )
    data.add_argument(
        "--drop",
        type=_column_names,
        metavar="COLUMN[,COLUMN...]",
        action="extend",
        help="CSV columns to leave out of the features (an ID or row number, dates, text), "
        "comma-separated or given again",
    )
    data.add_argument(
        "--decimal",
        type=_decimal,
        metavar="CHAR",
        help="the decimal mark of --csv's numbers (default '.'; ',' for files such as Excel's in "
        "European settings, with --sep ';')",
    )
    data.add_argument(
        "--encoding",
        type=_encoding,
        metavar="NAME",
        help="the text encoding of --csv (default UTF-8, a byte-order mark allowed; such as "
        "cp1252 for Excel's 'CSV (Comma delimited)' on Windows, latin-1, utf-16)",
    )
    data.add_argument(
        "--task",
        choices=("classification", "regression"),
        default="classification",
        help="classification (L1L2Classifier, the default) or regression (L1L2Regressor: "
        "simulated by make_regression, target standardized, scored by R²)",
    )
    data.add_argument(
        "--samples",
        type=_positive_int,
        metavar="N",
        help=f"simulated samples (default {SIMULATION_DEFAULTS['samples']})",
    )
    data.add_argument(
        "--features",
        type=_positive_int,
        metavar="N",
        help=f"simulated features (default {SIMULATION_DEFAULTS['features']})",
    )
    data.add_argument(
        "--classes",
        type=_class_count,
        metavar="N",
        help=f"simulated classes (default {SIMULATION_DEFAULTS['classes']})",
    )
    data.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        default=0,
        help="seeds the simulation, the split and the network (default 0)",
    )
    data.add_argument(
        "--test-size",
        type=_test_size,
        metavar="SIZE",
        default=0.25,
        help="held out for evaluation: a fraction in (0, 1), or a whole number of rows "
        "(default 0.25)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=_layer_sizes(DEFAULT_HIDDEN),
        metavar="SIZES",
        help=f"comma-separated hidden layer sizes, at least one (default {DEFAULT_HIDDEN})",
    )
    defaults, regression = ESTIMATOR_DEFAULTS, TASK_PENALTIES["regression"]
    model.add_argument(
        "--l1",
        type=_penalty,
        metavar="FACTOR",
        help=f"L1 penalty factor (default {defaults['l1']:g}; {regression['l1']:g} with --task "
        "regression)",
    )
    model.add_argument(
        "--l2",
        type=_penalty,
        metavar="FACTOR",
        help=f"L2 penalty factor (default {defaults['l2']:g}; {regression['l2']:g} with --task "
        "regression)",
    )
    model.add_argument(
        "--epochs",
        type=_epochs,
        metavar="N",
        help=f"maximum training epochs (default {defaults['epochs']}; training stops earlier "
        "once the loss stops improving)",
    )
    grid, regression_grid = GRIDS["classification"], GRIDS["regression"]
    model.add_argument(
        "--grid",
        action="store_true",
        help=f"choose l1 in {_grid_text(grid['l1'])} and l2 in {_grid_text(grid['l2'])} (with "
        f"--task regression: l1 in {_grid_text(regression_grid['l1'])}, l2 in "
        f"{_grid_text(regression_grid['l2'])}) by {CV_FOLDS}-fold cross-validation on the "
        "training split",
    )

    output = parser.add_argument_group("output")
    output.add_argument(
        "--save",
        metavar="PATH",
        type=_output_path,
        help="write the fitted pipeline with joblib",
    )
    output.add_argument(
        "--plot",
        metavar="DIR",
        type=_output_path,
        help="write confusion_matrix.png (prediction_error.png with --task regression), "
        "loss_curve.png and regularization_path.png to this folder (created if missing); the "
        "path refits the model for l1 in "
        f"{_grid_text(PLOT_L1_VALUES['classification'])} (with --task regression: "
        f"{_grid_text(PLOT_L1_VALUES['regression'])}); needs matplotlib",
    )
    output.add_argument(
        "--verbose",
        action="store_true",
        help="report each epoch of the final fit: Keras' progress bar on a terminal, one "
        "'Iteration n, loss = ...' line otherwise; with --grid, also the search's size, its "
        "members' epochs and the chosen pair",
    )
    return parser


# Plain ASCII numbers: Python's int() and float() also read "1_0" and other scripts' digits.
_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")
# (One way through a run of digits: see cli/_csv.py's _NUMBER.)
_DECIMAL = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


def _int(text):
    if not _WHOLE.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _float(text):
    if not _DECIMAL.fullmatch(text):
        raise ValueError(text)
    return float(text)


def _layer_sizes(text):
    """Parse ``"64,32"`` into ``(64, 32)``."""
    try:
        sizes = tuple(_int(size) for size in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1 or max(sizes) > MAX_COUNT:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 64,32 (each at most 2**63 - 1), "
            f"got {quoted(text)}"
        )
    return sizes


def _number(text, kind, check, expected):
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not check(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {quoted(text)}")
    return value


def _positive_int(text):
    return _number(
        text, _int, lambda value: 1 <= value <= MAX_COUNT, "a whole number from 1 to 2**63 - 1"
    )


def _epochs(text):
    # The estimators' own limit, checked here so that a flag error needs no TensorFlow.
    epochs = _number(text, _int, lambda value: value >= 1, "a whole number >= 1")
    if epochs > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number <= {MAX_EPOCHS} (2**31 - 1), got {quoted(text)}"
        )
    return epochs


def _class_count(text):
    return _number(
        text, _int, lambda value: 2 <= value <= MAX_COUNT, "a whole number from 2 to 2**63 - 1"
    )


def _path(text):
    """A file or folder path, ``~`` expanded; an empty one is refused (it would be taken for the
    flag left out)."""
    if not text:
        raise argparse.ArgumentTypeError(f"expected a path, got {quoted(text)}")
    return os.path.expanduser(text)


def _output_path(text):
    """A path to write to: ``_path``, but not ``-``, which names standard input for ``--csv``
    (``--save -`` had written a file named ``-``)."""
    if text == "-":
        raise argparse.ArgumentTypeError(
            "expected a path, got '-' (standard output, which it does not write to; ./- names a "
            "file called -)"
        )
    return _path(text)


def _seed(text):
    return _number(text, _int, lambda value: 0 <= value < 2**32, "a whole number in [0, 2**32)")


# float32's largest number (NumPy's ``finfo(float32).max``, not imported here): the networks
# train in float32, and the estimators refuse a larger penalty.
FLOAT32_LARGEST = 3.4028234663852886e38


def _penalty(text):
    # The comparisons refuse NaN; inf is no penalty factor either. + 0.0: -0 as 0 (the Model
    # line had echoed "l1=-0").
    return _number(
        text, _float, lambda v: 0 <= v <= FLOAT32_LARGEST,
        f"a number from 0 to float32's largest, {FLOAT32_LARGEST:.4g}",
    ) + 0.0


def _test_size(text):
    """A fraction in (0, 1), or a whole number of rows >= 1 (kept an int, as scikit-learn reads
    an int as a count)."""
    described = "a fraction in (0, 1) or a whole number of rows >= 1"
    if text.strip().isdigit():
        return _number(text, _int, lambda value: value >= 1, described)
    return _number(text, _float, lambda value: 0 < value < 1, described)


def _separator(text):
    """One ASCII character that separates columns; ``tab`` (or ``\\t``) for a tab. (pandas'
    reader takes a separator of one byte: ``é`` had failed in its words, after the file was
    read.)"""
    separator = "\t" if text in ("tab", "\\t", "\t") else text
    if len(separator) != 1 or separator in "\"\r\n" or not separator.isascii():
        raise argparse.ArgumentTypeError(
            f"expected one ASCII character such as ';' or the word tab, got {quoted(text)}"
        )
    return separator


def _column_names(text):
    """Column names separated by commas (spaces around each ignored), at least one."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(
            f"expected column names separated by commas, got {quoted(text)}"
        )
    return names


def _decimal(text):
    """The decimal mark: '.' or ','."""
    if text not in (".", ","):
        raise argparse.ArgumentTypeError(f"expected '.' or ',', got {quoted(text)}")
    return text


_NOT_TEXT_ENCODINGS = {"idna", "punycode", "unicode-escape", "raw-unicode-escape"}


def _encoding(text):
    """A text encoding Python knows, by its canonical name (``cp1252`` for ``windows-1252``)."""
    import codecs

    try:
        name = codecs.lookup(text).name
        # A codec of bytes to bytes (base64, zlib) or of text to text (rot13) is no encoding,
        # nor one of domain names (idna, punycode) or of Python's escapes.
        if not isinstance(codecs.decode(b"", name), str) or name in _NOT_TEXT_ENCODINGS:
            raise LookupError(text)
    except (LookupError, TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected a text encoding such as utf-8, cp1252 or latin-1, got {quoted(text)}"
        ) from None
    return name


def _grid_text(values):
    return "{" + ", ".join(f"{value:g}" for value in values) + "}"
