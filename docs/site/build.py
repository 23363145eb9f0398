"""Build the course site into site/ (``make site``: run from the repository root by .venv's Python).

The site is made of:

- the guide: the README's ``##`` sections, one page each (generated here from README.md, so the
  text lives in one place);
- the API reference: every public name of autograd and nn, by its public import path, with
  signatures and docstrings (Sphinx autodoc);
- the twelve notebooks, executed during the build (myst-nb; jupyter-cache keeps the results);
- the README's browser pages as live examples (``autograd.viz.save_html``,
  ``nn.save_network_html``), made here by the engine;
- the playground: docs/site/playground/*, the project's own wheel (and graphviz's, which
  ``autograd.viz`` needs), Pyodide and viz-js copied from node_modules (``npm ci``).

Sphinx reads generated sources from build/site-src (files are rewritten only when their text
changes, so rebuilds are incremental) and writes build/site-html with warnings as errors; site/ is
then a fresh copy of it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "docs" / "site"
SOURCE = ROOT / "build" / "site-src"
DOCTREES = ROOT / "build" / "site-doctrees"
HTML = ROOT / "build" / "site-html"  # Sphinx's output (myst-nb keeps files beside it, in build/)
OUT = ROOT / "site"
NODE = ROOT / "node_modules"

sys.path.insert(0, str(ROOT))  # the checkout's packages, as the tests see them

# Public modules of the API reference, in reading order.
API_MODULES = ["autograd", "autograd.viz", "autograd.gradcheck", "autograd.testing", "autograd.ops",
               "nn", "nn.optim", "nn.data", "nn.losses"]

# Files of the pyodide npm package the page loads (the rest: typings, consoles, source maps).
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json", "package.json"]


def write(path: Path, text: str | bytes) -> None:
    """Write ``path`` only when its content changes (Sphinx rebuilds pages by mtime)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def copy(source: Path, target: Path) -> None:
    write(target, source.read_bytes())


# --------------------------------------------------------------------------------------------
# The guide: README.md cut at its ## headings
# --------------------------------------------------------------------------------------------


