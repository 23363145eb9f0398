"""What a new user meets first (issue 11): the version, the license, type hints, a missing test
dependency, and what ``make`` says and runs.

The Makefile tests run ``make`` on the real Makefile with a scratch virtual-environment folder
and stand-ins for the programs it calls (``python``, ``id``), so nothing is installed.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[2]


def test_the_version_has_one_source_shared_by_the_package_and_its_metadata() -> None:
    assert autograd.__version__ == "0.2.0"
    assert importlib.metadata.version("chainrule") == autograd.__version__


def test_the_installed_metadata_gives_the_license_as_an_spdx_expression_with_its_file() -> None:
    metadata = importlib.metadata.metadata("chainrule")
    assert metadata["License-Expression"] == "MIT"
    assert "LICENSE" in metadata.get_all("License-File")


def test_the_license_file_is_mit_for_the_chainrule_developers() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the chainrule developers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


@pytest.mark.parametrize("package", ["autograd", "nn"])
def test_each_package_is_marked_as_typed(package: str) -> None:
    # PEP 561: the empty marker file tells type checkers to read the package's own hints
    assert importlib.resources.files(package).joinpath("py.typed").is_file()


def test_autograd_testing_without_hypothesis_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "hypothesis"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis now fails
    monkeypatch.delitem(sys.modules, "autograd.testing", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[testing\]'") as caught:
        importlib.import_module("autograd.testing")
    assert type(caught.value) is ImportError  # not a bare ModuleNotFoundError from hypothesis


# ----------------------------------------------------------------------------------- make


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
