"""Files crafted as an attacker would write them (with zipfile, json and h5py): each case of issue
11 is refused with ``Cannot load <path>: <reason>``, promptly and within little memory, or loads
without the crafted part having any effect."""

import io
import json
import os
import pickle
import re
import struct
import subprocess
import sys
import tempfile
import threading
import warnings
import zipfile
import zlib

import h5py
import keras
import numpy as np
import pytest
import scipy.sparse

from l1l2_estimator import L1L2Classifier
from l1l2_estimator.persistence import _keras_objects, _network, dump, load

from .conftest import FAST, peak_memory_growth
from .crafting import METADATA, MODEL, edit_json, members, rebuild, zip_members
from .test_persistence import OPTIMIZERS

# How far a refused load may raise the process's peak memory. The attacks below asked for 1.2 GiB
# to 4 GiB before they were refused.
MEMORY_BOUND_MIB = 64


@pytest.fixture(scope="module")
def good(fitted_binary, tmp_path_factory):
    """The bytes of a genuine file (8 features, 16 hidden units, Adam), loaded once so that later
    measurements see no first-use allocations."""
    path = tmp_path_factory.mktemp("good") / "good.l1l2"
    dump(fitted_binary, path)
    load(path)
    return path.read_bytes()


# -- crafting files ----------------------------------------------------------------------------


def _raw_zip(entries):
    """A zip archive written field by field: ``entries`` are ``(name, method, crc, stored bytes,
    declared size)``, so that a member can declare what it does not hold."""
    body, directory = bytearray(), bytearray()
    for name, method, crc, data, size in entries:
        name = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data),
                            size, len(name), 0) + name + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                                 len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(body), 0)
    return bytes(body + directory + end)


def _deflated(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _deflated_zeros(size):
    """A raw DEFLATE stream of ``size`` zero bytes (a multiple of 1 MiB), built without holding
    them: after a full flush every MiB of zeros compresses to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    mebibyte = bytes(1 << 20)
    block = compressor.compress(mebibyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size >> 20) + compressor.flush()


def _assert_refused(tmp_path, data, reason, *, bound=MEMORY_BOUND_MIB):
    path = tmp_path / "crafted.l1l2"
    path.write_bytes(data)
    # Warnings as errors: load refuses without a warning (README), also where warnings are
    # errors (a cast's RuntimeWarning had escaped load so).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error, growth = peak_memory_growth(lambda: load(path))
        if growth >= bound:
            # Measured once more: refusing the same bytes takes the same path, so a load that
            # allocates does so again, while the resident set can also grow for reasons outside
            # the load (139 MiB once in a parallel run, never when the same tests ran alone).
            error, growth = peak_memory_growth(lambda: load(path))
    assert type(error) is ValueError, repr(error)
    assert str(error).startswith(f"Cannot load {path}: "), str(error)
    assert re.search(reason, str(error)), str(error)
    # One message, not chained to its cause (whose text it holds: it had come twice).
    assert error.__cause__ is None and error.__suppress_context__, repr(error.__cause__)
    assert growth < bound, f"load grew the process by {growth:.0f} MiB before refusing"
    return error


def _set(*keys_and_value):
    """An edit that sets ``content[k1][k2]... = value``."""
    *keys, value = keys_and_value

    def edit(content):
        for key in keys[:-1]:
            content = content[key]
        content[keys[-1]] = value

    return edit


def _both(*edits):
    """An edit that makes each of ``edits`` in turn."""
    def edit(content):
        for each in edits:
            each(content)

    return edit


def _dense(index, key, value):
    return _set("config", "layers", index, "config", key, value)


def _keras_object(module, class_name, config, registered_name=None):
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": registered_name}


# -- 1. every nested Keras object of config.json is allow-listed ---------------------------------

EMBEDDING = _keras_object("keras.layers", "Embedding", {
    "name": "planted", "input_dim": 10000, "output_dim": 10000, "embeddings_initializer": {
        "module": "keras.initializers", "class_name": "RandomUniform",
        "config": {"minval": -0.05, "maxval": 0.05, "seed": None}, "registered_name": None},
})


def test_a_layer_config_as_an_activation_is_refused_before_keras_builds_it(good, tmp_path):
    # It made load allocate about 1.2 GiB (a 10000 x 10000 embedding) before refusing the file.
    data = rebuild(good, config=_dense(1, "activation", EMBEDDING))
    _assert_refused(tmp_path, data, r"layer 1 has activation \{'module': 'keras.layers', "
                                    r"'class_name': 'Embedding'.*call for 'relu'")


ORTHOGONAL = _keras_object("keras.initializers", "Orthogonal", {"gain": 1.0, "seed": None})
MAX_NORM = _keras_object("keras.constraints", "MaxNorm", {"max_value": 2, "axis": 0})
L1L2 = _keras_object("keras.regularizers", "L1L2", {"l1": 0.0, "l2": 0.0})
MIXED = _keras_object("keras", "DTypePolicy", {"name": "mixed_float16"})

CONFIG_ATTACKS = {
    "kernel initializer of another class": (
        _dense(1, "kernel_initializer", ORTHOGONAL), "kernel_initializer is a 'Orthogonal'"),
    "initializer from another module": (
        _dense(2, "bias_initializer", _keras_object("attacker.module", "Zeros", {})),
        "bias_initializer must be Keras' own Zeros.*'attacker.module'"),
    "regularizer of another class": (
        _dense(1, "kernel_regularizer", _keras_object("keras.regularizers", "L1", {"l1": 0.1})),
        "kernel_regularizer is a 'L1'"),
    "user-registered regularizer": (
        _dense(1, "kernel_regularizer",
               _keras_object("keras.regularizers", "L1L2", {"l1": 0, "l2": 0}, "attacker>L1L2")),
        "registered_name 'attacker>L1L2'"),
    "bias regularizer": (_dense(1, "bias_regularizer", L1L2), "bias_regularizer must be None"),
    "a penalty beyond float32": (
        # It loaded, and model_.losses then failed in TensorFlow.
        _dense(1, "kernel_regularizer",
               _keras_object("keras.regularizers", "L1L2", {"l1": 1e308, "l2": 0.0})),
        "kernel_regularizer's l1 must be a number from 0 to 3.402823e"),
    "layers with different penalties": (
        _dense(1, "kernel_regularizer",
               _keras_object("keras.regularizers", "L1L2", {"l1": 0.25, "l2": 0.0})),
        "layers have different kernel_regularizer penalties"),
    "kernel constraint": (
        _dense(2, "kernel_constraint", MAX_NORM), "kernel_constraint must be None"),
    "dtype policy": (_dense(1, "dtype", MIXED), "dtype must be float32"),
    "unknown Dense key": (_dense(1, "lora_rank", 4), "unexpected 'lora_rank'"),
    "loss of another kind": (
        _set("compile_config", "loss", _keras_object("keras.losses", "Huber", {"delta": 1.0})),
        "loss must be one of"),
    "optimizer of another class": (
        _set("compile_config", "optimizer",
             _keras_object("keras.optimizers", "LossScaleOptimizer", {"inner_optimizer": None})),
        "optimizer is a 'LossScaleOptimizer'; only Adadelta, Adagrad, Adam"),
    "optimizer argument it does not take": (
        _set("compile_config", "optimizer", "config", "inner_optimizer", EMBEDDING),
        "Adam takes no argument 'inner_optimizer'"),
    "non-finite learning rate": (
        _set("compile_config", "optimizer", "config", "learning_rate", float("nan")),
        "learning_rate must be a finite number, got nan"),
    "schedule of another class": (
        _set("compile_config", "optimizer", "config", "learning_rate",
             _keras_object("keras.optimizers.schedules", "Evil", {})),
        "learning_rate is a 'Evil'"),
    "metrics": (_set("compile_config", "metrics", ["accuracy"]), "metrics must be None"),
    "sparse input": (_set("config", "layers", 0, "config", "sparse", True), "sparse must be False"),
    "a functional model": (_set("class_name", "Functional"), "is a 'Functional'; only Sequential"),
    "a custom model": (
        _set("registered_name", "attacker>Planted"), "no registered_name.*'attacker>Planted'"),
}


@pytest.mark.parametrize("attack", list(CONFIG_ATTACKS))
def test_every_nested_keras_object_is_allow_listed(attack, good, tmp_path):
    edit, reason = CONFIG_ATTACKS[attack]
    _assert_refused(tmp_path, rebuild(good, config=edit), reason)


def test_a_user_registered_model_named_at_the_top_is_never_built(good, tmp_path):
    built = []

    @keras.saving.register_keras_serializable(package="attacker", name="PlantedModel")
    class PlantedModel(keras.Sequential):
        @classmethod
        def from_config(cls, config, custom_objects=None):
            built.append(cls)
            return super().from_config(config, custom_objects)

    def plant(config):
        config.update(module="attacker", class_name="PlantedModel",
                      registered_name="attacker>PlantedModel")

    _assert_refused(tmp_path, rebuild(good, config=plant), "is a 'PlantedModel'; only Sequential")
    assert built == []


def _optimizer_param(config):
    return _set("params", "optimizer", {"type": "keras_object", "config": config})


ADAM_CONFIG = {"name": "adam", "learning_rate": 0.01}

PARAM_ATTACKS = {
    "a layer as the optimizer": (_optimizer_param(EMBEDDING), "is a 'Embedding'; only Adadelta"),
    "a user-registered optimizer": (
        _optimizer_param(_keras_object("keras.optimizers", "Adam", ADAM_CONFIG, "attacker>Adam")),
        "must be Keras' own Adam"),
    "a wrapping optimizer": (
        _optimizer_param(_keras_object("keras.optimizers", "LossScaleOptimizer",
                                       {"inner_optimizer": EMBEDDING})),
        "is a 'LossScaleOptimizer'"),
    # (The JSON of the metadata holds no Infinity: refused before the config is read.)
    "a learning rate beyond float64": (
        _optimizer_param(
            _keras_object("keras.optimizers", "Adam", {"learning_rate": 10**400})),
        "Adam's learning_rate must be a finite number"),
    "a huge integer": (
        _optimizer_param(_keras_object("keras.optimizers", "SGD", {"momentum": 10**30})),
        "SGD's momentum must be a finite number"),
    "an argument the class does not take": (
        _optimizer_param(_keras_object("keras.optimizers", "SGD", {"exec": "print()"})),
        "SGD takes no argument 'exec'"),
    "a lambda schedule": (
        _optimizer_param(_keras_object("keras.optimizers", "SGD", {
            "learning_rate": {"class_name": "__lambda__", "config": {"code": "4wEA"}}})),
        "learning_rate lacks 'module', 'registered_name'"),
    "a schedule of 20,000 steps": (
        _optimizer_param(_keras_object("keras.optimizers", "SGD", {
            "learning_rate": _keras_object("keras.optimizers.schedules", "PiecewiseConstantDecay", {
                "boundaries": list(range(20_000)), "values": [0.1] * 20_001})})),
        "boundaries must be a list of at most 101 finite numbers"),
}


@pytest.mark.parametrize("attack", list(PARAM_ATTACKS))
def test_keras_objects_stored_as_params_are_allow_listed(attack, good, tmp_path):
    edit, reason = PARAM_ATTACKS[attack]
    _assert_refused(tmp_path, rebuild(good, metadata=edit), f"parameter 'optimizer'.*{reason}")


ADAM = {"type": "keras_object", "config": _keras_object("keras.optimizers", "Adam", {})}


@pytest.mark.parametrize("name, value", [
    # Each was built (~2 ms, ~90 KB) before the params were checked: a 6 KB file listing 8,000 of
    # them in 'verbose' took 17 s and 700 MiB before its params were refused.
    ("verbose", [ADAM] * 8000),
    ("optimizer", {"type": "tuple", "items": [ADAM, ADAM]}),
    ("optimizer__beta_1", ADAM),
])
def test_keras_objects_are_built_only_as_the_params_that_hold_one(name, value, good, tmp_path,
                                                                   monkeypatch):
    built = []
    monkeypatch.setattr(_keras_objects, "_build", lambda cls, arguments, where: built.append(cls))
    _assert_refused(tmp_path, rebuild(good, metadata=_set("params", name, value)),
                    rf"parameter '{name}' holds a Keras object: a Keras optimizer or learning-rate "
                    r"schedule is stored only as the whole value of the param optimizer or "
                    r"optimizer__learning_rate\.$")
    assert built == []


# -- 2. tiny files cannot force huge allocations ---------------------------------------------------


def test_a_tiny_file_declaring_a_huge_layer_is_refused_before_allocating(good, tmp_path):
    # A 3.5 KB file declaring 8,192 hidden units on 8,192 inputs grew the process by 1.5 GiB.
    def huge(metadata):
        metadata["params"]["hidden_layer_sizes"] = {"type": "tuple", "items": [8192]}
        metadata["n_features_in_"] = 8192

    def huge_network(config):
        config["config"]["layers"][0]["config"]["batch_shape"] = [None, 8192]
        config["config"]["layers"][1]["config"]["units"] = 8192

    data = rebuild(good, metadata=huge, config=huge_network)
    assert len(data) < 6000
    _assert_refused(tmp_path, data, r"call for 268500996 bytes of weights \(kernels of shapes "
                                    r"\(8192, 8192\), \(8192, 1\)\), but its model.keras declares "
                                    r"only \d+ bytes", bound=16)


def test_a_regressor_of_millions_of_outputs_is_refused(tmp_path):
    """A 65 KB file of 8,000,000 outputs loaded, and each predicted row took 64 MiB."""
    from l1l2_estimator import L1L2Regressor

    X = np.random.default_rng(0).normal(size=(20, 3))
    path = tmp_path / "regressor.l1l2"
    dump(L1L2Regressor(hidden_layer_sizes=(2,), epochs=1).fit(X, X[:, :2]), path)

    def many(metadata):
        metadata["n_outputs_"] = 2_000_000

    _assert_refused(tmp_path, rebuild(path.read_bytes(), metadata=many),
                    "n_outputs_ must be at most 1000000, got 2000000")


def test_a_network_of_thousands_of_layers_is_refused_before_reading_it(good, tmp_path):
    data = rebuild(good, metadata=_set("params", "hidden_layer_sizes", [1] * 100_000))
    _assert_refused(tmp_path, data, "its params call for 100001 layers; load reads networks of "
                                    "at most 1024")


@pytest.mark.parametrize("name, stored", [
    ("tol", [1] * 100_001),
    # A routed argument, which nothing else checks: it had loaded, and each repr took seconds.
    ("callbacks__x", [1] * 100_001),
    ("callbacks__x", {"type": "tuple", "items": [[1] * 50_001, [1] * 50_000]}),
])
def test_params_of_more_than_100000_list_items_are_refused_before_decoding(name, stored, good,
                                                                           tmp_path):
    """Counted before anything is decoded: 4,000,000 numbers in a param (11 KB deflated) took
    3 to 6 s to decode and check before tol's check refused them."""
    data = rebuild(good, metadata=_set("params", name, stored))
    _assert_refused(tmp_path, data, "its params hold more than 100,000 list items in all "
                                    f"\\(counted up to parameter '{name}'\\); load reads params of "
                                    "at most that many")


def test_a_deflate_stream_whose_output_fills_the_read_size_is_inflated_whole():
    """zlib may hold output back once the input is taken: where the output filled the 1 MiB
    read size just as the input ran out, the rest was left in zlib and a valid stream refused
    as "cut short" (for about one length in eight just beyond 1 MiB)."""
    import zlib

    from l1l2_estimator.persistence._archive import CHUNK_BYTES, _inflate

    for size in range(CHUNK_BYTES - 8, CHUNK_BYTES + 400):
        data = b"{}" + b" " * (size - 2)
        packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        packed = packer.compress(data) + packer.flush()
        assert _inflate(memoryview(packed), len(data), "x") == data, size


@pytest.mark.parametrize("stored", [
    [1] * 2000 + [{"type": "unknown"}],
    {"type": "tuple", "items": [1] * 2000 + ["x"]},
    {"type": "ndarray", "dtype": "<i8", "shape": [2, 2001], "items": [[1] * 2000 + ["x"]]},
    {"type": "ndarray", "dtype": "<i8", "shape": [10**2000, 10**2000], "items": []},
])
def test_thousands_of_layers_are_counted_before_anything_of_them_is_decoded(stored, good,
                                                                            tmp_path):
    """The count came after every item had been decoded and checked: a 10.8 KB file whose
    hidden_layer_sizes listed 4,000,000 ones took 2.4-3.2 s and up to 240 MiB before it was
    refused. Here an item that decoding or checking would refuse comes last, so the message
    shows which check came first. An array's shape is multiplied only while the product is
    small (a product of thousands of digits cannot be quoted: Python raised on it)."""
    data = rebuild(good, metadata=_set("params", "hidden_layer_sizes", stored))
    counted = "2002" if type(stored) is list or stored["type"] == "tuple" else "more than 1024"
    _assert_refused(tmp_path, data, f"its params call for {counted} layers; load reads networks "
                                    "of at most 1024")


def test_a_dataset_without_its_data_is_refused(good, tmp_path):
    def unallocated(file):
        del file["layers/dense/vars/0"]
        file["layers/dense/vars"].create_dataset("0", shape=(8, 16), dtype="<f4")  # no data

    _assert_refused(tmp_path, rebuild(good, h5=unallocated),
                    r"'s /layers/dense/vars/0 has no data in the file")


def test_labels_of_a_huge_fixed_width_are_refused(good, tmp_path):
    # '<U33554432' labels loaded, and then predict allocated 128 MiB per row.
    data = rebuild(good, metadata=_set("classes_", "dtype", "<U33554432"))
    _assert_refused(tmp_path, data, "classes_ is not a valid stored array: dtype '<U33554432' "
                                    "declares strings of more than 1024 characters")


@pytest.mark.parametrize("array, reason", [
    ({"dtype": "<i8", "shape": [10**9], "items": [0, 1]}, "would take more than 67108864 bytes"),
    ({"dtype": "<U1024", "shape": [20000], "items": [""] * 20000},
     "would take more than 67108864 bytes"),
    ({"dtype": "<i8", "shape": [2], "items": [[0, 1], [2, 3]]}, "not nested as its shape"),
    ({"dtype": "(2,)i4", "shape": [2], "items": [0, 1]}, "not stored by this format"),
    # NumPy reads a dtype with a comma as a Python literal: a SyntaxError escaped load.
    ({"dtype": ",i8", "shape": [2], "items": [0, 1]}, "classes_ is not a valid stored array"),
    # A width of 0 passed both limits, and NumPy widened it to the longest item: labels of
    # 4 Mi characters loaded, and predict took 16 MiB per row.
    ({"dtype": "<U0", "shape": [2], "items": ["a", "b" * (4 << 20)]},
     "'<U0' is not stored by this format"),
    ({"dtype": "U", "shape": [2], "items": ["a", "b" * (4 << 20)]},
     "'U' is not stored by this format"),
    # NumPy reads other spellings of a dtype as the same one ('b' as int8): only dump's own
    # names, a dtype's str, are taken.
    ({"dtype": "|i8", "shape": [2], "items": [0, 1]}, "'|i8' is not written so by this format"),
    ({"dtype": "<i1", "shape": [2], "items": [0, 1]}, "'<i1' is not written so by this format"),
    ({"dtype": "|U1", "shape": [2], "items": ["a", "b"]},
     "'|U1' is not written so by this format"),
    ({"dtype": "=i8", "shape": [2], "items": [0, 1]}, "'=i8' is not stored by this format"),
    ({"dtype": "b", "shape": [2], "items": [0, 1]}, "'b' is not stored by this format"),
    ({"dtype": "<i00008", "shape": [2], "items": [0, 1]},
     "'<i00008' is not stored by this format"),
])
def test_stored_arrays_are_checked_before_numpy_allocates_them(array, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, metadata=_set("classes_", array)), reason)


