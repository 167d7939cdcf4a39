"""The container of ``skmulti.save`` files: a zip that holds only data.

A file is a zip archive whose members are ``manifest.json`` (the format, the
versions that wrote it, the size and SHA-256 of every other member), JSON
members, ``.npy`` arrays and ``.skops`` members (scikit-learn objects). This
module writes it and reads it back under checks that run before anything is
decompressed or parsed: it knows nothing about estimators.

Every refusal raises :class:`skmulti.exceptions.UntrustedFileError` (a
``ValueError``) that says what is wrong with the file and what to do.
"""

import hashlib
import io
import json
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib

import numpy as np

from .exceptions import UntrustedFileError

FORMAT = "skmulti"
FORMAT_VERSION = 1
"""The newest format this skmulti writes and reads; a newer one is refused."""

MANIFEST = "manifest.json"
MEMBER_NAME = re.compile(r"\A[a-z]+(?:/[0-9]{6})?\.(?:json|npy|skops)\Z")
"""Names a member may have: ``manifest.json``, ``object.json``,
``arrays/000001.npy``, ``skops/000001.skops``: no directory, no ``..``, no
absolute name, no backslash."""

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 2 * 1024**3
"""Largest uncompressed member (2 GiB)."""
MAX_JSON_BYTES = 64 * 1024**2
"""Largest uncompressed JSON member (64 MiB)."""
MAX_TOTAL_BYTES = 4 * 1024**3
"""Largest total uncompressed size of an archive (4 GiB)."""
MAX_RATIO = 100
"""Largest compression ratio of a member larger than ``RATIO_FLOOR_BYTES``."""
RATIO_FLOOR_BYTES = 1024**2

ARRAY_KINDS = "biuf"
"""NumPy dtype kinds an ``.npy`` member may hold, plus unicode strings ("U")."""
MAX_STR_ITEMSIZE = 4 * 1024**2

_FIX = (
    "Load only files written by skmulti.save that come from a source you trust; "
    "save the model again from the fitted estimator if this file is damaged."
)


def refuse(problem, fix=_FIX):
    """Raise the one error of a refused file: what is wrong, then what to do."""
    raise UntrustedFileError(f"skmulti.load refused the file: {problem}. {fix}")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# -- writing ------------------------------------------------------------------


def dump_json(value):
    """Encode a JSON member (standard JSON: no NaN, sorted keys)."""
    return json.dumps(value, allow_nan=False, sort_keys=True, indent=1).encode("utf-8")


