"""Reading a saved file and the zip archives in it: strictly, in memory, through hard byte caps.

A file is a zip archive with exactly two members, ``l1l2-estimator.json`` and ``model.keras``;
``model.keras`` is itself a zip archive (Keras' format). Both are read by :class:`Archive`, which
accepts only the plain layout that Python's ``zipfile`` writes: the members one after the other
from the first byte, each a local header followed by its data, then the central directory, then
the end record at the very end of the file; no bytes before, between or after them, no duplicate
or unexpected member, no comment, no extra fields, no encryption, no data descriptors, and only
stored or deflated members. Anything else is refused before a member is read.

A member is inflated in one pass, in chunks, and never past a limit that the caller sets from what
the member should hold; the sizes that the archive declares are checked against that limit first,
and are not trusted to bound the inflation. A member must come to exactly its declared size, with
the CRC it declares, and its deflate stream must end exactly where its stored bytes end (``zipfile``
itself stops at the declared size, and would let a stream hide data after it). Nothing is written
to disk.
"""

import io
import os
import stat
import struct
import zipfile
import zlib

METADATA_MEMBER = "l1l2-estimator.json"
MODEL_MEMBER = "model.keras"

# The largest file that load reads; it is read whole into memory.
MAX_FILE_BYTES = 1 << 30  # 1 GiB
# Members are inflated this many bytes at a time.
CHUNK_BYTES = 1 << 20
# A member that declares far more bytes than it stores is a decompression bomb, not a model: refuse
# it before reading. Trained weights and optimizer state barely compress (1.1-1.6 times, even with
# 99.9% of a layer's weights zero under Adam), and dump stores a member uncompressed where
# deflating it would pass these bounds, so every file it writes reads back. (At Keras' own bound
# for its archives, 100 times, a 10.7 MB file inflated to 1 GiB of zero weights that a network
# of 268 million features calls for, and load took 11 s and 3 GiB.)
BOMB_FLOOR_BYTES = 1 << 26  # 64 MiB
BOMB_MAX_EXPANSION = 4
# Room for the central directory of an archive of a few members with short names. Archives with up
# to MAX_EXTRA_MEMBERS unexpected members are parsed, to say what they are; larger ones are not.
MAX_DIRECTORY_BYTES_PER_MEMBER = 1024
MAX_EXTRA_MEMBERS = 8

# What zipfile raises for a damaged archive; NotImplementedError and RuntimeError stand for an
# unknown compression method and an encrypted member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,  # a member name flagged UTF-8 that is not
)

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length
_END_RECORD = struct.Struct("<4s4H2LH")  # signature ... directory size, offset, comment length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_END_SIGNATURE = b"PK\x05\x06"
_ENCRYPTED = 0x1
_DATA_DESCRIPTOR = 0x8
_UTF8_NAME = 0x800
# Flag bits a member may have: the deflate options (bits 1 and 2) and a UTF-8 name.
_ALLOWED_FLAGS = 0x6 | _UTF8_NAME
# The version zipfile writes as "made by" and "needed" for a stored or deflated member without
# zip64 (2.0), and the systems it names as the maker (MS-DOS on Windows, Unix elsewhere).
_VERSION = 20
_SYSTEMS = (0, 3)


class Refused(Exception):
    """Why a file cannot be loaded; ``load`` turns it into a ValueError naming the file."""


def zip_bytes(members):
    """A zip archive of ``members`` (name -> bytes), in memory: deflated, but for a member that
    deflates beyond what ``load`` takes from a genuine file (``likely_bomb``), which is stored."""
    stored = set()
    while True:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members.items():
                kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
                archive.writestr(name, data, compress_type=kind)
            bombs = {info.filename for info in archive.infolist() if likely_bomb(info)}
        if not bombs:
            return buffer.getvalue()
        stored |= bombs


def likely_bomb(info):
    """Whether the zip member ``info`` declares more bytes than a genuine file's would for what it
    stores."""
    return (
        info.file_size > BOMB_FLOOR_BYTES
        and info.file_size > BOMB_MAX_EXPANSION * max(info.compress_size, 1)
    )


