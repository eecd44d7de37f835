"""Helpers that take saved files apart and put them back together, as an attacker would: with
zipfile, json and h5py."""

import io
import json
import warnings
import zipfile

import h5py

METADATA = "l1l2-estimator.json"
MODEL = "model.keras"


def members(data):
    """The members of the zip archive ``data``, name -> bytes (the last of repeated names)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_members(entries, compression=zipfile.ZIP_DEFLATED, comment=b""):
    """A zip archive of ``entries`` (a dict, or a list of (name, bytes) pairs to repeat names)."""
    pairs = entries.items() if isinstance(entries, dict) else entries
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            for name, data in pairs:
                archive.writestr(name, data)
            archive.comment = comment
    return buffer.getvalue()


def edit_json(data, edit):
    """``data`` (JSON bytes) after ``edit(content)`` changed it in place."""
    content = json.loads(data)
    edit(content)
    return json.dumps(content).encode()


def edit_h5(data, edit):
    """``data`` (an HDF5 file's bytes) after ``edit(h5py.File)`` changed it, written afresh as
    h5py writes a new file (editing in place leaves the names and records it replaced behind,
    which ``load`` refuses before anything else)."""
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as file:
        edit(file)
    fresh = io.BytesIO()
    with h5py.File(buffer, "r") as old, h5py.File(fresh, "w") as new:
        new.attrs.update(old.attrs)
        for name in old:
            link = old.get(name, getlink=True)
            if isinstance(link, h5py.HardLink):
                old.copy(old[name], new, name=name)
            else:
                new[name] = link
    return fresh.getvalue()


def rebuild(good, *, metadata=None, config=None, h5=None, keras_members=None, outer=None):
    """``good`` with its metadata, config.json or weights file edited in place by the functions
    given, or the members of model.keras, of the file, replaced by what the functions return."""
    file_members = members(good)
    if metadata:
        file_members[METADATA] = edit_json(file_members[METADATA], metadata)
    inner = members(file_members[MODEL])
    if config:
        inner["config.json"] = edit_json(inner["config.json"], config)
    if h5:
        inner["model.weights.h5"] = edit_h5(inner["model.weights.h5"], h5)
    if keras_members:
        inner = keras_members(inner)
    file_members[MODEL] = zip_members(inner, compression=zipfile.ZIP_STORED)
    if outer:
        file_members = outer(file_members)
    return zip_members(file_members)
