"""What ``make`` says and runs.

The tests run ``make`` on the real Makefile with a scratch virtual-environment folder and
stand-ins for the programs it calls (``python``, ``id``), so nothing is installed.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def stand_in(folder: Path, name: str, script: str) -> Path:
    """An executable shell script ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def make(*arguments: str, path_first: Path | None = None) -> str:
    """Run ``make`` in the repository; its standard output (stderr joined)."""
    environment = dict(os.environ)
    if path_first is not None:
        environment["PATH"] = f"{path_first}{os.pathsep}{environment['PATH']}"
    finished = subprocess.run(["make", "--no-print-directory", *arguments], cwd=ROOT,
                              env=environment, capture_output=True, text=True, check=True)
    return finished.stdout + finished.stderr


def scratch_venv(tmp_path: Path) -> Path:
    """A scratch ``.venv`` whose python runs ``-c`` code with this interpreter and logs
    ``-m pip`` calls instead of installing."""
    venv = tmp_path / "venv"
    stand_in(venv / "bin", "python",
             f'if [ "$1" = "-m" ]; then echo "RAN $*"; exit 0; fi\nexec {sys.executable} "$@"\n')
    return venv


def test_make_says_what_an_extra_installs_before_pip_runs(tmp_path: Path) -> None:
    venv = scratch_venv(tmp_path)
    printed = make(f"VENV={venv}", f"{venv}/.installed-testing")
    announced = printed.index("Installing chainrule with its 'testing' extra")
    assert "hypothesis>=6.100" in printed[announced:printed.index("RAN -m pip install")]
    assert (venv / ".installed-testing").exists()


@pytest.mark.parametrize(("user_id", "allowed"), [("0", True), ("1000", False)],
                         ids=["root", "a user"])
def test_make_notebook_passes_allow_root_only_as_root(
    tmp_path: Path, user_id: str, allowed: bool
) -> None:
    venv = scratch_venv(tmp_path)
    (venv / ".installed-notebooks").touch()  # newer than pyproject.toml: nothing to install
    programs = tmp_path / "programs"
    stand_in(programs, "id", f"echo {user_id}\n")
    printed = make("-n", f"VENV={venv}", "notebook", path_first=programs)
    command = next(line for line in printed.splitlines() if "jupyter notebook" in line)
    assert ("--allow-root" in command) is allowed


def test_make_demo_installs_the_demo_extra_only(tmp_path: Path) -> None:
    venv = scratch_venv(tmp_path)
    printed = make("-n", f"VENV={venv}", "demo")
    installs = [line for line in printed.splitlines() if "pip install" in line and "-e" in line]
    assert installs == [f'{venv}/bin/python -m pip install -q -e ".[demo]"']
