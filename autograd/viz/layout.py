"""What a drawing of a large graph shows, and which summary nodes hide the rest.

A drawing with more than ``max_nodes`` nodes (a record per Value, an op node per interior Value)
is unreadable, so :func:`plan_layout` decides which Values stay visible and assigns every other
Value to a :class:`Summary` that says how many nodes it hides. It tries, each on top of the last,
until the drawing fits: groups by the dotted labels ``nn`` gives parameters (neurons, then
layers), fans (ops with many inputs) trimmed to as many inputs as fit, long chains shortened to
as many end nodes as fit, and last the nodes farthest from the root in one summary.

:mod:`autograd.viz` draws the plan; the browser page (:mod:`autograd.viz.graph_page`) uses the same
plan so that a collapsed graph still steps. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.naming import op_title
from ..core.value import Value

__all__ = ["Layout", "Summary", "plan_layout"]

FAN_MIN_KEEP = 4  # a fan keeps at least its first three inputs and its last one visible
CHAIN_MIN_LENGTH = 5  # shorter chains are never collapsed


@dataclass(eq=False)
class Summary:
    """One summary node of a collapsed drawing and the Values it hides.

    Attributes:
        title: what the summary says it is (``layers.0.neurons.3``, ``chain of 12 ops (...)``).
        kind: ``"group"`` (by label), ``"fan"``, ``"chain"`` or ``"more"`` (far from the root).
        members: the hidden Values, in topological order.
    """

    title: str
    kind: str  # "group", "fan", "chain" or "more"
    members: dict[Value, None] = field(default_factory=dict)  # an ordered set


class Layout:
    """Which Values are drawn, and which are hidden in which summary.

    Attributes:
        order: the graph's Values in topological order (leaves included).
        index: each Value's position in ``order`` (its drawn id is ``v<index>``).
        hidden: the summary of each hidden Value; a Value not in it is drawn.
        children: the consumers of each Value.
    """

    def __init__(self, order: list[Value]) -> None:
        self.order = order
        self.index = {node: position for position, node in enumerate(order)}
        self.hidden: dict[Value, Summary] = {}
        self.children: dict[Value, list[Value]] = {node: [] for node in order}
        for node in order:
            for parent in dict.fromkeys(node.parents):
                self.children[parent].append(node)

    def summaries(self) -> list[Summary]:
        """The summaries in use, in the topological order of their first member."""
        seen: dict[Summary, None] = {}
        for node in self.order:
            summary = self.hidden.get(node)
            if summary is not None:
                seen.setdefault(summary, None)
        return list(seen)

    def cost(self) -> int:
        """Drawn nodes: a record per visible Value, an op node per visible interior Value, and
        one node per summary."""
        visible = sum(1 if not node.parents else 2
                      for node in self.order if node not in self.hidden)
        return visible + len(self.summaries())

    def hide(self, nodes: list[Value], summary: Summary) -> None:
        """Move ``nodes`` into ``summary`` (out of any summary they were in)."""
        for node in nodes:
            previous = self.hidden.get(node)
            if previous is not None and previous is not summary:
                del previous.members[node]
            self.hidden[node] = summary
            summary.members[node] = None


def _group_key(label: str, level: int) -> str | None:
    """The module path of a dotted parameter label ``level`` steps up, or None.

    ``"layers.0.neurons.3.w.1"``: level 1 is ``"layers.0.neurons.3"`` (the neuron), level 2
    ``"layers.0"`` (the layer). ``"L1.N3.w2"``: ``"L1.N3"``, then ``"L1"``.
    """
    if "." not in label:
        return None
    parts = label.split(".")
    for _ in range(level):
        while parts and parts[-1].isdigit():
            parts.pop()
        if parts:
            parts.pop()
    return ".".join(parts) or None


def _group_by_labels(layout: Layout, level: int) -> bool:
    """Summarise parameters by module path at ``level``; False if no label has that level."""
    groups: dict[str, Summary] = {}
    group_of: dict[Value, Summary] = {}
    for node in layout.order:
        if node.parents or not node.label:
            continue
        key = _group_key(node.label, level)
        if key is None:
            continue
        summary = groups.get(key)
        if summary is None:
            summary = groups[key] = Summary(key, "group")
        group_of[node] = summary
    if not groups:
        return False
    # An op applied to parameters of one group (a neuron's affine) joins the group, and so does
    # a one-input op applied directly to it (the activation).
    joined_by_parameters: set[Value] = set()
    for node in layout.order:
        if not node.parents:
            continue
        owners = {group_of[parent] for parent in node.parents if not parent.parents
                  and parent in group_of}
        if len(owners) == 1:
            group_of[node] = owners.pop()
            joined_by_parameters.add(node)
        elif len(set(node.parents)) == 1 and node.parents[0] in joined_by_parameters:
            group_of[node] = group_of[node.parents[0]]
    for node in layout.order:
        summary = group_of.get(node)
        if summary is not None:
            layout.hide([node], summary)
    return True


def _collapse_fans(layout: Layout, root: Value, keep: int) -> None:
    """Hide the middle inputs of every op with more than ``keep`` visible inputs (keeping the
    first ``keep - 1`` and the last), and whatever only those inputs feed."""
    trimmed: dict[Value, list[Value]] = {}
    for node in layout.order:
        if not node.parents or node in layout.hidden:
            continue
        inputs = [parent for parent in dict.fromkeys(node.parents) if parent not in layout.hidden]
        if len(inputs) > keep + 1:
            trimmed[node] = inputs[keep - 1:len(inputs) - 1]
    if not trimmed:
        return
    cut = {(node, parent) for node, parents in trimmed.items() for parent in parents}
    reached = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent not in reached and (node, parent) not in cut:
                reached.add(parent)
                stack.append(parent)
    for node, parents in trimmed.items():
        summary = Summary(f"{len(parents)} more inputs of {op_title(node)}", "fan")
        stack = list(parents)
        while stack:
            member = stack.pop()
            if member in reached or member in layout.hidden:
                continue
            layout.hide([member], summary)
            stack.extend(member.parents)


def _chains(layout: Layout) -> list[list[Value]]:
    """Runs of visible interior Values in which each is the only interior input of the next,
    and the only visible consumer of the one before."""
    following: dict[Value, Value] = {}
    for node in layout.order:
        if not node.parents or node in layout.hidden:
            continue
        interior = [parent for parent in dict.fromkeys(node.parents) if parent.parents]
        if len(interior) != 1:
            continue
        (parent,) = interior
        if parent in layout.hidden:
            continue
        consumers = [child for child in layout.children[parent] if child not in layout.hidden]
        if consumers == [node]:
            following[parent] = node
    followers = set(following.values())
    starts = [node for node in layout.order if node in following and node not in followers]
    runs = []
    for start in starts:
        run = [start]
        while run[-1] in following:
            run.append(following[run[-1]])
        if len(run) >= CHAIN_MIN_LENGTH:
            runs.append(run)
    return runs


def _collapse_chains(layout: Layout, max_nodes: int) -> None:
    """Hide the middle of every long chain, keeping as many nodes at both ends as fit."""
    runs = _chains(layout)
    if not runs:
        return

    def private_leaves(nodes: list[Value]) -> list[Value]:
        inside = set(nodes)
        return [parent for node in nodes for parent in dict.fromkeys(node.parents)
                if not parent.parents and parent not in layout.hidden
                and all(child in inside for child in layout.children[parent])]

    # Cost with k kept at each end: the rest of the graph, plus for every run its kept ends,
    # their own leaves and one summary. Take the largest k that fits (at least 1).
    in_runs = {node for run in runs for node in run}
    hidden_leaves = set(private_leaves(list(in_runs)))
    base = layout.cost() - 2 * len(in_runs) - len(hidden_leaves)
    keep = 1
    for candidate in range(1, max_nodes):
        total = base
        for run in runs:
            kept = run[:candidate] + run[len(run) - candidate:] if 2 * candidate < len(run) \
                else run
            total += 2 * len(kept) + len(private_leaves(kept)) + (len(kept) < len(run))
        if total > max_nodes:
            break
        keep = candidate
    for run in runs:
        if 2 * keep + 1 > len(run):
            continue
        middle = run[keep:len(run) - keep]
        ops: dict[str, int] = {}
        for node in middle:
            ops[op_title(node)] = ops.get(op_title(node), 0) + 1
        listing = ", ".join(f"{name} ×{count}" for name, count in ops.items())
        summary = Summary(f"chain of {len(middle)} ops ({listing})", "chain")
        layout.hide(middle + private_leaves(middle), summary)


def _collapse_far(layout: Layout, max_nodes: int) -> None:
    """Keep the nodes nearest the root that fit in ``max_nodes - 1``; hide the rest in one."""
    used = 0
    kept_summaries: set[Summary] = set()
    rest: list[Value] = []
    full = False
    for node in reversed(layout.order):
        summary = layout.hidden.get(node)
        if full:
            if summary is None or summary not in kept_summaries:
                rest.append(node)
            continue
        if summary is not None:
            if summary in kept_summaries:
                continue
            cost = 1
        else:
            cost = 2 if node.parents else 1
        if used + cost > max_nodes - 1:
            full = True
            rest.append(node)
            continue
        used += cost
        if summary is not None:
            kept_summaries.add(summary)
    if rest:
        layout.hide(rest, Summary("", "more"))


def plan_layout(order: list[Value], max_nodes: int) -> Layout:
    """Decide what to draw: everything if it fits, else the first of these that fits, each
    step on top of the last: groups by dotted labels (neurons, then layers), fans trimmed to
    as many inputs as fit, chains shortened to as many end nodes as fit, and last the nodes
    farthest from the root in one summary.

    Args:
        order: the graph in topological order, leaves included, the root last.
        max_nodes: the most drawn nodes (records, op nodes and summaries) wanted.

    Returns:
        The :class:`Layout`.
    """
    layout = Layout(order)
    if layout.cost() <= max_nodes:
        return layout
    level, layout = _deepest_grouping(order, max_nodes)
    if layout.cost() <= max_nodes:
        return layout
    layout = _with_fans_trimmed(order, level, max_nodes)
    if layout.cost() > max_nodes:
        _collapse_chains(layout, max_nodes)
    if layout.cost() > max_nodes:
        _collapse_far(layout, max_nodes)
    return layout


def _grouped(order: list[Value], level: int) -> Layout:
    layout = Layout(order)
    if level:
        _group_by_labels(layout, level)
    return layout


def _deepest_grouping(order: list[Value], max_nodes: int) -> tuple[int, Layout]:
    """Group by labels one level up at a time until the drawing fits or no label has a level
    more; returns the level reached (0: no grouping) and its layout."""
    level, layout = 0, Layout(order)
    while True:
        trial = Layout(order)
        if not _group_by_labels(trial, level + 1):
            return level, layout
        level, layout = level + 1, trial
        if trial.cost() <= max_nodes:
            return level, trial


def _with_fans_trimmed(order: list[Value], level: int, max_nodes: int) -> Layout:
    """The grouping at ``level`` with fans trimmed: to the widest fan that still fits, or to
    the fewest inputs (``FAN_MIN_KEEP``) when none fits."""
    root = order[-1]

    def fans_kept(keep: int) -> Layout:
        fresh = _grouped(order, level)
        _collapse_fans(fresh, root, keep)
        return fresh

    layout = fans_kept(FAN_MIN_KEEP)
    if layout.cost() > max_nodes:
        return layout
    low, high = FAN_MIN_KEEP, max_nodes  # the widest fan that still fits: binary search
    while low < high:
        middle = (low + high + 1) // 2
        if fans_kept(middle).cost() <= max_nodes:
            low = middle
        else:
            high = middle - 1
    return fans_kept(low)
