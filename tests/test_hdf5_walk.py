"""``persistence._hdf5.walk``: every byte of a weights file checked in Python before HDF5 reads
it. h5py (HDF5's own reader) is the oracle for what a genuine file holds; the attacks edit bytes
by hand, as an attacker would."""

import io

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l1l2_estimator.persistence import _hdf5, dump, load
from l1l2_estimator.persistence._archive import Refused

from .crafting import MODEL, members, rebuild

WHERE = "its model.weights.h5"


@pytest.fixture(scope="module")
def good_file(fitted_binary, tmp_path_factory):
    """A genuine save (8 features, 16 hidden units, Adam)."""
    path = tmp_path_factory.mktemp("walk") / "good.l1l2"
    dump(fitted_binary, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def weights(good_file):
    """Its weights file."""
    return members(members(good_file)[MODEL])["model.weights.h5"]


def _walk(data):
    """The walk of any file (the tests' files need not be Keras' weights)."""
    return _hdf5.walk(data, WHERE, max_objects=10**6)


def _h5py_view(data):
    """``{path: (shape, dtype, data address) or None for a group}``, as HDF5 reads ``data``."""
    found = {"/": None}
    with h5py.File(io.BytesIO(data), "r") as file:
        def visit(name, item):
            found["/" + name] = (
                (item.shape, item.dtype, item.id.get_offset())
                if isinstance(item, h5py.Dataset) else None
            )

        file.visititems(visit)
    return found


def _walk_view(walked):
    return {
        path: (item.shape, item.dtype, item.address) if isinstance(item, _hdf5.Dataset) else None
        for path, item in walked.items()
    }


def _refused(data, reason):
    with pytest.raises(Refused, match=reason):
        _walk(data)


def test_a_genuine_file_walks_to_what_hdf5_reads(weights):
    walked = _walk(weights)
    assert _walk_view(walked) == _h5py_view(weights)
    assert walked["/layers/dense/vars"].attributes == ("name",)
    assert walked["/optimizer/vars/0"].dtype == np.dtype("<i8")  # the step count


def test_a_group_of_many_entries_walks_through_every_level_of_its_b_tree():
    # 8 entries per symbol table node and 32 nodes per B-tree node: 1,200 entries need two levels.
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        group = file.create_group("optimizer/vars")
        group.attrs["name"] = "optimizer"
        for index in range(1200):
            group.create_dataset(str(index), data=np.full(3, index, "<f4"))
    data = buffer.getvalue()
    assert b"TREE\x00\x01" in data
    assert _walk_view(_walk(data)) == _h5py_view(data)


def test_every_byte_hdf5_leaves_zero_is_checked(weights):
    # Outside the datasets' values, a zero byte is a field's value, padding, an unused slot or
    # unused space: setting any of them is refused.
    data_bytes = set()
    for item in _walk(weights).values():
        if isinstance(item, _hdf5.Dataset):
            data_bytes.update(range(item.address, item.address + item.size))
    positions = [p for p in range(len(weights)) if not weights[p] and p not in data_bytes]
    assert len(positions) > 10000
    accepted = []
    for position in positions:
        mutant = weights[:position] + b"\x01" + weights[position + 1 :]
        try:
            _walk(mutant)
        except Refused:
            continue
        accepted.append(position)
    assert accepted == []


def test_whatever_the_walk_accepts_hdf5_reads_the_same_way(weights):
    # Every other byte outside the datasets' values, changed: refused, or (a name's or a string's
    # character) read by HDF5 as the same groups and datasets, at the same places, as the walk.
    data_bytes = set()
    for item in _walk(weights).values():
        if isinstance(item, _hdf5.Dataset):
            data_bytes.update(range(item.address, item.address + item.size))
    accepted = 0
    for position in range(len(weights)):
        if not weights[position] or position in data_bytes:
            continue
        mutant = weights[:position] + bytes([weights[position] ^ 0x01]) + weights[position + 1 :]
        try:
            walked = _walk(mutant)
        except Refused:
            continue
        accepted += 1
        assert _walk_view(walked) == _h5py_view(mutant), position
    assert accepted > 0  # names and strings do change


def test_a_long_attribute_is_refused():
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file.create_group("vars").attrs["name"] = "x" * 1025
    _refused(buffer.getvalue(), "/vars's attribute 'name' is longer than 1024 bytes")


def test_groups_nested_deeper_than_any_weights_file_are_refused():
    # Each level would take a frame of the walk's recursion: 2,000 of them would end in a
    # RecursionError rather than a refusal.
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file.create_group("/".join(["g"] * 2000))
    _refused(buffer.getvalue(), "nests groups more than 8 deep")


@settings(max_examples=600, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.sampled_from([1, 2, 4, 8]),
                                st.integers(0, (1 << 64) - 1)), min_size=1, max_size=4),
       cut=st.none() | st.integers(0, 1 << 20))
