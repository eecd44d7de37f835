"""Save and load a fitted L1L2Classifier or L1L2Regressor without pickle.

A file written by :func:`dump` is a zip archive with two members:

``l1l2-estimator.json``
    UTF-8 JSON: the format name and version, the versions that wrote it, the estimator's params,
    its labels (``classes_`` with their NumPy dtype), ``n_features_in_``, ``feature_names_in_``,
    the loss curve and the two seeds that continued training needs.
``model.keras``
    The fitted network in Keras' native ``.keras`` format (architecture, weights, optimizer state).

:func:`load` reads the JSON with :mod:`json`, rebuilds the network with
``keras.saving.load_model(..., safe_mode=True)`` and restores the estimator without fitting it.
Nothing is unpickled. The only names in the file that lead to code are Keras class names, which
Keras resolves to its own built-in (or user-registered) classes; Keras' safe mode refuses Python
lambdas, whose bytecode would otherwise run. Before Keras sees the network we also check that it is
a ``Sequential`` of ``Dense`` layers and holds no lambda, and Keras' safe mode is enforced even in a
process that called ``keras.config.enable_unsafe_deserialization()``.
"""

import contextlib
import importlib.metadata
import io
import json
import os
import tempfile
import zipfile
import zlib

import keras
import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    # keras.saving.load_model(safe_mode=True) gives way to a process-wide
    # keras.config.enable_unsafe_deserialization(); Keras' own scope restores safe mode for the
    # duration of our calls, whatever the rest of the process chose.
    from keras.src.saving.serialization_lib import SafeModeScope as _SafeModeScope
except ImportError:  # a future Keras moved it; the "__lambda__" check below still applies
    _SafeModeScope = None

from ._inference import dense_weights
from ._base import ROUTING_PREFIXES
from ._network import ACTIVATIONS
from .classifier import L1L2Classifier
from .regressor import L1L2Regressor

ESTIMATORS = {cls.__name__: cls for cls in (L1L2Classifier, L1L2Regressor)}

__all__ = ["dump", "load", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "l1l2-estimator"
FORMAT_VERSION = 1
METADATA_MEMBER = "l1l2-estimator.json"
MODEL_MEMBER = "model.keras"

# A member that declares far more bytes than it stores is a decompression bomb, not a model: refuse
# it before reading. DEFLATE cannot exceed ~1032:1 and trained weights barely compress, so these
# bounds (Keras applies the same rule to its own archives) leave genuine files plenty of room.
_BOMB_FLOOR_BYTES = 1 << 26  # 64 MiB
_BOMB_MAX_EXPANSION = 100

# What zipfile raises for a damaged archive; NotImplementedError and RuntimeError stand for an
# unknown compression method and an encrypted member.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)

# NumPy dtype kinds stored as JSON lists: bool, signed and unsigned int, float, unicode string.
# Object arrays are stored only when every element is a str (labels and column names from pandas).
_ARRAY_KINDS = frozenset("biufU")

# What ``model.keras`` may contain. Anything else is refused before Keras instantiates a layer, so a
# bypass of Keras' safe mode in some other layer class cannot be reached through our files.
_NETWORK_CLASS = "Sequential"
_LAYER_CLASSES = frozenset({"InputLayer", "Dense"})
# How Keras marks a Python function stored as bytecode (a lambda activation, initializer, ...).
_KERAS_LAMBDA = "__lambda__"


class _Refused(Exception):
    """Why a file cannot be loaded; :func:`load` turns it into a ValueError naming the file."""


class _Unstorable(Exception):
    """Why a param value cannot be written without pickle; :func:`dump` names the param."""


# -- public API ------------------------------------------------------------------------------


def dump(estimator, path):
    """Save a fitted :class:`~l1l2_estimator.L1L2Classifier` to ``path`` without pickle.

    The file holds the estimator's params, its labels and its Keras network in Keras' native
    ``.keras`` format; :func:`load` restores an estimator that predicts identically and can continue
    training with ``partial_fit``. An existing file at ``path`` is overwritten.

    Parameters
    ----------
    estimator : L1L2Classifier
        A fitted estimator.
    path : str or os.PathLike
        Where to write the file.

    Raises
    ------
    TypeError
        If ``estimator`` is not an ``L1L2Classifier`` (subclasses included: they would load back as
        ``L1L2Classifier``).
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a param cannot be stored without pickle. Callbacks are training-time Python objects and
        are never stored: set ``callbacks=None`` before dumping and pass them again after loading.

    See Also
    --------
    load : Read the file back.

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

    Notes
    -----
    Supported param values: None, bool, int, float, str, lists, tuples and dicts of these, NumPy
    scalars and arrays of bool, number or string dtype, ``numpy.random.RandomState``, Keras
    optimizers and learning-rate schedules. The file is built in memory and written only once it is
    complete, so a refused estimator leaves ``path`` untouched.
    """
    if type(estimator) not in ESTIMATORS.values():
        raise TypeError(
            "dump saves L1L2Classifier and L1L2Regressor estimators, got "
            f"{type(estimator).__qualname__}."
        )
    check_is_fitted(estimator)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "library_version": _library_version(),
        "keras_version": keras.__version__,
        "estimator": type(estimator).__name__,
        "params": _encode_params(estimator.get_params(deep=False)),
        "n_features_in_": int(estimator.n_features_in_),
        "loss_curve_": [float(loss) for loss in estimator.history_["loss"]],
        "training_state": {
            "shuffle_seed": int(estimator._shuffle_seed),
            "random_state": _optional_int(estimator._random_state),
        },
    }
    try:
        if isinstance(estimator, L1L2Classifier):
            metadata["classes_"] = _encode_array(np.asarray(estimator.classes_), "classes_")
        else:
            metadata["n_outputs_"] = int(estimator.n_outputs_)
            metadata["y_ndim"] = int(estimator._y_ndim)
        if hasattr(estimator, "feature_names_in_"):
            metadata["feature_names_in_"] = _encode_array(
                estimator.feature_names_in_, "feature_names_in_"
            )
    except _Unstorable as reason:
        raise ValueError(f"Cannot save the estimator: {reason}") from None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(METADATA_MEMBER, json.dumps(metadata))
        archive.writestr(MODEL_MEMBER, _keras_bytes(estimator.model_))
    with open(path, "wb") as handle:
        handle.write(buffer.getvalue())


