"""``model.weights.h5`` inside ``model.keras``: read from memory, its layout checked before any
data is read.

Keras 3 writes the weights of a ``Sequential`` of ``Dense`` layers and of its optimizer as::

    layers/dense/vars/0, layers/dense/vars/1        first kernel and bias
    layers/dense_1/vars/0, layers/dense_1/vars/1    second kernel and bias, ...
    optimizer/vars/0 ... optimizer/vars/<n - 1>     the optimizer's variables, in order
    vars                                            the model's own variables (none)

and nothing else. Before HDF5 reads anything, its superblock must be one that h5py writes (8-byte
offsets and lengths, the file starting at its first byte and ending at its last, no free-space
manager, driver block or superblock extension, the root group inside the file). The file must hold
exactly these groups and datasets, reached through hard links only (no soft or external link), with
no attributes but the ``name`` that Keras gives each ``vars`` group. Each dataset must have exactly
the shape and type expected (little-endian float32, int64 for the optimizer's step count), be
stored contiguously inside the file's own bytes (no chunks, no filter or compression, no external
or virtual storage, no unallocated data) in bytes of its own (overlapping neither another dataset's
data, nor any chunk of an object header, nor the superblock), and hold only finite numbers, and no
negative ones where the optimizer keeps only non-negative ones. Only then is any data read,
straight into arrays of the expected size. (A moved data address can still point into a group's
B-tree or heap: those bytes then load as weights, which must still be finite.)
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import io
import math

import h5py
import numpy as np

from ._archive import Refused
from ._keras_objects import first_line

WEIGHTS_MEMBER = "model.weights.h5"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_ATTRIBUTE_BYTES = 1024

_TYPES = {np.dtype("float32"): h5py.h5t.IEEE_F32LE, np.dtype("int64"): h5py.h5t.STD_I64LE}


def read_weights(data, kernel_shapes, optimizer_layout):
    """``(weights, optimizer_state)`` read from the HDF5 file ``data``.

    ``kernel_shapes`` are the shapes of the Dense kernels, first layer first (the biases follow
    from them). ``optimizer_layout(kernel_shapes)`` gives, for each optimizer variable in order,
    its ``name``, ``shape``, ``dtype``, ``value`` (None where the file's value is taken, else the
    value that replaces it: the learning rate comes from the params, never from the file) and
    whether it is ``non_negative`` (the optimizer keeps only values >= 0 there).
    """
    if not data.startswith(HDF5_SIGNATURE):
        raise Refused(f"its {WEIGHTS_MEMBER} is not an HDF5 file.")
    superblock = _check_superblock(data)
    try:
        with h5py.File(io.BytesIO(data), "r") as file:
            return _read(file, data, superblock, kernel_shapes, optimizer_layout)
    except Refused:
        raise
    except Exception as error:  # h5py and HDF5 raise many types for damaged files
        raise Refused(f"its {WEIGHTS_MEMBER} cannot be read ({first_line(error)}).") from error


def _read(file, data, superblock, kernel_shapes, optimizer_layout):
    file_size = len(data)
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
            datasets.append(_dataset(file, f"{path}/vars/{key}", expected, np.float32, file_size))
    layout = optimizer_layout(kernel_shapes)
    _check_group(_group(file, "/optimizer"), "/optimizer", {"vars"})
    names = {str(index) for index in range(len(layout))}
    _check_group(_group(file, "/optimizer/vars"), "/optimizer/vars", names, attributes={"name"})
    optimizer_datasets = [
        _dataset(file, f"/optimizer/vars/{index}", variable.shape, variable.dtype, file_size)
        for index, variable in enumerate(layout)
    ]
    _check_disjoint(file, data, superblock, [*datasets, *optimizer_datasets])
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
    """The group at ``path``, reached through hard links only (checked by its parent)."""
    group = file[path]
    if not isinstance(group, h5py.Group):
        raise Refused(f"{_at(path)} is not a group.")
    return group


def _check_group(group, path, children, *, optional=(), attributes=()):
    """Refuse ``group`` unless it holds the hard links ``children`` (and maybe ``optional``) and
    no attribute but short ``attributes``."""
    if len(group) > len(children) + len(optional):
        raise Refused(f"{_at(path)} holds {len(group)} entries; {sorted(children)} are expected.")
    names = set(group)
    if not children <= names <= children | set(optional):
        shown = sorted(name[:80] for name in names)[:5]
        raise Refused(f"{_at(path)} holds {shown}; exactly {sorted(children)} are expected.")
    for name in names:
        link = group.get(name, getlink=True)
        if type(link) is not h5py.HardLink:
            kind = "an unreadable link" if link is None else f"a {type(link).__name__}"
            raise Refused(
                f"{_at(path.rstrip('/') + '/' + name)} is {kind}; only hard links are read."
            )
    _check_attributes(group, path, attributes)


def _check_attributes(item, path, allowed):
    if len(item.attrs) > len(allowed):
        raise Refused(
            f"{_at(path)} has {len(item.attrs)} attributes; at most {len(allowed)} expected."
        )
    for name in item.attrs:
        if name not in allowed:
            raise Refused(f"{_at(path)} has an unexpected attribute {name[:80]!r}.")
        if item.attrs.get_id(name).get_storage_size() > MAX_ATTRIBUTE_BYTES:
            raise Refused(
                f"{_at(path)}'s attribute {name!r} is larger than {MAX_ATTRIBUTE_BYTES} bytes."
            )


def _dataset(file, path, shape, dtype, file_size):
    """The dataset at ``path``, refused unless laid out as the module docstring says."""
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
    plist = dataset.id.get_create_plist()
    if (
        plist.get_layout() != h5py.h5d.CONTIGUOUS
        or plist.get_nfilters() != 0
        or plist.get_external_count() != 0
    ):
        raise Refused(
            f"{_at(path)} is chunked, compressed, filtered, virtual or stored outside the file; "
            "only contiguous data is read."
        )
    size = math.prod(shape) * dtype.itemsize
    offset = dataset.id.get_offset()
    if offset is None or dataset.id.get_storage_size() != size or offset + size > file_size:
        raise Refused(f"{_at(path)} does not hold its {size} bytes of data inside the file.")
    return dataset


def _check_disjoint(file, data, superblock, datasets):
    """Refuse datasets whose data overlap each other's, the ``superblock`` bytes, or a chunk of an
    object header of the file (its groups' and datasets'): each weight must be its own bytes, not
    a copy of another's read through a moved address, nor HDF5's own records read as numbers."""
    regions = [
        (dataset.id.get_offset(), dataset.id.get_storage_size(), dataset.name)
        for dataset in datasets
    ]
    regions.append((0, superblock, "the superblock"))
    objects = [file, *(file[path] for path in _group_paths(datasets)), *datasets]
    # Disjoint headers fit in the file, so parsing them all reads at most its size in messages.
    unparsed = len(data)
    for item in objects:
        what = f"the header of {item.name}"
        info = h5py.h5o.get_info(item.id)
        unparsed -= info.hdr.space.total
        if unparsed < 0:
            raise Refused(f"its {WEIGHTS_MEMBER}: its object headers take more than the file.")
        chunks = _header_chunks(data, info.addr, what, info.hdr.nchunks, info.hdr.space.total)
        regions += [(start, size, what) for start, size in chunks]
    regions.sort()
    for (start, size, what), (next_start, _, next_what) in zip(regions, regions[1:]):
        if start + size > next_start:
            raise Refused(
                f"its {WEIGHTS_MEMBER}: {what} overlaps {next_what}; each dataset must hold "
                "its own bytes."
            )


# The object header layout of the HDF5 file format specification (section IV.A): a header that
# grows beyond its first chunk continues in chunks elsewhere in the file, each named by a
# continuation message; h5py reports only the header's address and total size.
_CONTINUATION_MESSAGE = 0x0010
# The superblock by version (section II.A of the specification), with the 8-byte offsets and
# lengths that h5py writes: its size, and where its base address, end-of-file address and root
# group's object header address are; versions 0 and 1 also hold a free-space and a driver
# information address, versions 2 and 3 a superblock extension address.
_SUPERBLOCK = {
    0: dict(size=96, base=24, unused=(32, 48), end=40, root=64),
    1: dict(size=100, base=28, unused=(36, 52), end=44, root=68),
    2: dict(size=48, base=12, unused=(20,), end=28, root=36),
    3: dict(size=48, base=12, unused=(20,), end=28, root=36),
}
_UNDEFINED_ADDRESS = (1 << 64) - 1


def _check_superblock(data):
    """The size of the superblock of ``data``, checked before HDF5 reads anything else: a file
    starting at its first byte and ending at its last, with no free-space manager, file driver
    block or superblock extension (h5py writes none), and its root group's header inside it."""
    version = data[8] if len(data) > 8 else None
    layout = _SUPERBLOCK.get(version)
    if layout is not None and len(data) < layout["size"]:
        raise Refused(f"its {WEIGHTS_MEMBER} ends inside its superblock.")
    sizes = data[13:15] if version in (0, 1) else data[9:11]
    if layout is None or sizes != b"\x08\x08":
        raise Refused(
            f"its {WEIGHTS_MEMBER} has a superblock of version {version} or offsets and lengths "
            "other than 8 bytes; load reads files as h5py writes them."
        )

    def address(position):
        return int.from_bytes(data[position : position + 8], "little")

    where = f"its {WEIGHTS_MEMBER}'s superblock"
    if address(layout["base"]) != 0:
        raise Refused(f"{where} sets a base address; the file must start at its first byte.")
    if address(layout["end"]) != len(data):
        raise Refused(
            f"{where} ends the file at byte {address(layout['end'])}, but it has {len(data)} "
            "bytes."
        )
    if any(address(position) != _UNDEFINED_ADDRESS for position in layout["unused"]):
        raise Refused(
            f"{where} points to a free-space manager, file driver block or superblock "
            "extension, which h5py does not write."
        )
    if not layout["size"] <= address(layout["root"]) < len(data):
        raise Refused(f"{where} places the root group outside the file.")
    return layout["size"]