def read_file(path):
    """The bytes of the regular file at ``path``, at most ``MAX_FILE_BYTES``.

    A missing or unreadable file raises OSError. Anything but a regular file (a FIFO, a device, a
    socket, a folder) is refused before it is opened, and it is opened without blocking, so that
    a FIFO swapped in meanwhile cannot make ``load`` wait forever.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise Refused(
            "it is not a regular file (a folder, FIFO, device or socket); load reads only "
            "regular files."
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Refused("it is not a regular file; load reads only regular files.")
        if info.st_size > MAX_FILE_BYTES:
            raise Refused(
                f"it holds {info.st_size} bytes, more than the {MAX_FILE_BYTES} bytes that "
                "load reads."
            )
        data = handle.read(info.st_size + 1)
    if len(data) != info.st_size:
        raise Refused("the file changed while it was being read.")
    return data


_DIRECTORY_ENTRY_SIZE = 46  # a central directory entry's fixed part, before its name
_DIRECTORY_SIGNATURE = b"PK\x01\x02"


def _name_encoding(info):
    return "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"


class Archive:
    """A zip archive in memory that holds exactly ``names``, in the plain layout described in the
    module docstring; ``what`` names it in refusals. With ``stored_only``, members must be stored
    uncompressed (as Keras writes its archives)."""

    def __init__(self, data, names, what, *, stored_only=False, explain=None):
        self.what = what
        directory_offset, directory_size, total = self._check_end_record(data, len(names))
        self._check_directory(data, directory_offset, directory_size, total)
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self._archive.infolist()
        except ZIP_ERRORS as error:
            raise Refused(f"{what} is damaged or unreadable ({error}).") from error
        found = sorted(info.filename for info in infos)
        if found != sorted(names):
            # ``explain(found)`` may say what the archive is instead (another format's archive).
            raise Refused(
                (explain and explain(found))
                or f"{what} holds the members {_names(found)}; exactly {_names(sorted(names))} "
                "are expected (no more, no duplicates)."
            )
        position = 0
        for info in sorted(infos, key=lambda info: info.header_offset):
            if info.header_offset != position:
                raise Refused(f"{what} has bytes before or between its members.")
            position = self._check_member(data, info, stored_only)
        if position != directory_offset:
            raise Refused(f"{what} has bytes between its members and its directory.")
        # The directory is its entries alone (46 bytes and the name each: no extra field or
        # comment is allowed), with nothing after them such as a zip64 record.
        if directory_size != sum(
            _DIRECTORY_ENTRY_SIZE + len(info.orig_filename.encode(_name_encoding(info)))
            for info in infos
        ):
            raise Refused(f"{what} has bytes in its directory besides its members' entries.")
        self._infos = {info.filename: info for info in infos}
        self._data = data

    def _check_directory(self, data, offset, size, total):
        """Refuse a directory whose entries do not fill it exactly, entry after entry, as many as
        the end record counts (``total``), or whose entries claim an extra field or a comment:
        zipfile cuts a name, extra field or comment that runs past the directory short, where
        other tools read on into the end record."""
        position, end, entries = offset, offset + size, 0
        while position < end:
            if position + _DIRECTORY_ENTRY_SIZE > end or data[position : position + 4] != (
                _DIRECTORY_SIGNATURE
            ):
                raise Refused(
                    f"{self.what} has bytes in its directory besides its members' entries."
                )
            name_length, extra_length, comment_length = struct.unpack_from(
                "<3H", data, position + 28
            )
            if extra_length or comment_length:
                raise Refused(f"{self.what} has a member with extra fields or a comment.")
            position += _DIRECTORY_ENTRY_SIZE + name_length
            entries += 1
        if position != end or entries != total:
            raise Refused(
                f"{self.what} has a directory of {entries} entries that does not fill its "
                f"{size} bytes exactly or differs from the {total} its end record counts."
            )

    def _check_end_record(self, data, count):
        """The directory's offset, its size and the entries it announces, refused unless the end
        record ends the data, announces no comment and not far more than ``count`` members, and
        the directory fills the space before it."""
        if len(data) < _END_RECORD.size:
            raise Refused(f"{self.what} is not a zip archive (the file is truncated or in "
                          "another format).")
        record = _END_RECORD.unpack_from(data, len(data) - _END_RECORD.size)
        signature, disk, directory_disk, on_disk, total, size, offset, comment = record
        if signature != _END_SIGNATURE:
            raise Refused(
                f"{self.what} is not a zip archive, or has a comment or bytes after its end (the "
                "file is truncated or in another format)."
            )
        if (disk, directory_disk, comment) != (0, 0, 0) or on_disk != total:
            raise Refused(f"{self.what} is a multi-part zip archive or has a comment.")
        if total > count + MAX_EXTRA_MEMBERS:
            raise Refused(f"{self.what} holds {total} members; exactly {count} are expected.")
        if size > total * MAX_DIRECTORY_BYTES_PER_MEMBER:
            raise Refused(f"{self.what} has a directory far larger than {total} members need.")
        if offset + size != len(data) - _END_RECORD.size:
            raise Refused(
                f"{self.what} has bytes before its first member or around its directory (was "
                "something prepended to it?)."
            )
        return offset, size, total

    def _check_member(self, data, info, stored_only):
        """The position after member ``info``, whose local header must agree with the directory."""
        position = info.header_offset
        if position + _LOCAL_HEADER.size > len(data):
            raise Refused(f"{self.what} is truncated.")
        header = _LOCAL_HEADER.unpack_from(data, position)
        signature, version, flags, method, time, date, crc, compressed, size = header[:9]
        name_length, extra_length = header[9:]
        name_start = position + _LOCAL_HEADER.size
        name = data[name_start : name_start + name_length]
        encoding = _name_encoding(info)
        where = f"{self.what}'s member {info.filename!r}"
        if (flags | info.flag_bits) & (_ENCRYPTED | _DATA_DESCRIPTOR):
            raise Refused(f"{where} is encrypted or has a data descriptor.")
        if (flags | info.flag_bits) & ~_ALLOWED_FLAGS:
            raise Refused(f"{where} has flags this format does not use ({flags:#06x}).")
        if b"\x00" in name:
            # zipfile cuts a name at its first NUL; other tools show the whole name.
            raise Refused(f"{where} has a NUL byte in its name.")
        if (
            signature != _LOCAL_SIGNATURE
            or version != info.extract_version
            or flags != info.flag_bits
            or (date, time) != _dos_date_time(info.date_time)
            or method != info.compress_type
            or (crc, compressed, size) != (info.CRC, info.compress_size, info.file_size)
            or name != info.orig_filename.encode(encoding)
        ):
            raise Refused(f"{where} has a local header that disagrees with the directory.")
        if extra_length or info.extra or info.comment:
            raise Refused(f"{where} has extra fields or a comment.")
        allowed = (zipfile.ZIP_STORED,)
        if not stored_only:
            allowed += (zipfile.ZIP_DEFLATED,)
        if method not in allowed:
            kinds = "stored" if stored_only else "stored or deflated"
            raise Refused(f"{where} uses compression method {method}; only {kinds} is read.")
        # As zipfile writes a member: on the first disk, no text flag, a plain file's mode (no
        # link, device or set-id bits), no MS-DOS attributes, and its versions (2.0 made on
        # MS-DOS or Unix, 2.0 needed). Nothing is extracted, but no byte of the directory goes
        # unchecked.
        mode = info.external_attr >> 16
        if (
            (info.create_version, info.extract_version, info.reserved) != (_VERSION, _VERSION, 0)
            or info.create_system not in _SYSTEMS
            or info.volume
            or info.internal_attr
            or info.external_attr & 0xFFFF
            or stat.S_IFMT(mode) not in (0, stat.S_IFREG)
            or mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)
        ):
            raise Refused(
                f"{where} has attributes that zipfile never writes (external "
                f"{info.external_attr:#x}, internal {info.internal_attr}, disk {info.volume}, "
                f"made by version {info.create_version} on system {info.create_system}, "
                f"version needed {info.extract_version}, reserved {info.reserved})."
            )
        if method == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise Refused(f"{where} is stored but declares two different sizes.")
        end = name_start + name_length + info.compress_size
        if end > len(data):
            raise Refused(f"{self.what} is truncated.")
        return end

    def close(self):
        """Let go of the archive's bytes."""
        self._archive.close()
        self._archive = self._data = None

    def declared_size(self, name):
        """The number of bytes that member ``name`` declares it inflates to."""
        return self._infos[name].file_size

    def read(self, name, limit):
        """The bytes of member ``name``, refused if it declares or inflates to more than
        ``limit`` bytes or is a likely decompression bomb."""
        info = self._infos[name]
        where = f"{self.what}'s member {name}"
        if info.file_size > limit:
            raise Refused(
                f"{where} declares {info.file_size} bytes, more than the {limit} bytes it may "
                "hold here."
            )
        if likely_bomb(info):
            raise Refused(
                f"{where} declares {info.file_size} bytes but stores only "
                f"{info.compress_size}; refusing a likely decompression bomb."
            )
        # The member's bytes are read here, not by zipfile: zipfile stops inflating at the
        # declared size and would let a stream hide data after it.
        start = info.header_offset + _LOCAL_HEADER.size + len(
            info.orig_filename.encode(_name_encoding(info))
        )
        stored = memoryview(self._data)[start : start + info.compress_size]
        if info.compress_type == zipfile.ZIP_DEFLATED:
            content = _inflate(stored, min(limit, info.file_size), where)
        else:
            content = bytes(stored)
        if len(content) != info.file_size:
            raise Refused(f"{where} inflates to fewer bytes than it declares.")
        if zlib.crc32(content) != info.CRC:
            raise Refused(f"{where} is damaged or unreadable (its bytes fail their CRC-32).")
        return content