def _empty_strings(count):
    """A stored '<U1024' array of ``count`` empty strings: 4 KiB each once decoded, from 3 bytes
    of JSON."""
    return {"type": "ndarray", "dtype": "<U1024", "shape": [count], "items": [""] * count}


@pytest.mark.parametrize("edit, reason", [
    # Each array was held to 64 MiB, but not the file: a 5 KB file listing 20 arrays of 64 MiB in
    # a param took 1.3 GiB before its params were refused. Here 40 of 8 MiB.
    (_set("params", "verbose", [_empty_strings(2048)] * 40),
     r"verbose is not a valid stored array: it would take 8388608 bytes and the file's arrays "
     r"before it 67108864, more than the 67108864 bytes that the arrays of a file may take "
     r"together"),
    # The params' arrays and the labels share the budget (a routed argument is checked later).
    (_set("params", "optimizer__planted", _empty_strings(16384)),
     r"classes_ is not a valid stored array: it would take 16 bytes and the file's arrays before "
     r"it 67108864, more than"),
], ids=["arrays in a param", "params and labels"])
def test_the_arrays_of_a_file_share_one_memory_budget(edit, reason, good, tmp_path):
    # What the budget lets through is held until the file is refused: 64 MiB.
    _assert_refused(tmp_path, rebuild(good, metadata=edit), reason, bound=MEMORY_BOUND_MIB + 64)


def test_a_long_loss_curve_counts_in_the_memory_budget(good, tmp_path):
    # 8 MiB of "0," made a 4-million-entry loss_curve_ that took over 200 MiB once loaded.
    edit = _set("loss_curve_", [0] * 2_200_000)
    _assert_refused(
        tmp_path, rebuild(good, metadata=edit), r"loss_curve_ is too long \(2200000 entries\)",
        bound=MEMORY_BOUND_MIB + 64,
    )


@pytest.mark.parametrize("edit, reason", [
    # A new name per file grew the process by 0.4 MiB per load (TensorFlow keeps state per
    # name); a name TensorFlow rejects loaded and failed later with a raw TensorFlow error.
    (_set("params", "optimizer__name", "a b"), "optimizer__name is not supported"),
    (_set("params", "optimizer__decay", 0.5), "optimizer__decay is not supported"),
    (_set("params", "optimizer__beta_1", 1.5), r"optimizer__beta_1 must be in \[0, 1\]"),
    # Loaded; a later step on a weight without gradients is 0 / 0 (the fit "diverged").
    (_set("params", "optimizer__epsilon", 0.0), r"optimizer__epsilon must be > 0 \(steps"),
    # Loaded; the next partial_fit divided by 1 - beta_1 ** step = 0, and "diverged".
    (_set("params", "optimizer__beta_1", 1.0), "Adam's beta_1 must be < 1 in float32"),
    # Loaded; the next partial_fit left every weight as it was.
    (_set("params", "optimizer__beta_2", 1.0), "Adam's beta_2 must be < 1 in float32"),
    # The same in a stored optimizer's own arguments.
    (_optimizer_param(_keras_object("keras.optimizers", "Adamax", {"epsilon": 1e-40})),
     r"The optimizer's epsilon \(1e-40, which TensorFlow computes as 0"),
    (_optimizer_param(_keras_object("keras.optimizers", "Ftrl",
                                    {"initial_accumulator_value": 0.0})),
     "Ftrl's initial_accumulator_value must be > 0"),
    # Loaded, and every later fit failed with scikit-learn's error about sample_weight.
    (_both(_set("format_version", 4), _set("params", "class_weight", {"type": "dict", "items": [
        [0, {"type": "float", "value": "inf"}], [1, 1.0]]})),
     r"class_weight must map classes to finite weights >= 0 .*got \{0: inf\}"),
    # Keys that all hash to 0 (multiples of 2**61 - 1): building the dict took time quadratic in
    # their number (80,000 took 41 s), before any param was checked.
    (_set("params", "class_weight", {"type": "dict", "items": [
        [k * ((1 << 61) - 1), 1.0] for k in range(1, 10)]}),
     "'class_weight' holds a dict of which 9 keys share one hash value"),
    (_set("params", "class_weight", {"type": "dict", "items": [[0, 1.0], [1, 1.0], [0, 2.0]]}),
     "'class_weight' holds a dict with a repeated key"),
    # Loaded; the next fit failed with scikit-learn's error.
    (_set("params", "class_weight", {"type": "dict", "items": [[5, 2.0]]}),
     r"its class_weight does not fit its classes_: class_weight has a key \[5\] that is not "
     r"among the classes of y, \[0, 1\]"),
], ids=["a chosen optimizer name", "decay", "beta_1 beyond 1", "epsilon 0", "beta_1 1",
        "beta_2 1", "a stored Adamax's epsilon",
        "a stored Ftrl's accumulators", "infinite class weight",
        "keys of one hash", "a repeated key", "class weights of other classes"])
def test_params_keras_would_train_on_wrongly_are_refused(edit, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, metadata=edit), reason)


_REQUEST = r"metadata_requests for fit: sample_weight must be true, false or an alias"


@pytest.mark.parametrize("requests, reason", [
    ([], "metadata_requests must be a JSON object"),
    ({}, "metadata_requests is empty"),
    ({"predict": {"sample_weight": True}}, "metadata_requests has unexpected 'predict'"),
    ({"fit": {}}, "metadata_requests for fit is empty"),
    ({"fit": {"classes": True}}, "metadata_requests for fit has unexpected 'classes'"),
    ({"fit": {"sample_weight": None}}, _REQUEST),  # the default: dump never writes it
    ({"fit": {"sample_weight": 1}}, _REQUEST),
    ({"fit": {"sample_weight": "sample_weight"}}, _REQUEST),  # scikit-learn's True
    ({"fit": {"sample_weight": "a b"}}, _REQUEST),
    ({"fit": {"sample_weight": "$WARN"}}, _REQUEST),
    ({"fit": {"sample_weight": "w" * 101}}, _REQUEST),
    ({"fit": {"sample_weight": {"alias": "w"}}}, _REQUEST),
], ids=["a list", "empty", "a method without requests", "an empty method", "other metadata",
        "null", "a number", "the metadata's own name", "not an identifier",
        "scikit-learn's warning marker", "a long alias", "an object"])
def test_metadata_requests_are_refused_unless_as_dump_writes_them(requests, reason, good,
                                                                   tmp_path):
    def edit(content):
        content.update(format_version=3, metadata_requests=requests)

    _assert_refused(tmp_path, rebuild(good, metadata=edit), reason)


@pytest.mark.parametrize("edit", [
    _set("metadata_requests", {"fit": {"sample_weight": True}}),
    _set("format_version", 3),
], ids=["requests in format 1", "format 3 without requests"])
def test_the_format_version_is_the_one_dump_writes_for_the_requests(edit, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, metadata=edit),
                    "format 3 exactly for a file with metadata_requests")


@pytest.mark.parametrize("edit", [
    _set("params", "tol", {"type": "float", "value": "inf"}),
    _set("params", "callbacks__x", {"type": "ndarray", "dtype": "<f8", "shape": [1],
                                    "items": ["nan"]}),
    _set("format_version", 4),
], ids=["a tagged float in format 1", "a NaN item in format 1", "format 4 with finite params"])
def test_the_format_version_is_the_one_dump_writes_for_non_finite_params(edit, good, tmp_path):
    """Format 4 writes them so: earlier versions read a tagged float as unreadable, where they
    refuse a newer format as such."""
    _assert_refused(tmp_path, rebuild(good, metadata=edit),
                    "dump writes format 4 exactly for params holding a float that is not finite")


@pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8, reason="long double is float64 here")
@pytest.mark.parametrize("edit, reason", [
    (_set("classes_", {"dtype": "g", "shape": [2], "items": [0.0, 1.0]}),
     # (Only the dtype names dump writes reach NumPy's parser.)
     "classes_ is not a valid stored array: dtype 'g' is not stored by this format"),
    (_set("classes_", {"dtype": "<f16", "shape": [2], "items": [0.0, 1.0]}),
     "classes_ is not a valid stored array: dtype '<f16' declares floats of more than 64 bits"),
    (_set("params", "l1", {"type": "numpy_scalar", "dtype": "g", "shape": [], "value": 1e-5}),
     "l1 is not a valid stored array: dtype 'g' is not stored by this format"),
], ids=["labels 'g'", "labels '<f16'", "param 'g'"])
def test_long_double_values_are_refused(edit, reason, good, tmp_path):
    # They loaded, and dump of the loaded estimator then raised json's TypeError: JSON numbers
    # are float64, and no file of dump holds a long double.
    _assert_refused(tmp_path, rebuild(good, metadata=edit), reason)


# -- 3. decompression bombs: the declared sizes are not trusted -----------------------------------


@pytest.mark.parametrize("member", [METADATA, MODEL])
def test_a_member_inflating_to_1_gib_but_declaring_1000_bytes_is_refused(member, good, tmp_path):
    # A 1 MB member declaring 1,000 bytes was inflated whole: +2 GiB before a CRC error.
    entries = members(good)
    entries[member] = None
    raw = [
        (name, zipfile.ZIP_DEFLATED, zlib.crc32(bytes(1000)), _deflated_zeros(1 << 30), 1000)
        if data is None else
        (name, zipfile.ZIP_DEFLATED, zlib.crc32(data), _deflated(data), len(data))
        for name, data in entries.items()
    ]
    data = _raw_zip(raw)
    assert len(data) < 1_200_000
    # Refused at byte 1,001, not after inflating the whole stream again to check its end.
    _assert_refused(tmp_path, data, f"{member} inflates to more bytes than it declares")


@pytest.mark.parametrize("hidden", [b"HIDDEN DATA", bytes(1 << 20)])
def test_a_stream_hiding_bytes_after_its_declared_size_is_refused(hidden, good, tmp_path):
    """zipfile stops inflating at the declared size, and the CRC covers only the bytes before
    it: such a file loaded, and checking where its stream ended inflated all of it again."""
    entries = members(good)
    metadata, model = entries[METADATA], entries[MODEL]
    data = _raw_zip([
        (METADATA, zipfile.ZIP_DEFLATED, zlib.crc32(metadata), _deflated(metadata + hidden),
         len(metadata)),
        (MODEL, zipfile.ZIP_DEFLATED, zlib.crc32(model), _deflated(model), len(model)),
    ])
    _assert_refused(tmp_path, data, "l1l2-estimator.json inflates to more bytes than it declares")


def test_a_member_declaring_2_gib_is_refused_before_inflating(good, tmp_path):
    # 23 MB declaring 2 GiB passed the 100x rule and was read whole: +4 GiB before refusal.
    metadata = members(good)[METADATA]
    stored = bytes(23 << 20)
    data = _raw_zip([
        (METADATA, zipfile.ZIP_DEFLATED, zlib.crc32(metadata), _deflated(metadata), len(metadata)),
        (MODEL, zipfile.ZIP_DEFLATED, 0, stored, 1 << 31),
    ])
    _assert_refused(tmp_path, data, r"model.keras declares 2147483648 bytes, more than the "
                                    r"\d+ bytes it may hold here", bound=MEMORY_BOUND_MIB + 23)


def test_a_member_inflating_more_than_4_times_beyond_64_mib_is_refused(good, tmp_path):
    """Under the 100-times rule (Keras' for its archives), a 10.7 MB file inflated to 1 GiB of
    zero weights that its params called for (268 million features): load took 11 s and 3 GiB,
    and the estimator kept 2 GiB. Genuine weights deflate 1.1-1.6 times, and dump stores a
    member that would deflate more."""
    def big(metadata):
        metadata["params"]["hidden_layer_sizes"] = {"type": "tuple", "items": [2500]}
        metadata["n_features_in_"] = 6000  # 60 MB of weights: 70 MiB may hold them

    metadata = edit_json(members(good)[METADATA], big)
    # 14 MiB stored declaring 70 MiB (5 times): refused before anything is inflated.
    stored = np.random.RandomState(0).bytes(14 << 20)
    data = _raw_zip([
        (METADATA, zipfile.ZIP_DEFLATED, zlib.crc32(metadata), _deflated(metadata), len(metadata)),
        (MODEL, zipfile.ZIP_DEFLATED, 0, stored, 70 << 20),
    ])
    _assert_refused(tmp_path, data, "refusing a likely decompression bomb",
                    bound=MEMORY_BOUND_MIB + 14)


def test_dump_stores_a_member_that_would_deflate_like_a_bomb():
    """What dump writes, load reads back: a member beyond 64 MiB that deflates more than 4
    times (the weights of a huge, mostly zero network without optimizer state) is stored."""
    from l1l2_estimator.persistence._archive import Archive, Refused, likely_bomb, zip_bytes

    zeros, text = bytes(65 << 20), b"{}"
    data = zip_bytes({METADATA: text, MODEL: zeros})
    infos = {info.filename: info for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    assert infos[MODEL].compress_type == zipfile.ZIP_STORED
    assert infos[METADATA].compress_type == zipfile.ZIP_DEFLATED
    assert not any(likely_bomb(info) for info in infos.values())
    assert Archive(data, [METADATA, MODEL], "the file").read(MODEL, len(zeros)) == zeros
    # Deflated, the same member is refused.
    deflated = _raw_zip([
        (METADATA, zipfile.ZIP_DEFLATED, zlib.crc32(text), _deflated(text), len(text)),
        (MODEL, zipfile.ZIP_DEFLATED, zlib.crc32(zeros), _deflated(zeros), len(zeros)),
    ])
    with pytest.raises(Refused, match="likely decompression bomb"):
        Archive(deflated, [METADATA, MODEL], "the file").read(MODEL, len(zeros))



def test_a_member_inflating_to_less_than_it_declares_is_refused(good, tmp_path):
    entries = members(good)
    metadata, model = entries[METADATA], entries[MODEL]
    data = _raw_zip([
        (METADATA, zipfile.ZIP_DEFLATED, zlib.crc32(metadata), _deflated(metadata),
         len(metadata) + 10),
        (MODEL, zipfile.ZIP_DEFLATED, zlib.crc32(model), _deflated(model), len(model)),
    ])
    _assert_refused(tmp_path, data, "l1l2-estimator.json inflates to fewer bytes than it declares")


def _with_directory_field(data, field, value):
    """``data`` with the 16-bit ``field`` of its last directory entry (28: name length, 30:
    extra field length, 32: comment length) set to ``value``."""
    entry = data.rindex(b"PK\x01\x02")
    return data[: entry + field] + struct.pack("<H", value) + data[entry + field + 2 :]


@pytest.mark.parametrize("field, reason", [
    (30, "has a member with extra fields or a comment"),
    (32, "has a member with extra fields or a comment"),
    (28, "has a directory of 2 entries that does not fill its"),
])
def test_a_directory_entry_running_into_the_end_record_is_refused(field, reason, good, tmp_path):
    """zipfile cut a name, extra field or comment that ran past the directory short and loaded
    the file; other tools read on into the end record and show another member."""
    name_length = struct.unpack_from("<H", good, good.rindex(b"PK\x01\x02") + 28)[0]
    value = name_length + 22 if field == 28 else 22
    _assert_refused(tmp_path, _with_directory_field(good, field, value), reason)


def test_an_end_record_counting_other_entries_than_the_directory_holds_is_refused(good,
                                                                                 tmp_path):
    end = len(good) - 22
    data = good[: end + 8] + struct.pack("<2H", 3, 3) + good[end + 12 :]
    _assert_refused(tmp_path, data, "differs from the 3 its end record counts")


# -- 4. nothing is unpacked or written -------------------------------------------------------


def test_extra_members_in_model_keras_are_refused_and_nothing_is_written(good, tmp_path,
                                                                         monkeypatch):
    # Extra members were unpacked to a temporary folder and left there: 401 MiB per attempt.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(scratch)

    def with_assets(inner):
        return {**inner, "assets/blob.bin": bytes(200_000)}

    _assert_refused(tmp_path, rebuild(good, keras_members=with_assets),
                    r"its model.keras holds the members \['assets/blob.bin', 'config.json', "
                    r"'metadata.json', 'model.weights.h5'\]; exactly")
    (tmp_path / "good.l1l2").write_bytes(good)
    load(tmp_path / "good.l1l2")
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("entries, reason", [
    (lambda inner: {k: v for k, v in inner.items() if k != "metadata.json"}, "exactly"),
    (lambda inner: [*inner.items(), ("config.json", inner["config.json"])],
     r"holds the members \['config.json', 'config.json', 'metadata.json'"),
])
def test_model_keras_holds_exactly_its_three_members(entries, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, keras_members=entries), reason)


def test_model_keras_members_must_be_stored_as_keras_stores_them(good, tmp_path):
    outer = members(good)
    outer[MODEL] = zip_members(members(outer[MODEL]), compression=zipfile.ZIP_DEFLATED)
    _assert_refused(tmp_path, zip_members(outer), "uses compression method 8; only stored is read")


# -- 5. the file's training settings never reach the estimator -------------------------------------


def test_training_settings_in_the_file_have_no_effect(good, fitted_binary, binary_data, tmp_path):
    # SGD(learning_rate=1e9), another loss and penalty loaded, and partial_fit then trained with
    # them (weights reached 3.6e8) while get_params() showed the estimator's.
    X, y = binary_data

    def settings(config):
        config["compile_config"]["optimizer"] = _keras_object(
            "keras.optimizers", "SGD", {"name": "sgd", "learning_rate": 1e9, "momentum": 0.9})
        config["compile_config"]["loss"] = "mean_squared_error"
        for layer in config["config"]["layers"][1:]:
            layer["config"]["kernel_regularizer"]["config"] = {"l1": 10.0, "l2": 10.0}

    def learning_rate(file):
        file["optimizer/vars/1"][()] = np.float32(1e9)  # Adam's learning-rate variable

    path = tmp_path / "settings.l1l2"
    path.write_bytes(rebuild(good, config=settings, h5=learning_rate))
    loaded = load(path)
    original = pickle.loads(pickle.dumps(fitted_binary))
    np.testing.assert_array_equal(loaded.predict_proba(X), original.predict_proba(X))
    loaded.partial_fit(X, y)
    original.partial_fit(X, y)
    np.testing.assert_allclose(loaded.predict_proba(X), original.predict_proba(X), rtol=1e-6)
    optimizer = loaded.model_.optimizer
    assert type(optimizer) is keras.optimizers.Adam
    assert float(optimizer.learning_rate) == pytest.approx(fitted_binary.learning_rate)
    assert loaded.model_.layers[0].kernel_regularizer.l1 == pytest.approx(fitted_binary.l1)


def test_a_missing_kernel_regularizer_is_refused(good, tmp_path):
    # It loaded, and partial_fit then raised AttributeError.
    _assert_refused(tmp_path, rebuild(good, config=_dense(2, "kernel_regularizer", None)),
                    "layer 2's kernel_regularizer is missing")


def test_optimizer_state_of_another_optimizer_is_refused(good, tmp_path):
    def sgd_state(file):
        for index in range(2, len(file["optimizer/vars"])):
            del file[f"optimizer/vars/{index}"]

    _assert_refused(tmp_path, rebuild(good, h5=sgd_state),
                    r"/optimizer/vars holds \['0', '1'\]; exactly \['0', '1', '2', .*'9'\] are")


# -- 6. non-finite weights and optimizer state -------------------------------------------------


def _nan_at(path, index=(0,)):
    def edit(file):
        values = file[path][()]
        values[index] = np.nan if values.ndim else values
        file[path][()] = values

    return edit


@pytest.mark.parametrize("edit, reason", [
    (_nan_at("layers/dense/vars/0", (3, 5)), "its network's weights hold NaN"),
    (_nan_at("layers/dense_1/vars/1", (0,)), "its network's weights hold NaN"),
    (_nan_at("optimizer/vars/2", (1, 1)), "its optimizer state hold NaN"),
    (_nan_at("optimizer/vars/5", (2,)), "its optimizer state hold NaN"),
])
def test_non_finite_weights_and_optimizer_state_are_refused(edit, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, h5=edit), reason)


# The optimizer state that Keras never makes negative, by the names Keras gives it: the step
# count, running squares and accumulators (not SGD's accumulated gradients), Adamax's norm, and
# Nadam's product of momentum factors (a variable without a name of its own).
_NEVER_NEGATIVE = ("_velocity", "_velocity_hat", "_norm", "_accumulated_grad",
                   "_accumulated_delta_var")


def _never_negative(name, optimizer):
    return (
        name == "iteration"
        or name.endswith(_NEVER_NEGATIVE)
        or (name.endswith("_accumulator") and not name.endswith("_gradient_accumulator"))
        or (optimizer == "nadam" and re.fullmatch(r"variable(_\d+)?", name) is not None)
    )


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda params: "-".join(
    str(value) for value in params.values()))
def test_negative_optimizer_state_where_keras_keeps_none_is_refused(optimizer, binary_data,
                                                                    tmp_path):
    # A negative running square loaded, and the first step of a warm start was NaN.
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(5, 3), epochs=2, learning_rate=0.01,
                            random_state=0, **optimizer).fit(X, y)
    dump(fitted, tmp_path / "fitted.l1l2")
    good = (tmp_path / "fitted.l1l2").read_bytes()
    layout = _network.optimizer_layout(_network.params_optimizer_config(fitted),
                                       [(X.shape[1], 5), (5, 3), (3, 1)])
    assert [variable.non_negative for variable in layout] == [
        _never_negative(variable.name, optimizer["optimizer"]) for variable in layout
    ]
    for index, variable in enumerate(layout):
        if not variable.non_negative:
            continue

        def negated(file, path=f"optimizer/vars/{index}"):
            values = np.asarray(file[path][()])
            values.flat[-1] = -values.flat[-1] - 1
            file[path].write_direct(values)

        _assert_refused(tmp_path, rebuild(good, h5=negated),
                        rf"its optimizer state /optimizer/vars/{index} \(\w+\) holds negative "
                        "values")


