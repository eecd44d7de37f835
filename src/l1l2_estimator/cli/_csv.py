"""The command line's CSV data: read once, parsed by pandas, and every problem reported with the
column and the line of the file (a quoted cell may span lines)."""

import codecs
import collections
import contextlib
import csv
import importlib
import io
import itertools
import os
import re
import shlex
import sys
import unicodedata
import zlib

import numpy as np

from .._memory import available_memory, in_words
from ._settings import (
    LISTED_COLUMNS,
    UsageError,
    column_list,
    printable,
    quoted,
    quoted_label,
)


def read_csv(path, target, numeric_target=False, sep=",", drop=(), decimal=".", encoding=None):
    """Read a CSV file with a header row into ``(X, y, description)`` with ``pandas.read_csv``.

    ``X`` is a DataFrame of the numeric feature columns, named by the header (so that a pipeline
    fitted on it has ``feature_names_in_``); ``y`` is a NumPy array: numbers with
    ``numeric_target``, else class labels (integers when every label is one, so that ``10`` sorts
    after ``9``, else strings). Every problem is a UsageError naming the column and the line.

    The columns named in ``drop`` are left out of the features; ``decimal`` is the numbers'
    decimal mark ("." or ","); ``encoding`` the file's text encoding (None: UTF-8, with or
    without a byte-order mark).

    ``~`` in ``path`` is the home folder, and a ``.gz``, ``.bz2`` or ``.xz`` file is decompressed.
    The file is read once: pandas parses that text, and the messages quote it.
    """
    # The csv module, which reads the records for messages, refuses fields above 128 KiB unless
    # told otherwise (pandas has no such limit): a long label, or an unclosed quote early in a
    # large file, raised its _csv.Error. Set for the reading, then restored.
    previous_limit = csv.field_size_limit(_FIELD_SIZE_LIMIT)
    try:
        return _read_csv(path, target, numeric_target, sep, drop, decimal, encoding)
    finally:
        csv.field_size_limit(previous_limit)


# The csv module's largest field size that every platform takes (a C long).
_FIELD_SIZE_LIMIT = 2**31 - 1


