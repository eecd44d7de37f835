"""``model.weights.h5`` inside ``model.keras``: read from memory, in Python, without HDF5.

Keras 3 writes the weights of a ``Sequential`` of ``Dense`` layers and of its optimizer as::

    layers/dense/vars/0, layers/dense/vars/1        first kernel and bias
    layers/dense_1/vars/0, layers/dense_1/vars/1    second kernel and bias, ...
    optimizer/vars/0 ... optimizer/vars/<n - 1>     the optimizer's variables, in order
    vars                                            the model's own variables (none)

and nothing else. ``_hdf5.walk`` checks every byte of the file against the layout h5py writes by
default (no other layout, no soft or external link, no chunked, filtered or external storage,
each dataset's data bytes of its own, no stray bytes) and returns its groups and datasets. They
must be exactly these, with no attributes but the ``name`` that Keras gives each ``vars`` group,
and each dataset of exactly the shape and type expected (little-endian float32, int64 for the
optimizer's step count). Only then is any data read, straight from the bytes the walk found for
it into arrays of the expected size, and it must hold only finite numbers, and no negative ones
where the optimizer keeps only non-negative ones; a centered RMSprop's mean gradients must keep
their squares below its running squares plus epsilon; the step count, Adagrad's and Ftrl's
accumulators and Nadam's product of momentum factors must lie within the bounds that the optimizer
keeps them in, the first moments of Adam, AdamW, Nadam and Adamax within the bound their
second state sets, and gradient accumulators zero where the step count is a multiple of the
accumulation steps. HDF5's C library never reads the file.
"""

import math

import numpy as np

from ._archive import Refused
from ._hdf5 import Dataset, Group, walk

WEIGHTS_MEMBER = "model.weights.h5"


def read_weights(data, kernel_shapes, optimizer_layout, optimizer_variable_count):
    """``(weights, optimizer_state)`` read from the HDF5 file ``data``.

    ``kernel_shapes`` are the shapes of the Dense kernels, first layer first (the biases follow
    from them). ``optimizer_layout(kernel_shapes)`` gives, for each optimizer variable in order,
    its ``name``, ``shape``, ``dtype``, ``value`` (None where the file's value is taken, else the
    value that replaces it: the learning rate comes from the params, never from the file),
    whether it is ``non_negative`` (the optimizer keeps only values >= 0 there), its
    ``square_bound`` (a centered RMSprop's mean gradient: the position of its second moment in the
    layout, and epsilon) and its ``bounds`` (``(least, most, why)``: the values the optimizer keeps
    it within, None on a side without a bound). ``optimizer_variable_count(n)``, cheaper, gives
    their number for a network of ``n`` variables: the file is walked with it first, so that a
    file that is not the HDF5 it should be is refused before the layout is built.
    """
    count = optimizer_variable_count(2 * len(kernel_shapes))
    file = _File(walk_weights(data, len(kernel_shapes), count))
    layout = optimizer_layout(kernel_shapes)
    if len(layout) != count:
        raise Refused(
            f"the optimizer that its params describe keeps {len(layout)} variables, where its "
            f"state per variable called for {count}; this format cannot check it."
        )
    file.check_group("/", {"layers", "optimizer"}, optional={"vars"})
    if "/vars" in file.items:
        file.check_group("/vars", set(), attributes={"name"})
    names = ["dense"] + [f"dense_{index}" for index in range(1, len(kernel_shapes))]
    file.check_group("/layers", set(names))
    datasets = []
    for name, shape in zip(names, kernel_shapes):
        path = f"/layers/{name}"
        file.check_group(path, {"vars"})
        file.check_group(f"{path}/vars", {"0", "1"}, attributes={"name"})
        for key, expected in (("0", shape), ("1", shape[1:])):
            datasets.append(file.dataset(f"{path}/vars/{key}", expected, np.float32))
    file.check_group("/optimizer", {"vars"})
    names = {str(index) for index in range(len(layout))}
    file.check_group("/optimizer/vars", names, attributes={"name"})
    optimizer_datasets = [
        file.dataset(f"/optimizer/vars/{index}", variable.shape, variable.dtype)
        for index, variable in enumerate(layout)
    ]
    # The layout is sound: now read.
    weights = [_finite(data, dataset, "its network's weights") for dataset in datasets]
    optimizer_state = []
    for variable, dataset in zip(layout, optimizer_datasets):
        if variable.value is not None:
            optimizer_state.append(variable.value)
            continue
        value = _finite(data, dataset, "its optimizer state")
        if variable.non_negative and (value < 0).any():
            raise Refused(
                f"its optimizer state {dataset.path} ({variable.name}) holds negative values, "
                "which the optimizer never keeps there."
            )
        if variable.bounds is not None:
            _check_bounds(value, *variable.bounds, f"{dataset.path} ({variable.name})")
        optimizer_state.append(value)
    for variable, dataset, value in zip(layout, optimizer_datasets, optimizer_state):
        if variable.square_bound is None:
            continue
        index, epsilon = variable.square_bound
        # What Keras' step takes the square root of, as it computes it (float32); the next
        # step's value is at least rho times this plus (1 - rho) * epsilon. A square beyond
        # float32's range is inf, and refused, without NumPy's warning (which escaped load where
        # warnings are errors).
        with np.errstate(over="ignore"):
            room = optimizer_state[index] - np.square(value) + np.float32(epsilon)
        if not (room > 0).all():
            raise Refused(
                f"its optimizer state {dataset.path} ({variable.name}) holds mean gradients "
                f"whose squares reach the running squares in {optimizer_datasets[index].path} "
                f"({layout[index].name}) plus epsilon, which the optimizer never keeps (its steps "
                "divide by the square root of that difference)."
            )
    for variable, dataset, value in zip(layout, optimizer_datasets, optimizer_state):
        if variable.accumulates is not None:
            _check_accumulated(value, variable.accumulates, optimizer_state,
                               f"{dataset.path} ({variable.name})")
        if variable.moment_bound is not None:
            _check_moment(value, variable.moment_bound, optimizer_state, dataset.path,
                          optimizer_datasets, layout)
    return weights, optimizer_state