def load(path):
    """Load an estimator saved by :func:`dump`, without unpickling anything.

    The Keras network is loaded with ``safe_mode=True`` and must be a ``Sequential`` of ``Dense``
    layers, so a file from an untrusted source cannot run code when loaded.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`dump`.

    Returns
    -------
    estimator : L1L2Classifier
        The fitted estimator: same params, labels, network weights and optimizer state; it predicts
        exactly as the saved one did and can continue training with ``partial_fit``.

    Raises
    ------
    ValueError
        If the file is not a complete, consistent file of this format (empty, truncated, another
        format, a plain ``.keras`` or pickle file, a network Keras' safe mode refuses), or was
        written in a newer format version. The message names the file and the reason.
    OSError
        If the file cannot be read (missing, permissions).

    See Also
    --------
    dump : Write the file; its docstring has an example.
    """
    try:
        metadata_bytes, model_bytes = _read_archive(path)
        metadata = _parse_metadata(metadata_bytes)
        estimator = _estimator_from_metadata(metadata)
        model = _load_network(model_bytes)
        _check_network_matches(model, estimator)
    except _Refused as refused:
        raise ValueError(f"Cannot load {os.fspath(path)}: {refused}") from refused.__cause__
    estimator._activations = (ACTIVATIONS[estimator.activation], estimator._output_layer()[1])
    estimator.model_ = model
    estimator._initialize_callbacks()
    estimator.coefs_, estimator.intercepts_ = dense_weights(model)
    return estimator


# -- writing ---------------------------------------------------------------------------------


def _library_version():
    try:
        return importlib.metadata.version("l1l2-estimator")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def _optional_int(value):
    return None if value is None else int(value)


def _keras_bytes(model):
    # keras.saving.save_model writes only to a path ending in ".keras".
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, MODEL_MEMBER)
        keras.saving.save_model(model, file)
        with open(file, "rb") as handle:
            return handle.read()


def _encode_params(params):
    if params.get("callbacks"):
        raise ValueError(
            "Cannot save callbacks: they are training-time Python objects that cannot be stored "
            "without pickle, and the fitted network does not depend on them. Call "
            "estimator.set_params(callbacks=None) before dump and pass them again after load to "
            "continue training with them."
        )
    encoded = {}
    for name, value in params.items():
        try:
            encoded[name] = _encode_value(value)
        except _Unstorable as reason:
            raise ValueError(
                f"Cannot save parameter {name}={value!r}: {reason} Supported values are None, "
                "bool, int, float, str, lists, tuples and dicts of these, NumPy scalars and arrays "
                "of bool, number or string dtype, numpy.random.RandomState, Keras optimizers and "
                "learning-rate schedules."
            ) from None
    return encoded