def _first_moments(layout, factor):
    """An edit that sets every first moment of the file that its second state bounds (Adam's,
    Adamax's, ...) to ``factor`` times that bound, sign kept."""

    def edit(file):
        for index, variable in enumerate(layout):
            if variable.moment_bound is None:
                continue
            second, power, bound, floor = variable.moment_bound
            values = np.asarray(file[f"optimizer/vars/{index}"][()])
            seconds = np.asarray(file[f"optimizer/vars/{second}"][()], np.float64)
            size = (bound * (seconds + floor)) ** (1 / power) * factor
            file[f"optimizer/vars/{index}"].write_direct(
                (np.where(values < 0, -1, 1) * size).astype(np.float32)
            )

    return edit


@pytest.mark.parametrize("optimizer, bounded", [
    ("adam", 4), ("adamw", 4), ("nadam", 4), ("adamax", 4), ("rmsprop", 0), ("sgd", 0),
])
def test_first_moments_beyond_what_their_second_state_allows_are_refused(
    optimizer, bounded, binary_data, tmp_path
):
    """Adam's first moment set to 1e30 (its second as saved) loaded and predicted as the genuine
    file, and the next partial_fit took the weights to 1e30 without a word."""
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(5,), epochs=3, learning_rate=0.01,
                            random_state=0, optimizer=optimizer).fit(X, y)
    dump(fitted, tmp_path / "fitted.l1l2")
    good = (tmp_path / "fitted.l1l2").read_bytes()
    layout = _network.optimizer_layout(_network.params_optimizer_config(fitted),
                                       [(X.shape[1], 5), (5, 1)])
    bounds = {variable.moment_bound[1:] for variable in layout if variable.moment_bound}
    assert sum(variable.moment_bound is not None for variable in layout) == bounded
    if not bounded:
        return
    # Keras' default betas (0.9, 0.999): (1 - 0.9)**2 / (0.001 * (1 - 0.81 / 0.999)) for the
    # running squares, 0.1 / (1 - 0.9 / 0.999) for Adamax's norm; floors of float32's smallest
    # normal number over 1 - beta_2, and of that number.
    tiny = float(np.finfo(np.float32).tiny)
    ((power, factor, floor),) = bounds
    expected = (1, 1.00909, tiny) if optimizer == "adamax" else (2, 52.857, tiny / 0.001)
    assert power == expected[0]
    assert factor == pytest.approx(expected[1], rel=1e-4)
    assert floor == pytest.approx(expected[2], rel=1e-4)
    _assert_refused(tmp_path, rebuild(good, h5=_first_moments(layout, 1.01)),
                    r"its optimizer state /optimizer/vars/\d+ holds first moments whose "
                    r"(squares|magnitudes) exceed [0-9.]+ times /optimizer/vars/\d+")
    path = tmp_path / "close.l1l2"
    path.write_bytes(rebuild(good, h5=_first_moments(layout, 0.99)))
    close = load(path)  # within the bound: loads, and trains on
    close.partial_fit(X, y)
    assert all(np.isfinite(weights).all() for weights in close.coefs_)


@pytest.mark.parametrize("optimizer", ["adam", "nadam", "adamax"])
def test_first_moments_of_gradients_too_small_for_float32_squares_load(optimizer, tmp_path):
    """A feature in units of 1e-17: TensorFlow flushes the running squares' increments below
    float32's smallest normal number to 0 (they stayed 0 while the first moments grew), and the
    genuine file was refused as holding first moments no training reaches."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 2)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[:, 1] *= 1e-17
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), proximal_l1=True, l1=1e-4, l2=0, epochs=30,
                            batch_size=60, random_state=0, optimizer=optimizer).fit(X, y)
    dump(fitted, tmp_path / "tiny.l1l2")
    np.testing.assert_array_equal(load(tmp_path / "tiny.l1l2").predict_proba(X),
                                  fitted.predict_proba(X))


@pytest.fixture(scope="module")
def centered_rmsprop(binary_data, tmp_path_factory):
    """A fitted estimator under a centered RMSprop, its file, and the positions of its running
    squares and mean gradients in the optimizer's state, paired."""
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(5,), epochs=2, learning_rate=0.01, random_state=0,
                            optimizer="rmsprop", optimizer__centered=True).fit(X, y)
    path = tmp_path_factory.mktemp("centered") / "fitted.l1l2"
    dump(fitted, path)
    layout = _network.optimizer_layout(_network.params_optimizer_config(fitted),
                                       [(X.shape[1], 5), (5, 1)])
    names = [variable.name for variable in layout]
    pairs = [(index, names.index(name.replace("_average_gradient", "_velocity")))
             for index, name in enumerate(names) if name.endswith("_average_gradient")]
    assert len(pairs) == 4  # two kernels, two biases
    assert all(layout[mean].square_bound == (second, 1e-7) for mean, second in pairs)
    return fitted, path.read_bytes(), pairs


def _mean_gradients(pairs, factor):
    """An edit that sets every centered RMSprop mean gradient ``m`` of the file to the square
    root of ``(second_moment + epsilon) * factor``, sign kept: ``second_moment - m ** 2 +
    epsilon`` is then ``(1 - factor) * (second_moment + epsilon)``, far beyond float32's rounding
    of either sign."""

    def edit(file):
        for mean, second in pairs:
            values = np.asarray(file[f"optimizer/vars/{mean}"][()])
            seconds = np.asarray(file[f"optimizer/vars/{second}"][()], np.float64)
            values = np.where(values < 0, -1, 1) * np.sqrt((seconds + 1e-7) * factor)
            file[f"optimizer/vars/{mean}"].write_direct(values.astype(np.float32))

    return edit


def test_centered_rmsprop_mean_gradients_beyond_the_running_squares_are_refused(
    centered_rmsprop, binary_data, tmp_path
):
    # Legitimate state keeps second_moment - mean_gradient ** 2 + epsilon > 0 (the denominator
    # under the next step's square root); a file that breaks it by 0.1% is refused, one that
    # keeps it by 0.1% loads.
    fitted, good, pairs = centered_rmsprop
    state = fitted._get_fitted_state()["optimizer_state"]
    for mean, second in pairs:
        assert (state[second] - np.square(state[mean]) + np.float32(1e-7) > 0).all()
    _assert_refused(tmp_path, rebuild(good, h5=_mean_gradients(pairs, 1.001)),
                    r"its optimizer state /optimizer/vars/\d+ \(\w+_average_gradient\) holds mean "
                    r"gradients whose squares reach the running squares in /optimizer/vars/\d+ "
                    r"\(\w+_velocity\) plus epsilon")
    path = tmp_path / "close.l1l2"
    path.write_bytes(rebuild(good, h5=_mean_gradients(pairs, 0.999)))
    close = load(path)
    state = close._get_fitted_state()["optimizer_state"]
    mean, second = pairs[0]
    np.testing.assert_allclose(np.square(state[mean]), (state[second] + 1e-7) * 0.999,
                               rtol=1e-5)  # changed, and kept
    X, y = binary_data
    close.partial_fit(X, y)
    assert all(np.isfinite(weights).all() for weights in close.coefs_)


def test_centered_rmsprop_mean_gradients_whose_squares_overflow_are_refused_without_a_warning(
    centered_rmsprop, tmp_path
):
    """The check squares in float32, as Keras' step does: a finite mean gradient of 1e20 squares
    to inf there, and NumPy's overflow warning escaped load where warnings are errors."""
    _, good, pairs = centered_rmsprop
    mean, second = pairs[0]

    def edit(file):
        file[f"optimizer/vars/{mean}"][...] = np.float32(1e20)
        file[f"optimizer/vars/{second}"][...] = np.float32(3e38)

    _assert_refused(tmp_path, rebuild(good, h5=edit),
                    r"holds mean gradients whose squares reach the running squares")


def test_centered_rmsprop_state_that_load_refuses_makes_the_next_step_nan(centered_rmsprop,
                                                                         binary_data):
    # Why the relation is checked: the same state set in memory makes a warm start diverge.
    fitted, _, pairs = centered_rmsprop
    broken = pickle.loads(pickle.dumps(fitted))
    state = broken._get_fitted_state()
    for mean, second in pairs:
        values = state["optimizer_state"][mean]
        state["optimizer_state"][mean] = (np.where(values < 0, -1, 1) * np.sqrt(
            state["optimizer_state"][second] + 1e-7 + 1e-3)).astype(np.float32)
    broken._set_fitted_state(**state)
    X, y = binary_data
    with pytest.raises(ValueError, match="diverged"):
        broken.partial_fit(X, y)


@pytest.fixture(scope="module")
def fitted_under(binary_data, tmp_path_factory):
    """``fitted_under(optimizer)``: an estimator fitted for one epoch (two steps) under that
    optimizer, its file, and the names of its optimizer's variables, in the file's order."""
    X, y = binary_data
    folder = tmp_path_factory.mktemp("bounded")
    fitted = {}

    def fit(optimizer):
        if optimizer not in fitted:
            estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0,
                                       optimizer=optimizer).fit(X, y)
            dump(estimator, folder / f"{optimizer}.l1l2")
            layout = _network.optimizer_layout(_network.params_optimizer_config(estimator),
                                               [(X.shape[1], 4), (4, 1)])
            fitted[optimizer] = (estimator, (folder / f"{optimizer}.l1l2").read_bytes(),
                                 [variable.name for variable in layout])
        return fitted[optimizer]

    return fit


def _assigned(**values):
    """An edit that sets, in the weights file, ``optimizer/vars/<i>`` to ``values["vars_<i>"]``
    (a value or a function of the old values)."""

    def edit(file):
        for key, value in values.items():
            dataset = file[f"optimizer/vars/{key.removeprefix('vars_')}"]
            old = np.array(dataset[()])
            dataset[()] = np.asarray(value(old) if callable(value) else value, old.dtype)

    return edit


def _loads_and_trains(tmp_path, data, binary_data):
    path = tmp_path / "inside.l1l2"
    path.write_bytes(data)
    loaded = load(path)
    X, y = binary_data
    loaded.partial_fit(X, y)
    assert all(np.isfinite(weights).all() for weights in loaded.coefs_ + loaded.intercepts_)
    return loaded


def test_a_step_count_that_no_training_reaches_is_refused(fitted_under, binary_data, tmp_path):
    # 2**63 - 1 loaded, and the next step's count wrapped to -2**63: Adam's bias correction
    # beta_1 ** step became infinite and the warm start diverged.
    _, good, names = fitted_under("adam")
    assert names[0] == "iteration"
    for count in (2**63 - 1, 2**53):
        _assert_refused(tmp_path, rebuild(good, h5=_assigned(vars_0=count)),
                        rf"its optimizer state /optimizer/vars/0 \(iteration\) holds {count}: load "
                        r"reads step counts of at most 2\*\*53 - 1, more than any training takes")
    loaded = _loads_and_trains(tmp_path, rebuild(good, h5=_assigned(vars_0=2**53 - 1)),
                               binary_data)
    assert int(loaded.model_.optimizer.iterations.numpy()) == 2**53 + 1  # two more steps


def test_a_step_count_beyond_the_steps_a_schedule_is_checked_at_is_refused(
    binary_data, tmp_path
):
    """A fit checks a learning-rate schedule's rate at steps up to 2**31 - 1. This one is NaN
    from step 2**32 - 1: a file counting 2**33 steps loaded, and its next partial_fit
    "diverged", with advice about the schedule's rates."""
    schedule = keras.optimizers.schedules.CosineDecayRestarts(
        1e-3, first_decay_steps=2**31, t_mul=0.5
    )
    assert np.isnan(float(schedule(2**33)))
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                            optimizer__learning_rate=schedule).fit(*binary_data)
    path = tmp_path / "scheduled.l1l2"
    dump(fitted, path)
    good = path.read_bytes()
    _assert_refused(tmp_path, rebuild(good, h5=_assigned(vars_0=2**33)),
                    r"its optimizer state /optimizer/vars/0 \(iteration\) holds 8589934592: under "
                    r"a learning-rate schedule load reads step counts of at most 2\*\*31 - 1")
    loaded = _loads_and_trains(tmp_path, rebuild(good, h5=_assigned(vars_0=2**31 - 3)),
                               binary_data)
    assert int(loaded.model_.optimizer.iterations.numpy()) == 2**31 - 1  # two more steps


def _dead_ftrl_unit(names, accumulators):
    """Edits that make the first hidden unit of an Ftrl network dead (zero kernel column, bias -1:
    its gradients are exactly 0) with its linears 0 and its accumulators ``accumulators``."""

    def first(value):
        def change(values):
            values[..., 0] = value
            return values

        return change

    def weights(file):
        kernel = np.array(file["layers/dense/vars/0"][()])
        kernel[:, 0] = 0
        file["layers/dense/vars/0"][()] = kernel
        bias = np.array(file["layers/dense/vars/1"][()])
        bias[0] = -1
        file["layers/dense/vars/1"][()] = bias
        _assigned(**{
            f"vars_{names.index(f'{variable}_0_{kind}')}": first(
                accumulators if kind == "accumulator" else 0)
            for variable in ("kernel", "bias") for kind in ("accumulator", "linear")
        })(file)

    return weights