def _read_csv(path, target, numeric_target, sep, drop, decimal, encoding):
    import pandas as pd

    text = _read_text(path, encoding)
    _refuse_separator_line(path, text, sep)
    records = _Records(text, sep)
    written = records.header()
    _refuse_costly(path, text, len(written))
    # Before pandas (a header of 10 MB took minutes), where its reading of the header (spaces
    # before a quote skipped) splits it as written: else the names are checked after it.
    if len(records.header(skipinitialspace=True)) == len(written):
        _refuse_repeated_names(path, written)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            skipinitialspace=True,
            decimal=decimal,
            # Only an empty cell is missing: "NA" or "n/a" in a feature column is a mistake to
            # report, not a value to guess.
            keep_default_na=False,
            na_values=[""],
            # Blank lines before the header are skipped; later ones are kept (and dropped
            # below), so that row i is record i + 1 after the header.
            skiprows=records.leading_blank_lines,
            skip_blank_lines=False,
            # Parsed whole, not in blocks of rows (of 256 rows above about 2,000 columns), whose
            # types pandas then reconciles with a DtypeWarning: a column is one type.
            low_memory=False,
        )
    except pd.errors.EmptyDataError:
        raise UsageError(f"--csv {path!r} is empty; expected a header row and data rows") from None
    except pd.errors.ParserError as error:
        raise UsageError(_parser_error(path, error, records)) from None

    if not isinstance(frame.index, pd.RangeIndex) or records.first_data_width() > len(
        frame.columns
    ):
        # Rows longer than the header from the first data row on: pandas takes their extra
        # leading fields for an index instead of refusing them (a RangeIndex too, when those
        # fields count 0, 1, 2, ...).
        header = [str(name).strip() for name in frame.columns]
        line, fields = records.first_longer_than(len(header))
        raise UsageError(
            f"{path}, line {line}: expected {_fields(len(header))} as in the header, got {fields}"
            f"{_separator_hint(header, sep)}"
        )
    parsed_names = [str(name).strip() for name in frame.columns]
    header = _header(records, frame)
    unnamed = [index + 1 for index, name in enumerate(header) if not name.strip()]
    if unnamed:
        raise UsageError(
            f"--csv {path!r}: column {unnamed[0]} of the header has no name"
            f"{_unnamed_column_hint(unnamed, len(header))}"
        )
    if target not in header:  # the header's name may have spaces around it, or quotes after them
        spaced = [
            name for name, parsed in zip(header, parsed_names)
            if target.strip() in (name.strip(), parsed)
        ]
        target = spaced[0] if len(spaced) == 1 else target
    _refuse_repeated_names(path, header)
    frame.columns = header
    # Blank lines (a trailing newline or two), not rows of empty cells (",,"), which are refused.
    frame = frame[~np.isin(np.arange(len(frame)), records.blank_rows())]
    rows = _Rows(records, header, frame.index.to_numpy())
    if target not in header:
        several = [name.strip() for name in target.split(",")]
        raise UsageError(
            f"--target {target!r} is not a column of {path}; its columns are: "
            f"{column_list(header)}"
            + (
                "; the command line fits one target column (for several labels or targets, "
                "fit L1L2Classifier or L1L2Regressor in Python)"
                if len(several) > 1 and all(name in header for name in several)
                else _separator_hint(header, sep) or _headerless_hint(header, decimal)
            )
        )
    # Matched as --target is: the header's name may have spaces around it ("id, signup").
    drop = [
        name if name in header
        else next((given for given in header if given.strip() == name.strip()), name)
        for name in drop
    ]
    unknown = [name for name in drop if name not in header]
    if unknown:
        raise UsageError(
            f"--drop {printable(unknown[0])} is not a column of {path}; its columns are: "
            f"{column_list(header)}"
        )
    if target in drop:
        raise UsageError(f"--drop names --target {target!r}, the column to predict")
    if len(header) - len(set(drop)) < 2:
        raise UsageError(
            f"--csv {path!r} has no feature columns besides --target {target!r}"
            + (" once --drop leaves its columns out" if drop else _separator_hint(header, sep))
        )
    if frame.empty:
        raise UsageError(f"--csv {path!r} has a header row but no data rows")
    frame = frame[[name for name in header if name not in drop]]
    _refuse_empty_cells(frame, rows, path, target)

    features = [name for name in frame.columns if name != target]
    # Each column parsed once: for the text-columns check, then for the features.
    parsed = {name: _parsed_numbers(frame[name], decimal) for name in features}
    _refuse_text_columns(frame, parsed, rows, decimal)
    X = pd.DataFrame(
        {
            name: _numeric_column(frame[name], name, rows, decimal=decimal, parsed=parsed[name])
            for name in features
        },
        index=range(len(frame)),
    )
    if numeric_target:
        y = _numeric_column(frame[target], target, rows, kind="target column", decimal=decimal)
        if len(y) > 1 and np.all(y == y[0]):
            # Nothing to learn, and R² is undefined (it had been reported as 0.0000).
            raise UsageError(
                f"target column {target!r} holds one value, {y[0]:g}, in every row; a "
                "regressor needs values that vary"
            )
        summary = "numeric"
    else:
        y = _label_column(frame[target], target, rows, decimal)
        classes = np.unique(y).tolist()  # Python values: repr'd as 'setosa', not np.str_(...)
        if len(classes) < 2:
            raise UsageError(
                f"target column {target!r} holds a single class, {quoted_label(classes[0])}; a "
                "classifier needs two or more"
            )
        summary = f"with {len(classes)} classes"
    left_out = (
        f" ({', '.join(map(printable, dict.fromkeys(drop)))} left out)" if drop else ""
    )
    description = (
        f"{'standard input' if path == '-' else path} ({len(y)} rows, {len(features)} "
        f"feature column{'s' * (len(features) != 1)}{left_out}, target {target!r} {summary})"
    )
    return X, y, description


def _refuse_repeated_names(path, header):
    # (Columns without a name have their own message, with a hint.)
    repeated = sorted(
        name for name, count in collections.Counter(header).items() if count > 1 and name.strip()
    )
    if repeated:
        raise UsageError(
            f"--csv {path!r} names a column twice: "
            f"{', '.join(map(quoted, repeated[:LISTED_COLUMNS]))}"
            + (f", ... ({len(repeated):,} names in all)" if len(repeated) > LISTED_COLUMNS else "")
        )


# What reading a CSV text takes, counted with some margin over what pandas 3.1 took (measured
# 2026-12-08): a few bytes a character of text, about 21 bytes a cell (blank lines included:
# they are kept as rows of empty cells until the line numbers are known), and about 2 KiB a
# column.
_BYTES_PER_CHARACTER, _BYTES_PER_CELL, _BYTES_PER_COLUMN = 4, 24, 3 << 10


def _refuse_costly(path, text, columns):
    """Refuse a text that reading would take more than half the free memory for: its size
    alone does not bound it (20 MB of blank lines took 2 GB; a header of 1.4 million names,
    10 MB, took 4.4 GB)."""
    available = available_memory()
    if available is None:
        return
    lines = _line_ends(text) + 1
    cost = (_BYTES_PER_CHARACTER * len(text) + _BYTES_PER_CELL * lines * max(columns, 1)
            + _BYTES_PER_COLUMN * columns)
    if cost > available // 2:
        raise UsageError(
            f"--csv {path!r} holds {lines:,} lines of {columns:,} columns, which would take "
            f"about {in_words(cost)} of memory to read, more than half of the "
            f"{in_words(available)} available; use a smaller file"
        )


