"""The optional packages: a missing one is an ImportError naming the extra to install (from an
index and from a checkout), and each extra of pyproject.toml holds what the demo and the
notebooks need.

chainrule is not on a package index yet: every message that names an extra also says how to
install it from a checkout.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[2]


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


def block(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``import package`` (and of its submodules) fail for the rest of the test."""
    for name in [name for name in sys.modules if name.split(".")[0] == package]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def fresh_import(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """Import ``module`` (a package: with its submodules) again, so its import-time check runs
    again; restored afterwards."""
    for name in [name for name in sys.modules if name == module or name.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
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
    "Tape.vmap": ("numpy", "batched",
                  lambda mp: (mp.delitem(sys.modules, "autograd.replay.batched_nodes",
                                         raising=False),
                              fresh_import(mp, "autograd.replay.batched"))),
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


#: Distribution names of the import names that differ from them.
DISTRIBUTION_OF = {"sklearn": "scikit-learn"}


#: What the code uses through chainrule and the optional package each use needs.
NEEDED_THROUGH_CHAINRULE = {
    "graphviz": r"\.graph\(|autograd\.viz|draw_graph|draw_network|save_graph|save_html|"
                r"save_network_html|interactive\(|step_through",
    "ipywidgets": r"step_through",
    "tqdm": r"\bfit\(",
    "scikit-learn": r"load_digits",
    "hypothesis": r"autograd\.testing",
    "sympy": r"to_sympy|symbolic_grad",
    "torch": r"to_torch|from_torch|compare_with_torch",
    "numpy": r"\.vmap\(|compile=True",
}


def extra(name: str) -> set[str]:
    """The distributions an extra of pyproject.toml lists, by name."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        listed = tomllib.load(file)["project"]["optional-dependencies"][name]
    return {re.split(r"[<>=!~\[;\s]", requirement, maxsplit=1)[0].lower()
            for requirement in listed}


def imported_by(code: str) -> set[str]:
    """The top-level modules ``code`` imports (IPython's %magic and !shell lines skipped)."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    modules = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def needed_by(*codes: str) -> set[str]:
    """The optional distributions the code needs: its third-party imports and what it uses
    through chainrule."""
    needed = {DISTRIBUTION_OF.get(module, module)
              for code in codes for module in imported_by(code)
              if module not in sys.stdlib_module_names and module not in {"autograd", "nn"}}
    needed |= {name for name, pattern in NEEDED_THROUGH_CHAINRULE.items()
               if any(re.search(pattern, code) for code in codes)}
    return needed


def notebook_cells(path: Path) -> list[str]:
    """The source of each code cell of the notebook at ``path``."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def test_the_demo_extra_is_exactly_what_the_demo_needs() -> None:
    assert needed_by((ROOT / "demo.py").read_text(encoding="utf-8")) == extra("demo")


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")),
                         ids=lambda path: path.stem)
def test_the_notebooks_extra_holds_everything_a_notebook_needs(path: Path) -> None:
    missing = needed_by(*notebook_cells(path)) - extra("notebooks")
    assert not missing, f"{path.name} needs {sorted(missing)}, not in the notebooks extra"
    assert {"jupyter", "ipykernel"} <= extra("notebooks")