def _inflate(stored, most, where):
    """The deflate stream ``stored`` inflated in one pass, refused as soon as it comes to more
    than ``most`` bytes, and unless it ends exactly at the end of ``stored``. Its input is fed
    ``CHUNK_BYTES`` at a time and its output taken at most that much at a time, so that the work
    grows with the bytes, never with their square."""
    stream = zlib.decompressobj(-zlib.MAX_WBITS)
    buffer = io.BytesIO()
    try:
        for position in range(0, len(stored), CHUNK_BYTES):
            pending = stored[position : position + CHUNK_BYTES]
            while True:
                if stream.eof and pending:
                    raise Refused(f"{where} has bytes after the end of its compressed data.")
                room = min(CHUNK_BYTES, most + 1 - buffer.tell())
                inflated = stream.decompress(pending, room)
                buffer.write(inflated)
                if buffer.tell() > most:
                    raise Refused(f"{where} inflates to more bytes than it declares.")
                pending = stream.unconsumed_tail
                # Once the input is taken, what zlib still holds: an output that filled its
                # room may have more behind it (it had been left there, and the stream refused
                # as cut short).
                if not pending and len(inflated) < room:
                    break
    except zlib.error as error:
        raise Refused(f"{where} is damaged or unreadable ({error}).") from error
    if not stream.eof:
        raise Refused(f"{where} is damaged or unreadable (its compressed data is cut short).")
    if stream.unused_data:
        raise Refused(f"{where} has bytes after the end of its compressed data.")
    return buffer.getvalue()