# Compressed files that --csv reads, by extension, as pandas.read_csv would infer them.
_DECOMPRESSORS = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}


def _read_text(path, encoding=None):
    """The text of the file ``path`` (``~`` expanded, decompressed by extension; ``-`` for
    standard input), or a UsageError.

    Read as bytes and decoded in the same pass, as ``encoding`` (a codec's canonical name) or, if
    None, as UTF-8 with a byte-order mark (which spreadsheet programs often write before the
    header) dropped: so that the first byte that is not of the encoding is named by its line,
    a zip archive (an .xlsx workbook) by what it is, and, reading UTF-8, UTF-16 text too. The
    line ends are kept as written, as both pandas and the csv module expect."""
    module = _DECOMPRESSORS.get(os.path.splitext(path)[1].lower())
    decompressor = None if module is None else importlib.import_module(module)
    # EOFError: a truncated compressed file; LZMAError: an .xz file that is not one; zlib's
    # error: a .gz file whose compressed data is corrupt (it had ended in a traceback).
    unreadable = (
        OSError, EOFError, getattr(decompressor, "LZMAError", OSError), zlib.error,
    )
    # pandas holds a few copies of the text while it parses: a file (or a device such as
    # /dev/zero, or a pipe, which never ends) beyond a quarter of the free memory is refused
    # when read that far, before it fills the memory.
    available = available_memory()
    limit = None if available is None else available // 4
    if encoding == "utf-8":  # given as the default is: its byte-order mark dropped too
        encoding = None
    decoder = codecs.getincrementaldecoder(encoding or "utf-8")()
    name = "UTF-8" if encoding is None else encoding
    chunks, size, lines = [], 0, 0
    after_cr = False  # whether the text so far ends in "\r" (whose "\n" may start the next block)
    try:
        with _opened(path, decompressor) as file:
            while data := file.read(1 << 24):
                if not size:
                    _refuse_other_formats(path, data, encoding, decompressor is not None)
                    if encoding is None:
                        data = data.removeprefix(codecs.BOM_UTF8)
                size += len(data)
                if limit is not None and size > limit:
                    raise UsageError(
                        f"--csv {path!r} holds more than {in_words(limit)} of text, a "
                        f"quarter of the {in_words(available)} of memory available "
                        "(reading it takes a few copies); use a smaller file"
                    )
                # (The byte order a UTF-16 or UTF-32 decoder took from the file's first bytes.)
                _, flag = decoder.getstate()
                try:
                    chunks.append(decoder.decode(data))
                except UnicodeDecodeError as error:
                    # The decoder's input: the bytes it held back (part of a character) and
                    # this block. What precedes the bad byte decodes, in the decoder's byte
                    # order (a big-endian UTF-16 file's later blocks have no byte-order mark).
                    probe = codecs.getincrementaldecoder(encoding or "utf-8")("replace")
                    probe.setstate((b"", flag))
                    before = probe.decode(error.object[: error.start])
                    line = lines + _line_ends(before, after_cr) + 1
                    raise UsageError(
                        f"cannot read --csv {path!r} as {name} text: byte "
                        f"0x{error.object[error.start]:02x} on line {line} is not {name} "
                        + (f"(a file saved in another encoding, such as Windows-1252); "
                           f"{_SAVE_AS_UTF8}" if encoding is None else
                           "(is --encoding the file's?)")
                    ) from None
                lines += _line_ends(chunks[-1], after_cr)
                after_cr = chunks[-1].endswith("\r") or (after_cr and not chunks[-1])
            try:
                chunks.append(decoder.decode(b"", final=True))
            except UnicodeDecodeError:
                raise UsageError(
                    f"cannot read --csv {path!r} as {name} text: it ends inside a character "
                    + ("(a file saved in another encoding?); " + _SAVE_AS_UTF8
                       if encoding is None else "(is --encoding the file's?)")
                ) from None
            return "".join(chunks)
    except UnicodeError as error:  # a codec's own error, without the bytes (punycode)
        raise UsageError(f"cannot read --csv {path!r} as {name} text: {error}") from None
    except FileNotFoundError:
        raise UsageError(f"cannot read --csv {path!r}: No such file") from None
    except unreadable as error:
        reason = getattr(error, "strerror", None) or error
        raise UsageError(f"cannot read --csv {path!r}: {reason}") from None


