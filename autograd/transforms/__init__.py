"""Other ways to differentiate, built on the engine: the functional API (``functional``: ``grad``,
``jacobian``, ``hessian``), forward mode (``forward``: ``Dual``; ``directional``: ``jvp``,
``jacfwd``) and the symbolic view (``symbolic``, sympy)."""
