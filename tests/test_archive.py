"""The crafted-file corpus: tampered and malicious ``skmulti.save`` files.

Every file is built here, in ``tmp_path``, from a real saved file. Each must be
refused by ``skmulti.load`` with ``UntrustedFileError`` (a ``ValueError``) and a
message naming the problem, and the payload must not have run: a module
written into ``tmp_path`` would create a marker file on import, and a pickled
object would create it when unpickled.
"""

import hashlib
import io
import json
import pickle
import stat
import struct
import sys
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, make_xy
from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning

import skmulti
from skmulti import _archive
from skmulti.exceptions import (
    InconsistentVersionWarning,
    UntrustedFileError,
    UntrustedTypesError,
)

EVIL = "skmulti_evil_payload"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real file: a fitted estimator, saved."""
    X, y = make_xy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = skmulti.RegressorClassifier(**TINY).fit(X, y)
    path = tmp_path_factory.mktemp("saved") / "model.skmulti"
    skmulti.save(est, path)
    return path


@pytest.fixture
def marker(tmp_path, monkeypatch):
    """The marker file, and a module on sys.path that creates it when imported."""
    marker = tmp_path / "marker"
    (tmp_path / f"{EVIL}.py").write_text(
        textwrap.dedent(f"""
        open({str(marker)!r}, "w").write("code ran")

        def build(**kwargs):
            open({str(marker)!r}, "w").write("code ran")

        from sklearn.base import BaseEstimator, TransformerMixin

        class Evil(TransformerMixin, BaseEstimator):
            def fit(self, X, y=None):
                return self

            def transform(self, X):
                return X
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(EVIL, None)
    yield marker
    assert not marker.exists(), "the payload ran"
    assert EVIL not in sys.modules, "the payload's module was imported"


def _touch(path):
    Path(path).write_text("unpickled")


class _Payload:
    """Creates the marker when unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (_touch, (self.path,))


def members_of(path):
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def fix_hashes(members):
    """Recompute the manifest's hash and size of every member it lists."""
    manifest = json.loads(members[_archive.MANIFEST])
    for name, entry in manifest["members"].items():
        if name in members:
            entry.update(
                sha256=hashlib.sha256(members[name]).hexdigest(),
                size=len(members[name]),
            )
    members[_archive.MANIFEST] = json.dumps(manifest).encode()
    return members