def _line_ends(text, after_cr=False):
    """How many line ends ``text`` holds, as the csv module and pandas count them: "\r\n",
    "\n", and a lone "\r" (old Mac files; counting "\n" alone had put every byte of such a
    file on line 1). ``after_cr``: the text before it ended in "\r", so that a "\n" starting it
    ends no other line."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends - (after_cr and text.startswith("\n"))


_SAVE_AS_UTF8 = (
    "pass its encoding, such as --encoding cp1252, or save it as 'CSV UTF-8' (Excel: File > "
    "Save As > CSV UTF-8)"
)


# The first bytes of the compressed files that --csv decompresses by their extension.
_COMPRESSED = {
    re.compile(rb"\x1f\x8b\x08"): (".gz", "gzip"),  # (deflate, gzip's only method)
    re.compile(rb"BZh[1-9]1AY&SY"): (".bz2", "bzip2"),  # (its block size, its first block's)
    re.compile(rb"\xfd7zXZ\x00"): (".xz", "xz"),
}


def _refuse_other_formats(path, data, encoding=None, decompressed=False):
    """UsageError where the first bytes of ``path``, ``data``, say that it is no text of
    ``encoding`` (None: UTF-8): UTF-32 or UTF-16 text (Excel's 'Unicode Text', also without a
    byte-order mark), a compressed file not named so (``decompressed``: it was), or a zip
    archive (an .xlsx workbook)."""
    if encoding in (None, "utf-16") and data.startswith(
        (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    ):  # (checked first: UTF-32's little-endian mark starts with UTF-16's)
        raise UsageError(
            f"--csv {path!r} is UTF-32 text, not {'UTF-8' if encoding is None else 'UTF-16'}: "
            "pass --encoding utf-32, or save it as UTF-8"
        )
    if encoding is None and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UsageError(
            f"--csv {path!r} is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: pass "
            "--encoding utf-16, or save it as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)"
        )
    if encoding is None:
        order = _utf16_without_mark(data)
        if order is not None:
            raise UsageError(
                f"--csv {path!r} looks like UTF-16 text without a byte-order mark (every other "
                f"byte is 0), not UTF-8: pass --encoding utf-16-{order}, or save it as UTF-8"
            )
    kind = next((kind for magic, kind in _COMPRESSED.items() if magic.match(data)), None)
    if kind is not None and not decompressed:
        extension, program = kind
        raise UsageError(
            f"--csv {path!r} is {program}-compressed, not CSV text: "
            + ("decompress it into the pipe" if path == "-" else
               f"name it with the {extension} extension, which --csv decompresses")
        )
    if data.startswith(b"PK\x03\x04"):
        # The first member's name, from its local header (at byte 30, its length at 26).
        first = data[30 : 30 + int.from_bytes(data[26:28], "little")].decode("utf-8", "replace")
        if first.startswith(("[Content_Types].xml", "_rels/", "docProps/", "xl/")) or not first:
            raise UsageError(
                f"--csv {path!r} is a zip archive (an .xlsx workbook?), not CSV text: save it "
                "as 'CSV UTF-8' (Excel: File > Save As > CSV UTF-8)"
            )
        # OpenDocument files start with their "mimetype" member, Numbers documents with Index/.
        if first == "mimetype" or first.startswith("Index/"):
            kind = "an OpenDocument file (.ods)" if first == "mimetype" else "a Numbers document"
            raise UsageError(
                f"--csv {path!r} is a zip archive ({kind}?), not CSV text: export it as CSV "
                "in UTF-8 (LibreOffice: File > Save As > Text CSV; Numbers: File > Export To > "
                "CSV)"
            )
        raise UsageError(
            f"--csv {path!r} is a zip archive (holding {quoted(first)}), not CSV text: unzip "
            "it and pass the CSV file (a .gz, .bz2 or .xz file is read as it is)"
        )


def _utf16_without_mark(data):
    """"le" or "be" where ``data``, a file's first bytes, read as UTF-16 text of that byte
    order without a byte-order mark (text of Latin letters, digits and punctuation has a 0 in
    every other byte), else None."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "be"
    return None


@contextlib.contextmanager
def _opened(path, decompressor):
    """The file ``path`` in binary (decompressed by ``decompressor``), or standard input's for
    ``-`` (left open, for whoever reads it next)."""
    if path != "-":
        with (open if decompressor is None else decompressor.open)(
            os.path.expanduser(path), "rb"
        ) as file:
            yield file
        return
    if sys.stdin is None:  # (a process started with it closed)
        raise UsageError("--csv - reads standard input, which this process does not have")
    yield sys.stdin.buffer


