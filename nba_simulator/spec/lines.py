"""The spec's YAML read with PyYAML's safe loader, remembering where each mapping, key and list
was written (for errors naming the line) and bounding the document's size."""

from __future__ import annotations

import yaml

from ..errors import SpecError


class LineMap(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LineSeq(list):
    line: int = 0


#: bounds of a spec's YAML: nesting depth, alias uses (a "billion laughs" document expands
#: a few aliases into billions of nodes), and nodes in all
MAX_DEPTH = 50
MAX_ALIASES = 100
MAX_NODES = 200_000


class LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader with lines remembered and the document's size bounded."""

    _depth = 0
    _aliases = 0
    _nodes = 0

    def compose_node(self, parent, index):
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise SpecError(f"more than {MAX_ALIASES} YAML aliases (*name): not a spec", self.name, mark.line + 1)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise SpecError(f"more than {MAX_NODES} YAML nodes: not a spec", self.name, mark.line + 1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise SpecError(f"YAML nested more than {MAX_DEPTH} levels deep", self.name, mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def check_expansion(root, name: str) -> None:
    """Refuse a document whose aliases expand to more than :data:`MAX_NODES` nodes (a "billion
    laughs" document is small as text and as a graph, huge once walked)."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if isinstance(node, yaml.ScalarNode):
            total = 1
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(n) for n in node.value)
        else:
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_NODES:
            raise SpecError(
                f"YAML aliases expand to more than {MAX_NODES} nodes (a document made to explode, not a spec)",
                name,
                node.start_mark.line + 1,
            )
        sizes[key] = total
        return total

    size(root)


_KEY_TYPES = (str, int, float, bool, type(None))


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> LineMap:
    out = LineMap()
    out.line, out.key_lines = node.start_mark.line + 1, {}
    own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    try:
        loader.flatten_mapping(node)  # YAML merge keys (``<<: *defaults``), as PyYAML merges them
    except yaml.constructor.ConstructorError as exc:
        raise SpecError(
            f"YAML merge key '<<': {exc.problem}", loader.name, (exc.problem_mark or node.start_mark).line + 1
        ) from None
    merged = len(node.value) - own  # the first ``merged`` entries came from ``<<``
    inherited: set = set()
    for i, (key_node, value_node) in enumerate(node.value):
        if not isinstance(key_node, yaml.ScalarNode):
            raise SpecError(
                "a key must be a plain value, not a list or mapping (YAML '? ' key)",
                loader.name,
                key_node.start_mark.line + 1,
            )
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, _KEY_TYPES):
            raise SpecError(
                f"a key must be a plain value, got {type(key).__name__}", loader.name, key_node.start_mark.line + 1
            )
        if key in out and key not in inherited:
            raise SpecError(f"duplicate key {key!r}", loader.name, key_node.start_mark.line + 1)
        if i < merged:
            if key in out:  # the first of several merged mappings wins
                continue
            inherited.add(key)
        else:
            inherited.discard(key)  # a key written here overrides the merged one
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> LineSeq:
    out = LineSeq(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    return out


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
