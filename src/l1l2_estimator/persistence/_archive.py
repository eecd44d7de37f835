"""The outer zip archive of a saved file: what it holds, how it is written and read.

A file is a zip archive with exactly two members, ``l1l2-estimator.json`` and ``model.keras``.
Reading refuses anything that is not such an archive, and refuses a member that declares far more
bytes than it stores (a decompression bomb) before inflating it.
"""

import io
import zipfile
import zlib

METADATA_MEMBER = "l1l2-estimator.json"
MODEL_MEMBER = "model.keras"

# A member that declares far more bytes than it stores is a decompression bomb, not a model: refuse
# it before reading. DEFLATE cannot exceed ~1032:1 and trained weights barely compress, so these
# bounds (Keras applies the same rule to its own archives) leave genuine files plenty of room.
BOMB_FLOOR_BYTES = 1 << 26  # 64 MiB
BOMB_MAX_EXPANSION = 100

# What zipfile raises for a damaged archive; NotImplementedError and RuntimeError stand for an
# unknown compression method and an encrypted member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


class Refused(Exception):
    """Why a file cannot be loaded; ``load`` turns it into a ValueError naming the file."""


def zip_bytes(members):
    """A deflated zip archive of ``members`` (name -> bytes), in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read_members(path):
    """The bytes of the metadata and model members. A file that cannot be opened raises OSError;
    anything that opens but is not our archive is refused."""
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if not head:
            raise Refused("the file is empty.")
        # Checked before the zip test: a pickled estimator carries a .keras zip inside it, which
        # zipfile can find from the end of the file.
        if head[0] == 0x80:
            raise Refused(
                "it is a pickle (or joblib) file, not an l1l2-estimator file; load never "
                "unpickles. Open pickles only from sources you trust, with pickle or joblib."
            )
        if not zipfile.is_zipfile(handle):
            raise Refused(
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
                    raise Refused(
                        f"it is not an l1l2-estimator file: the zip archive has no "
                        f"{METADATA_MEMBER}.{hint}"
                    )
                if MODEL_MEMBER not in names:
                    raise Refused(f"the zip archive has no {MODEL_MEMBER}.")
                return read_member(archive, METADATA_MEMBER), read_member(archive, MODEL_MEMBER)
        except ZIP_ERRORS as error:
            raise Refused(f"its zip archive is damaged or unreadable ({error}).") from error


def read_member(archive, name):
    """The bytes of member ``name``, refused if it declares a likely decompression bomb."""
    info = archive.getinfo(name)
    if (
        info.file_size > BOMB_FLOOR_BYTES
        and info.file_size > BOMB_MAX_EXPANSION * max(info.compress_size, 1)
    ):
        raise Refused(
            f"its member {name} declares {info.file_size} bytes but stores only "
            f"{info.compress_size}; refusing a likely decompression bomb."
        )
    return archive.read(name)