class _Records:
    """The records of a CSV text as the csv module reads them (as pandas does), from the header
    on (blank lines before it are skipped, as ``pandas.read_csv`` skips them; record 0 is the
    header): on which physical line each starts (a quoted cell may span lines) and its fields
    as written. Only messages need them, so they are read when asked for."""

    def __init__(self, text, sep):
        self._text, self._sep = text, sep
        self._starts = None
        self.leading_blank_lines = 0
        for fields in self._all_records():
            if not _blank(fields):
                break
            self.leading_blank_lines += 1

    def _all_records(self, skipinitialspace=True):
        return csv.reader(
            io.StringIO(self._text, newline=""),
            delimiter=self._sep,
            skipinitialspace=skipinitialspace,
        )

    def _reader(self, skipinitialspace=True):
        return itertools.islice(
            self._all_records(skipinitialspace), self.leading_blank_lines, None
        )

    def line(self, record):
        """The line (1-based) on which ``record`` starts."""
        if self._starts is None:
            reader, self._starts, end = self._all_records(), [], 0
            for _ in reader:
                self._starts.append(end + 1)
                end = reader.line_num
            del self._starts[: self.leading_blank_lines]
        return self._starts[min(record, len(self._starts) - 1)]

    def fields(self, record):
        """The fields of ``record``, as written (spaces after the separator skipped)."""
        return next(itertools.islice(self._reader(), record, None), [])

    def header(self, skipinitialspace=False):
        """The header's names as written, spaces included (or skipped before each, as pandas
        reads them, so that a quote after them opens a quoted name)."""
        return next(self._reader(skipinitialspace=skipinitialspace), [])

    def blank_rows(self):
        """The data rows (record - 1) that are blank lines, or spaces only."""
        return [
            record - 1
            for record, fields in enumerate(self._reader())
            if record and _blank(fields)
        ]

    def first_data_width(self):
        """The number of fields of the first data record that is not a blank line (0 if
        none): the record from which pandas infers an index column."""
        for fields in itertools.islice(self._reader(), 1, None):
            if not _blank(fields):
                return len(fields)
        return 0

    def first_longer_than(self, width):
        """``(line, fields)`` of the first record with more than ``width`` fields."""
        for record, fields in enumerate(self._reader()):
            if len(fields) > width:
                return self.line(record), len(fields)
        return 2, width + 1  # not found again: the first data line, as pandas read it


def _blank(fields):
    """Whether a record is a blank line: no field, or one of spaces only (a row of empty cells
    has a separator, so two fields or more)."""
    return not fields or (len(fields) == 1 and not fields[0].strip())


class _Rows:
    """Where the data rows kept from a file are (blank lines dropped): row ``i`` is record
    ``kept[i] + 1``; for messages."""

    def __init__(self, records, header, kept):
        self._records, self._header, self._kept = records, header, kept

    def line(self, row):
        return self._records.line(int(self._kept[row]) + 1)

    def fields(self, row):
        return self._records.fields(int(self._kept[row]) + 1)

    def cell(self, row, column, parsed):
        """The text of ``column`` in ``row`` as written in the file (``parsed`` where the row is
        too short to hold it)."""
        fields = self.fields(row)
        index = self._header.index(column)
        return fields[index] if index < len(fields) else str(parsed)


def _header(records, frame):
    """The header's names as written, spaces included (as ``pandas.read_csv(path, sep=sep)`` names
    the columns, so that a saved pipeline accepts the DataFrame it reads); read with the csv
    module, so that a name that pandas renamed when repeated (``a``, ``a.1``) can be reported."""
    names = [str(name) for name in frame.columns]
    row = records.header()
    return row if len(row) == len(names) else names


def _parser_error(path, error, records):
    message = " ".join(str(error).split())
    too_many = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if too_many:
        expected, record, got = too_many.groups()
        # pandas counts records from 1, the header, and the blank lines skipped before it; a
        # cell may span lines.
        line = records.line(int(record) - 1 - records.leading_blank_lines)
        return f"{path}, line {line}: expected {_fields(int(expected))} as in the header, got {got}"
    unclosed = re.search(r"EOF inside string starting at row (\d+)", message)
    if unclosed:
        line = records.line(int(unclosed.group(1)))  # pandas counts records from 0, the header
        return f'{path}, line {line}: a quoted cell opens with " here and is never closed'
    message = message.removeprefix("Error tokenizing data. ")
    return f"cannot read --csv {path!r} as CSV text: {message}"


def _refuse_separator_line(path, text, sep):
    """UsageError for a file whose first line is Excel's ``sep=;``, which says the separator
    but is no header (the header, read as one column, had been blamed on the next line)."""
    # Only " \r" stripped: the separator may be a tab (or a space). Not with a separator of
    # "sep=", where "sep=y" is a header of two columns.
    first = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    if sep not in "sep=" and re.fullmatch(r"sep=.", first):
        given = "tab" if first[4] == "\t" else repr(first[4])
        advice = "" if first[4] == sep else f", and pass --sep {given}"
        raise UsageError(
            f"--csv {path!r} starts with Excel's {first!r} line, which names the separator but "
            f"is no header: delete that line{advice}"
        )