def test_ftrl_accumulators_below_their_initial_value_are_refused(fitted_under, binary_data,
                                                                 tmp_path):
    # Ftrl starts its accumulators at initial_accumulator_value (0.1) and only adds squares:
    # accumulators of 0 under a dead unit loaded, and the next step divided 0 by 0.
    _, good, names = fitted_under("ftrl")
    initial = np.float32(0.1)
    for below in (0, np.nextafter(initial, np.float32(0))):
        _assert_refused(tmp_path, rebuild(good, h5=_dead_ftrl_unit(names, below)),
                        r"its optimizer state /optimizer/vars/2 \(kernel_0_accumulator\) holds "
                        r"[\d.e-]+: the optimizer starts these accumulators at its "
                        r"initial_accumulator_value 0.1 and only adds squares of gradients to them")
    _loads_and_trains(tmp_path, rebuild(good, h5=_dead_ftrl_unit(names, initial)), binary_data)


def test_a_nadam_momentum_product_of_1_or_more_is_refused(fitted_under, binary_data, tmp_path):
    # Nadam keeps the product below 1; at 1.9925526, the next step's product was exactly 1 and
    # the step divided by 1 - 1.
    _, good, names = fitted_under("nadam")
    index = next(i for i, name in enumerate(names) if re.fullmatch(r"variable(_\d+)?", name))
    for product in (1.9925526, 1.0):
        _assert_refused(tmp_path, rebuild(good, h5=_assigned(**{f"vars_{index}": product})),
                        rf"its optimizer state /optimizer/vars/{index} \(variable(_\d+)?\) holds "
                        rf"{product}: the optimizer keeps its product of momentum factors below 1")
    # Just below 1 loads, and so does 0: float32 takes the product there after ~1,000 steps.
    for product in (np.nextafter(np.float32(1), np.float32(0)), 0.0):
        _loads_and_trains(tmp_path, rebuild(good, h5=_assigned(**{f"vars_{index}": product})),
                          binary_data)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_gradients_accumulated_at_a_step_that_applied_them_are_refused(optimizer, binary_data,
                                                                        tmp_path):
    # Keras applies the accumulated gradients and zeroes the accumulators at every step that
    # brings the step count to a multiple of gradient_accumulation_steps. Accumulators of 1e30
    # there loaded; the next partial_fit took SGD's weights to about 1e27 without a word, and
    # made Adam's "diverge" with advice to lower the learning rate.
    X, y = binary_data
    for steps in (2, 3):
        estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0,
                                   optimizer=optimizer,
                                   optimizer__gradient_accumulation_steps=steps).fit(X, y)
        dump(estimator, tmp_path / "good.l1l2")
        good = (tmp_path / "good.l1l2").read_bytes()
        names = [variable.name for variable in _network.optimizer_layout(
            _network.params_optimizer_config(estimator), [(X.shape[1], 4), (4, 1)])]
        indices = [i for i, name in enumerate(names) if name.endswith("_gradient_accumulator")]
        assert len(indices) == 4 and names[0] == "iteration"
        state = estimator.model_.optimizer.variables
        count = int(np.asarray(state[0]))  # (its iterations is this count // steps)
        held = any(np.asarray(state[i]).any() for i in indices)
        assert held == (count % steps != 0)  # (this fit: 2 steps)
        # A genuine file loads and trains on, whether its accumulators are zero or not.
        _loads_and_trains(tmp_path, good, binary_data)
        hostile = rebuild(good, h5=_assigned(**{f"vars_{i}": lambda old: old + 1e30
                                                for i in indices}))
        if count % steps:
            # Between two updates they hold a sum of raw gradients, which nothing bounds
            # (README): only finite values are asked of them.
            (tmp_path / "between.l1l2").write_bytes(hostile)
            np.testing.assert_array_equal(load(tmp_path / "between.l1l2").predict_proba(X),
                                          estimator.predict_proba(X))
            continue
        _assert_refused(tmp_path, hostile,
                        rf"its optimizer state /optimizer/vars/{indices[0]} "
                        r"\(kernel_0_gradient_accumulator\) holds gradients accumulated at a "
                        rf"step count of {count}, a multiple of its gradient_accumulation_steps "
                        rf"{steps}, "
                        r"where the optimizer has just applied them and set them to zero")
        one = rebuild(good, h5=_assigned(**{f"vars_{indices[-1]}": lambda old: old + 1e-8}))
        _assert_refused(tmp_path, one, r"\(bias_1_gradient_accumulator\) holds gradients")


@pytest.mark.parametrize("optimizer", ["adam", "ftrl", "nadam"])
def test_optimizer_state_that_load_refuses_makes_the_next_step_nan(optimizer, fitted_under,
                                                                  binary_data):
    # Why the bounds are checked: the states refused above, set in memory, make a warm start
    # diverge (and the user is told to lower the learning rate).
    fitted, _, names = fitted_under(optimizer)
    broken = pickle.loads(pickle.dumps(fitted))
    state = broken._get_fitted_state()
    values = state["optimizer_state"]
    if optimizer == "adam":
        values[0] = np.int64(2**63 - 1)
    elif optimizer == "ftrl":
        state["weights"][0][:, 0] = 0
        state["weights"][1][0] = -1
        for name in ("kernel_0_accumulator", "kernel_0_linear", "bias_0_accumulator",
                     "bias_0_linear"):
            values[names.index(name)][..., 0] = 0
    else:
        assert int(values[0]) == 2  # the next step is the third
        values[-1] = np.float32(1.9925526)  # * 0.9 * (1 - 0.5 * 0.96 ** 3) == 1 in float32
    broken._set_fitted_state(**state)
    X, y = binary_data
    with pytest.raises(ValueError, match="diverged"):
        broken.partial_fit(X, y)


def _replaced(path, **options):
    """An edit that replaces the dataset at ``path`` by one created with ``options``."""

    def edit(file):
        group, name = path.rsplit("/", 1)
        del file[path]
        file[group].create_dataset(name, **options)

    return edit


def _linked(path, link):
    def edit(file):
        del file[path]
        file[path] = link

    return edit


H5_ATTACKS = {
    "soft link": (_linked("layers/dense/vars/1", h5py.SoftLink("/layers/dense_1/vars/1")),
                  "'s /layers/dense/vars/1 is a soft link; only hard links are read"),
    "external link": (_linked("layers/dense/vars/0", h5py.ExternalLink("/etc/passwd", "/x")),
                      # h5py stores it in a link message (of the newer kind of group).
                      "the header of /layers/dense/vars holds link info"),
    "compressed": (_replaced("layers/dense/vars/0", data=np.zeros((8, 16), "<f4"),
                             compression="gzip"),
                   "the header of /layers/dense/vars/0 holds a filter pipeline"),
    "big-endian": (_replaced("layers/dense/vars/0", data=np.zeros((8, 16), ">f4")),
                   "/layers/dense/vars/0 has a type other than little-endian float32 or int64"),
    "float64": (_replaced("layers/dense/vars/0", data=np.zeros((8, 16))),
                "/layers/dense/vars/0 has a type other than little-endian float32 or int64"),
    # A valid type, in the wrong place: the step count's int64 as a kernel.
    "int64": (_replaced("layers/dense/vars/0", data=np.zeros((8, 16), "<i8")),
              "/layers/dense/vars/0 has type int64; little-endian float32 is expected"),
    "external storage": (_replaced("layers/dense/vars/0", shape=(8, 16), dtype="<f4",
                                   external=[("/etc/passwd", 0, 512)]),
                         "the header of /layers/dense/vars/0 holds external data files"),
    "unexpected attribute": (
        lambda file: file["layers/dense/vars/0"].attrs.__setitem__("dtype", "bfloat16"),
        r"/layers/dense/vars/0 is not a dataset as h5py writes it \(it holds an attribute\)"),
    "unexpected group attribute": (
        lambda file: file["layers/dense/vars"].attrs.__setitem__("dtype", "bfloat16"),
        "/layers/dense/vars has 2 attributes; at most 1"),
    "extra group": (lambda file: file.create_group("assets"),
                    "holds more than the 23 groups and datasets its params call for"),
    "another group instead of vars": (
        lambda file: (file.__delitem__("vars"), file.create_group("assets")),
        r"'s / holds \['assets', 'layers', 'optimizer'\]; exactly \['layers', 'optimizer'\] "
        "are expected"),
}


@pytest.mark.parametrize("attack", list(H5_ATTACKS))
def test_weights_file_layout_is_checked_before_reading(attack, good, tmp_path):
    edit, reason = H5_ATTACKS[attack]
    _assert_refused(tmp_path, rebuild(good, h5=edit), reason)


def _continuation_chunk(file, path):
    """The address of the second chunk of the object header at ``path``, whose first chunk holds
    only the continuation message (type 0x10, 16 bytes: the address and size of the next)."""
    info = h5py.h5o.get_info(file[path].id)
    assert info.hdr.nchunks == 2
    data = file.id.get_file_image()
    message = data[info.addr + 16 : info.addr + 24 + 16]
    assert message[:4] == b"\x10\x00\x10\x00"
    return int.from_bytes(message[8:16], "little")


def _data_moved(path, onto):
    """An edit of model.keras's members: the weights file with the data address of dataset
    ``path`` rewritten to ``onto(file)`` (a byte offset), as one changed field of its layout
    message would move it (found by a byte-level fuzz)."""

    def edit(inner):
        data = inner["model.weights.h5"]
        with h5py.File(io.BytesIO(data), "r") as file:
            old, new = file[path].id.get_offset(), onto(file)
        assert data.count(struct.pack("<Q", old)) == 1
        inner["model.weights.h5"] = data.replace(struct.pack("<Q", old), struct.pack("<Q", new))
        return inner

    return edit


@pytest.mark.parametrize(
    "onto, reason",
    [
        (lambda file: file["layers/dense_1/vars/1"].id.get_offset(),
         r"the data of /layers/dense(_1)?/vars/1 overlaps the data of /layers/dense(_1)?/vars/1; "
         "each part of the file must be its own bytes"),
        (lambda file: h5py.h5o.get_info(file["layers"].id).addr,
         "the data of /layers/dense/vars/1 overlaps the header of /layers;"),
        # A header that outgrows its first chunk continues elsewhere (each vars group's does);
        # only the first chunk was covered.
        (lambda file: _continuation_chunk(file, "layers/dense_1/vars"),
         "a continuation of the header of /layers/dense_1/vars overlaps the data of "
         "/layers/dense/vars/1"),
        (lambda file: 8, "the data of /layers/dense/vars/1 overlaps the superblock"),
    ],
    ids=["another dataset's bytes", "an object header", "a header's continuation", "superblock"],
)
def test_a_dataset_reads_only_bytes_of_its_own(onto, reason, good, tmp_path):
    edit = _data_moved("layers/dense/vars/1", onto)
    _assert_refused(tmp_path, rebuild(good, keras_members=edit), reason)


def _weights_bytes(edit):
    """An edit of model.keras's members: ``edit(bytes)`` of its weights file."""

    def edit_members(inner):
        inner["model.weights.h5"] = edit(inner["model.weights.h5"])
        return inner

    return edit_members


def _field(position, value):
    """Bytes with the 8-byte little-endian field at ``position`` set to ``value``."""
    return lambda data: data[:position] + struct.pack("<Q", value) + data[position + 8:]


@pytest.mark.parametrize("edit, reason", [
    (_field(24, 512), "sets a base address"),
    # Bytes after the end that the superblock declares would never be read by HDF5.
    (lambda data: data + bytes(64), r"ends the file at byte \d+, but it has \d+ bytes"),
    (lambda data: _field(40, len(data) + 4096)(data), r"ends the file at byte \d+, but"),
    # Truncated, with the end moved to match: what is gone is the last dataset's data.
    (lambda data: _field(40, len(data) - 64)(data[:-64]), "lies outside the file"),
    (_field(48, 200), "points to a free-space manager or file driver block"),
    (_field(32, 200), "points to a free-space manager or file driver block"),
    (lambda data: _field(64, len(data) + 10)(data), "places the root group outside the file"),
    (lambda data: data[:8] + b"\x04" + data[9:], "superblock of version 4"),
    (lambda data: data[:50], "ends inside its superblock"),
], ids=["base address", "bytes appended", "end beyond the file", "truncated", "driver block",
        "free-space manager", "root beyond the file", "unknown version", "cut in the superblock"])
def test_a_superblock_h5py_would_not_write_is_refused(edit, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, keras_members=_weights_bytes(edit)), reason)


def test_weights_in_the_latest_hdf5_layout_are_refused_with_the_reason(good, tmp_path):
    # Keras saves through h5py's defaults (HDF5's earliest layout); the newest one (version 2
    # headers, groups of link messages, a version 3 superblock) is a layout load does not walk.
    def latest(inner):
        buffer = io.BytesIO()
        with h5py.File(io.BytesIO(inner["model.weights.h5"]), "r") as old, h5py.File(
            buffer, "w", libver="latest"
        ) as new:
            def copy(name, item):
                if isinstance(item, h5py.Group):
                    new.require_group(name).attrs.update(item.attrs)
                else:
                    new.create_dataset(name, data=item[()])

            old.visititems(copy)
        inner["model.weights.h5"] = buffer.getvalue()
        return inner

    _assert_refused(tmp_path, rebuild(good, keras_members=latest),
                    r"has a superblock of version 3; load reads the layout h5py writes by default "
                    r"\(version 0\), as Keras saves it")


# -- 7. the container, malformed values, odd paths ---------------------------------------------


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.data += data
        return len(data)


def _with_data_descriptors(good):
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members(good).items():
            archive.writestr(name, data)
    return bytes(stream.data)


def _with_comment(good):
    return zip_members(members(good), comment=b"hello")


def _with_a_zip64_record(good):
    """The file with a (consistent) zip64 end record and its locator between the directory's
    entries and the end record, counted in the directory's size: zipfile reads it."""
    end = len(good) - 22
    signature, disk, start, on_disk, total, size, offset, comment = struct.unpack(
        "<4s4H2LH", good[end:]
    )
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, total, total, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    record = struct.pack("<4s4H2LH", signature, disk, start, on_disk, total,
                         size + len(zip64) + len(locator), offset, comment)
    return good[:end] + zip64 + locator + record