def _encode_value(value):
    """JSON-safe form of a param value. Lists stay lists; every other container or object becomes a
    dict tagged with ``"type"``, so that tuples, non-string dict keys and dtypes survive."""
    if isinstance(value, np.generic):
        return {"type": "numpy_scalar", **_encode_array(np.asarray(value), "value", key="value")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_encode_value(item) for item in value]
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [_encode_value(item) for item in value]}
    if isinstance(value, dict):
        items = [[_encode_value(key), _encode_value(item)] for key, item in value.items()]
        return {"type": "dict", "items": items}
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", **_encode_array(value, "value")}
    if isinstance(value, np.random.RandomState):
        _, keys, position, has_gauss, cached_gaussian = value.get_state(legacy=True)
        return {
            "type": "random_state",
            "keys": keys.tolist(),
            "pos": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        }
    if isinstance(value, _KERAS_OBJECTS):
        config = keras.saving.serialize_keras_object(value)
        try:
            json.dumps(config)
        except (TypeError, ValueError) as error:
            raise _Unstorable(f"its Keras config is not JSON-serializable ({error}).") from None
        return {"type": "keras_object", "config": config}
    raise _Unstorable(f"a {type(value).__qualname__} cannot be stored without pickle.")


_KERAS_OBJECTS = (keras.optimizers.Optimizer, keras.optimizers.schedules.LearningRateSchedule)


def _encode_array(array, what, key="items"):
    if array.dtype.kind in _ARRAY_KINDS:
        dtype = array.dtype.str
    elif array.dtype.kind == "O" and all(isinstance(item, str) for item in array.flat):
        dtype = "object"
    else:
        raise _Unstorable(
            f"{what} has dtype {array.dtype}; only bool, number, string and all-str object "
            "arrays can be stored without pickle."
        )
    return {"dtype": dtype, "shape": list(array.shape), key: array.tolist()}


# -- reading ---------------------------------------------------------------------------------


def _read_archive(path):
    """The two members' bytes. A file that cannot be opened raises OSError; anything that opens
    but is not our archive is refused."""
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if not head:
            raise _Refused("the file is empty.")
        # Checked before the zip test: a pickled estimator carries a .keras zip inside it, which
        # zipfile can find from the end of the file.
        if head[0] == 0x80:
            raise _Refused(
                "it is a pickle (or joblib) file, not an l1l2-estimator file; load never "
                "unpickles. Open pickles only from sources you trust, with pickle or joblib."
            )
        if not zipfile.is_zipfile(handle):
            raise _Refused(
                "it is not an l1l2-estimator file: not a zip archive (the file is truncated or in "
                "another format)."
            )
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
                if METADATA_MEMBER not in names:
                    hint = ""
                    if {"config.json", "model.weights.h5"} <= names:
                        hint = " It looks like a plain Keras model: use keras.saving.load_model."
                    raise _Refused(
                        f"it is not an l1l2-estimator file: the zip archive has no "
                        f"{METADATA_MEMBER}.{hint}"
                    )
                if MODEL_MEMBER not in names:
                    raise _Refused(f"the zip archive has no {MODEL_MEMBER}.")
                return _read_member(archive, METADATA_MEMBER), _read_member(archive, MODEL_MEMBER)
        except _ZIP_ERRORS as error:
            raise _Refused(f"its zip archive is damaged or unreadable ({error}).") from error


def _read_member(archive, name):
    info = archive.getinfo(name)
    if (
        info.file_size > _BOMB_FLOOR_BYTES
        and info.file_size > _BOMB_MAX_EXPANSION * max(info.compress_size, 1)
    ):
        raise _Refused(
            f"its member {name} declares {info.file_size} bytes but stores only "
            f"{info.compress_size}; refusing a likely decompression bomb."
        )
    return archive.read(name)


