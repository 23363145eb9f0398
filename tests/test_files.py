"""Atomic writes: whole files with a normal file's permissions, nothing left behind on failure."""

import os
import stat

import pytest

from autograd.files import write_atomically


def test_a_written_file_has_the_permissions_the_umask_allows(tmp_path):
    previous = os.umask(0o022)
    try:
        target = write_atomically(tmp_path / "model.json", b"{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() == b"{}"


def test_writing_replaces_an_existing_file_whole(tmp_path):
    target = tmp_path / "graph.dot"
    target.write_bytes(b"old contents, longer than the new ones")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.dot"]


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file(tmp_path):
    target = tmp_path / "model.json"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomically(target, "text is not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.json"]
