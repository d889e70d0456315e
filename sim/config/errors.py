"""One-line messages for a refused configuration, the same wherever it is composed.

Hydra's own messages span several lines and, for an unknown key, suggest
appending it with ``+`` (which would then be silently ignored). These helpers
turn every refusal into one line that names the key, the value and what is
allowed, with a did-you-mean where a close key or option exists.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Sequence

from .fields import ConfigError
from .schema import MIRRORS, SimConfig


def one_line(err: BaseException, overrides: Sequence[str] = ()) -> str:
    """A one-line message for ``err``, raised while composing ``overrides``."""
    text = str(err)
    if isinstance(err, ConfigError):
        return text
    values = dict(o.lstrip("+~").split("=", 1) for o in overrides if "=" in o)
    if m := re.search(r"Could not find '([^'/]+)/([^']+)'", text):
        group, option = m.groups()
        options = re.findall(r"^\t(\S+)$", text.split("Config search path")[0], flags=re.M)
        close = difflib.get_close_matches(option, options, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"invalid config: {group}={option}; allowed: one of {', '.join(options)}{hint}"
    if m := re.search(r"Could not override '([^']+)'", text):
        key = m.group(1)
        return f"invalid config: {key}={values.get(key, '')}; allowed: {known_keys_hint(key)}"
    if m := re.search(r"Error merging override (\S+?)=(.*)", text):
        key = m.group(1).lstrip("+~")
        allowed = _missing_item(key, err) or expected_type(key)
        return f"invalid config: {m.group(1)}={m.group(2)}; allowed: {allowed}"
    if m := re.search(r"Error parsing override '([^']*)'", text):
        return f"invalid override {m.group(1)!r}: expected key=value (e.g. policy.detector.threshold=5)"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def known_keys_hint(key: str) -> str:
    """What may stand where ``key`` does not exist: the keys of its parent branch, and the closest."""
    parts = key.split(".")
    cls: typing.Any = SimConfig
    for depth, part in enumerate(parts[:-1]):
        if part.isdigit():  # an index into a list of records: the record's keys follow
            continue
        kind = typing.get_type_hints(cls).get(part)
        if kind is None:
            return _choices(".".join(parts[:depth]), cls, part)
        if typing.get_origin(kind) is list:
            kind = typing.get_args(kind)[0]
        if not dataclasses.is_dataclass(kind):
            return f"a key of {'.'.join(parts[:depth + 1])}"
        cls = kind
    return _choices(".".join(parts[:-1]), cls, parts[-1])


def expected_type(key: str) -> str:
    """The kind of value ``key`` takes, in words (for a value of the wrong type)."""
    cls: typing.Any = SimConfig
    kind: typing.Any = None
    for part in key.split("."):
        if part.isdigit():
            continue
        if not dataclasses.is_dataclass(cls):
            return "a value of the key's type"
        kind = typing.get_type_hints(cls).get(part)
        cls = typing.get_args(kind)[0] if typing.get_origin(kind) is list else kind
    if dataclasses.is_dataclass(kind) and key in MIRRORS:  # a branch composed from another branch's group
        return f"a preset of the {MIRRORS[key]} group, chosen as {MIRRORS[key]}@{key}=<option>, or its keys ({key}.<key>=value)"
    words = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    plural = {int: "integers", float: "numbers", bool: "true/false values", str: "strings"}
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)
    if optional:
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if typing.get_origin(kind) is list and typing.get_args(kind)[0] in plural:
        text = f"a list of {plural[typing.get_args(kind)[0]]}, e.g. [0, 2]"
    else:
        text = words.get(kind, "a value of the key's type")
    return f"{text}, or null" if optional else text


def _missing_item(key: str, err: BaseException) -> str | None:
    """What to say when ``key`` goes through a list index past the list's end (OmegaConf then
    tries to build the item from nothing: "dict is not a subclass of SegmentSpec")."""
    cause = err.__cause__ or err.__context__
    parts = key.split(".")
    index = next((i for i, part in enumerate(parts) if part.isdigit()), None)
    if cause is None or index is None or "is not a subclass of" not in str(cause):
        return None
    items = ".".join(parts[:index])
    return f"an index of an existing item of {items} (an override sets an item's keys; it cannot add an item)"


def _choices(parent: str, cls: type, name: str) -> str:
    names = [f.name for f in dataclasses.fields(cls)]
    close = difflib.get_close_matches(name, names, n=1)
    prefix = f"{parent}." if parent else ""
    hint = f" (did you mean {prefix}{close[0]}?)" if close else ""
    return f"a key of {parent or 'the config'}: {', '.join(names)}{hint}"