def _unnamed_column_hint(unnamed, n_columns):
    """Why the columns ``unnamed`` (numbered from 1) of the header may have no name, where that
    can be guessed."""
    if unnamed[0] == 1:
        return (
            " (a DataFrame's index, as DataFrame.to_csv writes by default? write the file with "
            "index=False)"
        )
    if unnamed == list(range(unnamed[0], n_columns + 1)):
        # The last, or the last few: a spreadsheet's empty columns right of the data (the hint
        # had been given for the last alone).
        return (
            " (a separator at the end of every line, or empty columns right of the data? "
            "remove them)"
        )
    return ""


def _separator_hint(header, sep):
    """A hint when the header reads as one column that another separator would split."""
    if len(header) != 1:
        return ""
    for candidate, name in ((";", "';'"), ("\t", "tab"), (",", "','"), ("|", "'|'")):
        if candidate != sep and candidate in header[0]:
            return f" (one column: is the file separated by {name}? then pass --sep {name})"
    return ""


def _refuse_text_columns(frame, parsed, rows, decimal):
    """UsageError naming every feature column that holds text (dates, categories, IDs written
    with letters), with --drop's advice, where there are two or more (one is named, with its
    cell, by ``_numeric_column``): they had been reported one per run. ``parsed`` maps each
    feature's name to what ``_parsed_numbers`` made of its column."""
    text = []
    for name, (_, bad) in parsed.items():
        # A number written another way is named alone, with its hint.
        if bad is not None:
            value = frame[name].iloc[bad]
            if not _number_hint(value, decimal):
                text.append((name, bad, value))
    if len(text) < 2:
        return
    cells = "; ".join(
        f"{printable(name)} ({quoted(value)} on line {rows.line(index)})"
        for name, index, value in text
    )
    names = [name.strip() for name, _, _ in text]
    # (--drop splits its names at commas: a name with one cannot be given.)
    drop = (
        f"Leave them out with --drop {shlex.quote(','.join(names))}, or write them as numbers"
        if not any("," in name for name in names) else "Write them as numbers"
    )
    raise UsageError(f"{len(text)} feature columns hold text, not numbers: {cells}. {drop}")


def _headerless_hint(header, decimal):
    """A hint where every name of the header reads as a number: the file has no header row,
    and its first row of data was taken for one (and would have been lost)."""
    numbers = 0
    for name in header:
        try:
            _number(_decimal_point(name.strip(), decimal))
            numbers += 1
        except (ValueError, OverflowError):
            pass
    if numbers < max(2, len(header) / 2):  # (the labels' column may be text)
        return ""
    return (
        " (the header reads as numbers: does the file have a header row? --csv needs one, "
        "naming its columns)"
    )


def _number_hint(value, decimal="."):
    """What a cell that is no number may be meant as: a number with a thousands separator, a
    decimal comma, a percent sign, or a character that looks like one of a number's (a Unicode
    minus sign); "" otherwise."""
    if decimal == "," and re.fullmatch(r"\s*[+-]?[0-9.]*\.[0-9.]*(,\d*)?\s*", value):
        return (
            " (a point in a number read with --decimal ',': a thousands mark? write numbers "
            "without it, such as 1500,5)"
        )
    if re.fullmatch(r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d*)?\s*", value):
        return (
            " (a thousands separator, or a decimal comma? write plain numbers such as 1000 or "
            "1.5)"
        )
    if re.fullmatch(r"\s*[+-]?\d*,\d+\s*", value):
        return " (a decimal comma? pass --decimal ',')"
    # (Each pattern matches in time linear in the cell's length: a hostile CSV's cell of
    # 20,000 digits and a letter must not take quadratic time.)
    if value.strip() in ("True", "TRUE", "true", "False", "FALSE", "false"):  # pandas' words
        return (
            " (True and False are read as 1 and 0 in a column of nothing else, as pandas reads "
            "booleans: write 1 and 0)"
        )
    if re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*%\s*", value):
        return " (a percent sign: write the number alone, 25 or 0.25 for 25%)"
    # Only a character that may stand for one of a number's: a dash or minus sign, another
    # script's digit (not the letters of text beside digits: "Hauptstraße 5").
    foreign = next(
        (c for c in value if not c.isascii() and unicodedata.category(c) in ("Pd", "Sm", "Nd")),
        None,
    )
    if foreign is not None and any(c.isdigit() for c in value):
        name = unicodedata.name(foreign, "a character")
        return (
            f" ({name}, U+{ord(foreign):04X}, is not part of a number as written in ASCII"
            + (": write '-'" if unicodedata.category(foreign) == "Pd" or foreign == "\u2212"
               else "")
            + ")"
        )
    return ""


def _decimal_point(value, decimal):
    """The cell ``value`` with its decimal mark written as a point; ValueError for a point in a
    cell read with a decimal comma (there a thousands mark: ``1.500`` is 1500, which a point
    for the comma would read as 1.5)."""
    if decimal != "," or not isinstance(value, str):
        return value
    if "." in value:
        raise ValueError(value)
    return value.replace(",", ".")


