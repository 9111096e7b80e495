"""Assessment templates as YAML files: the two shipped in templates/ and any a centre adds.

Validated like config.yaml: every problem is one `key.path: message` line, here in Chinese,
since the people who write a centre's own checklist read Chinese.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from scoring.assessment import AssessmentTemplate

#: The templates shipped with the project (county: 第1篇, bureau: 第3篇).
SHIPPED_DIR: Final = Path(__file__).resolve().parents[1] / "templates"


class TemplateError(Exception):
    """A template file cannot be used; `problems` holds one line per problem."""

    def __init__(self, header: str, problems: list[str]) -> None:
        """Keep header and lines apart for callers, joined for people."""
        self.header = header
        self.problems = tuple(problems)
        super().__init__("\n".join([header, *(f"  {line}" for line in problems)]))


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice (YAML would silently keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Refuse duplicate keys, naming the first line."""
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            key = str(key_node.value)
            if key in first:
                raise yaml.constructor.ConstructorError(
                    None, None, f"键 {key} 重复(第 {first[key]} 行已写过)", key_node.start_mark
                )
            first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_BOUNDS: Final = {
    "greater_than_equal": ("≥", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("≤", "le"),
    "less_than": ("<", "lt"),
}


def _message(error: ErrorDetails) -> str:
    """A short Chinese message for one pydantic error."""
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return "必须填写"
    if kind == "extra_forbidden":
        return "未知的键(请检查拼写)"
    if kind in _BOUNDS:
        sign, name = _BOUNDS[kind]
        return f"须 {sign} {ctx[name]}"
    if kind == "decimal_max_places":
        return "至多一位小数"
    if kind in {"decimal_parsing", "decimal_type", "int_parsing", "int_type", "int_from_float"}:
        return "须为数字" if kind.startswith("decimal") else "须为整数"
    if kind in {"string_type"}:
        return "须为文字"
    if kind in {"string_too_short"}:
        return "不能为空"
    if kind == "string_too_long":
        return f"至多 {ctx.get('max_length')} 个字符"
    if kind == "too_short":
        return f"至少列出 {ctx.get('min_length', 1)} 项"
    if kind in {"tuple_type", "list_type"}:
        return "须为列表(每行一个 `- 项`)"
    if kind in {"model_type", "dict_type"}:
        return "须为键值映射"
    if kind in {"bool_type", "bool_parsing"}:
        return "须为 true 或 false"
    if kind == "enum":
        return f"须为以下之一:{ctx.get('expected', '')}"
    if kind in {"value_error", "assertion_error"}:
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _path(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a key path: `sections[2].checks[0].max_points`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(顶层)"


def parse_template(text: str, name: str) -> AssessmentTemplate:
    """A template from YAML text, or TemplateError naming the file and each problem."""
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "(顶层)"
        raise TemplateError(
            f"{name} 不是有效的 YAML:", [f"{where}:{exc.problem or exc.context}"]
        ) from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name} 不是有效的 YAML:", [str(exc)]) from None
    if not isinstance(data, dict):
        raise TemplateError(f"{name} 无效:", ["(顶层):须为 key:、sections: 等键的映射"])
    try:
        return AssessmentTemplate.model_validate(data)
    except ValidationError as exc:
        lines: list[str] = []
        for error in exc.errors(include_url=False):
            line = f"{_path(tuple(error['loc']))}: {_message(error)}"
            if line not in lines:
                lines.append(line)
        raise TemplateError(f"{name} 无效:", lines) from None


def load_template(file: Path) -> AssessmentTemplate:
    """Reads and validates one template file."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TemplateError(f"找不到考核模板文件:{file}", []) from None
    except UnicodeDecodeError as exc:
        raise TemplateError(
            f"{file} 不是 UTF-8 文本:", [f"第 {exc.start} 字节:请另存为 UTF-8(不是 GBK)"]
        ) from None
    return parse_template(text, str(file))


def load_templates(*directories: Path) -> dict[str, AssessmentTemplate]:
    """Every *.yaml template in the directories (shipped ones first); keys must not repeat."""
    found: dict[str, AssessmentTemplate] = {}
    where: dict[str, Path] = {}
    problems: list[str] = []
    for directory in directories or (SHIPPED_DIR,):
        for file in sorted(directory.glob("*.yaml")):
            template = load_template(file)
            if template.key in found:
                problems.append(f"{file}: 模板 key {template.key} 与 {where[template.key]} 重复")
                continue
            found[template.key] = template
            where[template.key] = file
    if problems:
        raise TemplateError("考核模板有冲突:", problems)
    return found
