"""The data and row weights as training takes them: float32 features, sparse input as
scikit-learn reads it, and the weights' scale."""

import contextlib
from numbers import Real

import numpy as np
import scipy.sparse as sp


@contextlib.contextmanager
def float32_features(X):
    """Run ``validate_data``'s cast of ``X`` to float32 in this block; where it fails because
    finite values of ``X`` are beyond float32's range (they become inf, and scikit-learn reports
    "infinity"), say so instead."""
    try:
        # (NumPy's warnings about the overflowing cast: the error below says it better. Values
        # below float32's smallest become 0 or its subnormals, as a float32 network reads them:
        # under np.seterr(all="raise") NumPy's underflow error had failed the fit, where
        # MLPClassifier trains.)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            yield
    except ValueError as error:
        # Only where scikit-learn found "infinity": any other error (a NaN, y's length) is
        # raised as it is, without reading X again (a DataFrame of sparse columns would be
        # densified by np.asarray).
        if "infinity" not in str(error):
            raise
        try:
            if sp.issparse(X):  # as COO: DOK has no .data, LIL's holds lists
                values = X.tocoo().data
            elif is_sparse(X):  # a DataFrame of sparse columns: its stored values
                values = X.sparse.to_coo().data
            else:
                # As float64 (numbers in an object array too: 10**40 is finite there).
                values = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            values = np.asarray([])
        # Real numbers only (strings, complex values: scikit-learn's own message).
        beyond = values.dtype.kind == "f" and bool(
            np.all(np.isfinite(values)) and np.any(np.abs(values) > np.finfo(np.float32).max)
        )
        if not beyond:
            raise
        raise _beyond_float32() from None


def _beyond_float32():
    return ValueError(
        f"X holds finite values beyond float32's range (±{np.finfo(np.float32).max:.3g}), "
        "in which the network trains (predict computes in float64); rescale the features, "
        "e.g. with StandardScaler."
    )


def refuse_beyond_float32(X):
    """The error of ``float32_features`` for a validated, finite, dense ``X`` kept in float64:
    for a search, which checks its data before its splitter runs (whose warnings had come
    first) and its members' fits cast it."""
    if X.dtype == np.float64 and X.size and np.max(np.abs(X)) > np.finfo(np.float32).max:
        raise _beyond_float32()


def refuse_structured_targets(y):
    """TypeError for a NumPy structured (record) array as ``y``: a classifier had taken its
    records as labels, and a regressor a record of one field as numbers (scikit-learn's MLP
    estimators fail on it inside ``np.unique`` or a ufunc)."""
    if isinstance(y, (list, tuple)) and y and isinstance(y[0], np.void):  # a list of records
        try:
            y = np.asarray(y)
        except (TypeError, ValueError):  # left to scikit-learn's validation
            return
    names = y.dtype.names if isinstance(y, np.ndarray) else None
    if names is not None:
        fields = f"fields {', '.join(map(repr, names))}" if names else "no fields"
        example = f", such as y[{names[0]!r}] for one field," if names else ""
        raise TypeError(
            f"y is a structured array ({fields}): give the targets as a plain array{example} or "
            "a 2-D array of several columns."
        )


def is_sparse(X):
    """Whether ``X`` is sparse as scikit-learn's validation reads it: a SciPy sparse matrix or
    array, or a pandas DataFrame of sparse columns (it has the ``.sparse`` accessor, which
    ``check_array`` turns into a SciPy matrix; the accessor also takes a frame of no columns,
    which is not sparse but empty)."""
    return sp.issparse(X) or (
        hasattr(X, "sparse") and getattr(X, "ndim", 0) == 2 and X.shape[1] > 0
    )


def weight_sources(params):
    """What sets the training rows' weights for an estimator with ``params``, for messages."""
    return "sample_weight and class_weight" if "class_weight" in params else "sample_weight"


def check_class_weight(class_weight):
    """Refuse a dict ``class_weight`` whose weights are not finite numbers >= 0."""
    if not isinstance(class_weight, dict):
        return
    not_numbers = {label: w for label, w in class_weight.items() if not isinstance(w, Real)}
    if not_numbers:
        raise ValueError(
            f"class_weight must map classes to numbers (weights >= 0), got {not_numbers!r}."
        )
    negative = {label: w for label, w in class_weight.items() if not _finite_non_negative(w)}
    if negative:
        raise ValueError(
            f"class_weight must map classes to finite weights >= 0 (as sample_weight must be), "
            f"got {negative!r}."
        )


