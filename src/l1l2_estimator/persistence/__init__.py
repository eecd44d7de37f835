"""Save and load a fitted L1L2Classifier or L1L2Regressor without pickle.

A file written by :func:`dump` is a zip archive with two members:

``l1l2-estimator.json``
    UTF-8 JSON: the format name and version, the versions that wrote it, the estimator's class
    and params, its labels (``classes_`` with their NumPy dtype; for a multilabel classifier the
    number of labels and the indicator dtype) or output shape,
    ``n_features_in_``, ``feature_names_in_``, the loss curve, the seed that continued
    training needs and any metadata-routing requests (see ``_schema``).
``model.keras``
    The fitted network in Keras' native ``.keras`` format (architecture, weights, optimizer
    state; see ``_network``).

:func:`load` treats the file as hostile until proven otherwise: it reads it whole into memory
through hard size limits (``_archive``), checks the metadata (``_schema``), the whole Keras
configuration against allow-lists (``_keras_config``, ``_keras_objects``) and the weights file's
layout (``_weights``) before reading any weight, and then rebuilds the estimator from the stored
params, taking only the weights and the optimizer state from the file. Nothing is unpickled,
nothing is handed to Keras' deserialization, nothing is written to disk.
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import functools
import json
import os

from .. import __version__
from .._compat import not_converted, require_eager_execution
from .._files import write_replacing
from ..classifier import L1L2Classifier
from ..regressor import L1L2Regressor
from ._archive import (
    MAX_FILE_BYTES,
    METADATA_MEMBER,
    MODEL_MEMBER,
    Refused,
    open_saved_file,
    read_file,
    zip_bytes,
)
from ._network import (
    MAX_NETWORK_BYTES,
    ExpectedNetwork,
    check_params_describe_state,
    check_stored_values,
    keras_bytes,
    read_network,
)
from ._schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_METADATA_BYTES,
    ArrayBudget,
    check_stored_params,
    estimator_from_metadata,
    fitted_fields,
    metadata,
    metadata_requests,
    parse_metadata,
    set_requests,
)

__all__ = ["dump", "load", "FORMAT_NAME", "FORMAT_VERSION"]

ESTIMATORS = {cls.__name__: cls for cls in (L1L2Classifier, L1L2Regressor)}


def _network_place(estimator, kinds):
    """``(where, steps)``: where the fitted network of one of ``kinds`` is in ``estimator`` (""
    for itself, ".best_estimator_" in a search, "[-1]" as a Pipeline's last step), and whether
    steps before it transform X; None where it holds none there."""
    if isinstance(estimator, kinds):
        return "", False
    if hasattr(estimator, "l1s") or isinstance(getattr(estimator, "estimator", None), kinds):
        return ".best_estimator_", False  # our search, or scikit-learn's over one of ours
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps and isinstance(steps[-1][-1], kinds):
        return "[-1]", True
    return None


@not_converted
def dump(estimator, path):
    """Save a fitted L1L2Classifier or L1L2Regressor to ``path`` without pickle.

    The file holds the estimator's params, its labels or output shape, the metadata-routing
    requests set on it (``set_fit_request`` and the like), and its Keras network in Keras'
    native ``.keras`` format; :func:`load` restores an estimator that predicts identically
    and can continue training with ``partial_fit``. An existing file at ``path`` is replaced
    once the new one is complete: a write that fails (a full disk) or is interrupted leaves it
    as it was, and no partial file.

    Parameters
    ----------
    estimator : L1L2Classifier or L1L2Regressor
        A fitted estimator: single-label, multilabel (an indicator ``y``) or regression. For a
        fitted ``L1L2ClassifierCV`` or ``L1L2RegressorCV``, dump its ``best_estimator_``; for a
        ``Pipeline``, its last step (the steps before it are not networks: save them with
        joblib).
    path : str, bytes or os.PathLike
        Where to write the file.

    Raises
    ------
    TypeError
        If ``path`` is not a str, bytes or os.PathLike (an int would be taken as an open
        file descriptor), or ``estimator`` is not an ``L1L2Classifier`` or ``L1L2Regressor``
        (subclasses included: they would load back as their base class; a cross-validated
        estimator is told to dump its ``best_estimator_``).
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a param or the labels cannot be stored without pickle (NumPy's long double,
        fixed-width strings of more than 1,024 characters, a Keras object in a param other than
        ``optimizer`` and ``optimizer__learning_rate``), or a metadata-routing alias is longer
        than 100 characters. Callbacks are training-time Python objects and
        are never stored: set ``callbacks=None`` before dumping and pass them again after loading.
        Also if ``hidden_layer_sizes``, ``activation``, the optimizer params or a regressor's
        ``loss`` were changed after fitting: :func:`load` rebuilds the network and its
        optimizer from the params.
    OSError
        If the file cannot be written; it names ``path`` (also where the system's error, a full
        disk's, names no file).

    See Also
    --------
    load : Read the file back.

    Notes
    -----
    Supported param values: None, bool, int, float, str, lists, tuples and dicts of these, NumPy
    scalars and arrays of bool, integer, float (of at most 64 bits) or string dtype,
    ``numpy.random.RandomState``, and as ``optimizer`` a Keras optimizer of the classes that the
    ``optimizer`` param names, as ``optimizer__learning_rate`` one of Keras' learning-rate
    schedules. The file is built in memory and written only once it is
    complete, so a refused estimator leaves ``path`` untouched.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import make_classification
    >>> from l1l2_estimator import L1L2Classifier
    >>> from l1l2_estimator.persistence import dump, load
    >>> X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    >>> clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.l1l2")
    >>> dump(clf, path)
    >>> bool((load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    path = _file_path(path)
    if type(estimator) not in ESTIMATORS.values():
        ours = tuple(ESTIMATORS.values())
        place = _network_place(estimator, ours)
        if place == (".best_estimator_", False):  # our search, or scikit-learn's over one of ours
            hint = " Dump its best_estimator_ (fitted with refit=True)."
        elif place == ("[-1]", True):
            hint = (
                " Dump its last step (pipeline[-1]) and keep the steps before it another way, "
                "e.g. with pickle or joblib: the network predicts on their output, and wrongly "
                "on raw X."
            )
        elif (place := _network_place(getattr(estimator, "regressor", None), ours)) is not None:
            # A TransformedTargetRegressor.
            where, steps = place
            hint = (
                f" Dump its fitted network (regressor_{where}) and keep the target transformer"
                f"{' and the pipeline steps before the network' if steps else ''} another way, "
                "e.g. with pickle or joblib: the network predicts the transformed target"
                f"{' from the transformed X' if steps else ''}, which only the transformer's "
                "inverse brings back to y's scale."
            )
        else:
            hint = ""
        raise TypeError(
            "dump saves L1L2Classifier and L1L2Regressor estimators, got "
            f"{type(estimator).__qualname__}.{hint}"
        )
    # Everything is read from one fit's attributes: a refit in another thread meanwhile had
    # made files of one fit's loss curve and another's weights (or refused ones, where the
    # refit saw other columns).
    fitted = estimator._fitted_view()
    content = metadata(fitted, library_version=__version__)
    state = fitted._get_fitted_state()
    check_params_describe_state(fitted, state)
    text = json.dumps(content, allow_nan=False)
    try:
        check_stored_params(json.loads(text), type(fitted), state["targets"])
    except Refused as reason:
        raise ValueError(
            f"Cannot save the estimator (load would refuse the file): {reason} Set them to "
            "values a fit takes, or fit again."
        ) from None
    try:
        metadata_requests(content, type(fitted))
    except Refused as reason:  # an alias longer than load reads
        raise ValueError(
            f"Cannot save the estimator (load would refuse the file): {reason} Set the request "
            "again with a shorter alias."
        ) from None
    # The network of the fitted state, not model_: a copy that the user may have changed
    # (model_.fit, set_weights), which the file had held instead of the estimator's weights.
    network = keras_bytes(fitted._keras_model(state))
    expected = ExpectedNetwork(fitted, state)
    try:
        check_stored_values(network, fitted, expected.kernel_shapes)
    except Refused as reason:
        raise ValueError(
            f"Cannot save the estimator (load would refuse the file): {reason} Its training "
            "left values that load does not read (an optimizer that accumulates squared "
            "gradients, such as Adagrad, overflows float32 on huge ones): scale the features "
            "(StandardScaler) and the target, and fit again; pickle keeps it as it is."
        ) from None
    limit = expected.byte_limit()
    if len(network) > limit:
        # load reads at most this much of it: such a file was written and then refused.
        raise ValueError(
            f"Cannot save the estimator: its network takes {len(network)} bytes in Keras' format "
            f"(weights and optimizer state), more than this format reads for it ({limit} bytes; "
            f"at most {MAX_NETWORK_BYTES} for any network). Use fewer hidden units or features."
        )
    data = zip_bytes({METADATA_MEMBER: text, MODEL_MEMBER: network})
    if len(data) > MAX_FILE_BYTES:
        # A network near the limit above, stored uncompressed where it deflates too well to be
        # told from a decompression bomb, with the metadata beside it.
        raise ValueError(
            f"Cannot save the estimator: its file would take {len(data)} bytes, more than the "
            f"{MAX_FILE_BYTES} bytes load reads. Use fewer hidden units or features."
        )
    write_replacing(path, functools.partial(_write_bytes, data))


def _write_bytes(data, path):
    with open(path, "wb") as handle:
        handle.write(data)


@not_converted
def load(path):
    """Load an estimator saved by :func:`dump`, without unpickling anything.

    The file may come from someone you do not trust: everything in it is checked against what this
    format allows before anything is built from it (see README, "Safe files"), and the estimator is
    rebuilt from its stored params, taking only the weights and the optimizer state from the file.
    No Python code in a file is ever run, nothing is written to disk, and every part of the file is
    read through a hard size limit.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        A file written by :func:`dump`.

    Returns
    -------
    estimator : L1L2Classifier or L1L2Regressor
        The fitted estimator: same params, labels (or multilabel indicator dtype), network weights
        and optimizer state; it predicts exactly as the saved one did and can continue training
        with ``partial_fit``.

    Raises
    ------
    TypeError
        If ``path`` is not a str, bytes or os.PathLike.
    ValueError
        If the file is not a complete, consistent file of this format (empty, truncated, another
        format, a plain ``.keras`` or pickle file, not a regular file, anything outside the
        allow-lists or limits), or was written in a newer format version. The message names the
        file and the reason: ``Cannot load <path>: <reason>``.
    OSError
        If the file cannot be read (missing, permissions).

    See Also
    --------
    dump : Write the file; its docstring has an example.
    """
    path = _file_path(path)
    require_eager_execution()  # Keras builds the optimizer: not the file's fault in graph mode
    try:
        archive = open_saved_file(read_file(path))
        content = parse_metadata(archive.read(METADATA_MEMBER, MAX_METADATA_BYTES), ESTIMATORS)
        arrays = ArrayBudget()  # one for the whole file
        estimator = estimator_from_metadata(content, ESTIMATORS[content["estimator"]], arrays)
        fields = fitted_fields(content, estimator, arrays)
        set_requests(estimator, metadata_requests(content, type(estimator)))
        network = read_network(archive, estimator, fields)
        try:
            estimator._set_fitted_state(**fields, **network)
        except (TypeError, ValueError) as error:  # e.g. labels no classifier takes
            raise Refused(f"its fitted state is invalid: {str(error)[:300]}") from error
    except Refused as refused:
        # (Its message holds its cause's: chained, the same text had come twice.)
        raise ValueError(f"Cannot load {os.fspath(path)}: {refused}") from None
    return estimator


def _file_path(path):
    """``path`` as a file system path (str or bytes); TypeError for anything else, ValueError for
    a path with a NUL character. Python's ``open`` and ``os.stat`` take an int (True included)
    as an open file descriptor: ``dump`` wrote into whatever file that was and closed it."""
    if isinstance(path, (str, bytes, os.PathLike)):
        path = os.fspath(path)
        if ("\0" if isinstance(path, str) else b"\0") in path:  # os.stat: "embedded null byte"
            raise ValueError(f"path {path!r} holds a NUL character, which no file name can hold.")
        return path
    raise TypeError(
        f"path must be a str, bytes or os.PathLike, got {type(path).__name__}: {path!r}."
    )