def _numeric_column(column, name, rows, kind="feature column", decimal=".", parsed=None):
    """``column`` (without empty cells) as float64, or a UsageError naming the first non-numeric
    or non-finite cell; ``parsed``: what ``_parsed_numbers`` made of it, if done already."""
    values, bad = _parsed_numbers(column, decimal) if parsed is None else parsed
    if bad is not None:
        value = column.iloc[bad]
        raise UsageError(
            f"{kind} {quoted(name)} must be numeric, got {quoted(value)} on line {rows.line(bad)}"
            f"{_number_hint(value, decimal)}"
        )
    _refuse_non_finite(values, column, name, rows, kind)
    _refuse_unscalable(values, column, name, rows, kind)
    return values


def _parsed_numbers(column, decimal):
    """``column`` (without empty cells) read as float64, and the position of its first cell that
    is not a number (None if none is: the values are then complete); an integer beyond float64,
    such as 10**400, reads as inf, as 1e400 does."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column):  # bool included: True is 1
        return column.to_numpy(dtype=np.float64), None
    values = np.empty(len(column))
    for index, value in enumerate(column):
        try:
            values[index] = _number(_decimal_point(value, decimal))
        except OverflowError:
            values[index] = np.inf
        except ValueError:
            return values, index
    return values, None


# What pandas reads as a number: plain ASCII digits (Python's float() also reads "1_000" and other
# scripts' digits, which pandas leaves as text), or the words for infinity and NaN.
# (A run of digits has one way through it: with "[0-9]+\.?[0-9]*" it had one per split of the
# run, and a cell of 20,000 digits and a letter took 15 s to refuse.)
_NUMBER = re.compile(
    r"\s*[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|inf(inity)?|nan)\s*", re.IGNORECASE
)


def _number(value):
    """``value``, a cell of a column that pandas left as text (or an integer beyond int64 and
    uint64, which it keeps as a Python int), as a float; ValueError for text that is not a
    number as pandas reads one, OverflowError for an integer beyond float64."""
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        raise ValueError(value)
    return float(value)


def _refuse_unscalable(values, column, name, rows, kind):
    """UsageError for a column that standardizing cannot scale, naming its largest value: so
    large that its variance overflows float64 (StandardScaler would make it NaN), or so small
    that the variance of differing values underflows to 0 (StandardScaler would leave them as
    they are: a feature then becomes 0 in float32, and a target's R² is undefined)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        spread = np.var(values)
    if np.isfinite(spread) and (spread > 0 or np.ptp(values) == 0):
        return
    index = int(np.argmax(np.abs(values)))
    text = rows.cell(index, name, column.iloc[index])
    size, how = ("large", "overflows float64") if spread else ("small", "underflows to 0")
    raise UsageError(
        f"{kind} {quoted(name)} holds numbers too {size} to standardize, such as "
        f"{quoted(text)} on line {rows.line(index)} (their variance {how}); rescale the column"
    )


def _refuse_non_finite(values, column, name, rows, kind):
    """UsageError for the first of ``values`` that is infinite or NaN, quoted as written (a
    number too large for float64, such as ``1e309``, reads as inf)."""
    finite = np.isfinite(values)
    if not finite.all():
        index = int(np.flatnonzero(~finite)[0])
        text = rows.cell(index, name, column.iloc[index])
        raise UsageError(
            f"{kind} {quoted(name)} must hold finite numbers, got {quoted(text)} on line "
            f"{rows.line(index)}"
        )


def _label_column(column, name, rows, decimal="."):
    """Class labels: integers if every label is an integer, else strings (whitespace stripped);
    whole numbers written as floats (``1.0``) count as integers, if int64 holds them."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_integer_dtype(column):
        return column.to_numpy()
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy()
        _refuse_non_finite(values, column, name, rows, "target column")
        fractional = values != np.round(values)
        if fractional.any():
            index = int(np.flatnonzero(fractional)[0])
            raise UsageError(
                f"target column {quoted(name)} holds numbers that are not whole, such as "
                f"{quoted(rows.cell(index, name, values[index]))} on line {rows.line(index)}: "
                "class "
                "labels are expected; for a "
                "numeric target, pass --task regression"
            )
        # Every whole float64 below 2**63 in size is an int64 exactly; a larger one is none, and
        # scikit-learn takes a float label it cannot cast for a continuous target.
        too_large = np.abs(values) >= 2.0**63
        if too_large.any():
            index = int(np.flatnonzero(too_large)[0])
            raise UsageError(
                f"target column {quoted(name)} holds numbers too large for class labels, such as "
                f"{quoted(rows.cell(index, name, values[index]))} on line {rows.line(index)}: "
                "class "
                "labels are text or whole numbers below 2**63; for a numeric target, pass "
                "--task regression"
            )
        return values.astype(np.int64)
    # Python strings in an object array: printed and repr'd as themselves, not as np.str_('a').
    labels = np.array([str(label).strip() for label in column], dtype=object)
    _refuse_missing_markers(labels, name, rows, decimal)
    if all(re.fullmatch(r"[+-]?[0-9]+", label) for label in labels):
        # Whole numbers, sorted as numbers, where 64 bits hold them all (pandas gives the column
        # an integer type then, unless spaces surround them).
        numbers = [_whole_number(label) for label in labels]
        if -(2**63) <= min(numbers) and max(numbers) < 2**63:
            return np.array(numbers, dtype=np.int64)
        if 0 <= min(numbers) and max(numbers) < 2**64:
            return np.array(numbers, dtype=np.uint64)
        # The first beyond 64 bits, or else one of 2**63 and more beside negative ones.
        outside = [i for i, n in enumerate(numbers) if not -(2**63) <= n < 2**64]
        index = outside[0] if outside else next(i for i, n in enumerate(numbers) if n >= 2**63)
        raise UsageError(
            f"target column {quoted(name)} holds numbers too large for class labels, such as "
            f"{quoted(labels[index])} on line {rows.line(index)}: class labels are text or whole "
            "numbers within 64 bits; for a numeric target, pass --task regression"
        )
    if not all(label for label in labels):  # a cell of spaces only
        line = rows.line([bool(label) for label in labels].index(False))
        raise UsageError(f"empty cell in target column {quoted(name)} on line {line}")
    return labels


# What spreadsheets and pandas write for a missing value (pandas reads these as NaN by default;
# --csv reads only empty cells so).
_MISSING_MARKERS = frozenset({
    "NA", "N/A", "n/a", "na", "#N/A", "#NA", "NaN", "nan", "-NaN", "-nan", "<NA>", "NULL", "null",
    "None", "none", "?",
})


def _refuse_missing_markers(labels, name, rows, decimal):
    """UsageError for a target cell written as a missing value (``NA``, ``?``, ...) beside
    labels that are all numbers (``1``, ``1.0``): it had become a class of its own, and the
    numbers text labels (a saved model predicted '1', not 1). Beside text labels such a cell
    may be a class ("NA", North America; "None"), so it stays one."""
    missing = np.array([label in _MISSING_MARKERS for label in labels])
    if not missing.any() or missing.all():
        return
    if all(_is_number(label, decimal) for label in labels[~missing]):
        index = int(np.flatnonzero(missing)[0])
        more = f" (and on {int(missing.sum()) - 1} more rows)" if missing.sum() > 1 else ""
        raise UsageError(
            f"target column {quoted(name)} has a missing label, {quoted(labels[index])}, on line "
            f"{rows.line(index)}{more}, beside labels that are numbers: drop those rows, or "
            "fill them in"
        )


def _is_number(text, decimal="."):
    """Whether ``text`` is a finite number as pandas reads one, with the decimal mark
    ``decimal`` (``inf`` and ``Infinity`` are text labels too)."""
    try:
        return bool(np.isfinite(_number(_decimal_point(text, decimal))))
    except (ValueError, OverflowError):
        return False


def _whole_number(text):
    """The integer that the digits ``text`` (a sign, then ASCII digits) write; one beyond 2**64 in
    size for more than 20 digits, leading zeros aside (Python refuses to convert more than
    4,300 digits, zeros included)."""
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").lstrip("0") or "0"
    return sign * (int(digits) if len(digits) <= 20 else 2**64)


def _refuse_empty_cells(frame, rows, path, target):
    """UsageError for the first row with a missing value: too few fields, or an empty cell."""
    incomplete = np.flatnonzero(frame.isna().any(axis=1).to_numpy())
    if incomplete.size == 0:
        return
    row = frame.iloc[incomplete[0]]
    line = rows.line(int(incomplete[0]))
    fields = len(rows.fields(int(incomplete[0])))
    if fields < len(frame.columns):
        raise UsageError(
            f"{path}, line {line}: expected {_fields(len(frame.columns))} as in the header, "
            f"got {fields}"
        )
    if row.isna().all() and len(frame.columns) > 1:
        # As spreadsheets write below the data: said so (it had read as one empty cell).
        raise UsageError(
            f"empty cells only on line {line} (a row of separators, as a spreadsheet may write "
            "below its data): delete the row"
        )
    name = row.index[np.flatnonzero(row.isna().to_numpy())[0]]
    kind = "target column" if name == target else "feature column"
    raise UsageError(f"empty cell in {kind} {quoted(name)} on line {line}")


def _fields(count):
    return "1 field" if count == 1 else f"{count} fields"
