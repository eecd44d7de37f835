"""The metadata member: a fixed JSON schema for the estimator's params and fitted fields.

``l1l2-estimator.json`` holds the format name and version, the versions that wrote it, the
estimator's class and params, and what the network alone does not tell: the labels (``classes_``
with their NumPy dtype) or the regressor's output shape, ``n_features_in_``,
``feature_names_in_``, the loss curve, the shuffling seed that continued training needs, and
the metadata-routing requests set on the estimator (only where there are any).

Params are JSON values where JSON has the type (None, bool, int, float, str, list). Every other
value a param can hold is a JSON object tagged with ``"type"``, one of a closed set (``TAGS``):
tuples, dicts (``class_weight``), NumPy scalars and arrays (with their dtype; a float item that
is not finite as the string "inf", "-inf" or "nan"), floats that are not finite, a
``numpy.random.RandomState``, and, as the params ``optimizer`` and ``optimizer__learning_rate``,
Keras optimizers and learning-rate schedules (Keras' own serialization, read back through the
allow-list of ``_keras_objects``). Anything else cannot be saved.

Reading treats every value as hostile: the JSON is parsed strictly (no repeated keys, bounded
nesting, no ``NaN`` or ``Infinity``), arrays are checked for dtype, width, nesting and size
before NumPy allocates them (all the arrays of a file together within one budget), a Keras
object is built only where a param holds one, and every fitted field must be of the expected
type and range (finite losses and scores, a shuffling seed in the range that TensorFlow and
scikit-learn accept).
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import json
import math
import re
from collections import Counter

import keras
import numpy as np
from sklearn import config_context
from sklearn.base import is_classifier
from sklearn.utils.multiclass import check_classification_targets

from .._compat import validate_params
from .._inputs import class_weight_factors
from .._params import FLOAT32_LARGEST, is_routed
from ..classifier import Multilabel
from ._archive import METADATA_MEMBER, Refused
from ._keras_objects import (
    check_keys,
    check_optimizer,
    check_schedule,
    first_line,
    is_finite_number,
    keras_object_from_config,
    show,
    storable_keras_object,
)

FORMAT_NAME = "l1l2-estimator"
# The newest format this version reads and writes. Format 2 is format 1 with the regressor's
# ``loss`` param, written only for ``loss="poisson"`` (a squared-error file leaves the param out
# and stays format 1, which earlier versions read). Format 3 adds ``metadata_requests``, written
# only for an estimator with metadata-routing requests set: earlier versions, which read every
# other file, refuse these as newer rather than as holding a key they do not know. Format 4
# writes a float param that is not finite (n_iter_no_change=np.inf), which JSON has no number
# for, as a tagged value (in an array or NumPy scalar, as a string): formats 1 to 3 held Python's
# NaN and Infinity tokens there, which this version refuses as not JSON.
FORMAT_VERSION = 4

# The most bytes that the metadata member may inflate to: 100,000 feature names or labels take
# about 2 MiB; decoded JSON takes up to ~25 times its size in memory.
MAX_METADATA_BYTES = 1 << 23  # 8 MiB

# NumPy dtype kinds stored as JSON lists: bool, signed and unsigned int, float, unicode string.
# Object arrays are stored only when every element is a str (labels and column names from pandas).
_ARRAY_KINDS = frozenset("biufU")
# The dtype names dump writes: a dtype's ``str`` (byte order, kind, width: '<f4', '|b1', '<U5')
# or "object", of a width of at least 1 (NumPy widens '<U0' to its longest item, past every
# limit). Checked again once parsed (``_dump_writes``): NumPy reads other spellings of a dtype
# ('|i8', '=i8', '<i1', 'i00008') as the same one, and 'b' as int8.
_DTYPE_NAME = re.compile(r"[<>|][biufU][1-9][0-9]{0,9}|object")
# Floats of at most 8 bytes: JSON numbers are float64, and json cannot write NumPy's long double
# ('g', '<f16' on most platforms), so no file of dump holds one.
MAX_FLOAT_BYTES = 8
# Fixed-width strings (a '<U' dtype) of at most this many characters: predict returns an array of
# that width, so a file declaring '<U33554432' labels would cost 128 MiB per predicted row.
MAX_STRING_CHARACTERS = 1024
# Labels of a multilabel classifier (the network's file must still hold an output unit for each).
MAX_LABELS = 1_000_000
# The stored arrays of a file (labels, feature names, array and NumPy scalar params) may take at
# most this much memory together once decoded, whatever their JSON size and number: an '<U1024'
# array of empty strings takes 1,365 times its JSON, and a 5 KB file listing twenty of 64 MiB in a
# param took 1.3 GiB before its params were refused (``ArrayBudget``).
MAX_ARRAY_BYTES = 1 << 26  # 64 MiB
MAX_ARRAY_DIMENSIONS = 32
# Dense layers (hidden and output) of a network that this format stores.
MAX_LAYERS = 1024
# The most list items the params of a file hold in all (see _check_param_items).
PARAM_ITEMS = 100_000
# The metadata nests about 6 deep (an array param of MAX_ARRAY_DIMENSIONS a little deeper), Keras'
# config about 7; decoding recurses, so deeper nesting is refused before.
MAX_JSON_DEPTH = 64
# Lists and objects in the metadata: each costs ~100 bytes once parsed, from two bytes of JSON
# ("[]"), so 8 MiB of them would take ~400 MiB. Real metadata holds a few dozen, or about three per
# class of a class_weight dict.
MAX_JSON_CONTAINERS = 200_000
# A JSON string, matched without backtracking (possessive runs of plain characters between
# escapes): ``(?:[^"\\]|\\.)*`` kept a backtracking frame per character, ~130 bytes each, so
# one 8 MiB string in a file took 1 GiB before anything was refused. An unterminated string runs
# to the end of the data: were it required to close, every quote of a run of '"\\' pairs would
# start a failed scan to the end, and 8 MiB of them would take a day and a half.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)', re.DOTALL)
# shuffle_seed seeds TensorFlow's stateless shuffle and scikit-learn's split of early_stopping,
# which takes seeds in [0, 2**32).
MAX_SHUFFLE_SEED = (1 << 32) - 1

# How many keys of a stored dict may share one hash value. Python hashes ints predictably (every
# multiple of 2**61 - 1 hashes to 0), and a dict of n keys with one hash takes time quadratic in n
# to build: 80,000 of them, a 0.9 MB file, took 41 s to load. Genuine keys (class labels) rarely
# share a hash (-1 and -2 do).
MAX_KEYS_PER_HASH = 8

_KERAS_OBJECTS = (keras.optimizers.Optimizer, keras.optimizers.schedules.LearningRateSchedule)
# The params that may hold a Keras object (an optimizer; a learning-rate schedule routed to it):
# only there is one stored and built. Building one takes ~2 ms and ~90 KB: a 6 KB file listing
# 8,000 in another param took 17 s and 700 MiB before its params were refused (and the metadata's
# limits let a file list 66,000).
KERAS_OBJECT_PARAMS = ("optimizer", "optimizer__learning_rate")
_KERAS_OBJECT_PLACES = (
    "a Keras optimizer or learning-rate schedule is stored only as the whole value of the param "
    f"{' or '.join(KERAS_OBJECT_PARAMS)}."
)

# A metadata-routing alias (``set_fit_request(sample_weight="w")``) is a Python identifier, as
# scikit-learn requires; real ones are short.
MAX_ALIAS_CHARACTERS = 100

SUPPORTED_VALUES = (
    "None, bool, int, float, str, lists, tuples and dicts of these, NumPy scalars and arrays of "
    "bool, integer, float (of at most 64 bits) or string dtype, numpy.random.RandomState, and as "
    "optimizer or optimizer__learning_rate Keras optimizers and learning-rate schedules"
)


def _spend_on_list(budget, values, name):
    try:
        budget.spend(32 * len(values))
    except ValueError as error:
        raise Refused(f"{name} is too long ({len(values)} entries): {error}.") from None


class ArrayBudget:
    """The memory left to the stored arrays of one file once decoded: ``MAX_ARRAY_BYTES`` for all
    of them together."""

    def __init__(self):
        self.spent = 0

    def spend(self, size):
        """Count ``size`` more bytes, or ValueError if they exceed what is left."""
        if size > MAX_ARRAY_BYTES:
            raise ValueError(f"it would take more than {MAX_ARRAY_BYTES} bytes")
        if self.spent + size > MAX_ARRAY_BYTES:
            raise ValueError(
                f"it would take {size} bytes and the file's arrays before it {self.spent}, more "
                f"than the {MAX_ARRAY_BYTES} bytes that the arrays of a file may take together"
            )
        self.spent += size


class Unstorable(Exception):
    """Why a value cannot be written without pickle; ``dump`` names the param."""


# -- params --------------------------------------------------------------------------------


def encode_params(params):
    """The JSON form of ``get_params(deep=False)``; ValueError names a param that cannot be
    stored."""
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
            encoded[name] = encode_value(value, keras_object=name in KERAS_OBJECT_PARAMS)
        except Unstorable as reason:
            raise ValueError(
                f"Cannot save parameter {name}={value!r}: {reason} Supported values are "
                f"{SUPPORTED_VALUES}."
            ) from None
    return encoded


def decode_params(encoded, estimator_class, budget):
    """The params stored by :func:`encode_params`, refused unless each is a param of
    ``estimator_class`` or a routed argument; their arrays are counted in ``budget`` (an
    ``ArrayBudget``)."""
    allowed = set(estimator_class().get_params(deep=False))
    params = {}
    for name, value in encoded.items():
        if name not in allowed and not (is_routed(name) and name.isidentifier()):
            raise Refused(f"it holds an unknown parameter {show(name)}.")
        params[name] = decode_value(
            value, name, budget, keras_object=name in KERAS_OBJECT_PARAMS
        )
    return params


def encode_value(value, *, keras_object=False):
    """JSON form of one param value (see the module docstring); a Keras object only if
    ``keras_object`` (the value of a param of ``KERAS_OBJECT_PARAMS``)."""
    if value is None or type(value) in (bool, int, str) or (
        type(value) is float and math.isfinite(value)
    ):
        return value
    if isinstance(value, list):
        return [encode_value(item) for item in value]
    for tag, (kind, encode, _, _) in TAGS.items():
        if isinstance(value, kind):
            if tag == "keras_object" and not keras_object:
                raise Unstorable(_KERAS_OBJECT_PLACES)
            return {"type": tag, **encode(value)}
    raise Unstorable(f"a {type(value).__qualname__} cannot be stored without pickle.")


def decode_value(value, name, budget, *, keras_object=False):
    """The value stored by :func:`encode_value` for param ``name``, its arrays counted in
    ``budget``; a Keras object is refused before it is built unless ``keras_object``."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [decode_value(item, name, budget) for item in value]
    tag = value.get("type") if type(value) is dict else None
    if type(tag) is not str or tag not in TAGS:
        raise Refused(f"parameter {name!r} holds an unreadable value {show(value)}.")
    if tag == "keras_object" and not keras_object:
        raise Refused(f"parameter {name!r} holds a Keras object: {_KERAS_OBJECT_PLACES}")
    _, _, decode, keys = TAGS[tag]
    # Every key, as at the top level: one the tag does not define is refused, not ignored.
    check_keys(value, f"parameter {name!r} (a stored {tag})", ("type", *keys))
    return decode(value, name, budget)


