"""The package as a user installs it: a wheel and an sdist built from the checkout.

``make test`` installs chainrule in editable mode, which imports straight from the checkout and so
hides a package left out of the wheel (``autograd/gradcheck/`` once was: ``import autograd``
failed in every ``pip install .``). These tests build the distributions from a copy of the
checkout's git-tracked files, check that every tracked file of ``autograd/`` and ``nn/`` is in
them, install the wheel into a fresh virtual environment, and from a folder outside the checkout
use it as a new user would: import, train, write a graph page, check gradients.

Nothing is downloaded for the install: the engine has no dependencies (``--no-deps
--no-index``) and the graphviz Python package the page needs is copied from the environment the
tests run in (the ``dev`` extra installs it), file by file as its installed record lists them.
Building runs setuptools in pip's and build's isolated environments, as any user's build does.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd", "nn")


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``; its output, or a failure that shows what it printed."""
    finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              check=False)
    assert finished.returncode == 0, (
        f"{' '.join(command)} exited with {finished.returncode}\n"
        f"stdout:\n{finished.stdout}\nstderr:\n{finished.stderr}")
    return finished.stdout


def tracked_files() -> list[str]:
    """Every file git tracks in the checkout (as paths relative to it), that exists."""
    listed = run(["git", "ls-files", "-z"], cwd=ROOT).split("\0")
    return [name for name in listed if name and (ROOT / name).is_file()]


def package_files() -> list[str]:
    """The tracked files under autograd/ and nn/: what the wheel must hold."""
    return [name for name in tracked_files() if name.split("/")[0] in PACKAGES]


def clean_environment() -> dict[str, str]:
    """This process's environment without what would let a child import the checkout."""
    return {key: value for key, value in os.environ.items()
            if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"}}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel (built by pip from the source tree) and the sdist (built by build), from a copy
    of the tracked files, so no stale ``build/`` folder or untracked file can slip in."""
    tmp = tmp_path_factory.mktemp("dist")
    source = tmp / "source"
    for name in tracked_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp / "dist"
    environment = clean_environment()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist), str(source)],
        cwd=tmp, env=environment)
    run([sys.executable, "-m", "build", "--sdist", "--outdir", str(dist), str(source)],
        cwd=tmp, env=environment)
    (wheel,) = dist.glob("chainrule-*.whl")
    (sdist,) = dist.glob("chainrule-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist, "tmp": tmp}


def test_the_wheel_holds_every_tracked_file_of_the_packages(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
    expected = package_files()
    assert "autograd/gradcheck/__init__.py" in expected  # the subpackage once left out
    assert {"autograd/pages/page.html", "autograd/pages/page.js", "autograd/pages/page.css",
            "autograd/py.typed",
            "nn/py.typed"} <= set(expected)
    missing = sorted(set(expected) - names)
    assert not missing, f"tracked files missing from {built['wheel'].name}: {missing}"
    stray = sorted(name for name in names
                   if name.split("/")[0] not in PACKAGES and ".dist-info/" not in name)
    assert not stray, f"{built['wheel'].name} ships files outside the packages: {stray}"


def test_the_sdist_holds_every_tracked_file_of_the_packages_and_the_project(
    built: dict[str, Path],
) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        # chainrule-0.2.0/autograd/ops.py -> autograd/ops.py
        names = {member.name.partition("/")[2] for member in sdist.getmembers()}
    expected = {*package_files(), "pyproject.toml", "README.md", "LICENSE"}
    missing = sorted(expected - names)
    assert not missing, f"tracked files missing from {built['sdist'].name}: {missing}"


#: Run with the fresh environment's python, from a folder outside the checkout.
USER_SCRIPT = textwrap.dedent('''
    import importlib.resources
    import sys
    from pathlib import Path

    import autograd
    import autograd.gradcheck
    import autograd.viz
    import nn

    environment = Path(sys.prefix).resolve()
    # autograd.gradcheck, the attribute, is the function; the subpackage is in sys.modules
    for name in ("autograd", "autograd.gradcheck", "autograd.viz", "nn"):
        module = sys.modules[name]
        where = Path(module.__file__).resolve()
        assert environment in where.parents, f"{module.__name__} imported from {where}"
    for package in ("autograd", "nn"):
        assert importlib.resources.files(package).joinpath("py.typed").is_file(), package

    # training: a 2-4-1 tanh network on XOR, full-batch SGD; the loss must fall
    inputs, targets = nn.data.xor()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = autograd.sum([nn.losses.mse(model(x), 2 * t - 1) for x, t in zip(inputs, targets)])
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    assert losses[-1] < losses[0], losses

    # a graph page: one self-contained HTML file with the template, script and style inline
    x = autograd.Value(2.0, label="x")
    w = autograd.Value(-3.0, label="w")
    out = (w * x).tanh()
    out.label = "out"
    out.backward()
    page = autograd.viz.save_html(out, Path("neuron.html"), show_local_grads=True)
    text = page.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>"), text[:80]
    for asset in ("page.js", "page.css"):
        shipped = importlib.resources.files("autograd.pages").joinpath(asset).read_text("utf-8")
        assert shipped.strip() and shipped.strip() in text, f"{asset} is not inline in the page"

    # gradient checking
    report = autograd.gradcheck(lambda a, b: (a * b).tanh() + a**3, [0.3, -1.2], order=2)
    assert report.passed, str(report)
    print("ok", autograd.__version__)
''')


def copy_installed_distribution(name: str, site_packages: Path) -> None:
    """Install the distribution ``name`` into ``site_packages`` by copying its files from this
    environment, as its installed record lists them (pure-Python packages only)."""
    distribution = importlib.metadata.distribution(name)
    for file in distribution.files or []:
        origin = Path(str(distribution.locate_file(file)))
        if file.parts[0] == ".." or not origin.is_file():
            continue  # scripts in bin/ and files the record lists but the install removed
        target = site_packages / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)


def test_the_wheel_installed_in_a_fresh_environment_imports_trains_draws_and_checks(
    built: dict[str, Path],
) -> None:
    tmp = built["tmp"]
    environment_folder = tmp / "env"
    venv.EnvBuilder(with_pip=True, clear=True).create(environment_folder)
    python = environment_folder / "bin" / "python"
    clean = clean_environment()
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         str(built["wheel"])], cwd=tmp, env=clean)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(run([str(python), "-c", purelib], cwd=tmp, env=clean).strip())
    copy_installed_distribution("graphviz", site_packages)
    elsewhere = tmp / "user"
    elsewhere.mkdir()
    (elsewhere / "use_chainrule.py").write_text(USER_SCRIPT, encoding="utf-8")
    printed = run([str(python), "use_chainrule.py"], cwd=elsewhere, env=clean)
    assert printed.strip().startswith("ok ")
    assert (elsewhere / "neuron.html").is_file()