def test_any_edit_of_any_field_is_walked_or_refused_never_crashes(weights, edits, cut):
    # Random fields (1, 2, 4 or 8 bytes: flags, counts, sizes, addresses) set to random values,
    # the file maybe cut short: the walk returns what HDF5 reads, or refuses; nothing else.
    mutant = weights
    for position, width, value in edits:
        position %= len(weights) - width
        mutant = _put(mutant, position, value % (1 << (8 * width)), width)
    if cut is not None:
        mutant = mutant[: cut % len(mutant)]
    try:
        walked = _walk(mutant)
    except Refused:
        return
    assert _walk_view(walked) == _h5py_view(mutant)


def _at(data, signature, occurrence=0):
    position = -1
    for _ in range(occurrence + 1):
        position = data.index(signature, position + 1)
    return position


def _put(data, position, value, width=8):
    return data[:position] + value.to_bytes(width, "little") + data[position + width :]


def _root_header(data):
    return int.from_bytes(data[64:72], "little")


def test_an_entry_linked_back_to_the_root_is_refused_without_walking_in_circles(weights):
    first_entry = _at(weights, b"SNOD") + 8
    _refused(_put(weights, first_entry + 8, _root_header(weights)),
             "the header of /layers overlaps the header of /;")


def test_a_b_tree_that_is_its_own_child_is_refused(weights):
    tree = _at(weights, b"TREE")
    _refused(_put(weights, tree + 32, tree), "is not one as h5py writes it|overlaps")


def test_a_continuation_onto_its_own_header_is_refused(weights):
    with h5py.File(io.BytesIO(weights), "r") as file:
        header = h5py.h5o.get_info(file["layers/dense/vars"].id).addr
    assert weights[header + 16 : header + 18] == b"\x10\x00"  # its first message: continuation
    _refused(_put(weights, header + 24, header),
             "a continuation of the header of /layers/dense/vars overlaps the header of "
             "/layers/dense/vars")


def test_an_object_linked_twice_is_refused(weights):
    header = _root_header(weights)
    _refused(_put(weights, header + 4, 2, width=4),
             "the header of / counts 2 links to it; each object must be linked exactly once")


def test_entries_out_of_order_are_refused(weights):
    node = _at(weights, b"SNOD")
    assert weights[node + 6] >= 2
    first, second = node + 8, node + 48
    swapped = (weights[:first] + weights[second : second + 40] + weights[first:second]
               + weights[second + 40 :])
    _refused(swapped, "holds its entries out of order")


def test_a_root_named_with_other_addresses_than_its_header_holds_is_refused(weights):
    # HDF5 may use the addresses cached next to the name instead of the header's own.
    heap = int.from_bytes(weights[88:96], "little")
    _refused(_put(weights, 88, heap + 8),
             "'s / is named with other addresses than its own header holds")


def test_an_attribute_whose_value_is_missing_is_refused(weights):
    heap = _at(weights, b"GCOL")
    first_object = heap + 16
    assert int.from_bytes(weights[first_object : first_object + 2], "little") == 1
    _refused(_put(weights, first_object, 99, width=2),
             "a global heap collection holds values no attribute uses, or lacks one")


def test_a_name_outside_the_heap_is_refused(weights):
    first_entry = _at(weights, b"SNOD") + 8
    _refused(_put(weights, first_entry, 1 << 40), "names an entry outside its name heap")


def test_bytes_left_behind_by_an_edit_in_place_are_refused(weights):
    # HDF5 editing a file in place leaves what it replaced: here the removed entry's name.
    buffer = io.BytesIO(weights)
    with h5py.File(buffer, "r+") as file:
        del file["optimizer/vars/9"]
    _refused(buffer.getvalue(),
             "the names of /optimizer/vars.* holds bytes that HDF5 leaves zero")


def test_a_hidden_message_in_unused_space_is_refused(weights):
    heap = _at(weights, b"GCOL")
    size = int.from_bytes(weights[heap + 8 : heap + 16], "little")
    end = heap + size
    _refused(weights[: end - 8] + b"payload!" + weights[end:],
             "a global heap collection's free space holds bytes that HDF5 leaves zero")


def test_load_never_hands_the_weights_to_hdf5(good_file, fitted_binary, binary_data, monkeypatch,
                                             tmp_path):
    # The walk found every dataset's bytes: load reads them itself, and HDF5's C library never
    # parses a byte of the file (neither a genuine one nor a refused one).
    def no_hdf5(*args, **kwargs):
        raise AssertionError("HDF5 opened a file")

    monkeypatch.setattr(h5py, "File", no_hdf5)
    monkeypatch.setattr(h5py.h5f, "open", no_hdf5)
    path = tmp_path / "good.l1l2"
    path.write_bytes(good_file)
    X, _ = binary_data
    np.testing.assert_array_equal(load(path).predict_proba(X), fitted_binary.predict_proba(X))

    def stray_byte(inner):
        data = inner["model.weights.h5"]
        heap = _at(data, b"GCOL")
        inner["model.weights.h5"] = _put(data, heap + 4096 - 8, 7, width=1)
        return inner

    path.write_bytes(rebuild(good_file, keras_members=stray_byte))
    with pytest.raises(ValueError, match="holds bytes that HDF5 leaves zero"):
        load(path)