def _with_a_name_that_is_not_utf8(good):
    """The directory entry of model.keras flagged UTF-8, its name's first byte 0xff."""
    data = bytearray(good)
    entry = data.rindex(b"PK\x01\x02")  # the last directory entry: model.keras
    (flags,) = struct.unpack_from("<H", data, entry + 8)
    struct.pack_into("<H", data, entry + 8, flags | 0x800)
    data[entry + 46] = 0xFF
    return bytes(data)


CONTAINER_ATTACKS = {
    "duplicate members": (
        lambda good: zip_members([*members(good).items(), (MODEL, members(good)[MODEL])]),
        r"holds the members \['l1l2-estimator.json', 'model.keras', 'model.keras'\]"),
    "a third member": (lambda good: zip_members({**members(good), "readme.txt": b"hi"}),
                       r"holds the members \['l1l2-estimator.json', 'model.keras', 'readme.txt'\]"),
    "bytes prepended": (lambda good: b"MZ" + bytes(1000) + good, "prepended"),
    "bytes appended": (lambda good: good + b"trailer", "has a comment or bytes after its end"),
    "a comment": (_with_comment, "has a comment or bytes after its end"),
    "data descriptors": (_with_data_descriptors, "has a data descriptor"),
    "bzip2": (lambda good: zip_members(members(good), compression=zipfile.ZIP_BZIP2),
              "uses compression method 12; only stored or deflated"),
    "a zip64 record in the directory": (
        _with_a_zip64_record,
        "has bytes in its directory besides its members' entries"),
    "a name flagged UTF-8 that is not": (_with_a_name_that_is_not_utf8,
                                         "its zip archive is damaged or unreadable .*utf-8"),
}



@pytest.mark.parametrize("attack", list(CONTAINER_ATTACKS))
def test_the_zip_container_must_be_plain(attack, good, tmp_path):
    build, reason = CONTAINER_ATTACKS[attack]
    _assert_refused(tmp_path, build(good), reason)


MALFORMED = {
    # Each of these raised an error other than "Cannot load <path>: ...", or loaded and failed
    # later inside TensorFlow.
    "compile_config null": (dict(config=_set("compile_config", None)),
                            "compile_config must be a JSON object, got None"),
    "input shape of 3 dimensions": (
        dict(config=_set("config", "layers", 0, "config", "batch_shape", [None, 8, 2])),
        r"batch_shape must be \[null, 8\]"),
    "empty layer input shape": (
        dict(config=_set("config", "layers", 1, "build_config", "input_shape", [])),
        r"layer 1's build_config's input_shape must be \[null, 8\]"),
    "NaN loss curve": (dict(metadata=_set("loss_curve_", [0.7, "nan"])),
                       "loss_curve_ must be a non-empty list of finite numbers"),
    "huge shuffle seed": (dict(metadata=_set("training_state", "shuffle_seed", 2**70)),
                          "shuffle_seed must be an integer in"),
    "negative shuffle seed": (dict(metadata=_set("training_state", "shuffle_seed", -1)),
                              "shuffle_seed must be an integer in"),
    # Every key is checked: one the format does not define is refused, not ignored.
    "unknown top-level key": (dict(metadata=_set("notes", "x" * 1000)),
                              "json has unexpected 'notes'"),
    "a regressor's field in a classifier's file": (
        dict(metadata=_set("n_outputs_", 1)), "json has unexpected 'n_outputs_'"),
    "labels beside a multilabel indicator": (
        dict(metadata=_set("multilabel", {"n_labels": 2, "indicator_dtype": "<i8"})),
        "json has unexpected 'classes_'"),
    "unknown training_state key": (dict(metadata=_set("training_state", "epoch", 3)),
                                   "training_state has unexpected 'epoch'"),
    "validation_start without validation scores": (
        dict(metadata=_set("training_state", "validation_start", 0)),
        "validation_start must be an integer from 0 to the epochs"),
    # Where the loss rule of the current training started: within loss_curve_, an int.
    "rule_start beyond the loss curve": (
        dict(metadata=_set("training_state", "rule_start", 10**6)),
        "rule_start must be an integer from 0 to the epochs of loss_curve_"),
    "rule_start negative": (dict(metadata=_set("training_state", "rule_start", -1)),
                            "rule_start must be an integer from 0"),
    "rule_start a bool": (dict(metadata=_set("training_state", "rule_start", True)),
                          "rule_start must be an integer from 0"),
    "legacy random_state of another type": (
        dict(metadata=_set("training_state", "random_state", [1] * 10_000)),
        "random_state must be null or an integer"),
    "library_version not a string": (dict(metadata=_set("library_version", {"a": [1]})),
                                     "'library_version' in its .* must be a version string"),
    "keras_version of a megabyte": (dict(metadata=_set("keras_version", "3" * 2**20)),
                                    "'keras_version' in its .* must be a version string"),
    "unhashable tag": (dict(metadata=_set("params", "class_weight", {"type": [1]})),
                       "parameter 'class_weight' holds an unreadable value"),
    "dict items of three": (
        dict(metadata=_set("params", "class_weight", {"type": "dict", "items": [[0, 1, 2]]})),
        "dict whose items are not pairs"),
    "scalar with a list value": (
        dict(metadata=_set("params", "l1", {"type": "numpy_scalar", "dtype": "<f8", "shape": [],
                                            "value": [1.0]})),
        "not nested as its shape"),
    "RandomState keys too short": (
        dict(metadata=_set("params", "random_state", {"type": "random_state", "keys": [1, 2],
                                                      "pos": 0, "has_gauss": 0,
                                                      "cached_gaussian": 0.0})),
        "invalid RandomState"),
    "optimizer variables missing": (dict(h5=lambda f: f["optimizer/vars"].__delitem__("5")),
                                    r"/optimizer/vars holds"),
    # NumPy does not check a RandomState's position: this one made fit read and write far
    # outside the key array (a segmentation fault).
    "RandomState position outside its keys": (
        dict(metadata=_set("params", "random_state", {"type": "random_state", "keys": [1] * 624,
                                                      "pos": -100_000_000, "has_gauss": 0,
                                                      "cached_gaussian": 0.0})),
        r"invalid RandomState: pos must be an integer in \[0, 624\]"),
    # Mersenne Twister's all-zero state draws only zeros: every hidden unit got the same initial
    # weights, and a normal draw never returned.
    "RandomState of the all-zero state": (
        dict(metadata=_set("params", "random_state", {"type": "random_state", "keys": [0] * 624,
                                                      "pos": 624, "has_gauss": 0,
                                                      "cached_gaussian": 0.0})),
        "the all-zero state of the Mersenne Twister"),
    # One bit set passed that check, and the generator drew 0 for most of its first 100,000
    # numbers: a fresh fit of the loaded estimator gave every hidden unit the same weights.
    "RandomState of one set bit": (
        dict(metadata=_set("params", "random_state", {"type": "random_state",
                                                      "keys": [0] * 623 + [1], "pos": 624,
                                                      "has_gauss": 0, "cached_gaussian": 0.0})),
        r"keys hold 1 set bit of the Mersenne Twister's 19,937"),
    # All ones is as degenerate: 55 distinct numbers in its first 2,000 draws.
    "RandomState of all bits set": (
        dict(metadata=_set("params", "random_state", {"type": "random_state",
                                                      "keys": [2**32 - 1] * 624, "pos": 624,
                                                      "has_gauss": 0, "cached_gaussian": 0.0})),
        r"keys hold 19,937 set bits of the Mersenne Twister's 19,937"),
    # The package trains every layer whatever the config says: false loaded and was ignored.
    "a layer not trainable": (dict(config=_dense(1, "trainable", False)),
                              "trainable must be True"),
    "a network not trainable": (dict(config=_set("config", "trainable", False)),
                                "its network's trainable must be True"),
    # Keras took it and its next training step failed inside TensorFlow (FloorMod of int64).
    "gradient accumulation over 2.5 steps": (
        dict(metadata=_set("params", "optimizer__gradient_accumulation_steps", 2.5)),
        "gradient_accumulation_steps must be an integer >= 2"),
    "RandomState NaN Gaussian": (
        dict(metadata=_set("params", "random_state", {"type": "random_state", "keys": [1] * 624,
                                                      "pos": 624, "has_gauss": 1,
                                                      "cached_gaussian": "nan"})),
        "cached_gaussian must be a finite number"),
    "repeated feature names": (
        dict(metadata=_set("feature_names_in_", {
            "dtype": "object", "shape": [8], "items": ["a", "a", "b", "c", "d", "e", "f", "g"],
        })),
        "feature_names_in_ names a feature twice"),
    # Losses are float32: 1e39 loaded, and the next warm fit's replay of the stopping rule
    # let NumPy's overflow warning out; 1e308 (and scores of 1e308) broke the loss curve's plot.
    "loss beyond float32": (dict(metadata=_set("loss_curve_", [1e39, 0.5])),
                            "loss_curve_ must be a non-empty list of finite numbers within "
                            "float32's range"),
    "empty loss curve": (dict(metadata=_set("loss_curve_", [])),
                         "loss_curve_ must be a non-empty list"),
    # Labels that decode as arrays but that no classifier takes: refused with the path (the
    # continuous ones by the estimator's own setter, as a fit would refuse them).
    "infinite float label": (
        dict(metadata=_set("classes_", {"dtype": "<f8", "shape": [2], "items": [0.0, "inf"]})),
        "classes_ must be finite numbers or strings"),
    "continuous labels": (
        dict(metadata=_set("classes_", {"dtype": "<f8", "shape": [2], "items": [0.5, 1.5]})),
        "classes_ are not labels a classifier takes: Unknown label type"),
    # scikit-learn's label check casts float labels to int64: NumPy's warning about labels
    # beyond its range escaped load where warnings are errors (_assert_refused makes them so).
    "float labels beyond int64": (
        dict(metadata=_set("classes_", {"dtype": "<f8", "shape": [2], "items": [0.0, 1e300]})),
        "classes_ are not labels a classifier takes: Unknown label type"),
}


# Every key of a stored value is checked as the top-level ones are: a key its kind does not
# define had been ignored, so that a file could carry megabytes that load never looked at, and
# a value could read otherwise to another reader (a scalar's "items" beside its "value").
UNDEFINED_KEYS = {
    "beside a label array": (_set("classes_", "payload", "A" * 10_000),
                             "classes_ has unexpected 'payload'"),
    "beside feature names": (
        _set("feature_names_in_", {"dtype": "object", "shape": [8], "note": 1,
                                   "items": ["a", "b", "c", "d", "e", "f", "g", "h"]}),
        "feature_names_in_ has unexpected 'note'"),
    "an array's in a tuple": (_set("params", "hidden_layer_sizes", "shape", [7, 7]),
                              "parameter 'hidden_layer_sizes' .*has unexpected 'shape'"),
    "items beside a scalar's value": (
        _set("params", "l1", {"type": "numpy_scalar", "dtype": "<f8", "shape": [],
                              "value": 1e-5, "items": [1.0]}),
        "parameter 'l1' .*has unexpected 'items'"),
    "a note in a dict": (_set("params", "class_weight", {"type": "dict", "items": [],
                                                         "note": {"x": [1, 2, 3]}}),
                         "parameter 'class_weight' .*has unexpected 'note'"),
    "beside a stored array param": (
        _set("params", "hidden_layer_sizes", {"type": "ndarray", "dtype": "<i8", "shape": [1],
                                              "items": [16], "x": 0}),
        "parameter 'hidden_layer_sizes' .*has unexpected 'x'"),
    "a seed beside a RandomState": (
        _set("params", "random_state", {"type": "random_state", "keys": [1] * 624, "pos": 624,
                                        "has_gauss": 0, "cached_gaussian": 0.0, "seed": 5}),
        "parameter 'random_state' .*has unexpected 'seed'"),
    "beside a Keras object's config": (
        _set("params", "optimizer", {"type": "keras_object", "config": {}, "module": "os"}),
        "parameter 'optimizer' .*has unexpected 'module'"),
    "a tuple without items": (_set("params", "hidden_layer_sizes", {"type": "tuple"}),
                              "parameter 'hidden_layer_sizes' .*lacks 'items'"),
}


@pytest.mark.parametrize("case", list(UNDEFINED_KEYS))
def test_a_key_a_stored_value_does_not_define_is_refused(case, good, tmp_path):
    edit, reason = UNDEFINED_KEYS[case]
    _assert_refused(tmp_path, rebuild(good, metadata=edit), reason)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_values_are_refused_with_the_path(case, good, tmp_path):
    edits, reason = MALFORMED[case]
    _assert_refused(tmp_path, rebuild(good, **edits), reason)


def test_a_sparse_float16_indicator_is_refused(binary_data, tmp_path):
    # scipy.sparse holds no float16, so no fit saw such an indicator: the file loaded, and every
    # predict then failed inside scipy, with a message that did not name the file.
    X, y = binary_data
    Y = scipy.sparse.csr_matrix(np.column_stack([y, 1 - y]).astype(np.float32))
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, Y)
    path = tmp_path / "sparse.l1l2"
    dump(fitted, path)
    good = path.read_bytes()
    assert json.loads(members(good)[METADATA])["multilabel"] == {
        "n_labels": 2, "indicator_dtype": "<f4", "sparse_indicator": True}
    _assert_refused(tmp_path, rebuild(good, metadata=_set("multilabel", "indicator_dtype", "<f2")),
                    r"multilabel sparse_indicator with indicator_dtype '<f2': scipy.sparse holds "
                    r"no float16 matrix, so no fit saw one")
    predicted = load(path).predict(X)
    assert scipy.sparse.issparse(predicted) and predicted.dtype == np.float32
    # A dict of class weights, which a multilabel fit refuses: it loaded before.
    _assert_refused(tmp_path, rebuild(good, metadata=_set(
        "params", "class_weight", {"type": "dict", "items": [[0, 2.0], [1, 1.0]]})),
        "its class_weight is a dict, which weights the classes of single-label targets")