def _finite_non_negative(weight):
    """Whether ``weight`` is a finite number >= 0 as a float (an int beyond float's range is
    not: ``10**400 < float("inf")`` holds, but training cannot take it)."""
    try:
        return 0 <= float(weight) < float("inf")
    except OverflowError:
        return False


def class_weight_factors(class_weight, classes):
    """The weight of each of ``classes`` by the dict ``class_weight`` (a class it leaves out
    weighs 1), as scikit-learn's ``compute_class_weight`` reads it, but keyed first by the labels
    as they are, then as scikit-learn keys them (``int(label)`` where that reads, so "01" and
    "1" both take the key 1): string labels that read as numbers also take their own strings
    as keys, where scikit-learn takes only the numbers. ``dump`` and ``load`` check a dict so.
    Keys that are no class are a ValueError naming them, where some class has no weight (a fold
    of a search that lacks a weighted class is no mistake)."""
    check_class_weight(class_weight)
    factors = np.ones(len(classes))
    weighted = np.zeros(len(classes), dtype=bool)
    matched = set()
    for index, label in enumerate(classes):
        label = label.item() if isinstance(label, np.generic) else label
        try:
            # scikit-learn's key for it: labels that read as integers are keyed by the integer.
            theirs = int(label)
        except (TypeError, ValueError):
            theirs = str(label)
        for key in (label, theirs):
            if key in class_weight:
                factors[index], weighted[index] = class_weight[key], True
                matched.add(key)
                break
    unmatched = [key for key in class_weight if key not in matched]
    if unmatched and not weighted.all():
        one = len(unmatched) == 1
        raise ValueError(
            f"class_weight has {'a key' if one else 'keys'} {unmatched!r} that "
            f"{'is' if one else 'are'} not among the classes of y, {classes.tolist()!r}, and "
            f"no weight for {np.asarray(classes)[~weighted].tolist()!r}: key each weight by "
            "its class as y holds it."
        )
    return factors


def float32_weights(weights, params):
    """``weights`` (float64) as the float32 the training takes, or ValueError where float32
    cannot hold them (``partial_fit`` takes its weights as given, not scaled); ``params`` those
    of the estimator, for the message."""
    # Overflow is refused below; underflow to float32's subnormal numbers or 0 is what the cast
    # means (and no error, whatever np.seterr the user set).
    with np.errstate(over="ignore", under="ignore"):
        converted = np.asarray(weights, dtype=np.float32)
    if not np.all(np.isfinite(converted)):
        raise ValueError(
            f"The training weights (by {weight_sources(params)}) hold values beyond float32's "
            f"range (±{np.finfo(np.float32).max:.3g}), in which the network trains; "
            "partial_fit takes the weights as given: scale them down."
        )
    if not np.any(converted):
        # Every weight below float32's smallest number: the data would count for nothing.
        raise ValueError(
            f"The training weights (by {weight_sources(params)}) are all below float32's "
            f"smallest number ({np.finfo(np.float32).smallest_subnormal:.3g}), in which the "
            "network trains, and would train on nothing; partial_fit takes the weights as "
            "given: scale them up."
        )
    return converted


def to_largest_1(weights):
    """``weights`` (float64) divided by the largest of them; unchanged if none is above 0."""
    largest = np.max(weights, initial=0.0)
    with np.errstate(under="ignore"):  # weights far below the largest: as small as they are
        return weights / largest if largest > 0 else weights


def unit_mean(weights):
    """The training rows' weights (float64, none zero) scaled to a mean of 1, as float32.

    Weights set how much each row counts against the others, never how much the data counts
    against the penalties: ``sample_weight`` and ``c * sample_weight`` train the same network
    (MLPClassifier divides its penalty by the weights' sum, so there ``c`` scales the penalty
    down), and uniform weights train the network of no weights. Keras' loss, the
    weighted sum divided by the batch's rows, is otherwise kept: weights of mean 1 train as in
    ``keras.Model.fit``. Computed in float64: tiny weights (a mean below float32's smallest
    normal number) would make a float32 factor infinite.
    """
    weights = np.asarray(weights, dtype=np.float64)
    # Divided by the largest first: the sum of weights near float64's largest number overflows
    # (every weight would become 0), and that of weights near its smallest makes the factor
    # infinite.
    weights = to_largest_1(weights)
    # Weights far below the others become float32's subnormal numbers or 0, as the cast means;
    # no error, whatever np.seterr the user set (MLPClassifier trains there).
    with np.errstate(under="ignore"):
        return (weights * (len(weights) / np.sum(weights))).astype(np.float32)