def write_zip(path, members, *, infos=None):
    """Write members (name -> bytes) as a zip; ``infos`` overrides ZipInfo fields."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items() if isinstance(members, dict) else members:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                for key, value in (infos or {}).get(name, {}).items():
                    setattr(info, key, value)
                zf.writestr(info, data)
    return path


def edit_object(members, edit):
    doc = json.loads(members["object.json"])
    edit(doc)
    members["object.json"] = json.dumps(doc).encode()
    return members


def first_weight(doc):
    return doc["estimator"]["state"]["_network"]["state"]["weights"][0]


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def refused(path, match, **kwargs):
    start = time.perf_counter()
    with pytest.raises(UntrustedFileError, match=match) as info:
        skmulti.load(path, **kwargs)
    assert time.perf_counter() - start < 30
    assert isinstance(info.value, ValueError)
    return info.value


def test_the_real_file_loads(saved):
    # The corpus starts from a file that loads: every refusal below is the tamper's.
    X, _ = make_xy()
    assert skmulti.load(saved).predict_proba(X).shape == (60, 2)
    assert set(members_of(saved)) >= {"manifest.json", "object.json"}


# -- class names, code names, Keras configurations ------------------------------------


def test_keras_lambda_config_anywhere_is_refused(saved, tmp_path, marker):
    lam = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "evil",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": "4wEAAAAAAAAA", "defaults": None},
            },
        },
        "registered_name": None,
    }

    def edit(doc):
        recipe = doc["estimator"]["state"]["_network"]["state"]["recipe"]["state"]
        recipe["arch"]["extra_layer"] = lam

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    refused(path, "serialized Keras object.*'class_name'.*Lambda")


@pytest.mark.parametrize(
    "cls",
    [
        "keras.src.layers.core.lambda_layer.Lambda",
        f"{EVIL}.Evil",
        "builtins.eval",
    ],
)
def test_instance_of_a_class_outside_the_allowlist_is_refused(
    saved, tmp_path, marker, cls
):
    def edit(doc):
        doc["estimator"]["state"]["_target_encoder"]["class"] = cls

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    refused(path, f"instance of '{cls}', which is not one of the skmulti classes")


def test_untrusted_builder_name_is_refused_and_named(saved, tmp_path, marker):
    def edit(doc):
        doc["estimator"]["params"]["model"] = {
            "__skmulti__": "code",
            "module": EVIL,
            "qualname": "build",
        }
        doc["estimator"]["params"]["activation"] = {
            "__skmulti__": "code",
            "module": "os",
            "qualname": "system",
        }

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    err = refused(path, rf"not trusted: \['os.system', '{EVIL}.build'\].*trusted=")
    assert isinstance(err, UntrustedTypesError)
    assert err.names == ["os.system", f"{EVIL}.build"]
    # Trusting one name is not enough: nothing is imported until all are trusted.
    err = refused(path, "os.system", trusted=[f"{EVIL}.build"])
    assert err.names == ["os.system"]
    # The marker does catch a run: trusting both names imports the module.
    skmulti.load(path, trusted=["os.system", f"{EVIL}.build"])
    assert marker.exists()
    marker.unlink()
    sys.modules.pop(EVIL)


def test_untrusted_sklearn_type_in_a_pipeline_is_refused(tmp_path, marker):
    import importlib

    from sklearn.pipeline import make_pipeline

    X, y = make_xy()
    evil = importlib.import_module(EVIL)
    pipe = make_pipeline(evil.Evil(), skmulti.RegressorClassifier(**TINY))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, y)
    path = tmp_path / "p.skmulti"
    skmulti.save(pipe, path)
    marker.unlink()  # a real file of a real pipeline; now forget the module
    sys.modules.pop(EVIL)
    err = refused(path, rf"not trusted: \['{EVIL}.Evil'\]")
    assert err.names == [f"{EVIL}.Evil"]


def test_unknown_node_is_refused(saved, tmp_path, marker):
    def edit(doc):
        doc["estimator"]["state"]["n_iter_"] = {
            "__skmulti__": "reduce",
            "callable": f"{EVIL}.build",
        }

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    refused(path, "node skmulti does not write.*'reduce'")


def test_state_that_shadows_a_method_is_refused(saved, tmp_path, marker):
    def edit(doc):
        doc["estimator"]["state"]["predict"] = "not a method"

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    refused(path, r"attributes that are not fitted state: \['predict'\]")


# -- the zip container -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../evil.json",
        "/tmp/evil.json",
        "arrays\\000001.npy",
        "arrays/../object.json",
        "C:/evil.json",
    ],
)
def test_traversal_and_absolute_names_are_refused(saved, tmp_path, marker, name):
    members = members_of(saved)
    members[name] = b"{}"
    path = write_zip(tmp_path / "f", members)
    assert name in zipfile.ZipFile(path).namelist()  # the crafted name is really there
    refused(path, "not a name skmulti writes")
    assert not (tmp_path.parent / "evil.json").exists()


def test_symlink_entry_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    members["arrays/000099.npy"] = b"/etc/passwd"
    link = {"external_attr": (stat.S_IFLNK | 0o777) << 16}
    path = write_zip(
        tmp_path / "f", fix_hashes(members), infos={"arrays/000099.npy": link}
    )
    refused(path, "symbolic link")


def test_directory_entry_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    members["arrays/"] = b""
    refused(write_zip(tmp_path / "f", members), "not a name skmulti writes|directory")


def test_duplicate_members_are_refused(saved, tmp_path, marker):
    members = list(members_of(saved).items())
    evil = edit_object(
        dict(members), lambda doc: doc["estimator"]["params"].update(epochs=999)
    )["object.json"]
    path = write_zip(tmp_path / "f", [*members, ("object.json", evil)])
    refused(path, "two members named 'object.json'")


def test_compression_bomb_is_refused_before_decompression(saved, tmp_path, marker):
    members = members_of(saved)
    members["arrays/000099.npy"] = bytes(200 * 1024**2)  # 200 MiB of zeros: ~200 KiB
    path = write_zip(tmp_path / "f", fix_hashes(members))
    assert path.stat().st_size < 2 * 1024**2
    start = time.perf_counter()
    refused(path, "decompresses 10[0-9]{2} times.*compression bomb")
    assert time.perf_counter() - start < 5


def _patch_central_size(data, name, size):
    """Set the uncompressed size that the central directory declares for ``name``."""
    data = bytearray(data)
    start = data.rfind(b"PK\x05\x06")
    offset = struct.unpack("<I", data[start + 16 : start + 20])[0]
    while data[offset : offset + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[offset + 28 : offset + 34])
        if data[offset + 46 : offset + 46 + n].decode() == name:
            data[offset + 24 : offset + 28] = struct.pack("<I", size)
            return bytes(data)
        offset += 46 + n + m + k
    raise AssertionError(name)


def test_declared_size_over_the_limit_is_refused(saved, tmp_path, marker):
    data = (Path(saved)).read_bytes()
    path = tmp_path / "f"
    path.write_bytes(_patch_central_size(data, "arrays/000002.npy", 2**32 - 1))
    refused(path, "more than the limit of")


def test_huge_declared_array_shape_is_refused_before_reading(saved, tmp_path, marker):
    members = members_of(saved)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (10**12, 8)}
    )
    members["arrays/000002.npy"] = header.getvalue() + bytes(128)
    path = write_zip(tmp_path / "f", fix_hashes(members))
    refused(path, r"declares shape \(1000000000000, 8\).*holds 128 bytes")


def test_npy_with_pickled_objects_is_refused(saved, tmp_path, marker):
    payload = np.empty(1, dtype=object)
    payload[0] = _Payload(str(marker))
    members = members_of(saved)
    members["arrays/000002.npy"] = npy(payload, allow_pickle=True)
    assert (
        b"_Payload" in members["arrays/000002.npy"]
        or b"_touch" in members["arrays/000002.npy"]
    )
    path = write_zip(tmp_path / "f", fix_hashes(members))
    with pytest.MonkeyPatch.context() as mp:  # and pickle is never even called
        mp.setattr(pickle, "loads", _never)
        mp.setattr(pickle, "load", _never)
        refused(path, "declares dtype object, which holds Python objects")
    # The payload is real: unpickling the member creates the marker.
    np.load(io.BytesIO(members["arrays/000002.npy"]), allow_pickle=True)
    assert marker.exists()
    marker.unlink()


def _never(*args, **kwargs):
    raise AssertionError("pickle was called")


@pytest.mark.parametrize(
    "array,match",
    [
        (
            np.zeros((5, 8), np.float32),
            r"weight 0 .* shape \(4, 8\) and dtype float32 .* "
            r"\(5, 8\) float32 in the file",
        ),
        (np.zeros((4, 8), np.float64), r"weight 0 .* \(4, 8\) float64 in the file"),
    ],
)
def test_wrong_weight_shape_or_dtype_is_refused(saved, tmp_path, marker, array, match):
    members = members_of(saved)

    def edit(doc):
        node = first_weight(doc)
        node.update(dtype=array.dtype.str, shape=list(array.shape))
        members[node["member"]] = npy(array)

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members, edit)))
    refused(path, match)


def test_array_that_differs_from_its_description_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    doc = json.loads(members["object.json"])
    members[first_weight(doc)["member"]] = npy(np.zeros((2, 16), np.float32))
    path = write_zip(tmp_path / "f", fix_hashes(members))
    refused(path, r"holds \(2, 16\) float32, but the file describes it as \(4, 8\)")


def test_missing_member_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    del members["arrays/000002.npy"]
    refused(
        write_zip(tmp_path / "f", members),
        r"listed in the manifest are missing: \['arrays/000002.npy'\]",
    )


def test_extra_member_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    members["arrays/000099.npy"] = npy(np.zeros(3))
    refused(
        write_zip(tmp_path / "f", members),
        r"the manifest does not list: \['arrays/000099.npy'\]",
    )


def test_missing_manifest_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    del members["manifest.json"]
    refused(write_zip(tmp_path / "f", members), "no manifest.json")


def test_changed_weight_with_the_old_hash_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    data = bytearray(members["arrays/000002.npy"])
    data[-1] ^= 0x01
    members["arrays/000002.npy"] = bytes(data)
    refused(
        write_zip(tmp_path / "f", members),
        "'arrays/000002.npy' does not match its SHA-256",
    )


def test_format_version_from_the_future_is_refused(saved, tmp_path, marker):
    members = members_of(saved)
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = _archive.FORMAT_VERSION + 1
    members["manifest.json"] = json.dumps(manifest).encode()
    refused(
        write_zip(tmp_path / "f", members), "format version 2, newer.*Upgrade skmulti"
    )


def test_truncated_file_is_refused(saved, tmp_path, marker):
    path = tmp_path / "f"
    data = Path(saved).read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        path.write_bytes(data[:cut])
        refused(path, "not a zip archive, or it is truncated")


def test_damaged_member_data_is_refused(saved, tmp_path, marker):
    data = bytearray(Path(saved).read_bytes())
    start = data.find(b"PK\x03\x04", 10)  # the second member: object.json, deflated
    data[start + 80 : start + 90] = bytes(10)
    path = tmp_path / "f"
    path.write_bytes(bytes(data))
    refused(path, "damaged or truncated|SHA-256|decompresses to")


@pytest.mark.parametrize(
    "content",
    [
        b"not an archive at all",
        pickle.dumps({"a": 1}),
        b"\x89HDF\r\n\x1a\n" + bytes(100),
    ],
)
def test_file_that_is_not_an_archive_is_refused(tmp_path, marker, content):
    path = tmp_path / "f.skmulti"
    path.write_bytes(content)
    refused(path, "not a zip archive")


def test_keras_file_is_refused(tmp_path, marker):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    path = tmp_path / "model.keras"
    model.save(path)
    refused(path, "not a name skmulti writes|no manifest.json")


def test_duplicate_json_keys_are_refused(saved, tmp_path, marker):
    members = members_of(saved)
    text = members["object.json"].decode()
    members["object.json"] = text.replace(
        '"kind":', '"kind": "Pipeline", "kind":', 1
    ).encode()
    refused(write_zip(tmp_path / "f", fix_hashes(members)), "has the key 'kind' twice")


# -- versions ------------------------------------------------------------------------


def test_other_saving_versions_warn(saved, tmp_path):
    members = members_of(saved)
    manifest = json.loads(members["manifest.json"])
    manifest["versions"].update(keras="3.0.0", skmulti="0.0.1")
    members["manifest.json"] = json.dumps(manifest).encode()
    path = write_zip(tmp_path / "f", members)
    with pytest.warns(InconsistentVersionWarning, match=r"keras 3.0.0 \(now 3") as rec:
        est = skmulti.load(path)
    warning = rec[0].message
    assert warning.differences["keras"][0] == "3.0.0"
    assert warning.differences["skmulti"] == ("0.0.1", skmulti.__version__)
    assert isinstance(warning, SklearnVersionWarning)  # sklearn's filters apply
    X, _ = make_xy()
    assert np.array_equal(est.predict_proba(X), skmulti.load(saved).predict_proba(X))


def test_same_versions_do_not_warn(saved):
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        skmulti.load(saved)


def test_network_state_of_another_shape_is_refused(saved, tmp_path, marker):
    def edit(doc):
        del doc["estimator"]["state"]["_network"]["state"]["recipe"]

    path = write_zip(tmp_path / "f", fix_hashes(edit_object(members_of(saved), edit)))
    refused(path, "_FittedNetwork does not have the state this skmulti expects")


def test_failed_save_leaves_the_old_file_whole(saved, tmp_path, monkeypatch):
    path = tmp_path / "model.skmulti"
    path.write_bytes(Path(saved).read_bytes())

    monkeypatch.setattr(_archive.os, "fdopen", _full_disk_fdopen)
    with pytest.raises(OSError, match="No space left"):
        skmulti.save(skmulti.load(saved), path)
    assert path.read_bytes() == Path(saved).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skmulti"]


class _FullDisk(io.RawIOBase):
    def __init__(self, fd):
        import os

        os.close(fd)

    def write(self, data):
        raise OSError(28, "No space left on device")

    def writable(self):
        return True


def _full_disk_fdopen(fd, mode):
    return _FullDisk(fd)