@pytest.mark.parametrize("text, reason", [
    (lambda text: text.replace('"format_version": 1', '"format_version": 1, "format_version": 1'),
     "a key is repeated in an object"),
    (lambda text: text.replace('"verbose": 0', '"verbose": ' + "[" * 100 + "]" * 100),
     "nests lists and objects more than 64 deep"),
    (lambda text: text.replace('"verbose": 0', '"verbose": ' + "9" * 5000),
     "not valid UTF-8 JSON"),
    # 8 MiB of empty lists would take ~400 MiB once parsed: counted and refused before parsing
    # (brackets inside strings do not count).
    (lambda text: text.replace('"verbose": 0', '"verbose": [' + "[]," * 200_001 + "[]]"),
     "holds more than 200,000 lists and objects"),
    # One string of 7 MiB, just under the member's limit: the count above skips strings without
    # keeping anything per character (it once held ~1 GiB for this file).
    (lambda text: text.replace('"verbose": 0', '"verbose": "' + "x" * (7 << 20) + '"'),
     "verbose"),
    # Escaped quotes and brackets inside a string are part of the string, not structure.
    (lambda text: text.replace('"verbose": 0', '"verbose": "' + '\\"[{' * 300_000 + '"'),
     "verbose"),
])
def test_metadata_json_is_parsed_strictly(text, reason, good, tmp_path):
    outer = members(good)
    outer[METADATA] = text(outer[METADATA].decode()).encode()
    _assert_refused(tmp_path, zip_members(outer), reason)


def test_counting_lists_and_objects_keeps_nothing_per_string(good, tmp_path):
    """Removing the strings before counting brackets built a piece per string: 8 MiB of empty
    strings took 360 MiB. More brackets than the limit in all (inside strings) make the count
    look at every string."""
    outer = members(good)
    strings = '"[",' * 250_000 + '"",' * 2_000_000 + '""'
    outer[METADATA] = outer[METADATA].decode().replace(
        '"verbose": 0', '"verbose": [' + strings + "]"
    ).encode()
    _assert_refused(tmp_path, zip_members(outer), "verbose")


def test_a_junk_weights_file_is_refused_before_the_optimizer_is_built(good, tmp_path):
    """Under params of 1,024 layers, a weights file that is not HDF5 at all was refused only
    after the optimizer had been built on a stand-in for each of the 2,048 variables: seconds,
    and hundreds of MiB kept after the refusal."""
    n_hidden = 1023

    def deep(metadata):
        metadata["params"]["hidden_layer_sizes"] = {"type": "tuple", "items": [1] * n_hidden}

    def deep_network(config):
        first, hidden, output = config["config"]["layers"]
        layers = [first]
        for index in range(n_hidden):
            layer = json.loads(json.dumps(hidden))
            layer["config"].update(units=1, name=f"dense_h{index}")
            layer["build_config"]["input_shape"][1] = 8 if index == 0 else 1
            layers.append(layer)
        output["build_config"]["input_shape"][1] = 1
        config["config"]["layers"] = layers + [output]

    def junk_weights(inner):
        return {**inner, "model.weights.h5": bytes(20_000)}

    data = rebuild(good, metadata=deep, config=deep_network, keras_members=junk_weights)
    _assert_refused(tmp_path, data, "its model.weights.h5 is not an HDF5 file")


def test_a_size_of_thousands_of_digits_is_refused_with_the_file_named(good, tmp_path):
    """A layer of 10**4298 units (valid JSON) made load raise Python's own ValueError about
    converting an integer of more than 4,300 digits, without the file's name or a reason."""
    def sized(units):
        def edit(metadata):
            metadata["params"]["hidden_layer_sizes"] = {"type": "tuple", "items": [units]}

        return edit

    # Beyond TensorFlow's 64-bit dimensions: refused with the params, before the weights' size.
    _assert_refused(tmp_path, rebuild(good, metadata=sized(10**4298)),
                    r"its params are invalid: hidden_layer_sizes .* each below 2\*\*63\), got "
                    r"\(1000000000.*\.\.\.$")
    _assert_refused(tmp_path, rebuild(good, metadata=sized(2**62)),
                    "call for more than 1073741824 bytes")


def test_unterminated_strings_are_skipped_in_one_pass(good, tmp_path):
    # 7 MiB of '"\\' pairs (an 11 KB file): every quote opened a string that never closed, and
    # counting the lists and objects outside strings scanned to the end from each of them, which
    # would have taken a day and a half. The count runs in C holding the GIL, so the load runs in
    # another process that the test can stop.
    outer = members(good)
    outer[METADATA] = b'"\\' * (7 << 19)
    path = tmp_path / "crafted.l1l2"
    path.write_bytes(zip_members(outer))
    code = (
        "import sys\n"
        "from l1l2_estimator import load\n"
        "try:\n"
        "    load(sys.argv[1])\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("load was still counting the lists and objects after 120 s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "is not valid UTF-8 JSON" in done.stdout, done.stdout


def test_a_refusal_names_a_huge_param_value_in_a_few_words(good, tmp_path):
    # scikit-learn's message quotes the whole value: a 41 KB file made a message of 7.8 million
    # characters.
    values = [f"{i % 100:02d}" for i in range(90_000)]  # (at most 100,000 items are read)
    data = rebuild(good, metadata=_set("params", "verbose", values))
    error = _assert_refused(tmp_path, data, "its params are invalid: The 'verbose' parameter")
    assert len(str(error)) < 1000


@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_fifo_is_refused_without_blocking(through_a_link, tmp_path):
    # load waited forever on a FIFO (nobody writes to it).
    fifo = tmp_path / "pipe.l1l2"
    os.mkfifo(fifo)
    path = fifo
    if through_a_link:
        path = tmp_path / "link.l1l2"
        path.symlink_to(fifo)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(peak_memory_growth(lambda: load(path))),
                              daemon=True)
    thread.start()
    thread.join(60)
    if thread.is_alive():  # unblock the reader, so that the test run can go on
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load blocked on a FIFO")
    error, _ = outcome[0]
    assert type(error) is ValueError
    assert str(error) == (f"Cannot load {path}: it is not a regular file (a folder, FIFO, device "
                          "or socket); load reads only regular files.")


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match="it is not a regular file"):
        load(tmp_path)


# -- review of 2026-12-04: schedules, optimizer names, encodings, zip attributes ----------------


def _drop_learning_rate_variable(file):
    """The weights file of an Adam optimizer whose learning rate is a schedule: Keras keeps no
    learning-rate variable then, so the optimizer's variables shift down by one."""
    variables = file["optimizer/vars"]
    count = len(variables)
    del variables["1"]
    for index in range(2, count):
        variables.move(str(index), str(index - 1))


def _schedule_file(good, class_name, config):
    schedule = {"type": "keras_object", "config": _keras_object(
        "keras.optimizers.schedules", class_name, config)}
    return rebuild(good, h5=_drop_learning_rate_variable,
                   metadata=_set("params", "optimizer__learning_rate", schedule))


def test_a_piecewise_schedule_is_checked_by_its_values_and_called_once(good, tmp_path,
                                                                         monkeypatch):
    """Its check called it at two steps per boundary, each call a computation per boundary: a
    3.6 KB file of 300 boundaries took 35 s to load, 10,000 boundaries about ten hours. It is
    called at the first step only, where Keras' own failures show."""
    calls = []
    schedule_class = keras.optimizers.schedules.PiecewiseConstantDecay
    original = schedule_class.__call__
    monkeypatch.setattr(schedule_class, "__call__",
                        lambda self, step: calls.append(step) or original(self, step))
    path = tmp_path / "piecewise.l1l2"
    path.write_bytes(_schedule_file(good, "PiecewiseConstantDecay", {
        "boundaries": list(range(1, 101)), "values": [0.01] * 101}))
    loaded = load(path)
    assert [int(step) for step in calls] == [0]
    assert isinstance(loaded.get_params()["optimizer__learning_rate"], schedule_class)


@pytest.mark.parametrize("class_name, config, reason", [
    # Its rate at steps 0, 1, 10, 100, ... (the steps it was sampled at) is positive, and
    # negative at steps 5-8 of every period of 9: training went uphill from the loaded state.
    ("CosineDecayRestarts", {"initial_learning_rate": 0.5, "first_decay_steps": 9, "alpha": -1.0},
     "CosineDecayRestarts's alpha must be >= 0"),
    ("PolynomialDecay", {"initial_learning_rate": 0.5, "decay_steps": 9, "cycle": True,
                         "end_learning_rate": -0.5},
     "PolynomialDecay's end_learning_rate must be >= 0"),
    ("PiecewiseConstantDecay", {"boundaries": [5, 3], "values": [0.1, 0.1, 0.1]},
     "boundaries must be whole steps in increasing order"),
    ("PiecewiseConstantDecay", {"boundaries": [5], "values": [0.1, -0.1]},
     "values must be finite rates >= 0"),
    ("PiecewiseConstantDecay", {"boundaries": [-5], "values": [0.1, 0.0]},
     "must give a rate > 0 at the first step; it gives 0 at step 0"),
    # Values of two dtypes: loaded (not called), then every training step failed in TensorFlow.
    ("PiecewiseConstantDecay", {"boundaries": [5], "values": [1, 0.5]},
     "PiecewiseConstantDecay fails at step 0"),
])
def test_schedules_negative_between_sampled_steps_are_refused(class_name, config, reason, good,
                                                               tmp_path):
    _assert_refused(tmp_path, _schedule_file(good, class_name, config), reason)


def test_a_schedule_negative_between_sampled_steps_is_refused_in_fit(binary_data):
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.5, 9, alpha=-1.0)
    with pytest.raises(ValueError, match="CosineDecayRestarts's alpha must be >= 0"):
        L1L2Classifier(optimizer__learning_rate=schedule, epochs=1).fit(*binary_data)


@pytest.mark.parametrize("name", ["adam_from_elsewhere", "a" * 200])
def test_a_stored_optimizer_is_rebuilt_under_the_packages_name(name, binary_data, tmp_path):
    """Built under the file's name: TensorFlow keeps state per optimizer name, and 750 files of
    different names grew the process by 52 MiB."""
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0,
                            optimizer=keras.optimizers.Adam(0.01, name=name)).fit(*binary_data)
    path = tmp_path / "named.l1l2"
    dump(fitted, path)
    stored = json.loads(members(path.read_bytes())[METADATA])["params"]["optimizer"]
    assert stored["config"]["config"]["name"] == name
    loaded = load(path)
    assert loaded.get_params()["optimizer"].name == "optimizer"
    assert float(loaded.get_params()["optimizer"].learning_rate) == pytest.approx(0.01)
    np.testing.assert_array_equal(loaded.predict_proba(binary_data[0]),
                                  fitted.predict_proba(binary_data[0]))


def test_a_class_weight_beyond_floats_range_is_refused(good, binary_data, tmp_path):
    """10**400 < float("inf") holds in Python: it passed the check, and fit (or the first
    partial_fit of a loaded model) failed with OverflowError."""
    weights = {0: 10**400, 1: 1.0}
    with pytest.raises(ValueError, match="class_weight must map classes to finite weights >= 0"):
        L1L2Classifier(class_weight=weights, epochs=1).fit(*binary_data)
    stored = {"type": "dict", "items": [[0, 10**400], [1, 1.0]]}
    _assert_refused(tmp_path, rebuild(good, metadata=_set("params", "class_weight", stored)),
                    "class_weight must map classes to finite weights >= 0")


def test_a_tol_beyond_floats_range_is_refused(good, tmp_path):
    """A JSON integer of 401 digits is a valid number: the file loaded, predicted, and its next
    fit failed with Python's OverflowError."""
    _assert_refused(tmp_path, rebuild(good, metadata=_set("params", "tol", 10**400)),
                    "'tol' parameter of L1L2Classifier must be a float in the range")


@pytest.fixture(scope="module")
def good_regressors(tmp_path_factory):
    """A squared-error regressor's file (format 1) and a Poisson one's (format 2)."""
    from l1l2_estimator import L1L2Regressor

    X = np.random.default_rng(0).normal(size=(40, 3))
    files = {}
    for loss in ("squared_error", "poisson"):
        path = tmp_path_factory.mktemp("regressor") / f"{loss}.l1l2"
        dump(L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, loss=loss, random_state=0)
             .fit(X, np.abs(X[:, 0])), path)
        files[loss] = path.read_bytes()
    return files


@pytest.mark.parametrize("kind, edit", [
    ("poisson", _set("format_version", 1)),
    ("squared_error", _set("format_version", 2)),
    ("squared_error", _set("params", "loss", "squared_error")),
    ("classifier", _set("format_version", 2)),
], ids=["poisson in format 1", "format 2 without loss", "squared_error written", "classifier 2"])
def test_the_format_version_is_the_one_dump_writes_for_the_loss(kind, edit, good,
                                                                 good_regressors, tmp_path):
    data = good if kind == "classifier" else good_regressors[kind]
    _assert_refused(tmp_path, rebuild(data, metadata=edit),
                    "format 2 exactly for a regressor with loss='poisson'")


def test_the_regressors_files_load_in_their_formats(good_regressors, tmp_path):
    for loss, data in good_regressors.items():
        assert json.loads(members(data)[METADATA])["format_version"] == (
            2 if loss == "poisson" else 1
        )
        path = tmp_path / f"{loss}.l1l2"
        path.write_bytes(data)
        assert load(path).loss == loss


def test_validation_scores_above_one_are_refused(good, tmp_path):
    """Accuracy and R² are at most 1: scores of 1e308 loaded and broke the loss curve's plot."""
    _assert_refused(tmp_path, rebuild(good, metadata=_set("validation_scores_", [1e308, 0.5])),
                    r"validation_scores_ must be a non-empty list of numbers from -1e\+300 to 1")