def _header_chunks(data, address, what, n_chunks, n_bytes):
    """``(start, size)`` of each chunk of the object header at ``address`` (version 1, as h5py
    writes it, or 2), refused unless they are the ``n_chunks`` chunks of ``n_bytes`` in all that
    HDF5 reports (parsing stops as soon as they would exceed either)."""

    def number(position, width):
        if position + width > len(data):
            raise Refused(f"its {WEIGHTS_MEMBER}: {what} runs past the end of the file.")
        return int.from_bytes(data[position : position + width], "little")

    version_2 = data[address : address + 4] == b"OHDR"
    if version_2:
        flags = number(address + 5, 1)
        position = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 3)
        messages = position + width
        end = messages + number(position, width)
        chunks, pending = [(address, end + 4 - address)], [(messages, end)]  # + a checksum
        prefix = 6 if flags & 0x04 else 4  # type, size, flags (and a creation order)
    elif number(address, 1) == 1:
        size = number(address + 8, 4)
        chunks, pending = [(address, 16 + size)], [(address + 16, address + 16 + size)]
        prefix = 8  # type, size, flags, reserved
    else:
        raise Refused(f"its {WEIGHTS_MEMBER}: {what} is not an object header HDF5 writes.")

    def check(total, complete=False):
        beyond = len(chunks) > n_chunks or total > n_bytes
        short = len(chunks) < n_chunks or total < n_bytes
        if beyond or (complete and short):
            raise Refused(f"its {WEIGHTS_MEMBER}: {what} is not laid out as HDF5 reads it.")

    total = chunks[0][1]
    check(total)
    while pending:
        position, end = pending.pop()
        while position + prefix <= end:
            kind = number(position, 1 if version_2 else 2)
            size = number(position + (1 if version_2 else 2), 2)
            if kind == _CONTINUATION_MESSAGE:
                start, length = number(position + prefix, 8), number(position + prefix + 8, 8)
                chunks.append((start, length))
                total += length
                check(total)
                # A version 2 chunk starts with its signature and ends with a checksum.
                skip = 4 if version_2 else 0
                pending.append((start + skip, start + length - skip))
            position += prefix + size
    check(total, complete=True)
    return chunks


def _group_paths(datasets):
    """The groups above ``datasets``, each once."""
    paths = set()
    for dataset in datasets:
        parts = dataset.name.strip("/").split("/")[:-1]
        paths.update("/" + "/".join(parts[:end]) for end in range(1, len(parts) + 1))
    return sorted(paths)


def _finite(dataset, what):
    value = np.asarray(dataset[()], dtype=dataset.dtype)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise Refused(f"{what} hold NaN or infinite values ({dataset.name}).")
    return value
