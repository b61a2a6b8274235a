"""Safe YAML loading that remembers where every value came from (file, line, key path).

Only plain YAML is accepted: no tags that construct objects, no anchors or aliases
(which could explode memory), bounded size and depth.  Errors are
:class:`SourceError` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .problems import line_at

MAX_BYTES = 1_000_000
MAX_DEPTH = 20
PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


class SourceError(ValueError):
    """A document that cannot be read as plain YAML; the message names file and line."""


@dataclass(frozen=True)
class Located:
    """A loaded document plus the line of every key path (tuple of keys/indexes)."""

    data: object
    lines: dict

    def line(self, path: tuple) -> int | None:
        return line_at(self.lines, path)


def load(text: str | bytes, filename: str) -> Located:
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise SourceError(f"{filename}: larger than {MAX_BYTES} bytes; not a profile")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"{filename}: not UTF-8 text (byte {exc.start}); a profile is a YAML text file"
            ) from None
    if len(text) > MAX_BYTES:
        raise SourceError(f"{filename}: larger than {MAX_BYTES} characters; not a profile")
    try:
        _screen(text, filename)
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark:
            where = f":{mark.line + 1}"
        elif isinstance(exc, yaml.reader.ReaderError):  # a character YAML forbids
            where = f":{text.count(chr(10), 0, exc.position) + 1}"
        else:
            where = ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(f"{filename}{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise SourceError(f"{filename}: nested too deeply (limit {MAX_DEPTH})") from None
    if len(nodes) != 1:
        raise SourceError(f"{filename}: expected one YAML document, found {len(nodes)}")
    lines: dict = {}
    data = _convert(nodes[0], (), lines, filename, 0)
    return Located(data, lines)


def _screen(text: str, filename: str) -> None:
    """Refuse anchors and aliases (no YAML bombs) and deep nesting before anything is
    built; stopping at the first deep event also keeps the parser fast (its cost grows
    with the square of the nesting)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise SourceError(
                f"{_where(filename, event)}: YAML anchors and aliases "
                "are not allowed in a profile; write the value out"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise SourceError(
                    f"{_where(filename, event)}: nested too deeply (limit {MAX_DEPTH})"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _where(filename: str, node) -> str:
    """``file:line`` of a YAML node or parser event."""
    return f"{filename}:{node.start_mark.line + 1}"


def _convert(node, path: tuple, lines: dict, filename: str, depth: int):
    if depth > MAX_DEPTH:
        raise SourceError(f"{_where(filename, node)}: nested too deeply (limit {MAX_DEPTH})")
    if node.tag == "tag:yaml.org,2002:timestamp":
        node.tag = "tag:yaml.org,2002:str"  # a date-like value is kept as written
    if node.tag not in PLAIN_TAGS:
        raise SourceError(
            f"{_where(filename, node)}: the YAML tag {node.tag!r} is not allowed; "
            "use plain strings, numbers, lists and mappings"
        )
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path, {}, filename, depth + 1)
            if not isinstance(key, (str, int, bool)) or key is None:
                raise SourceError(
                    f"{_where(filename, key_node)}: mapping keys must be plain scalars"
                )
            if key in result:
                raise SourceError(f"{_where(filename, key_node)}: key {key!r} appears twice")
            result[key] = _convert(value_node, path + (key,), lines, filename, depth + 1)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, path + (i,), lines, filename, depth + 1)
            for i, item in enumerate(node.value)
        ]
    constructor = yaml.SafeLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError, IndexError, KeyError):
        # e.g. "!!int" with no digits, "!!bool maybe", an integer of 5,000 digits
        shown = node.value if len(node.value) <= 40 else node.value[:40] + "..."
        kind = node.tag.rpartition(":")[2]
        raise SourceError(f"{_where(filename, node)}: cannot read {shown!r} as {kind}") from None