def slug(title: str) -> str:
    """A heading's anchor as GitHub and MyST make it: lower case, punctuation dropped, spaces
    to hyphens."""
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def split_sections(readme: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """The README's title line and intro, and its ``##`` sections as (title, lines); headings
    inside code fences are text."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fenced = False
    for line in readme.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            intro.append(line)
    return "\n".join(intro), sections


def anchors(sections: list[tuple[str, list[str]]]) -> dict[str, str]:
    """Each README anchor (a section's or a subsection's) and where it lives in the guide."""
    places: dict[str, str] = {}
    for title, lines in sections:
        page = slug(title)
        places[page] = f"{page}.md"
        for line in lines:
            if line.startswith("### "):
                places[slug(line[4:])] = f"{page}.md#{slug(line[4:])}"
    return places


LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def rewrite_links(text: str, places: dict[str, str]) -> str:
    """README links made to work from guide/: pictures from docs/, notebooks to their pages,
    in-README anchors to the page holding them; links to other repository files become text."""

    def link(match: re.Match[str]) -> str:
        bang, words, target = match.groups()
        if re.match(r"[a-z]+:", target):
            return match.group(0)
        if target.startswith("#"):
            return f"[{words}]({places[target[1:]]})"
        if target.startswith("docs/"):
            return f"{bang}[{words}](../{target})"
        if target.startswith("notebooks/") and target.endswith(".ipynb"):
            return f"[{words}](../{target})"
        return f"{words} (`{target}` in the repository)"

    return LINK.sub(link, text)


def promote(lines: list[str]) -> list[str]:
    """Headings one level up (### -> ##), outside code fences: each section is its own page."""
    result, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        result.append(line[1:] if not fenced and line.startswith("###") else line)
    return result


def guide() -> list[Path]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intro, sections = split_sections(readme)
    places = anchors(sections)
    written = []
    for title, lines in sections:
        body = rewrite_links("\n".join(promote(lines)), places)
        path = SOURCE / "guide" / f"{slug(title)}.md"
        write(path, f"# {title}\n{body}\n")
        written.append(path)
    intro_body = rewrite_links(intro.split("\n", 1)[1], places)  # without the "# chainrule" line
    pages = "\n".join(slug(title) for title, _ in sections)
    index = (f"# The guide\n\nThe README, one section per page.\n{intro_body}\n\n"
             f"```{{toctree}}\n:maxdepth: 1\n\n{pages}\n```\n")
    write(SOURCE / "guide" / "index.md", index)
    for picture in sorted((ROOT / "docs").glob("*")):  # the README's and the notebooks' pictures
        if picture.suffix in (".svg", ".png"):
            copy(picture, SOURCE / "docs" / picture.name)
            written.append(SOURCE / "docs" / picture.name)
    return [*written, SOURCE / "guide" / "index.md"]


# --------------------------------------------------------------------------------------------
# The API reference: autodoc directives for every public name, by its public path
# --------------------------------------------------------------------------------------------


def public_names(name: str) -> list[str]:
    """A public module's names: its ``__all__``; without one, the classes and functions it
    defines (or a private submodule of it defines), not what it imports from elsewhere.
    Modules are left out (they have pages of their own)."""
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None)
    if names is not None:
        return [item for item in names
                if not isinstance(getattr(module, item), types.ModuleType)]
    found = []
    for item, value in vars(module).items():
        if item.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        home = value.__module__
        if home == name or home.startswith(name + "."):
            found.append(item)
    return found


def data_comment(module: str, item: str) -> str:
    """The ``#:`` comment above a constant (autodoc's convention), looked up in the public module
    and then in the private one that defines it; a constant has no docstring of its own."""
    from sphinx.pycode import ModuleAnalyzer

    home = importlib.import_module(module)
    for name in (module, *sorted(m for m in sys.modules if m.startswith(module + "."))):
        try:
            comments = ModuleAnalyzer.for_module(name).find_attr_docs()
        except Exception:  # a module without source (built-in, namespace): look further
            continue
        if ("", item) in comments and getattr(sys.modules[name], item, None) is getattr(home, item):
            return " ".join(line.strip() for line in comments[("", item)] if line.strip())
    return ""


def directive(module: str, item: str, seen: dict[int, str]) -> str:
    """The autodoc directive of one public name. An object already documented under an earlier
    public path (``autograd.GradcheckError`` before ``autograd.gradcheck.GradcheckError``) gets a
    line that points there instead of a second description."""
    value = getattr(importlib.import_module(module), item)
    role = "class" if inspect.isclass(value) else "func" if callable(value) else "data"
    if id(value) in seen:
        return f"``{module}.{item}`` is :py:{role}:`{seen[id(value)]}`.\n"
    seen[id(value)] = f"{module}.{item}"
    if role == "class":
        return f".. autoclass:: {module}.{item}\n   :members:\n   :show-inheritance:\n"
    if role == "func":
        return f".. autofunction:: {module}.{item}\n"
    text = data_comment(module, item) or f"A constant ({type(value).__name__})."
    return (f".. py:data:: {item}\n   :module: {module}\n   :type: {type(value).__name__}\n\n"
            f"   {text}\n")


def summary(module: str) -> str:
    """The first paragraph of the module's docstring (reST, as autodoc would show it)."""
    doc = inspect.getdoc(importlib.import_module(module)) or ""
    return doc.split("\n\n", 1)[0]


def api() -> list[Path]:
    written: list[Path] = []
    seen: dict[int, str] = {}
    for module in API_MODULES:
        names = public_names(module)
        body = "\n".join(directive(module, item, seen) for item in names)
        listing = ", ".join(f"``{item}``" for item in names)
        text = (f"# {module}\n\n```{{eval-rst}}\n.. module:: {module}\n   :no-index:\n\n"
                f"{summary(module)}\n\nPublic names: {listing}.\n\n{body}```\n")
        path = SOURCE / "api" / f"{module}.md"
        write(path, text)
        written.append(path)
    pages = "\n".join(API_MODULES)
    write(SOURCE / "api" / "index.md",
          "# API reference\n\nEvery public name of `autograd` and `nn`, by the path you import it "
          "from, with its signature and docstring.\n\n"
          f"```{{toctree}}\n:maxdepth: 1\n\n{pages}\n```\n")
    return [*written, SOURCE / "api" / "index.md"]


# --------------------------------------------------------------------------------------------
# Notebooks, browser pages, the playground, the root page
# --------------------------------------------------------------------------------------------


def notebooks() -> list[Path]:
    written = []
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        copy(notebook, SOURCE / "notebooks" / notebook.name)
        written.append(SOURCE / "notebooks" / notebook.name)
    write(SOURCE / "notebooks" / "index.md",
          "# The notebooks\n\nThe course, executed when the site was built (the repository "
          "keeps them without outputs; `make notebook` opens them in Jupyter).\n\n"
          "```{toctree}\n:maxdepth: 1\n:glob:\n\n[0-9]*\n```\n")
    return [*written, SOURCE / "notebooks" / "index.md"]


def browser_pages() -> list[Path]:
    """The README's two browser pages, made by the engine: the lecture neuron and HMKCODE's
    2-2-1 network (its published first step)."""
    import nn
    from autograd import Value
    from autograd.viz import save_html

    folder = SOURCE / "_extra" / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    save_html(o, folder / "neuron.html", show_local_grads=True,
              title="Karpathy's lecture neuron: o = tanh(x1 w1 + x2 w2 + b)")
    model = nn.MLP(2, [2, 1], activation="linear", bias=False)
    for weight, value in zip(model.parameters(), [0.11, 0.21, 0.12, 0.08, 0.14, 0.15],
                             strict=True):
        weight.data = value
    nn.save_network_html(model, folder / "hmkcode.html", [[2.0, 3.0]], [1.0],
                         loss=lambda output, target: 0.5 * (target - output) ** 2,
                         optimizer=nn.optim.SGD(model.parameters(), lr=0.05))
    return [folder / "neuron.html", folder / "hmkcode.html"]


def wheels(folder: Path) -> list[str]:
    """The project's wheel (built from the checkout) and graphviz's (pure Python; autograd.viz
    imports it), for Pyodide to unpack offline."""
    import graphviz

    with tempfile.TemporaryDirectory() as scratch:
        pip = [sys.executable, "-m", "pip", "-q"]
        subprocess.run([*pip, "wheel", "--no-deps", "-w", scratch, str(ROOT)], check=True)
        subprocess.run([*pip, "download", "--no-deps", "--only-binary=:all:", "-d", scratch,
                        f"graphviz=={graphviz.__version__}"], check=True)
        for old in folder.glob("*.whl"):
            old.unlink()
        names = []
        for wheel in sorted(Path(scratch).glob("*.whl")):
            copy(wheel, folder / wheel.name)
            names.append(wheel.name)
    return names


def playground() -> list[Path]:
    folder = SOURCE / "_extra" / "playground"
    written = []
    for source in sorted((HERE / "playground").iterdir()):
        copy(source, folder / source.name)
        written.append(folder / source.name)
    if not (NODE / "pyodide" / "pyodide.mjs").is_file():
        sys.exit("build-site: node_modules is missing: run `npm ci` first (make site does)")
    for name in PYODIDE_FILES:
        copy(NODE / "pyodide" / name, folder / "pyodide" / name)
        written.append(folder / "pyodide" / name)
    copy(NODE / "@viz-js" / "viz" / "dist" / "viz.js", folder / "viz.js")
    written.append(folder / "viz.js")
    names = wheels(folder / "wheels")
    written += [folder / "wheels" / name for name in names]
    pyodide_version = json.loads((NODE / "pyodide" / "package.json").read_text())["version"]
    write(folder / "build.json", json.dumps({"wheels": names, "pyodide": pyodide_version},
                                            indent=1) + "\n")
    return [*written, folder / "build.json"]


def mathjax() -> list[Path]:
    """MathJax's SVG build and the TeX extensions it loads on demand, from the site itself."""
    es5 = NODE / "mathjax" / "es5"
    target = SOURCE / "_static" / "mathjax"
    written = [target / "tex-svg.js"]
    copy(es5 / "tex-svg.js", written[0])
    for extension in sorted((es5 / "input" / "tex" / "extensions").glob("*.js")):
        path = target / "input" / "tex" / "extensions" / extension.name
        copy(extension, path)
        written.append(path)
    return written


def root_pages() -> list[Path]:
    written = [SOURCE / "_extra" / "favicon.ico"]  # for pages without an icon link (PNG inside)
    copy(HERE / "favicon.png", written[0])
    for name in ("index.md", "examples.md"):
        copy(HERE / name, SOURCE / name)
        written.append(SOURCE / name)
    return written


def prune(keep: set[Path]) -> None:
    """Remove generated sources that are no longer made (a renamed README section, say)."""
    for path in sorted(SOURCE.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def main() -> None:
    keep = {*guide(), *api(), *notebooks(), *browser_pages(), *playground(), *mathjax(),
            *root_pages()}
    prune(keep)
    from sphinx.cmd.build import build_main

    status = build_main(["-W", "--keep-going", "-q", "-b", "html", "-c", str(HERE),
                         "-d", str(DOCTREES), str(SOURCE), str(HTML)])
    if status:
        sys.exit(status)
    shutil.rmtree(OUT, ignore_errors=True)  # site/ is exactly this build, nothing stale
    shutil.copytree(HTML, OUT)
    print(f"site built: {OUT.relative_to(ROOT)}/index.html (make serve shows it)")


if __name__ == "__main__":
    main()
