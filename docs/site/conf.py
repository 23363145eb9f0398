"""Sphinx configuration of the course site (built by ``make site``: docs/site/build.py).

The sources Sphinx reads are generated into build/site-src by build.py (the guide from the README,
the API reference pages, copies of the notebooks); this file only says how to render them. The
site requests nothing from another host: MathJax is served from the site's own _static folder,
and myst-nb's ipywidgets scripts (from a CDN) are switched off.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import autograd

ROOT = Path(__file__).resolve().parents[2]

project = "chainrule"
author = "the chainrule authors"
copyright = "the chainrule authors, MIT license"  # noqa: A001 - Sphinx's setting name
release = version = autograd.__version__

extensions = [
    "myst_nb",  # Markdown pages and notebooks (it loads myst_parser itself)
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",  # the docstrings' Args/Returns/Raises sections
    "sphinx.ext.mathjax",
]

# Markdown: the README's and the notebooks' $...$ formulas, and anchors for in-page links.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Notebooks run during the build (they are committed without outputs); jupyter-cache keeps the
# results keyed by the code cells, so a rebuild re-runs only the notebooks that changed.
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "build" / "jupyter-cache")
nb_execution_timeout = 600  # per cell, seconds
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = True  # files a notebook writes land in a temporary folder
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no scripts from a CDN; widgets show as text

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"chainrule {release}"
SOURCE = ROOT / "build" / "site-src"  # build.py writes the sources there
html_static_path = [str(SOURCE / "_static")]  # MathJax
html_extra_path = [str(SOURCE / "_extra")]  # the browser pages and the playground, as they are
html_favicon = "favicon.png"  # relative to this folder; also the site's /favicon.ico (build.py)
html_copy_source = False
html_show_sourcelink = False
mathjax_path = "mathjax/tex-svg.js"  # relative to _static: the site's own copy from npm

exclude_patterns = ["_extra", "_static"]
suppress_warnings: list[str] = []


# The docstrings are written to be read in a terminal: |grad| is an absolute value, not a reST
# substitution. Escape such bars before docutils reads them.
_BARS = re.compile(r"(?<![\\`|])\|([^|\s`][^|`\n]*?)\|(?![|_`])")


def _escape_bars(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    lines[:] = [_BARS.sub(r"\\|\1\\|", line) for line in lines]


def setup(app: Any) -> None:
    app.connect("autodoc-process-docstring", _escape_bars)