def _check_accumulated(value, accumulates, state, where):
    """Gradient accumulators are zero whenever the step count is a multiple of the accumulation
    steps: Keras applies them at such a step and sets them to zero."""
    index, steps = accumulates
    if state[index] % steps == 0 and value.any():
        raise Refused(
            f"its optimizer state {where} holds gradients accumulated at a step count of "
            f"{int(state[index])}, a multiple of its gradient_accumulation_steps {steps}, where "
            "the optimizer has just applied them and set them to zero."
        )


# How far a first moment may exceed its bound relatively, for float32 rounding (the bound's own
# floor covers what TensorFlow flushes to 0).
_MOMENT_SLACK = 1e-3


def _check_moment(value, bound, state, path, datasets, layout):
    index, power, factor, floor = bound
    first = np.abs(value.astype(np.float64)) ** power
    second = state[index].astype(np.float64)
    if not (first <= factor * (second * (1 + _MOMENT_SLACK) + floor)).all():
        relation = "squares" if power == 2 else "magnitudes"
        raise Refused(
            f"its optimizer state {path} holds first moments whose {relation} exceed "
            f"{factor:.4g} times {datasets[index].path} ({layout[index].name}), which no "
            "training reaches (it would make the next step as large as the moment)."
        )


def _check_bounds(value, least, most, why, where):
    outside = np.zeros(value.shape, bool)
    if least is not None:
        outside |= value < least
    if most is not None:
        outside |= value > most
    if outside.any():
        raise Refused(f"its optimizer state {where} holds {value[outside][0]!s}: {why}.")


def walk_weights(data, n_layers, n_optimizer_variables):
    """``_hdf5.walk`` of the weights file ``data`` of a network of ``n_layers`` Dense layers and
    an optimizer of ``n_optimizer_variables`` variables: refused if it holds any more groups and
    datasets than the root, its ``vars``, ``layers``, ``optimizer`` and ``optimizer/vars``, each
    layer's group, ``vars`` group and two datasets, and the optimizer's datasets."""
    objects = 5 + 4 * n_layers + n_optimizer_variables
    return walk(data, f"its {WEIGHTS_MEMBER}", max_objects=objects)


def _at(path):
    return f"its {WEIGHTS_MEMBER}'s {path}"


class _File:
    """The groups and datasets that ``_hdf5.walk`` found, checked against what is expected."""

    def __init__(self, items):
        self.items = items
        self.children = {}  # group path -> names of its entries
        for path in items:
            if path != "/":
                parent, name = path.rsplit("/", 1)
                self.children.setdefault(parent or "/", set()).add(name)

    def check_group(self, path, children, *, optional=(), attributes=()):
        """Refuse the group at ``path`` unless it holds ``children`` (and maybe ``optional``)
        and no attribute but ``attributes``."""
        group = self.items.get(path)
        if not isinstance(group, Group):
            raise Refused(f"{_at(path)} is not a group.")
        names = self.children.get(path, set())
        if len(names) > len(children) + len(optional):
            raise Refused(
                f"{_at(path)} holds {len(names)} entries; {sorted(children)} are expected."
            )
        if not children <= names <= children | set(optional):
            shown = sorted(name[:80] for name in names)
            # At most five names shown; "and n more" says it holds others (it read as if the
            # group held only those five).
            more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
            raise Refused(
                f"{_at(path)} holds {shown[:5]}{more}; exactly {sorted(children)} are expected."
            )
        if len(group.attributes) > len(attributes):
            raise Refused(
                f"{_at(path)} has {len(group.attributes)} attributes; at most {len(attributes)} "
                "expected."
            )
        for name in group.attributes:
            if name not in attributes:
                raise Refused(f"{_at(path)} has an unexpected attribute {name[:80]!r}.")

    def dataset(self, path, shape, dtype):
        """The dataset at ``path``, refused unless of exactly ``shape`` and ``dtype``."""
        dataset = self.items.get(path)
        if not isinstance(dataset, Dataset):
            raise Refused(f"{_at(path)} is not a dataset.")
        shape, dtype = tuple(shape), np.dtype(dtype)
        if dataset.shape != shape:
            raise Refused(
                f"{_at(path)} has shape {dataset.shape}, but its params, features and labels "
                f"call for {shape}."
            )
        if dataset.dtype != dtype:
            raise Refused(f"{_at(path)} has type {dataset.dtype}; little-endian {dtype} is "
                          "expected.")
        return dataset


def _finite(data, dataset, what):
    """The values of ``dataset``: its bytes in ``data``, copied into an array of its own."""
    count = math.prod(dataset.shape)
    value = np.frombuffer(data, dataset.dtype, count, dataset.address).reshape(dataset.shape)
    value = value.astype(dataset.dtype.newbyteorder("="), copy=True)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise Refused(f"{what} hold NaN or infinite values ({dataset.path}).")
    return value