def _parse_metadata(data):
    try:
        metadata = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _Refused(f"its {METADATA_MEMBER} is not valid UTF-8 JSON ({error}).") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        found = metadata.get("format") if isinstance(metadata, dict) else None
        raise _Refused(
            f"its {METADATA_MEMBER} does not describe an l1l2-estimator file "
            f"(format is {found!r}, expected {FORMAT_NAME!r})."
        )
    version = metadata.get("format_version")
    if type(version) is not int or version < 1:
        raise _Refused(f"its format_version {version!r} is not a positive integer.")
    if version > FORMAT_VERSION:
        raise _Refused(
            f"it was written in format version {version} (by l1l2-estimator "
            f"{metadata.get('library_version')!r}), newer than the versions up to "
            f"{FORMAT_VERSION} that l1l2-estimator {_library_version()} reads; upgrade "
            "l1l2-estimator to load it."
        )
    estimator_name = metadata.get("estimator")
    if estimator_name not in ESTIMATORS:
        raise _Refused(f"it holds an estimator of unknown class {estimator_name!r}.")
    return metadata


def _field(metadata, key, *types):
    """``metadata[key]``, refused unless present and of one of ``types`` (JSON types, exactly)."""
    if key not in metadata:
        raise _Refused(f"its {METADATA_MEMBER} lacks {key!r}.")
    value = metadata[key]
    if type(value) not in types:
        expected = " or ".join(_JSON_TYPE_NAMES[kind] for kind in types)
        raise _Refused(f"{key!r} in its {METADATA_MEMBER} must be {expected}, got {value!r}.")
    return value


_JSON_TYPE_NAMES = {dict: "an object", list: "a list", int: "an integer", type(None): "null"}


def _estimator_from_metadata(metadata):
    """An estimator with the stored params and every fitted attribute except the network."""
    estimator_class = ESTIMATORS[metadata["estimator"]]
    params = _decode_params(_field(metadata, "params", dict), estimator_class)
    estimator = estimator_class(**params)
    try:
        estimator._validate_params()
        estimator._check_params()
    except ValueError as error:
        raise _Refused(f"its params are invalid: {error}") from error
    if estimator.callbacks:  # dump never stores callbacks
        raise _Refused("it holds callbacks, which this format never stores.")

    if estimator_class is L1L2Regressor:
        n_outputs = _field(metadata, "n_outputs_", int)
        y_ndim = _field(metadata, "y_ndim", int)
        if n_outputs < 1 or y_ndim not in (1, 2) or (y_ndim == 1 and n_outputs != 1):
            raise _Refused(f"n_outputs_ {n_outputs} and y_ndim {y_ndim} do not fit together.")
        classes = np.zeros((0,) if y_ndim == 1 else (0, n_outputs), dtype=np.float32)
        estimator._y_ndim = y_ndim
    else:
        classes = _decode_array(_field(metadata, "classes_", dict), "classes_")
        if classes.ndim != 1 or classes.size < 2 or not np.array_equal(np.unique(classes), classes):
            raise _Refused("classes_ must be at least 2 distinct labels in sorted order.")
        estimator.classes_ = classes
    n_features = _field(metadata, "n_features_in_", int)
    if n_features < 1:
        raise _Refused(f"n_features_in_ must be >= 1, got {n_features}.")
    loss_curve = _field(metadata, "loss_curve_", list)
    if not all(type(loss) in (int, float) for loss in loss_curve):
        raise _Refused("loss_curve_ must be a list of numbers.")
    training_state = _field(metadata, "training_state", dict)
    shuffle_seed = _field(training_state, "shuffle_seed", int)
    keras_seed = _field(training_state, "random_state", int, type(None))

    # The same steps as scikeras' _initialize, with the stored labels (or an empty y of the stored
    # width) in place of y and an empty X of the stored width: the encoders learn only those.
    estimator._random_state = keras_seed
    if "feature_names_in_" in metadata:
        names = _decode_array(_field(metadata, "feature_names_in_", dict), "feature_names_in_")
        if names.dtype != object or names.shape != (n_features,):
            raise _Refused("feature_names_in_ must hold one str per feature.")
        estimator.feature_names_in_ = names
    estimator.n_features_in_ = n_features
    try:
        estimator.target_encoder_ = estimator.target_encoder.fit(classes)
        estimator.feature_encoder_ = estimator.feature_encoder.fit(
            np.zeros((0, n_features), dtype=np.float32)
        )
    except (TypeError, ValueError, MemoryError) as error:
        raise _Refused(f"its labels or feature count cannot be encoded ({error}).") from error
    vars(estimator).update(estimator.target_encoder_.get_metadata())
    if estimator_class is L1L2Classifier:
        # The encoder, given explicit categories, reports them as an object array; the labels
        # that predict returns keep their stored dtype.
        estimator.classes_ = classes
    estimator._shuffle_seed = shuffle_seed
    estimator.history_ = {"loss": [float(loss) for loss in loss_curve]}
    return estimator


