"""Seeing a graph: drawings (Graphviz), the step-through slider and the browser pages.

This layer sits above the engine and reaches down into it; the engine never imports it. It needs
the ``graphviz`` Python package (``pip install 'chainrule[viz]'``, from a checkout
``pip install -e '.[viz]'``), and the Graphviz ``dot`` program to render.

- :mod:`autograd.viz.drawing`: :func:`draw_graph` and :func:`save_graph`, the chain-rule view;
  :func:`set_renderer` renders SVG without the ``dot`` program (the playground uses viz-js).
- :mod:`autograd.viz.layout`: which nodes a large drawing collapses into summaries.
- :mod:`autograd.viz.stepping`: :func:`step_through`, one drawing per backward step.
- :mod:`autograd.viz.graph_page`: :func:`to_html`, :func:`save_html`, :func:`interactive`.
"""

from .drawing import DEFAULT_MAX_NODES as DEFAULT_MAX_NODES
from .drawing import DrawingOptions as DrawingOptions
from .drawing import Graph as Graph
from .drawing import GraphvizNotFoundError as GraphvizNotFoundError
from .drawing import SvgRenderer as SvgRenderer
from .drawing import draw_frame as draw_frame
from .drawing import draw_graph as draw_graph
from .drawing import escape_text as escape_text
from .drawing import local_derivatives as local_derivatives
from .drawing import renderer as renderer
from .drawing import save_graph as save_graph
from .drawing import set_renderer as set_renderer
from .graph_page import interactive as interactive
from .graph_page import save_html as save_html
from .graph_page import to_html as to_html
from .stepping import StepThrough as StepThrough
from .stepping import step_through as step_through

__all__ = [
    "DEFAULT_MAX_NODES",
    "DrawingOptions",
    "Graph",
    "GraphvizNotFoundError",
    "StepThrough",
    "SvgRenderer",
    "draw_frame",
    "draw_graph",
    "escape_text",
    "interactive",
    "local_derivatives",
    "renderer",
    "save_graph",
    "save_html",
    "set_renderer",
    "step_through",
    "to_html",
]