def npy_bytes(array):
    """An ``.npy`` member: a dtype of ``ARRAY_KINDS`` or unicode, never pickled."""
    array = np.asarray(array)
    if array.dtype.kind not in ARRAY_KINDS + "U":
        raise TypeError(
            f"skmulti.save writes arrays of numbers, bools or strings only; got "
            f"dtype {array.dtype}."
        )
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write(path, members, versions):
    """Write ``members`` (name -> bytes) and their manifest to ``path``.

    The archive is built in memory, written to a temporary file next to
    ``path`` and renamed onto it, so a failure (a full disk) leaves no
    half-written file under ``path``, and an older file there stays whole.
    """
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": dict(versions),
        "members": {
            name: {"sha256": sha256(data), "size": len(data)}
            for name, data in members.items()
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in [(MANIFEST, dump_json(manifest)), *members.items()]:
            if not MEMBER_NAME.match(name):  # pragma: no cover - names are ours
                raise ValueError(f"Invalid member name {name!r}.")
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            # Arrays barely compress: store them, so that their ratio stays 1.
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".npy") else zipfile.ZIP_DEFLATED
            )
            zf.writestr(info, data)
    path = os.fspath(path)
    fd, partial = tempfile.mkstemp(
        prefix=".skmulti-", suffix=".partial", dir=os.path.dirname(path) or "."
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.replace(partial, path)  # atomic: the old file or the new one, never half
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise


# -- reading ------------------------------------------------------------------


def check_entries(zf, *, where="the file", names=MEMBER_NAME):
    """Check every entry of an open zip before any is decompressed.

    Names (``names`` pattern, or only "no ``..``, absolute or backslash"
    when None), directories, symbolic links, duplicates, encryption,
    compression method, per-member and total sizes and compression ratios.
    Returns the entries by name.
    """
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        refuse(f"{where} has {len(infos)} members, more than {MAX_MEMBERS}")
    found, total = {}, 0
    for info in infos:
        name = info.filename
        shown = ascii(name)
        bad_path = (
            name.startswith(("/", "\\"))
            or "\\" in name
            or ".." in name.split("/")
            or re.match(r"\A[A-Za-z]:", name)
            or "\x00" in name
        )
        if bad_path or (names is not None and not names.match(name)):
            refuse(
                f"{where} has a member named {shown}, which is not a name skmulti "
                "writes" + (" (it could point outside the archive)" if bad_path else "")
            )
        if info.is_dir() or name.endswith("/"):
            refuse(f"{where} has a directory entry {shown}; skmulti writes none")
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded
        if kind and kind != stat.S_IFREG:
            refuse(
                f"{where} has a member {shown} that is a symbolic link or special "
                "file, not a plain file"
            )
        if name in found:
            refuse(f"{where} has two members named {shown}")
        if info.flag_bits & 0x1:
            refuse(f"{where} has an encrypted member {shown}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            refuse(
                f"{where} has a member {shown} compressed with method "
                f"{info.compress_type}; skmulti writes stored or deflated members only"
            )
        limit = MAX_JSON_BYTES if name.endswith(".json") else MAX_MEMBER_BYTES
        if info.file_size > limit:
            refuse(
                f"{where} has a member {shown} of {info.file_size} bytes once "
                f"decompressed, more than the limit of {limit} bytes"
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            refuse(
                f"{where} has a member {shown} that decompresses "
                f"{info.file_size / max(info.compress_size, 1):.0f} times "
                f"({info.compress_size} to {info.file_size} bytes), more than the "
                f"limit of {MAX_RATIO} (a compression bomb)"
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            refuse(f"{where} decompresses to more than {MAX_TOTAL_BYTES} bytes in all")
        found[name] = info
    return found


def open_zip(source, *, where="the file"):
    """A ``zipfile.ZipFile`` on ``source`` (a path or bytes), or a refusal."""
    try:
        if isinstance(source, bytes):
            return zipfile.ZipFile(io.BytesIO(source))
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        refuse(
            f"{where} is not a zip archive, or it is truncated ({exc})",
            "Pass a file written by skmulti.save; a file that was cut short (an "
            "interrupted copy or download) must be copied again.",
        )
    except (OSError, EOFError, ValueError, struct.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        refuse(f"{where} could not be read as a zip archive ({exc})")


def read_member(zf, info):
    """Decompress one member, never more than its declared size."""
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        refuse(f"the member {info.filename!r} is damaged or truncated ({exc})")
    if len(data) != info.file_size:
        refuse(
            f"the member {info.filename!r} decompresses to {len(data)} bytes but "
            f"declares {info.file_size}"
        )
    return data


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        refuse(f"a JSON member has the key {dup!r} twice")
    return dict(pairs)


def _no_constant(name):
    refuse(f"a JSON member holds {name}, which standard JSON has no word for")


def parse_json(data, name):
    """Parse a JSON member strictly (UTF-8, no duplicate keys, no NaN tokens)."""
    try:
        return json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constant,
        )
    except UntrustedFileError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        refuse(f"the member {name!r} is not valid JSON ({type(exc).__name__}: {exc})")


class Archive:
    """A checked ``skmulti.save`` file: its manifest and its verified members.

    Opening it checks the entries (names, links, duplicates, sizes, ratios),
    the manifest (format, version, exactly the members present) and the
    SHA-256 and size of every member. Members are then read with
    :meth:`json` and :meth:`array` (and :meth:`raw` for ``.skops``), each
    checked again for its kind.

    Parameters
    ----------
    path : str or path-like
    """

    def __init__(self, path):
        with open_zip(path) as zf:
            infos = check_entries(zf)
            if MANIFEST not in infos:
                refuse(
                    f"it has no {MANIFEST}, so it is not a skmulti.save file (or "
                    "the manifest was removed)"
                )
            manifest = parse_json(read_member(zf, infos[MANIFEST]), MANIFEST)
            listed = self._check_manifest(manifest)
            present = set(infos) - {MANIFEST}
            if present - set(listed):
                refuse(
                    f"it has members the manifest does not list: "
                    f"{sorted(present - set(listed))}"
                )
            if set(listed) - present:
                refuse(
                    f"members listed in the manifest are missing: "
                    f"{sorted(set(listed) - present)}"
                )
            self._members = {}
            for name, entry in listed.items():
                info = infos[name]
                if info.file_size != entry["size"]:
                    refuse(
                        f"the member {name!r} has {info.file_size} bytes but the "
                        f"manifest says {entry['size']}"
                    )
                data = read_member(zf, info)
                if sha256(data) != entry["sha256"]:
                    refuse(
                        f"the member {name!r} does not match its SHA-256 in the "
                        "manifest: it was changed after it was saved"
                    )
                self._members[name] = data
        self.versions = manifest["versions"]

    @staticmethod
    def _check_manifest(manifest):
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            refuse(f"its {MANIFEST} does not name the format {FORMAT!r}")
        version = manifest.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            refuse(f"its format version {version!r} is not a positive int")
        if version > FORMAT_VERSION:
            refuse(
                f"it has format version {version}, newer than the version "
                f"{FORMAT_VERSION} this skmulti reads",
                "Upgrade skmulti to the version that saved it (see the manifest's "
                "versions), or save the model again with this one.",
            )
        versions, members = manifest.get("versions"), manifest.get("members")
        if not isinstance(versions, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in versions.items()
        ):
            refuse(f"its {MANIFEST} has no valid 'versions' table")
        if not isinstance(members, dict):
            refuse(f"its {MANIFEST} has no valid 'members' table")
        for name, entry in members.items():
            ok = (
                isinstance(entry, dict)
                and set(entry) == {"sha256", "size"}
                and isinstance(entry["sha256"], str)
                and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
                and isinstance(entry["size"], int)
                and not isinstance(entry["size"], bool)
                and name != MANIFEST
            )
            if not ok:
                refuse(f"its {MANIFEST} has an invalid entry for {name!r}")
        return members

    def names(self):
        return list(self._members)

    def _get(self, name, suffix):
        if not isinstance(name, str) or not name.endswith(suffix):
            refuse(f"it refers to {name!r} where a {suffix} member is expected")
        if name not in self._members:
            refuse(f"it refers to a member {name!r} that it does not have")
        return self._members[name]

    def json(self, name):
        """A JSON member, parsed strictly."""
        return parse_json(self._get(name, ".json"), name)

    def raw(self, name, suffix=".skops"):
        """The verified bytes of a member."""
        return self._get(name, suffix)

    def array(self, name):
        """An ``.npy`` member, its header checked before its data is read.

        The dtype must be a plain number, bool or unicode string of
        ``ARRAY_KINDS`` (never an object: nothing is unpickled), and the data
        must have exactly the size that the shape and dtype declare.
        """
        data = self._get(name, ".npy")
        f = io.BytesIO(data)
        try:
            major, _ = np.lib.format.read_magic(f)
            read_header = {
                1: np.lib.format.read_array_header_1_0,
                2: np.lib.format.read_array_header_2_0,
            }.get(major)
            if read_header is None:
                raise ValueError(f"unknown .npy version {major}")
            shape, fortran, dtype = read_header(f)
        except (ValueError, TypeError, SyntaxError, EOFError) as exc:
            refuse(f"the array member {name!r} has an invalid .npy header ({exc})")
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            refuse(
                f"the array member {name!r} declares dtype {dtype}, which holds "
                "Python objects or records (pickled data); skmulti writes plain "
                "numbers and strings only"
            )
        if dtype.kind not in ARRAY_KINDS + "U" or (
            dtype.kind == "U" and dtype.itemsize > MAX_STR_ITEMSIZE
        ):
            refuse(f"the array member {name!r} declares an unsupported dtype {dtype}")
        count = 1
        for n in shape:
            count *= int(n)
        expected = count * dtype.itemsize
        if expected != len(data) - f.tell():
            refuse(
                f"the array member {name!r} declares shape {tuple(shape)} of {dtype} "
                f"({expected} bytes), but holds {len(data) - f.tell()} bytes of data"
            )
        array = np.frombuffer(data, dtype=dtype, count=count, offset=f.tell())
        array = array.reshape(shape, order="F" if fortran else "C")
        return np.array(array, copy=True)  # writable, and owns its memory