def _decode_params(encoded, estimator_class):
    allowed = set(estimator_class().get_params(deep=False))
    params = {}
    for name, value in encoded.items():
        prefix, _, rest = name.partition("__")
        routed = prefix in ROUTING_PREFIXES and rest.isidentifier() and not name.endswith("_")
        if name not in allowed and not routed:
            raise _Refused(f"it holds an unknown parameter {name!r}.")
        params[name] = _decode_value(value, name)
    return params


def _decode_value(value, name):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode_value(item, name) for item in value]
    if type(value) is not dict:
        raise _Refused(f"parameter {name!r} holds an unreadable value {value!r}.")
    tag = value.get("type")
    if tag == "tuple":
        return tuple(_decode_value(item, name) for item in _tagged_items(value, name))
    if tag == "dict":
        pairs = _tagged_items(value, name)
        if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
            raise _Refused(f"parameter {name!r} holds a dict whose items are not pairs.")
        try:
            return {_decode_value(key, name): _decode_value(item, name) for key, item in pairs}
        except TypeError:  # an unhashable key
            raise _Refused(f"parameter {name!r} holds a dict with an unhashable key.") from None
    if tag == "numpy_scalar":
        array = _decode_array({**value, "items": value.get("value")}, name)
        if array.ndim != 0:
            raise _Refused(f"parameter {name!r} holds a NumPy scalar with a shape.")
        return array[()]
    if tag == "ndarray":
        return _decode_array(value, name)
    if tag == "random_state":
        return _decode_random_state(value, name)
    if tag == "keras_object":
        return _decode_keras_object(value.get("config"), name)
    raise _Refused(f"parameter {name!r} holds a value of unknown type {tag!r}.")


def _tagged_items(value, name):
    items = value.get("items")
    if type(items) is not list:
        raise _Refused(f"parameter {name!r} holds a {value.get('type')} without items.")
    return items


def _decode_array(value, what):
    dtype_name, shape, items = value.get("dtype"), value.get("shape"), value.get("items")
    if type(dtype_name) is not str or type(shape) is not list:
        raise _Refused(f"{what} is not a stored array.")
    try:
        dtype = np.dtype(dtype_name)
        if dtype.kind not in _ARRAY_KINDS and dtype.kind != "O":
            raise ValueError(f"dtype {dtype_name!r} is not stored by this format")
        array = np.array(items, dtype=dtype)
        if list(array.shape) != shape:
            raise ValueError(f"shape {list(array.shape)} differs from the stored shape {shape}")
        if dtype.kind == "O" and not all(isinstance(item, str) for item in array.flat):
            raise ValueError("an object array may hold only str")
        # NumPy casts silently (long strings truncated to the dtype's width, floats to ints);
        # the stored values must come back exactly.
        if dtype.kind != "f" and array.tolist() != items:
            raise ValueError("its values do not fit its dtype")
    except (TypeError, ValueError, OverflowError) as error:
        raise _Refused(f"{what} is not a valid stored array: {error}.") from None
    return array


def _decode_random_state(value, name):
    keys = value.get("keys")
    try:
        if type(keys) is not list or not all(type(key) is int for key in keys):
            raise ValueError("keys must be a list of integers")
        random_state = np.random.RandomState()
        random_state.set_state((
            "MT19937",
            np.array(keys, dtype=np.uint32),
            value.get("pos"),
            value.get("has_gauss"),
            value.get("cached_gaussian"),
        ))
    except (TypeError, ValueError, OverflowError) as error:
        raise _Refused(f"parameter {name!r} holds an invalid RandomState: {error}.") from None
    return random_state


