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


def test_writing_through_a_symlink_replaces_the_file_it_names_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_a_relative_symlink_to_another_directory_writes_there_and_leaves_nothing_here(tmp_path):
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    (tmp_path / "there" / "model.json").write_bytes(b"old")
    (tmp_path / "here" / "model.json").symlink_to(os.path.join("..", "there", "model.json"))
    write_atomically(tmp_path / "here" / "model.json", b"new")
    assert (tmp_path / "there" / "model.json").read_bytes() == b"new"
    assert os.listdir(tmp_path / "here") == ["model.json"]
    assert os.listdir(tmp_path / "there") == ["model.json"]


def test_a_dangling_symlink_gets_the_file_it_names(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "missing.json")
    write_atomically(link, b"{}")
    assert link.is_symlink()
    assert (tmp_path / "missing.json").read_bytes() == b"{}"


def test_an_existing_private_file_stays_private(tmp_path):
    target = tmp_path / "model.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    previous = os.umask(0o022)
    try:
        write_atomically(target, b"new")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_private_file_behind_a_symlink_stays_private(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert link.is_symlink()
