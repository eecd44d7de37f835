"""``model.weights.h5`` inside ``model.keras``: read from memory, its layout checked before any
data is read.

Keras 3 writes the weights of a ``Sequential`` of ``Dense`` layers and of its optimizer as::

    layers/dense/vars/0, layers/dense/vars/1        first kernel and bias
    layers/dense_1/vars/0, layers/dense_1/vars/1    second kernel and bias, ...
    optimizer/vars/0 ... optimizer/vars/<n - 1>     the optimizer's variables, in order
    vars                                            the model's own variables (none)

and nothing else. Before HDF5 reads anything, ``_hdf5.walk`` checks every byte of the file in
Python against the layout h5py writes by default (no other layout, no soft or external link, no
chunked, filtered or external storage, each dataset's data bytes of its own, no stray bytes).
Then, through h5py, the file must hold exactly these groups and datasets, with no attributes but
the ``name`` that Keras gives each ``vars`` group, and HDF5 must find each dataset's data where
the walk did. Each dataset must have exactly the shape and type expected (little-endian float32,
int64 for the optimizer's step count) and hold only finite numbers, and no negative ones where
the optimizer keeps only non-negative ones. Only then is any data read, straight into arrays of
the expected size.
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import io
import math

import h5py
import numpy as np

from ._archive import Refused
from ._hdf5 import walk
from ._keras_objects import first_line

WEIGHTS_MEMBER = "model.weights.h5"

_TYPES = {np.dtype("float32"): h5py.h5t.IEEE_F32LE, np.dtype("int64"): h5py.h5t.STD_I64LE}


def read_weights(data, kernel_shapes, optimizer_layout):
    """``(weights, optimizer_state)`` read from the HDF5 file ``data``.

    ``kernel_shapes`` are the shapes of the Dense kernels, first layer first (the biases follow
    from them). ``optimizer_layout(kernel_shapes)`` gives, for each optimizer variable in order,
    its ``name``, ``shape``, ``dtype``, ``value`` (None where the file's value is taken, else the
    value that replaces it: the learning rate comes from the params, never from the file) and
    whether it is ``non_negative`` (the optimizer keeps only values >= 0 there).
    """
    layout = optimizer_layout(kernel_shapes)
    walked = walk_weights(data, len(kernel_shapes), len(layout))
    try:
        with h5py.File(io.BytesIO(data), "r") as file:
            return _read(file, walked, kernel_shapes, layout)
    except Refused:
        raise
    except Exception as error:  # h5py and HDF5 raise many types for damaged files
        raise Refused(f"its {WEIGHTS_MEMBER} cannot be read ({first_line(error)}).") from error


def walk_weights(data, n_layers, n_optimizer_variables):
    """``_hdf5.walk`` of the weights file ``data`` of a network of ``n_layers`` Dense layers and
    an optimizer of ``n_optimizer_variables`` variables: refused if it holds any more groups and
    datasets than the root, its ``vars``, ``layers``, ``optimizer`` and ``optimizer/vars``, each
    layer's group, ``vars`` group and two datasets, and the optimizer's datasets."""
    objects = 5 + 4 * n_layers + n_optimizer_variables
    return walk(data, f"its {WEIGHTS_MEMBER}", max_objects=objects)


def _read(file, walked, kernel_shapes, layout):
    _check_group(file, "/", {"layers", "optimizer"}, optional={"vars"})
    if "vars" in file:
        _check_group(_group(file, "/vars"), "/vars", set(), attributes={"name"})
    names = ["dense"] + [f"dense_{index}" for index in range(1, len(kernel_shapes))]
    _check_group(_group(file, "/layers"), "/layers", set(names))
    datasets = []
    for name, shape in zip(names, kernel_shapes):
        path = f"/layers/{name}"
        _check_group(_group(file, path), path, {"vars"})
        _check_group(_group(file, f"{path}/vars"), f"{path}/vars", {"0", "1"}, attributes={"name"})
        for key, expected in (("0", shape), ("1", shape[1:])):
            datasets.append(_dataset(file, f"{path}/vars/{key}", expected, np.float32, walked))
    _check_group(_group(file, "/optimizer"), "/optimizer", {"vars"})
    names = {str(index) for index in range(len(layout))}
    _check_group(_group(file, "/optimizer/vars"), "/optimizer/vars", names, attributes={"name"})
    optimizer_datasets = [
        _dataset(file, f"/optimizer/vars/{index}", variable.shape, variable.dtype, walked)
        for index, variable in enumerate(layout)
    ]
    # The layout is sound: now read.
    weights = [_finite(dataset, "its network's weights") for dataset in datasets]
    optimizer_state = []
    for variable, dataset in zip(layout, optimizer_datasets):
        if variable.value is not None:
            optimizer_state.append(variable.value)
            continue
        value = _finite(dataset, "its optimizer state")
        if variable.non_negative and (value < 0).any():
            raise Refused(
                f"its optimizer state {dataset.name} ({variable.name}) holds negative values, "
                "which the optimizer never keeps there."
            )
        optimizer_state.append(value)
    return weights, optimizer_state


def _at(path):
    return f"its {WEIGHTS_MEMBER}'s {path}"


def _group(file, path):
    """The group at ``path`` (the walk let only hard links through)."""
    group = file[path]
    if not isinstance(group, h5py.Group):
        raise Refused(f"{_at(path)} is not a group.")
    return group


def _check_group(group, path, children, *, optional=(), attributes=()):
    """Refuse ``group`` unless it holds ``children`` (and maybe ``optional``) and no attribute
    but ``attributes``."""
    if len(group) > len(children) + len(optional):
        raise Refused(f"{_at(path)} holds {len(group)} entries; {sorted(children)} are expected.")
    names = set(group)
    if not children <= names <= children | set(optional):
        shown = sorted(name[:80] for name in names)[:5]
        raise Refused(f"{_at(path)} holds {shown}; exactly {sorted(children)} are expected.")
    _check_attributes(group, path, attributes)


def _check_attributes(item, path, allowed):
    if len(item.attrs) > len(allowed):
        raise Refused(
            f"{_at(path)} has {len(item.attrs)} attributes; at most {len(allowed)} expected."
        )
    for name in item.attrs:
        if name not in allowed:
            raise Refused(f"{_at(path)} has an unexpected attribute {name[:80]!r}.")


def _dataset(file, path, shape, dtype, walked):
    """The dataset at ``path``, refused unless laid out as the module docstring says and as
    ``walked`` (what ``_hdf5.walk`` found) places it."""
    dataset = file[path]
    if not isinstance(dataset, h5py.Dataset):
        raise Refused(f"{_at(path)} is not a dataset.")
    _check_attributes(dataset, path, ())
    shape, dtype = tuple(shape), np.dtype(dtype)
    if dataset.shape != shape:
        raise Refused(
            f"{_at(path)} has shape {dataset.shape}, but its params, features and labels call "
            f"for {shape}."
        )
    if not dataset.id.get_type() == _TYPES[dtype]:
        raise Refused(f"{_at(path)} has type {dataset.dtype}; little-endian {dtype} is expected.")
    size = math.prod(shape) * dtype.itemsize
    found = walked.get(path)
    if (
        found is None
        or (dataset.id.get_offset(), dataset.id.get_storage_size()) != (found.address, size)
        or found.size != size
    ):
        raise Refused(f"{_at(path)} is not read by HDF5 from the {size} bytes the file's layout "
                      "gives it.")
    return dataset


def _finite(dataset, what):
    value = np.asarray(dataset[()], dtype=dataset.dtype)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise Refused(f"{what} hold NaN or infinite values ({dataset.name}).")
    return value