def _decode_keras_object(config, name):
    if _holds_lambda(config):
        raise _Refused(f"parameter {name!r} holds a Python lambda, which is never loaded.")
    try:
        with _safe_mode():
            value = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as error:  # Keras raises many types for configs it cannot rebuild
        raise _Refused(
            f"parameter {name!r} holds a Keras object that cannot be rebuilt in safe mode: "
            f"{_first_line(error)}"
        ) from error
    if not isinstance(value, _KERAS_OBJECTS):
        raise _Refused(
            f"parameter {name!r} holds a {type(value).__qualname__}, not an optimizer or "
            "learning-rate schedule."
        )
    return value


def _first_line(error):
    text = str(error).strip().splitlines()
    text = text[0] if text else type(error).__name__
    return text if len(text) <= 300 else text[:300] + "..."


# -- the network -----------------------------------------------------------------------------


def _load_network(model_bytes):
    _check_network_config(model_bytes)
    # keras.saving.load_model reads only from a path ending in ".keras".
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, MODEL_MEMBER)
        with open(file, "wb") as handle:
            handle.write(model_bytes)
        try:
            with _safe_mode():
                return keras.saving.load_model(file, compile=True, safe_mode=True)
        except Exception as error:  # Keras raises many types for files it cannot load
            raise _Refused(
                f"Keras refused its {MODEL_MEMBER} (loaded with safe_mode=True): "
                f"{_first_line(error)}"
            ) from error


def _safe_mode():
    return contextlib.nullcontext() if _SafeModeScope is None else _SafeModeScope(True)


def _holds_lambda(config):
    """Whether a Keras config holds a Python function stored as bytecode, at any depth."""
    pending = [config]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if item.get("class_name") == _KERAS_LAMBDA:
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _check_network_config(model_bytes):
    """Refuse, before Keras builds anything, a network that is not a Sequential of Dense layers."""
    try:
        with zipfile.ZipFile(io.BytesIO(model_bytes)) as archive:
            config = json.loads(_read_member(archive, "config.json").decode("utf-8"))
    except (*_ZIP_ERRORS, KeyError, ValueError) as error:  # no config.json; bad UTF-8 or JSON
        raise _Refused(f"its {MODEL_MEMBER} is not a Keras .keras archive ({error}).") from error
    if not isinstance(config, dict) or config.get("class_name") != _NETWORK_CLASS:
        found = config.get("class_name") if isinstance(config, dict) else None
        raise _Refused(f"its {MODEL_MEMBER} holds a {found!r} model, not a Sequential.")
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if type(layers) is not list:
        raise _Refused(f"its {MODEL_MEMBER} lists no layers.")
    for layer in layers:
        if (
            not isinstance(layer, dict)
            or layer.get("class_name") not in _LAYER_CLASSES
            or layer.get("module") != "keras.layers"
            or layer.get("registered_name") is not None
        ):
            found = layer.get("class_name") if isinstance(layer, dict) else layer
            raise _Refused(
                f"its {MODEL_MEMBER} holds a {found!r} layer; only Dense layers are allowed."
            )
    if _holds_lambda(config):
        raise _Refused(f"its {MODEL_MEMBER} holds a Python lambda, which is never loaded.")


def _check_network_matches(model, estimator):
    """The loaded network must be the one the params describe: predictions use the params'
    activation and the labels' count, partial_fit uses the network."""
    sizes = estimator.hidden_layer_sizes
    sizes = [sizes] if isinstance(sizes, (int, np.integer)) else [int(size) for size in sizes]
    n_outputs, output_activation, _ = estimator._output_layer()
    layers = list(model.layers) if isinstance(model, keras.Sequential) else []
    if not layers or not all(type(layer) is keras.layers.Dense for layer in layers):
        raise _Refused(f"its {MODEL_MEMBER} is not a Sequential of Dense layers.")
    shapes = [tuple(layer.kernel.shape) for layer in layers]
    expected_shapes = list(zip([estimator.n_features_in_, *sizes], [*sizes, n_outputs]))
    if shapes != expected_shapes:
        raise _Refused(
            f"its network has kernels of shapes {shapes}, but its params, features and classes "
            f"call for {expected_shapes}."
        )
    activations = [layer.get_config()["activation"] for layer in layers]
    expected_activations = [ACTIVATIONS[estimator.activation]] * len(sizes)
    expected_activations.append(output_activation)
    if activations != expected_activations:
        raise _Refused(
            f"its network uses activations {activations}, but its params call for "
            f"{expected_activations}."
        )
    if not all(layer.use_bias for layer in layers) or model.optimizer is None:
        raise _Refused("its network lacks biases or a compiled optimizer.")
