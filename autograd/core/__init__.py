"""The engine: scalar reverse-mode automatic differentiation, in the standard library alone.

Read it in this order:

1. ``ops.py``: the op table. Every operation is one entry: its float forward, its derivative
   rule ``rule(grad, out, *inputs)`` (written once for floats and for Values, which is what makes
   second derivatives work), its domain and its kinks. The float forwards that check a domain
   live in ``forwards.py``, the longer numpy forms for the batched replay in ``arrays.py``.
2. ``textbook.py``: the backward pass as a textbook writes it, in about sixty lines: sort the
   graph depth-first, then walk it backwards applying each op's rule. Everything else must
   agree with it bit for bit (a property test holds them equal).
3. ``value.py``: ``Value``, the node that records each op into the graph, and how a node is
   recorded (one recording function per op, made from the table).
4. ``backprop.py``: the fast backward pass every path uses (``backward()``, the tape, explain,
   the pages): the same sort and sweep as the textbook, with its bookkeeping kept in the nodes'
   own ``grad`` slots, each speed-up explained where it is.

Then the helpers: ``sorting.py`` (the fast pass's depth-first sort, marks in the ``grad``
slots), ``ownership.py`` (which pass owns which nodes, so passes in two threads or
a pass inside a rule never clash), ``failures.py`` (what a failing rule says), ``modes.py``
(``no_grad``, ``detect_anomaly``), ``functions.py`` (``sum``, ``dot``, ``softmax`` and the other
n-ary functions), ``custom.py`` (``register_op``), ``engines.py`` and ``dispatch.py`` (how another
engine's scalars, such as forward mode's Duals or torch tensors, take an op), ``numbers.py`` (what
counts as a number) and ``naming.py`` (how a node, an op or a number is written in tables and
pictures).

Nothing here imports anything outside this folder or the standard library; the layers above
(``autograd.transforms``, ``autograd.replay``, ``autograd.viz``, ...) reach down into it.
"""
