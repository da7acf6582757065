"""YAML that cannot blow up: no aliases or anchors (no "billion laughs"), bounded nesting, dates that exist.

Front matter and `references.yaml` are read with `load_yaml`: every problem is an InputError at its line.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

from handout.core.errors import InputError

MAX_YAML_DEPTH = 20             # mappings and lists inside each other
MAX_REFERENCES_BYTES = 1_000_000  # references.yaml, checked before it is parsed


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases, anchors and deep nesting while it composes, and impossible
    dates while it constructs."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise ComposerError(None, None, "anchors (&name) and aliases (*name) are not allowed: write each value "
                                "out in full", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise ComposerError(None, None, f"values nested more than {MAX_YAML_DEPTH} deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError) as error:
            # An explicit tag on a value it does not fit (`!!int ""`, `!!binary x`, `!!float x`...).
            shown = f" '{node.value[:40]}'" if isinstance(node.value, str) else ""
            raise ConstructorError(None, None, f"the value{shown} cannot be read as {node.tag.rsplit(':', 1)[-1]} "
                                   f"({type(error).__name__})", node.start_mark) from None

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise ConstructorError(None, None, f"'{node.value}' is not a date that exists: check the "
                                   "month and day (YYYY-MM-DD)", node.start_mark) from None

    def construct_yaml_int(self, node):
        value = super().construct_yaml_int(node)
        if abs(value) > 10 ** 30:  # sexagesimal or long digit strings: fine for YAML, never a handout's value
            raise ConstructorError(None, None, f"the number '{node.value[:40]}' is too large", node.start_mark)
        return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def load_yaml(text: str, path: Path, first_line: int = 1, what: str = "invalid YAML"):
    """(data, root node) of a YAML document whose first line is line `first_line` of `path`; an InputError
    naming the line of the first problem otherwise."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if problem.startswith("but ") and getattr(error, "context", None):
            problem = f"{error.context}, {problem}"
        raise InputError(f"{what}: {problem}", path, mark.line + first_line if mark else first_line) from None
    except RecursionError:
        raise InputError(f"{what}: values nested too deeply", path, first_line) from None
    finally:
        loader.dispose()
    return data, node

