"""Configuration problems for people: `ConfigError`, and pydantic's errors rewritten as one
`<key path>: <message>` line each (e.g. `units[3].monthly_quota: must be ≥ 0`).
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Final, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.settings.fields import PROBLEM_AT
from bot.settings.schema import Settings

#: Fields the loader sets (from the environment or itself), never suggested for the file.
_NOT_IN_FILE: Final = frozenset({"bot_token", "config_path", "secret", "token", "aes_key"})


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and each problem's key path."""

    def __init__(self, header: str, problems: Sequence[str] = ()) -> None:
        """Keep the header and problem lines apart for callers, and join them for humans."""
        self.header = header
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join([header, *(f"  {line}" for line in self.problems)]))


Loc = tuple[int | str, ...]


def _expected(ctx: Mapping[str, Any]) -> str:
    """The choices of an enum/literal error, as `a, b, c`."""
    raw = str(ctx.get("expected", ""))
    choices = re.findall(r"'([^']*)'", raw)
    return ", ".join(choices) if choices else raw


_NUMBER_TYPES: Final = frozenset(
    {"decimal_type", "decimal_parsing", "float_type", "float_parsing", "bool_not_number"}
)
_WHOLE_TYPES: Final = frozenset({"int_type", "int_parsing", "int_from_float", "int_parsing_size"})
_CONTAINER_TYPES: Final = frozenset({"list_type", "tuple_type", "set_type", "frozen_set_type"})
_MAPPING_TYPES: Final = frozenset({"dict_type", "model_type", "model_attributes_type"})


_NO_VALUE: Final = "has no value"


def _message(error: ErrorDetails) -> str:
    """A short human message for one pydantic error, instead of pydantic's own wording."""
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind in {"extra_forbidden", "invalid_key"}:
        return "unknown key (check spelling)"
    if error["input"] is None and kind.endswith("_type"):
        return _NO_VALUE
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, name = bounds[kind]
        return f"must be {sign} {ctx[name]}"
    if kind in {"enum", "literal_error"}:
        return f"must be one of {_expected(ctx)}"
    if kind in _WHOLE_TYPES:
        return "must be a whole number"
    if kind == "bool_not_number":
        return error["msg"]
    if kind in _NUMBER_TYPES:
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in {"bool_type", "bool_parsing"}:
        return "must be true or false"
    if kind == "string_type":
        return "must be text"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return "must list at least one item" if least == 1 else f"must list at least {least} items"
    if kind in _CONTAINER_TYPES:
        return "must be a list (one `- item` per line, or [] for none)"
    if kind in _MAPPING_TYPES:
        return "must be a mapping of keys to values"
    if kind.startswith("date"):
        return "must be a date like 2026-10-01"
    if kind == "path_type":
        return "must be a file path"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return error["msg"]


def _inner_type(annotation: Any) -> Any:
    """Strip Annotated[...] and `| None` to reach the type that holds keys or items."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _step(annotation: Any, part: int | str) -> tuple[Any, bool]:
    """The schema type one location step down, and whether the step indexes a list."""
    annotation = _inner_type(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return (None if field is None else field.annotation), False
    if origin in (tuple, list):
        return get_args(annotation)[0], True
    if origin is dict:
        return get_args(annotation)[1], False
    return None, isinstance(part, int)


def _key_path(loc: Loc) -> str:
    """Write a pydantic location as a key path: `units[3].monthly_quota`, `level_points.4`."""
    out = ""
    annotation: Any = Settings
    for part in loc:
        if part == "[key]":
            continue
        annotation, indexed = _step(annotation, part)
        if indexed:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class the schema expects at this location, if it is a mapping of known keys."""
    annotation: Any = Settings
    for part in loc:
        annotation, _ = _step(annotation, part)
    annotation = _inner_type(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _keys_at(loc: Loc) -> list[str]:
    """The keys the schema allows in the mapping at this location (for spelling suggestions)."""
    model = _model_at(loc)
    if model is None:
        return []
    return [name for name in model.model_fields if name not in _NOT_IN_FILE]


def _has_default(loc: Loc) -> bool:
    """Whether the key at this location may be left out (it has a default)."""
    if not loc or not isinstance(loc[-1], str):
        return False
    model = _model_at(loc[:-1])
    field = model.model_fields.get(loc[-1]) if model is not None else None
    return field is not None and not field.is_required()


def problem_lines(exc: ValidationError, overrides: Mapping[Loc, str]) -> list[str]:
    """One `<key path>: <message>` line per problem, a misspelt key merged with its suggestion."""
    errors = exc.errors(include_url=False)
    found: list[tuple[Loc, str]] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # pydantic counts only the valid items; the bad item is the real problem
        if error["type"] == PROBLEM_AT:
            loc += tuple(error.get("ctx", {}).get("at", ()))
            found.append((loc, error["msg"]))
        else:
            message = _message(error)
            if message == _NO_VALUE:
                message += (
                    " (give one, or delete the key to use the default)"
                    if _has_default(loc)
                    else " (give one)"
                )
            found.append((loc, message))
    missing = {loc for loc, message in found if message == "required"}
    merged: set[Loc] = set()
    lines: list[tuple[Loc, str]] = []
    for loc, message in found:
        if message.startswith("unknown key") and loc and isinstance(loc[-1], str):
            close = difflib.get_close_matches(loc[-1], _keys_at(loc[:-1]), n=1, cutoff=0.6)
            if close:
                message = f"unknown key (check spelling: did you mean {close[0]}?)"
                merged.add((*loc[:-1], close[0]))
        lines.append((loc, message))
    out: list[str] = []
    for loc, message in lines:
        if loc in merged and loc in missing and message == "required":
            continue
        for prefix, variable in overrides.items():
            if loc[: len(prefix)] == prefix:
                message += f" (value from {variable})"
        line = f"{_key_path(loc)}: {message}"
        if line not in out:
            out.append(line)
    return out