def _items(value, name):
    items = value["items"]
    if type(items) is not list:
        raise Refused(f"parameter {name!r} holds a {value['type']} whose items are not a list.")
    return items


def _decode_dict(value, name, budget):
    pairs = _items(value, name)
    if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
        raise Refused(f"parameter {name!r} holds a dict whose items are not pairs.")
    keys = [decode_value(key, name, budget) for key, _ in pairs]
    try:
        # Counted by hash value (linear time whatever the keys) before any dict or set of the
        # keys themselves is built.
        sharing = max(Counter(map(hash, keys)).values(), default=0)
    except TypeError:  # an unhashable key
        raise Refused(f"parameter {name!r} holds a dict with an unhashable key.") from None
    if sharing > MAX_KEYS_PER_HASH:
        raise Refused(
            f"parameter {name!r} holds a dict of which {sharing} keys share one hash value (at "
            f"most {MAX_KEYS_PER_HASH}): such a dict takes time quadratic in its size to build."
        )
    decoded = dict(zip(keys, (decode_value(item, name, budget) for _, item in pairs)))
    if len(decoded) != len(pairs):
        raise Refused(f"parameter {name!r} holds a dict with a repeated key.")
    return decoded


def _decode_numpy_scalar(value, name, budget):
    array = decode_array(
        {"dtype": value["dtype"], "shape": value["shape"], "items": value["value"]}, name, budget
    )
    if array.ndim != 0:
        raise Refused(f"parameter {name!r} holds a NumPy scalar with a shape.")
    return array[()]


# The Mersenne Twister's state: the top bit of the first key and every bit of the other 623.
_MERSENNE_BITS = 19_937


def _mersenne_state_problem(keys):
    """Why the Mersenne Twister state of ``keys`` (624 integers) is degenerate, or None. All
    zero, it stays zero: every draw is 0, and a normal draw (the initial weights) never returns.
    Nearly so (one bit set), or nearly all ones, it recovers over tens of thousands of draws,
    drawing 0 (or few distinct numbers) meanwhile: every hidden unit of a fit then started with
    the same weights. The states that seeding and drawing reach hold about half their bits
    set (0.497-0.501 over seeds; a quarter is some 70 standard deviations away)."""
    set_bits = (keys[0] >> 31) + sum(key.bit_count() for key in keys[1:])
    if not set_bits:
        return "keys hold the all-zero state of the Mersenne Twister"
    if not _MERSENNE_BITS // 4 <= set_bits <= 3 * _MERSENNE_BITS // 4:
        return (
            f"keys hold {set_bits:,} set bit{'s' if set_bits != 1 else ''} of the Mersenne "
            f"Twister's {_MERSENNE_BITS:,}, a degenerate state that draws zeros or few distinct "
            "numbers for thousands of draws (seeded states hold about half)"
        )
    return None


