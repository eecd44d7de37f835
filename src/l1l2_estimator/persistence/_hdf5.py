"""The HDF5 layout that h5py writes by default, checked byte by byte in Python, so that HDF5's C
library never parses a stranger's file.

``load`` reads a stranger's ``model.weights.h5`` with this module alone: it walks the file as the
HDF5 file format specification describes the layout h5py writes with its default settings
(HDF5's "earliest" format): a version 0 superblock (section II.A), version 1 object headers and
their continuation blocks (IV.A.1), groups as symbol tables (IV.A.2.r): a version 1 B-tree of
group nodes (III.A.1), symbol table nodes (III.B) and a local heap of names (III.D), datasets
with a dataspace, datatype, fill value and contiguous layout message (IV.A.2.b, d, f, i), and
attributes holding a variable-length UTF-8 string (IV.A.2.m) whose bytes sit in a global heap
collection (III.E). Every field is checked against the values h5py writes (the datatypes and fill
values byte for byte), every address and size against the file, and every byte of the file must
belong to exactly one of those structures or to one dataset's data, or be a zero byte that HDF5
left unused. Anything else (other versions or messages, soft or external links, chunked or
filtered storage, attributes of datasets, names no entry uses, stray bytes) is refused. The
tests hold the walk to HDF5's own reading: whatever it accepts, h5py reads the same way.

``walk(data, where, max_objects)`` returns ``{path: Group | Dataset}`` (``where`` starts each
refusal, e.g. "its model.weights.h5"); the caller checks names, shapes and types against what it
expects. Its work is bounded by the file's size and ``max_objects`` (the groups and datasets the
caller expects), whatever the file holds: each structure is read once (claimed bytes cannot be
claimed again), and each object holds a bounded number of messages, continuations, attributes
and free blocks.
"""

import math
from collections import deque
from typing import NamedTuple

import numpy as np

from ._archive import Refused

SIGNATURE = b"\x89HDF\r\n\x1a\n"
UNDEFINED = (1 << 64) - 1
# h5py's default file creation properties: symbol table nodes hold up to 2 * 4 entries, B-tree
# nodes up to 2 * 16 children.
LEAF_K, NODE_K = 4, 16
SUPERBLOCK_SIZE = 96
SNOD_SIZE = 8 + 2 * LEAF_K * 40
TREE_SIZE = 24 + (2 * NODE_K + 1) * 8 + 2 * NODE_K * 8
HEAP_HEADER_SIZE = 32
MAX_TREE_LEVEL = 4  # 32 ** 5 symbol table nodes: far beyond any file load accepts
MAX_DEPTH = 8  # groups within groups (Keras' weights go 3 deep)
MAX_RANK = 32  # HDF5's own limit
MAX_NAME_BYTES = 255
MAX_STRING_BYTES = 1024
MIN_COLLECTION_BYTES = 4096  # HDF5 reads no smaller global heap collection
# Far more than h5py writes for Keras' weights (at most 5 messages and 1 continuation a header,
# 1 attribute a group, 1 free block a heap), and a bound on the walk's work per object.
MAX_MESSAGES = 64
MAX_CONTINUATIONS = 8
MAX_ATTRIBUTES = 8
MAX_FREE_BLOCKS = 16

# Message types (IV.A.2) and the flags h5py's HDF5 gives them.
NIL, DATASPACE, DATATYPE, FILL_VALUE, LAYOUT, ATTRIBUTE, CONTINUATION, SYMBOL_TABLE = (
    0x00, 0x01, 0x03, 0x05, 0x08, 0x0C, 0x10, 0x11)
_FLAGS = {NIL: 0, DATASPACE: 0, DATATYPE: 1, FILL_VALUE: 1, LAYOUT: 0, ATTRIBUTE: 0,
          CONTINUATION: 0, SYMBOL_TABLE: 0}
_NAMES = {DATASPACE: "dataspace", DATATYPE: "datatype", FILL_VALUE: "fill value",
          LAYOUT: "layout", SYMBOL_TABLE: "symbol table"}