@pytest.mark.parametrize("low", [-1.7e308, -1e301])
def test_validation_scores_far_below_any_fits_are_refused(low, good, tmp_path):
    """-1.7e308 loaded, and the loss curve's plot then failed inside matplotlib (an axis
    spanning float64's range); R² of a fitted network lies far above -1e300."""
    _assert_refused(tmp_path, rebuild(good, metadata=_set("validation_scores_", [low, 0.5])),
                    r"validation_scores_ must be a non-empty list of numbers from -1e\+300 to 1")


@pytest.mark.parametrize("loss", [
    {"type": "ndarray", "dtype": "<U7", "shape": [2], "items": ["poisson", "poisson"]},
    {"type": "ndarray", "dtype": "<i8", "shape": [0], "items": []},
], ids=["two strings", "empty"])
def test_a_loss_stored_as_an_array_is_refused_with_the_path(loss, good_regressors, tmp_path):
    """NumPy's "truth value of an array is ambiguous" escaped load without the file's name."""
    def edit(content):
        content["format_version"] = 2
        content["params"]["loss"] = loss

    _assert_refused(tmp_path, rebuild(good_regressors["squared_error"], metadata=edit), "loss")


def test_more_validation_scores_than_epochs_are_refused(good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, metadata=_set("validation_scores_", [0.5] * 500)),
                    r"validation_scores_ holds 500 epochs, more than the \d+ of loss_curve_")


@pytest.mark.parametrize("dtype, items, kind", [
    ("|b1", [0, 1], "booleans"),  # NumPy reads 0 and 1 as booleans
    ("<i8", [False, True], "integers"),  # and true as 1
    ("<f8", ["0", "1"], "numbers with a fraction or exponent"),  # and "1e-5" as a float
])
def test_array_items_must_be_of_their_dtypes_json_type(dtype, items, kind, good, tmp_path):
    labels = {"dtype": dtype, "shape": [2], "items": items}
    _assert_refused(tmp_path, rebuild(good, metadata=_set("classes_", labels)),
                    f"classes_ is not a valid stored array: its items must all be JSON {kind}")


def test_big_endian_labels_load_in_this_machines_byte_order(good, binary_data, tmp_path):
    classes = json.loads(members(good)[METADATA])["classes_"]
    swapped = {**classes, "dtype": np.dtype(classes["dtype"]).newbyteorder(">").str}
    path = tmp_path / "big_endian.l1l2"
    path.write_bytes(rebuild(good, metadata=_set("classes_", swapped)))
    loaded = load(path)
    assert loaded.classes_.dtype.isnative
    assert loaded.predict(binary_data[0]).dtype.isnative


def _with_directory_fields(data, name, **fields):
    """``data`` (a zip archive) with the central directory entry of member ``name`` given other
    ``external_attr``, ``internal_attr``, ``volume`` (disk number), ``create_version``,
    ``create_system``, ``extract_version`` (also in its local header), ``reserved`` or
    ``date_time`` (MS-DOS time and date, 32 bits) values."""
    offsets = {"volume": 34, "internal_attr": 36, "external_attr": 38, "create_version": 4,
               "create_system": 5, "extract_version": 6, "reserved": 7, "date_time": 12}
    formats = {"external_attr": "<L", "date_time": "<L", "create_version": "B",
               "create_system": "B", "extract_version": "B", "reserved": "B"}
    data = bytearray(data)
    # The directory's offset, from the end record (the archive has no comment).
    position = struct.unpack_from("<L", data, len(data) - 22 + 16)[0]
    while True:
        assert data[position : position + 4] == b"PK\x01\x02"
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + name_length] == name.encode():
            break
        position += 46 + name_length
    for field, value in fields.items():
        struct.pack_into(formats.get(field, "<H"), data, position + offsets[field], value)
        if field == "extract_version":  # the local header agrees: byte 4
            local = struct.unpack_from("<L", data, position + 42)[0]
            struct.pack_into("B", data, local + 4, value)
    return bytes(data)


@pytest.mark.parametrize("fields", [
    {"external_attr": (0o120777 << 16)},  # a symbolic link
    {"external_attr": (0o104755 << 16)},  # setuid
    {"external_attr": 0x20},  # an MS-DOS attribute
    {"internal_attr": 1},  # the text flag
    {"volume": 5},  # another disk
    # Bytes that no check read: they could carry anything.
    {"create_version": 65},
    {"create_system": 19},
    {"extract_version": 63},  # in the local header too: they agree
    {"reserved": 7},
], ids=["symlink", "setuid", "dos attribute", "text flag", "disk 5", "made by version 6.5",
        "made on system 19", "version 6.3 needed", "reserved byte"])
def test_directory_attributes_zipfile_never_writes_are_refused(fields, good, tmp_path):
    crafted = _with_directory_fields(good, MODEL, **fields)
    _assert_refused(tmp_path, crafted, "member 'model.keras' has attributes that zipfile never "
                    "writes")


def test_a_local_header_with_another_time_than_the_directory_is_refused(good, tmp_path):
    """The local header's modification time and date went unread: 4 bytes a member that could
    differ from the directory's, or carry anything."""
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        listed = archive.getinfo(MODEL).date_time
    crafted = _with_directory_fields(good, MODEL, date_time=0xDEADBEEF)
    with zipfile.ZipFile(io.BytesIO(crafted)) as archive:
        assert archive.getinfo(MODEL).date_time != listed  # only the directory's changed
    _assert_refused(tmp_path, crafted,
                    "member 'model.keras' has a local header that disagrees with the directory")


def _metadata_text(good, old, new):
    """``good`` with the text ``old`` of its metadata member replaced by ``new``."""
    file_members = members(good)
    text = file_members[METADATA].decode()
    assert text.count(old) == 1
    file_members[METADATA] = text.replace(old, new).encode()
    return zip_members(file_members)


@pytest.mark.parametrize("number, reason", [
    ("NaN", "NaN is not a JSON value"),
    ("Infinity", "Infinity is not a JSON value"),
    ("-Infinity", "-Infinity is not a JSON value"),
    # Python reads it as infinity.
    ("1e400", "the number 1e400 is beyond float64's range"),
])
def test_numbers_json_does_not_hold_are_refused(number, reason, good, tmp_path):
    """Python's json reads NaN and Infinity, which JSON does not hold: a routed argument, which
    no range check reads, loaded as NaN."""
    crafted = _metadata_text(good, '"verbose": 0', f'"verbose": 0, "callbacks__x": {number}')
    _assert_refused(tmp_path, crafted, f"l1l2-estimator.json is not valid UTF-8 JSON \\({reason}")


@pytest.mark.parametrize("stored, reason", [
    ({"type": "float", "value": "1.5"}, r"holds a stored float other than inf, -inf, nan \('1.5'"),
    ({"type": "float", "value": "Infinity"}, "holds a stored float other than inf"),
    ({"type": "float", "value": 1.5}, "holds a stored float other than inf"),
    ({"type": "float"}, r"\(a stored float\) lacks 'value'"),
    ({"type": "ndarray", "dtype": "<f8", "shape": [2], "items": [1.0, "Infinity"]},
     "its items must all be JSON numbers with a fraction or exponent"),
    ({"type": "ndarray", "dtype": "<i8", "shape": [2], "items": [1, "inf"]},
     "its items must all be JSON integers"),
])
def test_non_finite_floats_only_as_dump_writes_them(stored, reason, good, tmp_path):
    _assert_refused(tmp_path, rebuild(good, metadata=_set("params", "callbacks__x", stored)),
                    reason)


@pytest.mark.parametrize("start", [-1, 3, 1.0, True, None])
def test_where_validation_scores_start_is_checked(tmp_path, start):
    # partial_fit after an early_stopping fit: the file keeps where the scores start (its loss
    # curve goes on past them). Every other start a file can give is refused.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    fitted = L1L2Classifier(**{**FAST, "epochs": 2, "tol": 0}, early_stopping=True).fit(X, y)
    fitted.set_params(early_stopping=False).partial_fit(X, y)
    path = tmp_path / "scored.l1l2"
    dump(fitted, path)
    assert json.loads(members(path.read_bytes())[METADATA])["training_state"][
        "validation_start"] == 0
    assert load(path)._get_fitted_state()["validation_start"] == 0
    if start is None:  # written only where the scores do not end the curve
        del fitted.__dict__["_validation_start"]
        dump(fitted, path)
        assert "validation_start" not in json.loads(
            members(path.read_bytes())[METADATA])["training_state"]
        assert load(path)._get_fitted_state()["validation_start"] == 1
        return
    _assert_refused(
        tmp_path, rebuild(path.read_bytes(), metadata=_set("training_state", "validation_start",
                                                           start)),
        "validation_start must be an integer from 0 to the epochs",
    )


# -- NumPy floats narrower than float64, and warnings as errors ------------------------------------


def _float16(value):
    return {"type": "numpy_scalar", "dtype": "<f2", "shape": [], "value": value}


@pytest.mark.parametrize("edit, reason", [
    # float16 has neither: 1e10 became inf, passing a check of l1 <= float32's largest number
    # made in float16 (where that number is inf too), and the next partial_fit "diverged".
    (_set("params", "l1", _float16(1e10)),
     "l1 is not a valid stored array: overflow encountered in cast"),
    # 1e-9 became 0, passing learning_rate >= float32's smallest normal number (0 in float16):
    # partial_fit then trained nothing, without a word.
    (_set("params", "learning_rate", _float16(1e-9)),
     "learning_rate is not a valid stored array: its values are not all numbers that dtype"),
    (_set("classes_", {"dtype": "<f4", "shape": [2], "items": [0.0, 1e39]}),
     "classes_ is not a valid stored array: overflow encountered in cast"),
    (_set("params", "verbose", {"type": "ndarray", "dtype": "a", "shape": [1], "items": ["x"]}),
     "verbose is not a valid stored array: dtype 'a' is not stored by this format"),
], ids=["l1 inf in float16", "learning rate 0 in float16", "labels beyond float32",
        "a deprecated dtype name"])
def test_numbers_a_narrow_dtype_cannot_hold_are_refused_also_where_warnings_are_errors(
    edit, reason, good, tmp_path
):
    """With warnings as errors (python -W error, pytest's filterwarnings = error) the last two
    escaped load as a RuntimeWarning (overflow in NumPy's cast) or a DeprecationWarning (NumPy's
    dtype "a"); otherwise they printed the warning and loaded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _assert_refused(tmp_path, rebuild(good, metadata=edit), reason)


def test_narrow_floats_that_hold_their_values_load(good, tmp_path):
    # dump writes a float16 param as the float64 of its value: it loads as that float16.
    path = tmp_path / "narrow.l1l2"
    value = float(np.float16(1e-3))
    path.write_bytes(rebuild(good, metadata=_set("params", "l1", _float16(value))))
    assert load(path).l1 == np.float16(1e-3)


def test_a_group_with_more_entries_than_shown_says_so(good, tmp_path):
    """Only the first five names are listed: it read as if the group held only those five."""
    def fewer_optimizer_variables(file):
        for index in range(7, len(file["optimizer/vars"])):
            del file[f"optimizer/vars/{index}"]

    _assert_refused(
        tmp_path, rebuild(good, h5=fewer_optimizer_variables),
        r"/optimizer/vars holds \['0', '1', '2', '3', '4'\] and 2 more; exactly \['0', '1', '2'",
    )


def _extreme_weights(file):
    """Every kernel and bias entry ±3e38: finite in float32, as load checks them, but a forward
    pass through them overflows float64 within a few layers."""
    def extreme(name, item):
        if isinstance(item, h5py.Dataset) and name.startswith("layers/"):
            signs = np.where(np.arange(item.size).reshape(item.shape) % 2, 1, -1)
            item[...] = (3e38 * signs).astype(np.float32)

    file.visititems(extreme)


@pytest.mark.parametrize("kind", ["deep classifier", "poisson regressor"])
def test_weights_whose_forward_pass_overflows_predict_with_a_clear_error(kind, tmp_path):
    """The loaded network's float64 forward pass overflowed: predict_proba returned NaN and
    predict an arbitrary class (a Poisson regressor, inf), with NumPy's overflow warning only.
    No training reaches such weights (it runs in float32 and would diverge); a file can set
    them, and predicting now names the overflow."""
    from l1l2_estimator import L1L2Regressor

    X = np.random.default_rng(0).normal(size=(40, 3))
    if kind == "deep classifier":
        estimator = L1L2Classifier(hidden_layer_sizes=(4,) * 9, epochs=2, random_state=0)
        y = np.array(list("abc"))[np.arange(40) % 3]
    else:
        estimator = L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, loss="poisson",
                                  random_state=0)
        y = np.abs(X[:, 0])
    dump(estimator.fit(X, y), tmp_path / "genuine.l1l2")
    path = tmp_path / "extreme.l1l2"
    path.write_bytes(rebuild((tmp_path / "genuine.l1l2").read_bytes(), h5=_extreme_weights))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning first
        loaded = load(path)
        methods = ["predict", "predict_proba", "predict_log_proba"] if kind == "deep classifier" \
            else ["predict"]
        for method in methods:
            with pytest.raises(ValueError, match=r"output is not finite for \d+ of 40 rows: "
                               r"its forward pass overflowed float64"):
                getattr(loaded, method)(X)
        with pytest.raises(ValueError, match="overflowed float64"):
            loaded.score(X, y)


def test_a_huge_newer_format_version_is_quoted_short(good, tmp_path):
    """A 4,000-digit format_version went whole into the message (about 4 KB); other fields are
    cut to 80 characters."""
    error = _assert_refused(tmp_path, rebuild(good, metadata=_set("format_version", 10**4000)),
                            r"it was written in format version 1000000000.*\.\.\. \(by")
    assert len(str(error)) < 400