def _encode_random_state(random_state):
    _, keys, position, has_gauss, cached_gaussian = random_state.get_state(legacy=True)
    problem = _mersenne_state_problem(keys.tolist())
    if problem is not None:
        raise Unstorable(f"load would refuse it: its {problem}.")
    return {
        "keys": keys.tolist(),
        "pos": int(position),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached_gaussian),
    }


def _decode_random_state(value, name, budget):
    keys = value["keys"]
    try:
        if (
            type(keys) is not list
            or len(keys) != 624
            or not all(type(key) is int and 0 <= key < 1 << 32 for key in keys)
        ):
            raise ValueError("keys must be a list of 624 integers in [0, 2**32)")
        # NumPy's set_state does not check the position: one outside the key array makes the
        # generator read (and write) memory beyond it.
        pos, has_gauss = value["pos"], value["has_gauss"]
        cached = value["cached_gaussian"]
        if type(pos) is not int or not 0 <= pos <= 624:
            raise ValueError("pos must be an integer in [0, 624]")
        if type(has_gauss) is not int or has_gauss not in (0, 1):
            raise ValueError("has_gauss must be 0 or 1")
        if not is_finite_number(cached):
            raise ValueError("cached_gaussian must be a finite number")
        problem = _mersenne_state_problem(keys)
        if problem is not None:
            raise ValueError(problem)
        random_state = np.random.RandomState()
        random_state.set_state(("MT19937", np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
    except (TypeError, ValueError, OverflowError, IndexError) as error:
        raise Refused(
            f"parameter {name!r} holds an invalid RandomState: {str(error)[:200]}."
        ) from None
    return random_state


def _encode_keras_object(value):
    if not storable_keras_object(value):
        raise Unstorable(
            f"a {type(value).__qualname__} is not one of the optimizer and learning-rate schedule "
            "classes that load accepts (those the optimizer param names, and Keras' schedules)."
        )
    config = keras.saving.serialize_keras_object(value)
    try:
        json.dumps(config, allow_nan=False)
        check = check_schedule if isinstance(value, _KERAS_OBJECTS[1]) else check_optimizer
        check(config, "its config")
    except (TypeError, ValueError, Refused) as error:
        raise Unstorable(f"load would refuse its Keras config ({error})") from None
    return {"config": config}


def _decode_keras_object(value, name, budget):
    return keras_object_from_config(value["config"], f"parameter {name!r}")


# The keys of a stored array (and of a NumPy scalar, with "value" for "items").
_ARRAY_KEYS = ("dtype", "shape", "items")


def _encode_float(value):
    if type(value) is not float:  # a subclass (a plain float reaches here only if not finite)
        raise Unstorable(f"a {type(value).__qualname__} cannot be stored without pickle.")
    return {"value": repr(value)}


def _decode_float(value, name, budget):
    if value["value"] not in NON_FINITE:
        raise Refused(
            f"parameter {name!r} holds a stored float other than {', '.join(NON_FINITE)} "
            f"({show(value['value'])}); finite floats are JSON numbers."
        )
    return float(value["value"])


# tag -> (Python type, encode(value) -> dict, decode(dict, param name, ArrayBudget) -> value,
# the keys encode writes beside "type", which decode may rely on).
# Checked in order: NumPy scalars before the Python types they subclass (np.float64 is a float).
TAGS = {
    "numpy_scalar": (
        np.generic,
        lambda value: encode_array(np.asarray(value), "value", key="value"),
        _decode_numpy_scalar,
        ("dtype", "shape", "value"),
    ),
    # Infinity and NaN, which JSON has no number for (Python's json writes them as tokens that
    # other readers refuse): n_iter_no_change=np.inf.
    "float": (float, _encode_float, _decode_float, ("value",)),
    "tuple": (
        tuple,
        lambda value: {"items": [encode_value(item) for item in value]},
        lambda value, name, budget: tuple(
            decode_value(item, name, budget) for item in _items(value, name)
        ),
        ("items",),
    ),
    "dict": (
        dict,
        lambda value: {"items": [[encode_value(k), encode_value(v)] for k, v in value.items()]},
        _decode_dict,
        ("items",),
    ),
    "ndarray": (
        np.ndarray,
        lambda value: encode_array(value, "value"),
        lambda value, name, budget: decode_array(
            {key: value[key] for key in _ARRAY_KEYS}, name, budget
        ),
        _ARRAY_KEYS,
    ),
    "random_state": (
        np.random.RandomState,
        _encode_random_state,
        _decode_random_state,
        ("keys", "pos", "has_gauss", "cached_gaussian"),
    ),
    "keras_object": (_KERAS_OBJECTS, _encode_keras_object, _decode_keras_object, ("config",)),
}


# -- arrays ------------------------------------------------------------------------------------


def encode_array(array, what, key="items"):
    """``{"dtype", "shape", key}`` for a bool, number, string or all-str object array."""
    if array.dtype.kind == "U" and array.dtype.itemsize > 4 * MAX_STRING_CHARACTERS:
        raise Unstorable(
            f"{what} has dtype {array.dtype}; fixed-width strings of at most "
            f"{MAX_STRING_CHARACTERS} characters are stored (an object array of str has no limit)."
        )
    if array.dtype.kind == "f" and array.dtype.itemsize > MAX_FLOAT_BYTES:
        raise Unstorable(
            f"{what} has dtype {array.dtype}; floats of at most 64 bits are stored (JSON cannot "
            "hold NumPy's long double)."
        )
    if array.dtype.kind in _ARRAY_KINDS:
        dtype = array.dtype.str
    elif array.dtype.kind == "O" and all(isinstance(item, str) for item in array.flat):
        dtype = "object"
    else:
        raise Unstorable(
            f"{what} has dtype {array.dtype}; only bool, number, string and all-str object "
            "arrays can be stored without pickle."
        )
    items = array.tolist()
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        items = _map_leaves(items, array.ndim, lambda item: (
            item if math.isfinite(item) else repr(item)
        ))
    return {"dtype": dtype, "shape": list(array.shape), key: items}


def _dump_writes(dtype, name):
    """Whether ``name``, which NumPy read as ``dtype``, is the name dump writes for it: its
    ``str`` (in the byte order of the machine that wrote the file) or "object"."""
    if dtype.kind == "O":
        return name == "object"
    return name in (dtype.str, dtype.newbyteorder("<").str, dtype.newbyteorder(">").str)


def decode_array(value, what, budget):
    """The array stored by :func:`encode_array`; its dtype, shape and size are checked before
    NumPy allocates it, its size counted in ``budget`` (an ``ArrayBudget``)."""
    check_keys(value, what, _ARRAY_KEYS)
    dtype_name, shape, items = value["dtype"], value["shape"], value["items"]
    if (
        type(dtype_name) is not str
        or len(dtype_name) > 32
        or type(shape) is not list
        or len(shape) > MAX_ARRAY_DIMENSIONS
        or not all(type(size) is int and size >= 0 for size in shape)
    ):
        raise Refused(f"{what} is not a stored array.")
    try:
        # Only the names dump writes (a dtype's ``str``, or "object") reach NumPy's parser,
        # which warns about some others ("a": a DeprecationWarning, an exception where warnings
        # are errors) and reads some as Python literals.
        if not _DTYPE_NAME.fullmatch(dtype_name):
            raise ValueError(f"dtype {dtype_name!r} is not stored by this format")
        dtype = np.dtype(dtype_name)
        if not _dump_writes(dtype, dtype_name):
            raise ValueError(f"dtype {dtype_name!r} is not written so by this format")
        if dtype.kind not in _ARRAY_KINDS and dtype.kind != "O":
            raise ValueError(f"dtype {dtype_name!r} is not stored by this format")
        if dtype.kind == "U" and dtype.itemsize > 4 * MAX_STRING_CHARACTERS:
            raise ValueError(
                f"dtype {dtype_name!r} declares strings of more than {MAX_STRING_CHARACTERS} "
                "characters"
            )
        if dtype.kind == "f" and dtype.itemsize > MAX_FLOAT_BYTES:
            raise ValueError(
                f"dtype {dtype_name!r} declares floats of more than 64 bits, which this format "
                "never stores"
            )
        budget.spend(math.prod(shape) * dtype.itemsize)
        if not _nested_as(items, shape):
            raise ValueError(f"its items are not nested as its shape {shape}")
        # As dump writes them (NumPy's tolist): NumPy would read "1e-5" as a float, 0 and 1
        # as booleans, true as 1.
        expected = _ITEM_TYPES[dtype.kind]
        leaves = _leaves(items, len(shape))
        if not all(
            type(item) is expected or (dtype.kind == "f" and item in NON_FINITE)
            for item in leaves
        ):
            raise ValueError(
                f"its items must all be JSON {_ITEM_NAMES[dtype.kind]} for dtype {dtype_name!r}"
            )
        if dtype.kind == "f" and not all(type(item) is float for item in leaves):
            items = _map_leaves(items, len(shape), lambda item: (
                float(item) if type(item) is str else item
            ))
        # A float beyond the dtype's range (1e39 as float32) overflows to inf: refused here
        # (NumPy would warn, and a RuntimeWarning is an exception where warnings are errors).
        with np.errstate(over="raise", invalid="raise"):
            array = np.array(items, dtype=dtype)
        if array.size == 0:
            # NumPy reads the empty lists of a (0, 3) or (2, 0, 5) array as shape (0,) or
            # (2, 0): an array of no items keeps only its nesting down to the first 0.
            array = array.reshape(shape)
        if list(array.shape) != shape:
            raise ValueError(f"shape {list(array.shape)} differs from the stored shape {shape}")
        if dtype.kind == "O" and not all(isinstance(item, str) for item in array.flat):
            raise ValueError("an object array may hold only str")
        # NumPy casts silently (long strings truncated to the dtype's width, floats to ints);
        # the stored values must come back exactly.
        if dtype.kind != "f" and array.tolist() != items:
            raise ValueError("its values do not fit its dtype")
        # Floats too, as float64 (what JSON holds; dump writes the dtype's values exactly): a
        # float16 1e-9 became 0, and passed checks of its range made in float16.
        if dtype.kind == "f" and not np.array_equal(
            array.astype(np.float64), np.array(items, dtype=np.float64).reshape(shape),
            equal_nan=True,
        ):
            raise ValueError(f"its values are not all numbers that dtype {dtype_name!r} holds")
        # In this machine's byte order (a file written on a big-endian one says '>i8'), as a
        # fit would have made it here: predict returns classes_' dtype.
        array = array.astype(array.dtype.newbyteorder("="), copy=False)
    # SyntaxError: NumPy reads a dtype string with a comma (",i8") as a Python literal.
    except (
        TypeError, ValueError, OverflowError, MemoryError, SyntaxError, FloatingPointError
    ) as error:
        raise Refused(f"{what} is not a valid stored array: {first_line(error)}.") from None
    return array


# The JSON type of an array's items, by dtype kind, as NumPy's tolist gives them.
_ITEM_TYPES = {"b": bool, "i": int, "u": int, "f": float, "U": str, "O": str}
_ITEM_NAMES = {"b": "booleans", "i": "integers", "u": "integers", "f": "numbers with a "
               "fraction or exponent (or the strings 'inf', '-inf' and 'nan')", "U": "strings",
               "O": "strings"}
# How a float that JSON has no number for is written: in a param as {"type": "float", "value":
# ...}, in a float array as the string in place of the number.
NON_FINITE = ("inf", "-inf", "nan")


def _leaves(items, depth):
    """The items of lists nested ``depth`` deep (the items themselves for depth 0)."""
    level = [items]
    for _ in range(depth):
        level = [child for item in level for child in item]
    return level


def _map_leaves(items, depth, function):
    """``items`` (lists nested ``depth`` deep) with ``function`` applied to each leaf."""
    if depth == 0:
        return function(items)
    return [_map_leaves(item, depth - 1, function) for item in items]


def _nested_as(items, shape):
    """Whether ``items`` are lists nested exactly as ``shape``, with no list below."""
    level = [items]
    for size in shape:
        if not all(type(item) is list and len(item) == size for item in level):
            return False
        level = [child for item in level for child in item]
    return not any(type(item) in (list, dict) for item in level)


# -- the metadata member ---------------------------------------------------------------------


def metadata(estimator, *, library_version):
    """The JSON-ready metadata of a fitted estimator; ValueError for an unstorable param."""
    state = estimator._get_fitted_state()
    params = estimator.get_params(deep=False)
    if params.get("loss") == "squared_error":
        del params["loss"]
    # Written only where a request was set: every other file stays as it was.
    requests = _changed_requests(estimator)
    content = {
        "format": FORMAT_NAME,
        "format_version": _format_version(requests, "loss" in params, params),
        "library_version": library_version,
        "keras_version": keras.__version__,
        "estimator": type(estimator).__name__,
        "params": encode_params(params),
        "n_features_in_": int(state["n_features_in"]),
        "loss_curve_": [float(loss) for loss in state["loss_curve"]],
        # "random_state" is read by format-1 readers of version 0.1.0 and means nothing since.
        "training_state": {"shuffle_seed": int(state["shuffle_seed"]), "random_state": None},
    }
    try:
        if is_classifier(estimator) and isinstance(state["targets"], Multilabel):
            content["multilabel"] = {
                "n_labels": _storable_label_count(state["targets"].n_labels),
                "indicator_dtype": _storable_indicator_dtype(state["targets"]),
                # Written only when true: files of dense indicators stay as they were.
                **({"sparse_indicator": True} if state["targets"].sparse else {}),
            }
        elif is_classifier(estimator):
            content["classes_"] = encode_array(np.asarray(state["targets"]), "classes_")
        else:
            # (The loss is a param: load takes the output layer from it.)
            content["n_outputs_"], content["y_ndim"] = map(int, state["targets"][:2])
        if state["feature_names_in"] is not None:
            content["feature_names_in_"] = encode_array(
                state["feature_names_in"], "feature_names_in_"
            )
    except Unstorable as reason:
        raise ValueError(f"Cannot save the estimator: {reason}") from None
    if state["validation_scores"] is not None:
        content["validation_scores_"] = [float(score) for score in state["validation_scores"]]
        if not _storable_validation_scores(content["validation_scores_"]):
            raise ValueError(f"Cannot save the estimator: {_VALIDATION_SCORES_STORED}")
        # Where the scores start, written only when they do not end the loss curve (partial_fit
        # continued the fit that scored them): every other file stays as it was.
        start = state["validation_start"]
        last = len(state["loss_curve"]) - len(content["validation_scores_"])
        if start is not None and start != last:
            content["training_state"]["validation_start"] = int(start)
    # Where the loss rule of the current training started, written only when it starts after
    # the first epoch (a warm_start fit restarted it after a stop or under other penalties, a
    # partial_fit under other penalties did, or an early_stopping training came before): every
    # other file stays as it was.
    if state["rule_start"]:
        content["training_state"]["rule_start"] = int(state["rule_start"])
    if requests:
        content["metadata_requests"] = requests
    return content


def _format_version(requests, loss, params):
    """The format ``dump`` writes for a file of ``params``: 4 where they hold a float that is not
    finite, else 3 for a file with metadata-routing requests, else 2 for one whose params hold
    ``loss`` (a Poisson regressor's), else 1."""
    return 4 if _not_finite(params) else 3 if requests else 2 if loss else 1


def _not_finite(value):
    """Whether the param value ``value`` (the params, as a dict) holds a float that is not
    finite, which JSON has no number for: format 4 writes it tagged or as a string."""
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f" and not np.isfinite(value).all()
    if isinstance(value, (list, tuple)):
        return any(map(_not_finite, value))
    if isinstance(value, dict):
        return any(_not_finite(key) or _not_finite(item) for key, item in value.items())
    return False


def _requests(estimator):
    """The metadata-routing requests of ``estimator``: ``{method: {metadata: request}}`` for each
    method that has a ``set_<method>_request`` (``fit``, ``partial_fit``, ``score``)."""
    routing = estimator.get_metadata_routing()
    return {
        method: dict(getattr(routing, method).requests)
        for method in sorted(
            name[len("set_"):-len("_request")]
            for name in dir(type(estimator))
            if name.startswith("set_") and name.endswith("_request")
        )
    }


def _changed_requests(estimator):
    """The requests of ``estimator`` that differ from its class's defaults (what
    ``set_fit_request(sample_weight=True)`` and the like set), by method; those a pickle or
    ``clone`` keeps."""
    defaults = _requests(type(estimator)())
    changed = {}
    for method, requests in _requests(estimator).items():
        # As JSON holds them: scikit-learn takes whatever equals True or False (1, np.True_)
        # and any str as an alias.
        requests = {
            name: value if value is None else str(value) if isinstance(value, str)
            else bool(value)
            for name, value in requests.items()
        }
        own = {
            name: value for name, value in requests.items()
            if value != defaults[method].get(name)  # True, False, None or an alias
        }
        if own:
            changed[method] = own
    return changed


def metadata_requests(content, estimator_class):
    """The stored metadata-routing requests of ``content`` (the file's metadata), checked:
    ``{method: {metadata: request}}``, empty where the file holds none. Refused unless each
    names a method and metadata that ``estimator_class`` takes and a request that scikit-learn's
    ``set_<method>_request`` would set (true, false or an alias: a Python identifier other than
    the metadata's name; not null, the default, which ``dump`` leaves out)."""
    if "metadata_requests" not in content:
        return {}
    stored = content["metadata_requests"]
    defaults = _requests(estimator_class())
    where = f"its {METADATA_MEMBER}'s metadata_requests"
    check_keys(stored, where, (), optional=tuple(defaults))
    if not stored:
        raise Refused(f"{where} is empty; dump writes it only to hold a request.")
    for method, requests in stored.items():
        check_keys(requests, f"{where} for {method}", (), optional=tuple(defaults[method]))
        if not requests:
            raise Refused(
                f"{where} for {method} is empty; dump writes only methods with a request."
            )
        for name, value in requests.items():
            alias = (
                type(value) is str and 0 < len(value) <= MAX_ALIAS_CHARACTERS
                and value.isidentifier() and value != name
            )
            if not (type(value) is bool or alias):  # (null, unrequested, is the default)
                raise Refused(
                    f"{where} for {method}: {name} must be true, false or an alias (a Python "
                    f"identifier of at most {MAX_ALIAS_CHARACTERS} characters other than "
                    f"{name!r}), got {show(value)}."
                )
    return stored


def set_requests(estimator, requests):
    """Set ``requests`` (from ``metadata_requests``) on ``estimator`` through its
    ``set_<method>_request``, which scikit-learn offers only while metadata routing is on."""
    with config_context(enable_metadata_routing=True):
        for method, values in requests.items():
            getattr(estimator, f"set_{method}_request")(**values)


# Accuracy or R², at most 1; R² of a fitted network lies far above -1e300, and matplotlib cannot
# draw an axis spanning float64's range (scores of -1.7e308 broke the loss curve's plot).
_LOWEST_VALIDATION_SCORE = -1e300
_VALIDATION_SCORES_STORED = (
    f"validation_scores_ must be a non-empty list of numbers from {_LOWEST_VALIDATION_SCORE:g} to "
    "1 (accuracy or R²)."
)


def _storable_validation_scores(scores):
    return bool(scores) and all(
        is_finite_number(score) and _LOWEST_VALIDATION_SCORE <= score <= 1 for score in scores
    )


def _storable_label_count(n_labels):
    """A multilabel classifier's label count as ``load`` takes it (at most ``MAX_LABELS``), or
    Unstorable: such a file was written and then refused by ``load``."""
    if n_labels > MAX_LABELS:
        raise Unstorable(
            f"it has {n_labels} labels; this format stores at most {MAX_LABELS} (a predicted row "
            "of more would be as large as the file's limits allow)."
        )
    return int(n_labels)


def _storable_indicator_dtype(targets):
    """The indicator dtype fit saw, in this machine's byte order (``>i8`` is stored as ``<i8``
    on a little-endian one: the same values), if ``load`` takes it; else Unstorable (long
    double: such a file was written and then refused by ``load``)."""
    dtype = np.dtype(targets.dtype).newbyteorder("=")
    allowed = _SPARSE_INDICATOR_DTYPES if targets.sparse else _INDICATOR_DTYPES
    if dtype.str not in allowed:
        raise Unstorable(
            f"its multilabel indicators have dtype {dtype}; this format stores booleans, "
            "integers and floats of at most 64 bits. Refit on y.astype(np.float64)."
        )
    return dtype.str


def parse_metadata(data, estimators):
    """The metadata dict, refused unless it is this format, in a version we read, for one of
    ``estimators`` (name -> class)."""
    content = parse_json(data, f"its {METADATA_MEMBER}")
    if not isinstance(content, dict) or content.get("format") != FORMAT_NAME:
        found = content.get("format") if isinstance(content, dict) else None
        raise Refused(
            f"its {METADATA_MEMBER} does not describe an l1l2-estimator file "
            f"(format is {show(found)}, expected {FORMAT_NAME!r})."
        )
    version = content.get("format_version")
    if type(version) is not int or version < 1:
        raise Refused(f"its format_version {show(version)} is not a positive integer.")
    if version > FORMAT_VERSION:
        raise Refused(
            f"it was written in format version {show(version)} (by l1l2-estimator "
            f"{show(content.get('library_version'))}), newer than the versions up to "
            f"{FORMAT_VERSION} that this l1l2-estimator reads; upgrade l1l2-estimator to load it."
        )
    if type(content.get("estimator")) is not str or content["estimator"] not in estimators:
        raise Refused(f"it holds an estimator of unknown class {show(content.get('estimator'))}.")
    return content


def _not_json(token):
    """Refuse ``NaN``, ``Infinity`` and ``-Infinity``, which Python's json reads and JSON does
    not hold (dump writes such floats as tagged values or strings)."""
    raise ValueError(f"{token} is not a JSON value")


def _finite_float(text):
    """A JSON number with a fraction or exponent as a float, refused where it is beyond
    float64's range (Python reads 1e400 as infinity)."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} is beyond float64's range")
    return value


def parse_json(data, what, *, python_tokens=False):
    """The JSON value in ``data``, refused unless it is UTF-8 JSON whose objects repeat no key,
    nested at most ``MAX_JSON_DEPTH`` deep, with at most ``MAX_JSON_CONTAINERS`` lists and
    objects (counted before parsing, outside strings), and, unless ``python_tokens``, without
    ``NaN`` or ``Infinity`` or a number beyond float64's range. ``python_tokens``: a file Keras
    wrote with Python's json, which writes those tokens for non-finite floats (the checks of
    its config then refuse them where a finite number is needed)."""
    if _containers(data) > MAX_JSON_CONTAINERS:
        raise Refused(f"{what} holds more than {MAX_JSON_CONTAINERS:,} lists and objects.")
    try:
        content = json.loads(
            data.decode("utf-8"), object_pairs_hook=_unique_keys,
            **({} if python_tokens else {
                "parse_constant": _not_json, "parse_float": _finite_float,
            }),
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError: bad JSON, a repeated key, or an integer of more than 4,300 digits.
        raise Refused(f"{what} is not valid UTF-8 JSON ({str(error)[:300]}).") from error
    level, depth = [content], 0
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise Refused(f"{what} nests lists and objects more than {MAX_JSON_DEPTH} deep.")
        level = [
            child
            for item in level
            if type(item) in (list, dict)
            for child in (item.values() if type(item) is dict else item)
        ]
    return content


def _containers(data):
    """How many ``[`` and ``{`` of the JSON ``data`` lie outside strings, in memory that does not
    grow with ``data``: the brackets between strings are counted in place (removing the strings
    with ``re.sub`` built a piece per string: 8 MiB of ``""`` took 360 MiB), and only when the
    brackets of the whole text exceed the limit, since those inside strings do not count."""
    total = data.count(b"[") + data.count(b"{")
    if total <= MAX_JSON_CONTAINERS:
        return total
    count, start = 0, 0
    for string in _JSON_STRING.finditer(data):
        count += data.count(b"[", start, string.start()) + data.count(b"{", start, string.start())
        start = string.end()
    return count + data.count(b"[", start) + data.count(b"{", start)


def _unique_keys(pairs):
    content = dict(pairs)
    if len(content) != len(pairs):
        raise ValueError("a key is repeated in an object")
    return content


def field(content, key, *types):
    """``content[key]``, refused unless present and of one of ``types`` (JSON types, exactly)."""
    if key not in content:
        raise Refused(f"its {METADATA_MEMBER} lacks {key!r}.")
    value = content[key]
    if type(value) not in types:
        expected = " or ".join(_JSON_TYPE_NAMES[kind] for kind in types)
        raise Refused(f"{key!r} in its {METADATA_MEMBER} must be {expected}, got {show(value)}.")
    return value


_JSON_TYPE_NAMES = {dict: "an object", list: "a list", int: "an integer", type(None): "null"}


def _check_param_items(encoded):
    """Refuse params (their JSON, not yet decoded) whose lists hold more than ``PARAM_ITEMS``
    items in all, counted before any is decoded: a list of 4,000,000 numbers in a param (8 MiB
    of JSON, 11 KB deflated) took 3 to 6 s to decode and check, and in a routed
    ``callbacks__*`` argument it loaded, after which each ``repr`` of the estimator took
    seconds. Each list's length is added before its items are looked at."""
    total = 0
    for name, stored in encoded.items():
        stack = [stored]
        while stack:
            value = stack.pop()
            if type(value) is list:
                total += len(value)
                if total > PARAM_ITEMS:
                    raise Refused(
                        f"its params hold more than {PARAM_ITEMS:,} list items in all (counted "
                        f"up to parameter {show(name)}); load reads params of at most that many."
                    )
                stack.extend(value)
            elif type(value) is dict:
                stack.extend(value.values())


def _check_layer_count(stored):
    """Refuse a stored ``hidden_layer_sizes`` (its JSON, not yet decoded) of more than
    ``MAX_LAYERS`` - 1 hidden layers, counted from a list's or tuple's items or an array's
    shape. Counted before anything of it is decoded or checked: a 10.8 KB file whose
    hidden_layer_sizes listed 4,000,000 ones (8 MiB of JSON) took 2.4-3.2 s and up to 240 MiB
    to decode and validate before the count refused it. Anything else (an int, a NumPy scalar:
    one layer) is left to the params' own checks."""
    if type(stored) is dict and stored.get("type") == "tuple":
        stored = stored.get("items")
    if type(stored) is list:
        count = len(stored)
    elif (
        type(stored) is dict
        and stored.get("type") == "ndarray"
        and type(stored.get("shape")) is list
        and 0 < len(stored["shape"]) <= MAX_ARRAY_DIMENSIONS
        and all(type(size) is int and size >= 0 for size in stored["shape"])
    ):
        shape = stored["shape"]
        # Multiplied only while the product is small: a shape may hold integers of thousands
        # of digits, whose product Python cannot quote.
        count = 0 if 0 in shape else 1
        for size in shape:
            count *= size
            if count >= MAX_LAYERS:
                raise Refused(
                    f"its params call for more than {MAX_LAYERS} layers; load reads networks of "
                    f"at most {MAX_LAYERS}."
                )
    else:
        return
    if count + 1 > MAX_LAYERS:
        raise Refused(
            f"its params call for {count + 1} layers; load reads networks of at most "
            f"{MAX_LAYERS}."
        )


def estimator_from_metadata(content, estimator_class, budget):
    """An unfitted estimator with the stored params, refused if they are invalid; their arrays
    are counted in ``budget`` (an ``ArrayBudget``)."""
    encoded = field(content, "params", dict)
    _check_layer_count(encoded.get("hidden_layer_sizes"))
    _check_param_items(encoded)
    params = decode_params(encoded, estimator_class, budget)
    # dump writes format 4 exactly for params holding a float that is not finite, else format 3
    # exactly for a file with metadata_requests, else format 2 exactly for a loss other than
    # the squared error (a Poisson regressor), the only files whose params hold loss.
    requests = "metadata_requests" in content
    if content["format_version"] != _format_version(requests, "loss" in params, params) or (
        type(params.get("loss")) is str and params["loss"] == "squared_error"
    ):
        raise Refused(
            f"its format_version is {content['format_version']} with "
            f"{'loss ' + show(params['loss']) if 'loss' in params else 'no loss'} in its params "
            f"and {'' if requests else 'no '}metadata_requests; dump writes format 4 exactly "
            "for params holding a float that is not finite; otherwise format 3 exactly for a "
            "file with metadata_requests; otherwise format 2 exactly for a regressor with "
            "loss='poisson' (the only files whose params hold loss), and format 1 otherwise."
        )
    estimator = estimator_class(**params)
    try:
        validate_params(estimator)
        estimator._check_params()
    except (TypeError, ValueError) as error:
        raise Refused(f"its params are invalid: {first_line(error)}") from error
    if estimator.callbacks:  # dump never stores callbacks
        raise Refused("it holds callbacks, which this format never stores.")
    return estimator


# The dtypes a multilabel indicator matrix may have been given in: booleans, integers, floats.
_INDICATOR_DTYPES = frozenset(
    np.dtype(name).str
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64")
)
# A sparse one: scipy.sparse holds no float16, so no fit saw a sparse indicator of that dtype (and
# predict, which returns the indicator's kind, could not make one).
_SPARSE_INDICATOR_DTYPES = _INDICATOR_DTYPES - {np.dtype("float16").str}


def _multilabel(value):
    """A multilabel classifier's targets: ``{"n_labels": int >= 2, "indicator_dtype": str}``,
    and ``"sparse_indicator": true`` if ``fit`` saw a sparse indicator matrix."""
    if not {"n_labels", "indicator_dtype"} <= set(value) <= {
        "n_labels", "indicator_dtype", "sparse_indicator"
    }:
        raise Refused(
            "multilabel must hold exactly n_labels and indicator_dtype (and maybe "
            "sparse_indicator)."
        )
    if value.get("sparse_indicator", True) is not True:
        raise Refused("multilabel sparse_indicator must be true when present.")
    n_labels, dtype = value["n_labels"], value["indicator_dtype"]
    if type(n_labels) is not int or not 2 <= n_labels <= MAX_LABELS:
        raise Refused(f"multilabel n_labels must be an integer in [2, {MAX_LABELS}].")
    if type(dtype) is not str or dtype not in _INDICATOR_DTYPES:
        raise Refused(
            f"multilabel indicator_dtype must be one of {sorted(_INDICATOR_DTYPES)}, got "
            f"{show(dtype)}."
        )
    if "sparse_indicator" in value and dtype not in _SPARSE_INDICATOR_DTYPES:
        raise Refused(
            f"multilabel sparse_indicator with indicator_dtype {dtype!r}: scipy.sparse holds no "
            f"{np.dtype(dtype)} matrix, so no fit saw one."
        )
    return Multilabel(
        n_labels=n_labels, dtype=np.dtype(dtype), sparse="sparse_indicator" in value
    )


# The metadata's keys: those every file holds, and those of one kind of estimator or fit. A key
# outside them is refused rather than ignored: nothing in a file goes unchecked.
_COMMON_KEYS = (
    "format", "format_version", "library_version", "keras_version", "estimator", "params",
    "n_features_in_", "loss_curve_", "training_state",
)
_OPTIONAL_KEYS = ("feature_names_in_", "validation_scores_", "metadata_requests")
# The versions that wrote a file are shown in messages; real ones are short.
MAX_VERSION_CHARACTERS = 100


def _check_top_level(content, estimator):
    """Refuse metadata with a key missing or one that this estimator's files never hold."""
    if not is_classifier(estimator):
        own = ("n_outputs_", "y_ndim")
    elif "multilabel" in content:
        own = ("multilabel",)  # and no classes_: the labels are the indicator's columns
    elif "classes_" in content or type(content) is not dict:
        own = ("classes_",)
    else:
        raise Refused(
            f"its {METADATA_MEMBER} lacks 'classes_' (a classifier's labels) or 'multilabel' (a "
            "multilabel classifier's)."
        )
    check_keys(content, f"its {METADATA_MEMBER}", _COMMON_KEYS + own, _OPTIONAL_KEYS)
    for key in ("library_version", "keras_version"):
        value = content[key]
        if type(value) is not str or not 0 < len(value) <= MAX_VERSION_CHARACTERS:
            raise Refused(
                f"{key!r} in its {METADATA_MEMBER} must be a version string of at most "
                f"{MAX_VERSION_CHARACTERS} characters, got {show(value)}."
            )
    training_state = content["training_state"]
    check_keys(
        training_state, "its training_state", ("shuffle_seed", "random_state"),
        optional=("validation_start", "rule_start"),
    )
    # random_state: the seed that version 0.1.0 stored (an int or null), unused since.
    legacy_seed = training_state["random_state"]
    if legacy_seed is not None and not (
        type(legacy_seed) is int and 0 <= legacy_seed <= MAX_SHUFFLE_SEED
    ):
        raise Refused(
            f"its training_state's random_state must be null or an integer in "
            f"[0, {MAX_SHUFFLE_SEED}], got {show(legacy_seed)}."
        )


def check_stored_params(content, estimator_class, targets):
    """What ``load`` checks of the params of ``content`` (the file's metadata, as parsed from
    its JSON), against the fitted ``targets``: for ``dump``, whose estimator may hold params set
    after fitting that no fit would take (``tol=-1``, a class weight of a class it never saw),
    which it had written and ``load`` then refused. Refused says why."""
    estimator = estimator_from_metadata(content, estimator_class, ArrayBudget())
    if isinstance(getattr(estimator, "class_weight", None), dict):
        _check_class_weight(estimator.class_weight, targets)


def _check_class_weight(class_weight, targets):
    """Refuse a dict of class weights that the next fit would refuse against the labels: one
    for a multilabel classifier, or one that leaves a class out while naming others."""
    if isinstance(targets, Multilabel):
        raise Refused(
            "its class_weight is a dict, which weights the classes of single-label targets; this "
            "is a multilabel classifier."
        )
    try:
        class_weight_factors(class_weight, targets)  # as the next fit reads them
    except ValueError as error:
        raise Refused(
            f"its class_weight does not fit its classes_: {first_line(error)}."
        ) from None


def fitted_fields(content, estimator, budget):
    """The stored fitted state, as keyword arguments of ``_set_fitted_state`` (but the model);
    its arrays are counted in ``budget`` (the ``ArrayBudget`` of the params')."""
    _check_top_level(content, estimator)
    if is_classifier(estimator) and "multilabel" in content:
        targets = _multilabel(field(content, "multilabel", dict))
    elif is_classifier(estimator):
        classes = decode_array(field(content, "classes_", dict), "classes_", budget)
        if classes.ndim != 1 or classes.size < 2 or not np.array_equal(np.unique(classes), classes):
            raise Refused("classes_ must be at least 2 distinct labels in sorted order.")
        if classes.dtype.kind == "f" and not np.isfinite(classes).all():
            raise Refused("classes_ must be finite numbers or strings, as class labels are.")
        # What a fit checks its labels by, on labels as a y could hold them: given once each,
        # more than 20 labels are all unique, and scikit-learn warned that they "could represent
        # a regression problem" (a genuine file of 21 classes failed to load where warnings are
        # errors). Float labels, the only kind it can refuse once they are distinct and sorted
        # (continuous ones), are given twice each (at most 16 bytes a label); any other kind is
        # decided by its first 20, a view (twice each, a file of long strings had doubled
        # load's memory).
        sample = np.repeat(classes, 2) if classes.dtype.kind == "f" else classes[:20]
        try:
            # (It casts float labels to int64: for those beyond its range, NumPy's warning
            # escaped load where warnings are errors; the labels are then refused.)
            with np.errstate(invalid="ignore"):
                check_classification_targets(sample)
        except ValueError as error:
            raise Refused(f"classes_ are not labels a classifier takes: {first_line(error)}")
        targets = classes
    else:
        n_outputs = field(content, "n_outputs_", int)
        y_ndim = field(content, "y_ndim", int)
        if n_outputs < 1 or y_ndim not in (1, 2) or (y_ndim == 1 and n_outputs != 1):
            raise Refused(f"n_outputs_ {n_outputs} and y_ndim {y_ndim} do not fit together.")
        if n_outputs > MAX_LABELS:  # as a multilabel classifier's labels: the size of a row
            raise Refused(f"n_outputs_ must be at most {MAX_LABELS}, got {n_outputs}.")
        targets = (n_outputs, y_ndim, estimator.loss)  # the loss validated with the params
    if isinstance(getattr(estimator, "class_weight", None), dict):
        _check_class_weight(estimator.class_weight, targets)
    n_features = field(content, "n_features_in_", int)
    if n_features < 1:
        raise Refused(f"n_features_in_ must be >= 1, got {n_features}.")
    feature_names = None
    if "feature_names_in_" in content:
        feature_names = decode_array(
            field(content, "feature_names_in_", dict), "feature_names_in_", budget
        )
        if feature_names.dtype != object or feature_names.shape != (n_features,):
            raise Refused("feature_names_in_ must hold one str per feature.")
        if len(set(feature_names.tolist())) != n_features:
            # scikit-learn refuses a DataFrame with repeated column names: no fit stores them.
            raise Refused("feature_names_in_ names a feature twice.")
    loss_curve = field(content, "loss_curve_", list)
    # Counted with the arrays: as Python floats in a list, each entry takes 32 bytes.
    _spend_on_list(budget, loss_curve, "loss_curve_")
    # Losses are computed in float32: one beyond its range (1e39) loaded, and the next warm fit
    # replayed the stopping rule over it with NumPy's overflow warning; 1e308 broke the loss
    # curve's plot.
    if not loss_curve or not all(
        is_finite_number(loss) and abs(loss) <= FLOAT32_LARGEST for loss in loss_curve
    ):
        raise Refused(
            "loss_curve_ must be a non-empty list of finite numbers within float32's range, in "
            "which the losses are computed (a fit trains at least one epoch)."
        )
    validation_scores = None
    if "validation_scores_" in content:
        validation_scores = field(content, "validation_scores_", list)
        _spend_on_list(budget, validation_scores, "validation_scores_")
        if not _storable_validation_scores(validation_scores):
            raise Refused(_VALIDATION_SCORES_STORED)
        if len(validation_scores) > len(loss_curve):
            # One score per epoch of the last fit, whose epochs loss_curve_ holds too.
            raise Refused(
                f"validation_scores_ holds {len(validation_scores)} epochs, more than the "
                f"{len(loss_curve)} of loss_curve_."
            )
        validation_scores = [float(score) for score in validation_scores]
    validation_start = content["training_state"].get("validation_start")
    if validation_start is not None:
        latest = len(loss_curve) - (len(validation_scores) if validation_scores else 0)
        if not (
            validation_scores and type(validation_start) is int
            and 0 <= validation_start <= latest
        ):
            raise Refused(
                "its training_state's validation_start must be an integer from 0 to the epochs "
                "of loss_curve_ before the last len(validation_scores_), with validation_scores_; "
                f"got {show(validation_start)}."
            )
    rule_start = content["training_state"].get("rule_start", 0)
    if not (type(rule_start) is int and 0 <= rule_start <= len(loss_curve)):
        raise Refused(
            "its training_state's rule_start must be an integer from 0 to the epochs of "
            f"loss_curve_, got {show(rule_start)}."
        )
    shuffle_seed = field(content["training_state"], "shuffle_seed", int)
    if not 0 <= shuffle_seed <= MAX_SHUFFLE_SEED:
        raise Refused(
            f"its shuffle_seed must be an integer in [0, {MAX_SHUFFLE_SEED}], got "
            f"{show(shuffle_seed)}."
        )
    return {
        "targets": targets,
        "n_features_in": n_features,
        "feature_names_in": feature_names,
        "loss_curve": [float(loss) for loss in loss_curve],
        "shuffle_seed": shuffle_seed,
        "validation_scores": validation_scores,
        "validation_start": validation_start,
        "rule_start": rule_start,
    }
