"""The package's metadata as a user sees it: one version, the MIT license with its file, and
the PEP 561 marker that says the packages are typed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
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
