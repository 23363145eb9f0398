"""Other ways to differentiate, built on the engine: the functional API (``grad``, ``jacobian``,
``hessian``), forward mode (``Dual``, ``jvp``, ``jacfwd``) and the symbolic view (sympy)."""