# The datatype messages of little-endian IEEE float32 and of signed little-endian int64 (each
# padded to 8 bytes), the fill value message h5py writes for both, and the variable-length UTF-8
# string type of an attribute, with its scalar dataspace.
_DATATYPES = {
    bytes.fromhex("11201f000400000000002000170800177f00000000000000"): np.dtype("<f4"),
    bytes.fromhex("10080000080000000000400000000000"): np.dtype("<i8"),
}
_FILL_VALUE = bytes.fromhex("0202020100000000")
_STRING_TYPE = bytes.fromhex("190101001000000010000000010000000000080000000000")
_SCALAR = bytes.fromhex("0100000000000000")


class Group(NamedTuple):
    path: str
    attributes: tuple  # names


class Dataset(NamedTuple):
    path: str
    shape: tuple
    dtype: np.dtype
    address: int
    size: int


def walk(data, where, max_objects):
    """``{path: Group | Dataset}`` of the HDF5 file ``data``, refused (``Refused``, each message
    starting with ``where``) unless every byte of it is as the module docstring says and it holds
    at most ``max_objects`` groups and datasets."""
    return _Walk(bytes(data), where, max_objects).run()


class _Walk:
    def __init__(self, data, where, max_objects):
        self.data, self.where, self.max_objects = data, where, max_objects
        # Which bytes are claimed, and by what (start -> (end, what)): claims never overlap, so
        # checking and marking them takes time linear in the file, whatever it holds, and in any
        # order. (Claims kept as sorted ranges took a list insertion each, which a file that
        # claims its structures from the end backwards makes quadratic in their number.)
        self.claimed = np.zeros(len(data), bool)
        self.regions = {}
        self.items = {}
        # Entries collected in groups but not walked yet: each will be a group or dataset, so
        # a group whose entries would pass max_objects is refused as they are read, whatever
        # its size.
        self.pending = 0
        self.strings = []  # (collection address, index, length, what) of each attribute value

    def refuse(self, message):
        raise Refused(f"{self.where}{message}")

    def number(self, position, width, what):
        if position + width > len(self.data):
            self.refuse(f": {what} runs past the end of the file.")
        return int.from_bytes(self.data[position : position + width], "little")

    def claim(self, start, size, what):
        """Mark ``size`` bytes at ``start`` as ``what``'s: inside the file, and no other's (so
        that no structure is read twice, and no byte is two things)."""
        end = start + size
        if size <= 0 or start < 0 or end > len(self.data):
            self.refuse(f": {what} lies outside the file.")
        if self.claimed[start:end].any():
            other = next(other for other_start, (other_end, other) in self.regions.items()
                         if other_start < end and start < other_end)
            self.refuse(f": {what} overlaps {other}; each part of the file must be its own "
                        "bytes.")
        self.claimed[start:end] = True
        self.regions[start] = (end, what)

    def zero(self, start, end, what):
        if self.data.count(0, start, end) != max(min(end, len(self.data)) - start, 0):
            self.refuse(f"{what} holds bytes that HDF5 leaves zero.")

    # -- superblock ---------------------------------------------------------------------------

    def run(self):
        data = self.data
        if not data.startswith(SIGNATURE):
            self.refuse(" is not an HDF5 file.")
        if len(data) < SUPERBLOCK_SIZE:
            self.refuse(" ends inside its superblock.")
        if data[8] != 0:
            self.refuse(
                f" has a superblock of version {data[8]}; load reads the layout h5py writes by "
                "default (version 0), as Keras saves it."
            )
        if data[9:24] != bytes.fromhex("000000000808000400100000000000"):
            self.refuse("'s superblock is not as h5py writes it (versions of its parts, 8-byte "
                        "offsets and lengths, node sizes or flags).")
        where = "its superblock"
        if self.number(24, 8, where) != 0:
            self.refuse("'s superblock sets a base address; the file must start at its first "
                        "byte.")
        end = self.number(40, 8, where)
        if end != len(data):
            self.refuse(f"'s superblock ends the file at byte {end}, but it has {len(data)} "
                        "bytes.")
        if self.number(32, 8, where) != UNDEFINED or self.number(48, 8, where) != UNDEFINED:
            self.refuse("'s superblock points to a free-space manager or file driver block, "
                        "which h5py does not write.")
        self.claim(0, SUPERBLOCK_SIZE, "the superblock")
        root = self.number(64, 8, where)
        if not SUPERBLOCK_SIZE <= root < len(data):
            self.refuse("'s superblock places the root group outside the file.")
        if data[56:64] != bytes(8) or data[72:80] != b"\x01\x00\x00\x00\x00\x00\x00\x00":
            self.refuse("'s superblock does not name the root group as h5py does.")
        self.object(root, "/", 1, data[80:96])
        self.check_strings()
        self.check_unclaimed()
        return self.items

    def check_unclaimed(self):
        position = 0
        for start, (end, _) in [*sorted(self.regions.items()), (len(self.data), (None, None))]:
            if self.data.count(0, position, start) != start - position:
                self.refuse(f" holds bytes (between {position} and {start}) that no part of it "
                            "uses.")
            position = end

    # -- object headers -----------------------------------------------------------------------

    def header(self, address, path):
        """``{type: [(body position, size), ...]}`` of the messages of the object header at
        ``address`` (all its chunks; empty messages and continuations checked and left out)."""
        what = f"the header of {path}"
        prefix = self.data[address : address + 16]
        if len(prefix) < 16 or prefix[:2] != b"\x01\x00" or prefix[12:] != bytes(4):
            self.refuse(f": {what} is not a version 1 object header as h5py writes it.")
        count = self.number(address + 2, 2, what)
        if self.number(address + 4, 4, what) != 1:
            self.refuse(f": {what} counts {self.number(address + 4, 4, what)} links to it; "
                        "each object must be linked exactly once.")
        size = self.number(address + 8, 4, what)
        self.claim(address, 16 + size, what)
        messages, found, continuations = {}, 0, 0
        pending = deque([(address + 16, address + 16 + size)])
        while pending:
            position, end = pending.popleft()
            while position < end:
                found += 1
                if found > count:
                    self.refuse(f": {what} holds more messages than it counts ({count}).")
                if found > MAX_MESSAGES:
                    self.refuse(f": {what} holds more than {MAX_MESSAGES} messages.")
                kind = self.number(position, 2, what)
                length = self.number(position + 2, 2, what)
                flags = self.number(position + 4, 1, what)
                body = position + 8
                if body + length > end or length % 8 or self.data[position + 5 : body] != bytes(3):
                    self.refuse(f": {what} holds a message that does not fit its chunk.")
                if _FLAGS.get(kind) != flags:
                    self.refuse(f": {what} holds {_describe(kind)} (flags {flags}), which load "
                                "does not read: only contiguous datasets and groups kept as "
                                "symbol tables, as h5py writes them by default, are read.")
                if kind == CONTINUATION:
                    if length != 16:
                        self.refuse(f": {what} holds a malformed continuation message.")
                    start, chunk = self.number(body, 8, what), self.number(body + 8, 8, what)
                    continuations += 1
                    if continuations > MAX_CONTINUATIONS:
                        self.refuse(f": {what} continues in more than {MAX_CONTINUATIONS} "
                                    "chunks.")
                    self.claim(start, chunk, f"a continuation of {what}")
                    pending.append((start, start + chunk))
                elif kind == NIL:
                    self.zero(body, body + length, f": {what}'s empty message")
                else:
                    messages.setdefault(kind, []).append((body, length))
                position = body + length
        if found != count:
            self.refuse(f": {what} holds {found} messages but counts {count}.")
        return messages

    def one(self, messages, kind, path, size=None):
        """The body position of the single message ``kind`` in ``messages`` (of exactly ``size``
        bytes, if given)."""
        found = messages.get(kind, [])
        if len(found) != 1 or (size is not None and found[0][1] != size):
            self.refuse(f"'s {path} does not hold exactly one {_NAMES[kind]} message as h5py "
                        "writes it.")
        return found[0][0]

    def object(self, address, path, cache_type, scratch):
        """Walk the group (cache type 1, with the addresses of its B-tree and heap in
        ``scratch``) or dataset (0, no scratch) whose header is at ``address``."""
        if path.count("/") > MAX_DEPTH:
            self.refuse(f" nests groups more than {MAX_DEPTH} deep.")
        if len(self.items) >= self.max_objects:
            self.refuse_count()
        messages = self.header(address, path)
        if cache_type == 1:
            self.group(messages, path, scratch)
        elif cache_type == 0 and SYMBOL_TABLE not in messages and scratch == bytes(16):
            self.dataset(messages, path)
        else:
            self.refuse(f"'s {path} is not linked as h5py links its groups and datasets.")

    def refuse_count(self):
        self.refuse(f" holds more than the {self.max_objects} groups and datasets its params "
                    "call for.")

    # -- datasets -----------------------------------------------------------------------------

    def dataset(self, messages, path):
        if set(messages) != {DATASPACE, DATATYPE, FILL_VALUE, LAYOUT}:
            extra = sorted(_describe(kind) for kind in set(messages) - set(_NAMES))
            self.refuse(
                f"'s {path} is not a dataset as h5py writes it"
                + (f" (it holds {', '.join(extra)})" if extra else "")
                + ": only contiguous data of one of load's types, without attributes, is read."
            )
        shape = self.dataspace(self.one(messages, DATASPACE, path), messages[DATASPACE][0][1],
                               path)
        body = self.one(messages, DATATYPE, path)
        dtype = _DATATYPES.get(self.data[body : body + messages[DATATYPE][0][1]])
        if dtype is None:
            self.refuse(f"'s {path} has a type other than little-endian float32 or int64.")
        body = self.one(messages, FILL_VALUE, path, size=8)
        if self.data[body : body + 8] != _FILL_VALUE:
            self.refuse(f"'s {path} has a fill value h5py does not write.")
        body = self.one(messages, LAYOUT, path, size=24)
        if self.data[body : body + 2] != b"\x03\x01" or any(self.data[body + 18 : body + 24]):
            self.refuse(f"'s {path} is not stored contiguously; only contiguous data is read.")
        address = self.number(body + 2, 8, path)
        size = self.number(body + 10, 8, path)
        expected = math.prod(shape) * dtype.itemsize
        if address == UNDEFINED:
            self.refuse(f"'s {path} has no data in the file (none was ever written).")
        if size != expected or size == 0:
            self.refuse(f"'s {path} stores {size} bytes of data for its {expected}.")
        self.claim(address, size, f"the data of {path}")
        self.items[path] = Dataset(path, shape, dtype, address, size)

    def dataspace(self, body, length, path):
        """The shape in the version 1 dataspace message at ``body`` (h5py writes the maximum
        shape, flag 1, unless the dataset is a scalar)."""
        if length < 8:
            self.refuse(f"'s {path} has a dataspace h5py does not write.")
        version, rank, flags = self.data[body : body + 3]
        dims = 8 * rank
        if (
            version != 1
            or rank > MAX_RANK
            or flags != (1 if rank else 0)
            or any(self.data[body + 3 : body + 8])
            or length != 8 + dims * (1 + flags)
        ):
            self.refuse(f"'s {path} has a dataspace h5py does not write.")
        shape = tuple(
            self.number(body + 8 + 8 * axis, 8, path) for axis in range(rank)
        )
        if flags and self.data[body + 8 : body + 8 + dims] != self.data[body + 8 + dims :
                                                                          body + 8 + 2 * dims]:
            self.refuse(f"'s {path} can grow beyond its shape; load reads fixed shapes.")
        return shape

    # -- groups -------------------------------------------------------------------------------

    def group(self, messages, path, scratch):
        extra = set(messages) - {SYMBOL_TABLE, ATTRIBUTE}
        if extra:
            self.refuse(
                f"'s {path} is not a group as h5py writes it (it holds "
                f"{', '.join(sorted(map(_describe, extra)))}); load reads groups kept as symbol "
                "tables, which hold hard and soft links only."
            )
        body = self.one(messages, SYMBOL_TABLE, path, size=16)
        if self.data[body : body + 16] != scratch:
            self.refuse(f"'s {path} is named with other addresses than its own header holds.")
        attributes = {}  # names, in order
        if len(messages.get(ATTRIBUTE, [])) > MAX_ATTRIBUTES:
            self.refuse(f"'s {path} has more than {MAX_ATTRIBUTES} attributes.")
        for position, length in messages.get(ATTRIBUTE, []):
            name = self.attribute(position, length, path)
            if name in attributes:
                self.refuse(f"'s {path} has the attribute {name!r} twice.")
            attributes[name] = None
        self.items[path] = Group(path, tuple(attributes))
        tree, heap = self.number(body, 8, path), self.number(body + 8, 8, path)
        heap_start, heap_size, free = self.heap(heap, path)
        names = {}  # heap offset -> name, of every name the group's entries and keys use

        def name(offset):
            if offset not in names:
                names[offset] = self.heap_name(heap_start, heap_size, offset, path)
            return names[offset]

        entries, nodes = [], {}
        self.tree(tree, path, name, entries, nodes)
        for level in nodes.values():  # each level's nodes, left to right, link to each other
            addresses = [UNDEFINED, *(address for address, _, _ in level), UNDEFINED]
            if [(left, right) for _, left, right in level] != list(
                zip(addresses[:-2], addresses[2:])
            ):
                self.refuse(f": the B-tree of {path} has nodes that are not linked in order.")
        previous = None
        for entry_name, *_ in entries:
            if not entry_name:
                self.refuse(f"'s {path} holds an entry without a name.")
            if previous is not None and entry_name <= previous:
                self.refuse(f"'s {path} holds its entries out of order.")
            previous = entry_name
        self.check_heap(heap_start, heap_size, free, names, path)
        self.pending += len(entries)
        for entry_name, _, address, cache_type, entry_scratch in entries:
            self.pending -= 1
            child = path.rstrip("/") + "/" + entry_name.decode("ascii")
            self.object(address, child, cache_type, entry_scratch)

    def heap(self, address, path):
        """``(data segment address, size, head of the free list)`` of a local heap."""
        what = f"the name heap of {path}"
        head = self.data[address : address + 8]
        if head != b"HEAP\x00\x00\x00\x00":
            self.refuse(f": {what} is not a local heap as h5py writes it.")
        size = self.number(address + 8, 8, what)
        free = self.number(address + 16, 8, what)
        start = self.number(address + 24, 8, what)
        self.claim(address, HEAP_HEADER_SIZE, what)
        if size % 8 or size < 8:
            self.refuse(f": {what} has a data segment of {size} bytes.")
        self.claim(start, size, f"the names of {path}")
        return start, size, free

    def heap_name(self, start, size, offset, path):
        if offset % 8 or offset >= size:
            self.refuse(f"'s {path} names an entry outside its name heap.")
        end = self.data.find(b"\x00", start + offset, start + size)
        if end < 0:
            self.refuse(f"'s {path} names an entry with an unterminated name.")
        name = self.data[start + offset : end]
        if (
            len(name) > MAX_NAME_BYTES
            or not all(0x20 < byte < 0x7F for byte in name)
            or b"/" in name
            or name in (b".", b"..")
        ):
            self.refuse(f"'s {path} holds an entry whose name is not plain printable ASCII.")
        return name

    def check_heap(self, start, size, free, names, path):
        """Every byte of the heap's data segment is a used name, its padding, or free space."""
        what = f": the names of {path}"
        used = [(offset, offset + len(name) + 1) for offset, name in names.items()]
        # The free list: blocks of (offset of the next block or 1, size), in order.
        position, blocks = free, 0
        while position != 1:  # HDF5's end of the free list
            blocks += 1
            if blocks > MAX_FREE_BLOCKS:
                self.refuse(f"{what} have more than {MAX_FREE_BLOCKS} free blocks.")
            if position % 8 or position + 16 > size:
                self.refuse(f"{what} have a free list outside them.")
            following = self.number(start + position, 8, what)
            length = self.number(start + position + 8, 8, what)
            if length < 16 or length % 8 or position + length > size or (
                following != 1 and following <= position
            ):
                self.refuse(f"{what} have a malformed free list.")
            self.zero(start + position + 16, start + position + length, what + "' free space")
            used.append((position, position + length))
            if following == 1:
                break
            position = following
        used.sort()
        covered = 0
        for begin, end in [*used, (size, size)]:
            if begin < covered:
                self.refuse(f"{what} overlap each other or the free list.")
            self.zero(start + covered, start + begin, what + " (between the names)")
            covered = end

    def tree(self, address, path, name, entries, nodes, level=None, bounds=None):
        """Walk the B-tree node at ``address`` of group ``path``, appending to ``entries``
        ``(name, its heap offset, header address, cache type, scratch)`` of each entry, in
        order, and to ``nodes[level]`` ``(address, left sibling, right sibling)`` of each node.
        Its keys are heap offsets: the root's first is the empty name at 0, each next one the
        name of the last entry below it (h5py's), and a child's first and last are the ones
        around it in its parent (``bounds``)."""
        what = f"the B-tree of {path}"
        node = self.data[address : address + 8]
        if len(node) < 8 or node[:5] != b"TREE\x00":
            self.refuse(f": {what} is not a B-tree of group nodes as h5py writes it.")
        node_level, used = node[5], int.from_bytes(node[6:8], "little")
        if (level is not None and node_level != level) or node_level > MAX_TREE_LEVEL:
            self.refuse(f": {what} has a node at the wrong level.")
        if used > 2 * NODE_K or (used == 0 and (level is not None or node_level)):
            self.refuse(f": {what} has a node of {used} entries.")
        self.claim(address, TREE_SIZE, what)
        left, right = self.number(address + 8, 8, what), self.number(address + 16, 8, what)
        nodes.setdefault(node_level, []).append((address, left, right))
        keys = [self.number(address + 24 + 16 * index, 8, what) for index in range(used + 1)]
        children = [self.number(address + 32 + 16 * index, 8, what) for index in range(used)]
        # An empty node (an empty group's) keeps its one key zero too.
        unused = address + 32 + 16 * used if used else address + 24
        self.zero(unused, address + TREE_SIZE, f": {what}'s unused space")
        if used and (keys[0], keys[-1]) != (bounds or (0, keys[-1])):
            self.refuse(f": {what} has a node whose first or last key is not h5py's.")
        for index, child in enumerate(children):
            low, high = keys[index], keys[index + 1]
            first = len(entries)
            if node_level:
                self.tree(child, path, name, entries, nodes, node_level - 1, (low, high))
            else:
                self.symbols(child, path, name, entries)
            inside = entries[first:]
            if not inside or inside[-1][1] != high or not name(low) < inside[0][0]:
                self.refuse(f": {what} has keys that do not bound its entries.")

    def symbols(self, address, path, name, entries):
        what = f"a symbol table node of {path}"
        node = self.data[address : address + 8]
        if node[:6] != b"SNOD\x01\x00":
            self.refuse(f": {what} is not one as h5py writes it.")
        used = int.from_bytes(node[6:8], "little")
        if not 0 < used <= 2 * LEAF_K:
            self.refuse(f": {what} holds {used} entries.")
        self.claim(address, SNOD_SIZE, what)
        for index in range(used):
            if len(self.items) + self.pending + len(entries) >= self.max_objects:
                self.refuse_count()
            entry = address + 8 + 40 * index
            offset = self.number(entry, 8, what)
            header = self.number(entry + 8, 8, what)
            cache_type = self.number(entry + 16, 4, what)
            if any(self.data[entry + 20 : entry + 24]):
                self.refuse(f": {what} holds a malformed entry.")
            entry_name = name(offset)
            if cache_type == 2:
                child = path.rstrip("/") + "/" + entry_name.decode("ascii")
                self.refuse(f"'s {child} is a soft link; only hard links are read.")
            entries.append(
                (entry_name, offset, header, cache_type, self.data[entry + 24 : entry + 40])
            )
        self.zero(address + 8 + 40 * used, address + SNOD_SIZE, f": {what}'s unused entries")

    # -- attributes ---------------------------------------------------------------------------

    def attribute(self, body, length, path):
        """The name of a version 1 attribute message holding one UTF-8 string (whose value is
        checked with the global heap it lies in, by ``check_strings``)."""
        what = f"'s {path} has an attribute"
        head = self.data[body : body + 8]
        name_size = int.from_bytes(head[2:4], "little")
        padded = (name_size + 7) // 8 * 8
        if (
            head[:2] != b"\x01\x00"
            or head[4:8] != bytes.fromhex("14000800")
            or not 1 < name_size <= MAX_NAME_BYTES
            or length != 8 + padded + 24 + 8 + 16
        ):
            self.refuse(f"{what} that is not a string as h5py writes one.")
        raw = self.data[body + 8 : body + 8 + name_size]
        if raw[-1:] != b"\x00" or any(self.data[body + 8 + name_size : body + 8 + padded]):
            self.refuse(f"{what} with a malformed name.")
        name = raw[:-1]
        if not name or not all(0x20 <= byte < 0x7F for byte in name):
            self.refuse(f"{what} whose name is not printable ASCII.")
        position = body + 8 + padded
        if self.data[position : position + 32] != _STRING_TYPE + _SCALAR:
            self.refuse(f"{what} ({name.decode()!r}) that is not one string.")
        value = position + 32
        size = self.number(value, 4, what)
        collection = self.number(value + 4, 8, what)
        index = self.number(value + 12, 4, what)
        self.strings.append((collection, index, size, f"{path}'s attribute {name.decode()!r}"))
        return name.decode()

    def check_strings(self):
        """Walk each global heap collection the attributes use: each of its objects must be
        exactly one attribute's value."""
        wanted = {}
        for collection, index, size, what in self.strings:
            wanted.setdefault(collection, {})
            if index in wanted[collection]:
                self.refuse(f": {what} shares its value with another attribute.")
            wanted[collection][index] = (size, what)
        for collection, values in wanted.items():
            objects = self.collection(collection)
            if set(objects) != set(values):
                self.refuse(": a global heap collection holds values no attribute uses, or "
                            "lacks one an attribute uses.")
            for index, (size, what) in values.items():
                start, length = objects[index]
                if length != size:
                    self.refuse(f": {what} is not a string of its declared length.")
                if size > MAX_STRING_BYTES:
                    self.refuse(f": {what} is longer than {MAX_STRING_BYTES} bytes.")
                try:
                    self.data[start : start + size].decode("utf-8")
                except UnicodeDecodeError:
                    self.refuse(f": {what} is not UTF-8.")

    def collection(self, address):
        """``{index: (start, size)}`` of the objects of the global heap collection at
        ``address``."""
        what = "a global heap collection"
        if self.data[address : address + 8] != b"GCOL\x01\x00\x00\x00":
            self.refuse(f": {what} is not one as h5py writes it.")
        size = self.number(address + 8, 8, what)
        if size < MIN_COLLECTION_BYTES:
            self.refuse(f": {what} is smaller than HDF5 reads ({size} bytes).")
        self.claim(address, size, what)
        end, position, objects = address + size, address + 16, {}
        while position + 16 <= end:
            index = self.number(position, 2, what)
            references = self.number(position + 2, 2, what)
            length = self.number(position + 8, 8, what)
            if references or any(self.data[position + 4 : position + 8]):
                self.refuse(f": {what} holds a malformed object.")
            if index == 0:  # the free space: the rest of the collection, header included
                if length != end - position:
                    self.refuse(f": {what} has malformed free space.")
                self.zero(position + 16, end, f": {what}'s free space")
                return objects
            padded = (length + 7) // 8 * 8
            if index in objects or position + 16 + padded > end:
                self.refuse(f": {what} holds a malformed object.")
            self.zero(position + 16 + length, position + 16 + padded, f": {what}'s padding")
            objects[index] = (position + 16, length)
            position += 16 + padded
        self.zero(position, end, f": {what}'s end")
        return objects


# The messages load refuses that an attacker is likeliest to use (IV.A.2).
_MESSAGE_NAMES = {
    0x02: "link info", 0x04: "an old fill value", 0x06: "a link", 0x07: "external data files",
    0x0A: "group info", 0x0B: "a filter pipeline (compression or filters)",
    ATTRIBUTE: "an attribute", 0x0E: "an old modification time", 0x12: "a modification time",
    0x15: "attribute info", 0x16: "a reference count",
}


def _describe(kind):
    return _MESSAGE_NAMES.get(kind, f"a message of type {kind:#06x}")
