"""The browser player: one self-contained HTML page (template, script, style) that steps through
a recorded pass. Standard library only; the graph page (``autograd.viz``) and nn's network page
fill it with their steps."""