def test_a_file_of_more_groups_and_datasets_than_the_params_call_for_is_refused(weights):
    count = len(_walk(weights))
    assert len(_hdf5.walk(weights, WHERE, max_objects=count)) == count
    with pytest.raises(Refused, match=f"holds more than the {count - 1} groups and datasets its "
                                      "params call for"):
        _hdf5.walk(weights, WHERE, max_objects=count - 1)


def test_a_group_of_more_entries_than_the_params_call_for_is_refused_before_they_are_read():
    # Every entry becomes a group or dataset, so a group of more entries than are left to the
    # file is refused as they are collected: a file of hundreds of thousands of links to one
    # dataset costs no more than its budget. The last entry's name is one the walk refuses; the
    # refusal must come from the count, before that entry is read.
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        group = file.create_group("vars")
        dataset = group.create_dataset("a", data=np.zeros(1, "<f4"))
        for index in range(300):
            group[f"b{index:03d}"] = dataset
        group["~ last"] = dataset  # sorted last; a space is not in the names the walk reads
    data = buffer.getvalue()
    _refused(data, "not plain printable ASCII")  # with room for every entry
    with pytest.raises(Refused, match="holds more than the 20 groups and datasets its params"):
        _hdf5.walk(data, WHERE, max_objects=20)
    # The count includes what is still to be walked: entries left in groups above this one.
    with h5py.File(buffer, "a") as file:
        for index in range(12):
            file.create_dataset(f"z{index:02d}", data=np.zeros(1, "<f4"))
    data = buffer.getvalue()
    calls = []
    walk = _hdf5._Walk(data, WHERE, max_objects=20)
    original = walk.heap_name
    walk.heap_name = lambda *args: calls.append(args) or original(*args)
    with pytest.raises(Refused, match="holds more than the 20 groups and datasets"):
        walk.run()
    # The root's 13 entries, then /vars: 20 less the 2 groups walked and the 12 root entries
    # still to walk leave room for 6 of its entries (offset 0 is the B-tree's first key, the
    # empty name).
    assert [path for _, _, offset, path in calls if offset].count("/vars") == 6


@pytest.mark.parametrize("limit, value, reason", [
    # Each bounds the walk's work per object; a genuine file is within 0 or 1 of each (here set
    # to just below what it holds, to show the bound is enforced).
    ("MAX_MESSAGES", 4, "the header of /layers/dense/vars/0 holds more than 4 messages"),
    ("MAX_CONTINUATIONS", 0, r"the header of /\S*vars continues in more than 0 chunks"),
    ("MAX_ATTRIBUTES", 0, r"'s /\S*vars has more than 0 attributes"),
    ("MAX_FREE_BLOCKS", 0, "the names of / have more than 0 free blocks"),
])
def test_the_work_per_object_is_bounded(limit, value, reason, weights, monkeypatch):
    monkeypatch.setattr(_hdf5, limit, value)
    _refused(weights, reason)


def test_a_b_tree_key_h5py_would_not_write_is_refused(weights):
    # The root's first key names the empty string at offset 0; any other name there (one no
    # entry uses, say) is a string hidden in the heap.
    tree = _at(weights, b"TREE")
    _refused(_put(weights, tree + 24, 8), "has a node whose first or last key is not h5py's")


def test_an_empty_string_attribute_walks():
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file.create_group("vars").attrs["name"] = ""
    data = buffer.getvalue()
    assert _walk(data)["/vars"].attributes == ("name",)
    assert _walk_view(_walk(data)) == _h5py_view(data)


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(-2, 12)), max_size=25))
@settings(max_examples=200, deadline=None)
def test_claims_never_overlap_whatever_their_order(claims):
    """A claim is refused exactly when it leaves the file or shares a byte with an earlier one,
    whatever the order of the claims."""
    walk = _hdf5._Walk(bytes(64), WHERE, 10)
    taken = np.zeros(64, bool)
    for start, size in claims:
        end = start + size
        expected = size <= 0 or end > 64 or taken[start:end].any()
        try:
            walk.claim(start, size, f"claim at {start}")
        except Refused as refusal:
            assert expected, refusal
            assert "lies outside the file" in str(refusal) or "overlaps claim at" in str(refusal)
        else:
            assert not expected
            taken[start:end] = True
