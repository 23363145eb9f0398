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
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parent.parent


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


# ------------------------------------------------------------- a missing optional package

# chainrule is not on a package index yet: every message that names an extra also says how to
# install it from a checkout.


def block(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``import package`` (and of its submodules) fail for the rest of the test."""
    for name in [name for name in sys.modules if name.split(".")[0] == package]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def fresh_import(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Import ``module`` again (its import-time check runs again); restored afterwards."""
    monkeypatch.delitem(sys.modules, module, raising=False)
    importlib.import_module(module)


MISSING = {
    # (blocked package, extra): the call that needs it
    "autograd.viz": ("graphviz", "viz", lambda mp: fresh_import(mp, "autograd.viz")),
    "nn.draw_network": ("graphviz", "viz",
                        lambda mp: importlib.import_module("nn").draw_network(
                            importlib.import_module("nn").MLP(2, [1], seed=0))),
    "autograd.testing": ("hypothesis", "testing",
                         lambda mp: fresh_import(mp, "autograd.testing")),
    "to_sympy": ("sympy", "symbolic", lambda mp: autograd.to_sympy(autograd.Value(1.0, label="x"))),
    "Tape.vmap": ("numpy", "batched", lambda mp: fresh_import(mp, "autograd.batched")),
    "nn.to_torch": ("torch", "torch",
                    lambda mp: importlib.import_module("nn").to_torch(
                        importlib.import_module("nn").MLP(2, [1], seed=0))),
    "compare_with_torch": ("torch", "torch",
                           lambda mp: autograd.compare_with_torch(lambda x: x * x, [1.0])),
    "nn.data.load_digits": ("sklearn", "notebooks",
                            lambda mp: importlib.import_module("nn").data.load_digits()),
}


@pytest.mark.parametrize("needs", list(MISSING))
def test_a_missing_optional_package_names_its_extra_and_how_to_install_it_from_a_checkout(
    monkeypatch: pytest.MonkeyPatch, needs: str
) -> None:
    package, extra, call = MISSING[needs]
    block(monkeypatch, package)
    with pytest.raises(ImportError) as caught:
        call(monkeypatch)
    message = str(caught.value)
    assert f"pip install 'chainrule[{extra}]'" in message
    assert f"from a checkout: pip install -e '.[{extra}]'" in message
    assert type(caught.value) is ImportError  # ours, not a bare ModuleNotFoundError


def test_the_readme_says_how_to_install_each_extra_it_names_from_a_checkout() -> None:
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())  # lines joined
    named = re.findall(r"pip install '?chainrule\[(\w+)\]", text)
    assert named, "the README names no extra"
    for extra in named:
        assert f"pip install -e '.[{extra}]'" in text, f"the README never shows '.[{extra}]'"


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