def _names(names):
    shown = ", ".join(repr(name[:100]) for name in names[:5])
    return f"[{shown}{', ...' if len(names) > 5 else ''}]"


def open_saved_file(data):
    """The outer archive of a saved file's bytes, refused with a hint if it is another format."""
    if not data:
        raise Refused("the file is empty.")
    # Checked before the zip test: a pickled estimator carries a .keras zip inside it.
    if data[0] == 0x80:
        raise Refused(
            "it is a pickle (or joblib) file, not an l1l2-estimator file; load never unpickles. "
            "Open pickles only from sources you trust, with pickle or joblib."
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(
            "it is not an l1l2-estimator file: not a zip archive (the file is truncated or in "
            "another format)."
        )
    return Archive(data, (METADATA_MEMBER, MODEL_MEMBER), "its zip archive", explain=_foreign)


def _foreign(names):
    if METADATA_MEMBER not in names:
        hint = ""
        if {"config.json", "model.weights.h5"} <= set(names):
            hint = " It looks like a plain Keras model: use keras.saving.load_model."
        return (
            f"it is not an l1l2-estimator file: the zip archive has no {METADATA_MEMBER}.{hint}"
        )
    if MODEL_MEMBER not in names:
        return f"the zip archive has no {MODEL_MEMBER}."
    return None


def _dos_date_time(date_time):
    """The MS-DOS ``(date, time)`` fields that zipfile read as ``date_time``, a member's
    modification time: every bit of them, so that a local header's are compared in full."""
    year, month, day, hours, minutes, seconds = date_time
    return (
        (year - 1980) << 9 | month << 5 | day,
        hours << 11 | minutes << 5 | seconds // 2,
    )
