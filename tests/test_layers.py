"""The layers of the code: top-level packages import only downward, and none import each other.

Layers, lowest first; a package may import only packages of a lower layer (docs/architecture.md):

    scoring, chat   pure rules; channel-neutral content (neither imports anything of the project)
    storage         the ledger (uses scoring's vocabulary and figures' input type)
    workflow        services over the ledger (button presses and capabilities from chat)
    delivery        the outbox drained through channel adapters (the protocol is chat's)
    channels        the adapters: channels/telegram (PTB's bot, transport, limiter, rendering, and
                    its handlers: the Telegram glue)
    bot             the composition root: settings, wiring, CLI, runner, jobs, scheduler, documents;
                    it reaches Telegram only through channels/telegram and never imports PTB
    sandbox         the bot wired to a local Telegram emulator and a demo centre

Every import counts, at the top of a module or inside a function, under TYPE_CHECKING or not: a
deferred import is still a dependency. Tests and benchmarks stand outside and import anything.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("scoring", "chat"),
    ("storage",),
    ("workflow",),
    ("delivery",),
    ("channels",),
    ("bot",),
    ("sandbox",),
    ("baosong",),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}

#: Imports that still point up, as (importing package, imported module). They are listed so the
#: next steps of ../shared/spec/CHANNELS.md (point 7) remove them; a new one fails this test, and
#: so does one that is gone (delete it here).
KNOWN_UPWARD: frozenset[tuple[str, str]] = frozenset()

#: Top-level packages that import each other (through the upward imports above), each as the
#: packages of one cycle in import order from its lowest-sorting package.
KNOWN_CYCLES: frozenset[tuple[str, ...]] = frozenset()


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to a module of the project."""

    source: Path
    line: int
    importer: str  # the importing module, dotted
    module: str  # the imported module, dotted

    @property
    def edge(self) -> tuple[str, str]:
        """(importing top-level package, imported top-level package)."""
        return self.importer.split(".")[0], self.module.split(".")[0]

    def __str__(self) -> str:
        """Where it is and what it imports, for failure messages."""
        return f"{self.source.relative_to(REPO)}:{self.line} imports {self.module}"


def _is_module(dotted: str) -> bool:
    """Whether a dotted name is a module or package of the repository."""
    path = REPO.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_of(path: Path) -> str:
    """The dotted module name of a file in the repository."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(packages: tuple[str, ...] = tuple(RANK), *, within: bool = False) -> Iterator[Import]:
    """Every import of another top-level package of the project (and, `within`, of the same
    package) made in the given packages."""
    for package in packages:
        for source in sorted((REPO / package).rglob("*.py")):
            importer = _module_of(source)
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [
                        f"{node.module}.{alias.name}"
                        if _is_module(f"{node.module}.{alias.name}")
                        else node.module
                        for alias in node.names
                    ]
                else:
                    continue  # relative imports stay inside their package
                for module in targets:
                    found = Import(source, node.lineno, importer, module)
                    if found.edge[1] in RANK and (within or found.edge[1] != found.edge[0]):
                        yield found


def cycles(edges: set[tuple[str, str]]) -> set[tuple[str, ...]]:
    """The elementary cycles of a small directed graph, each from its lowest-sorting node."""
    found: set[tuple[str, ...]] = set()

    def walk(path: tuple[str, ...]) -> None:
        """Extends a path from its first node, which is the lowest of the cycle."""
        for source, target in edges:
            if source != path[-1]:
                continue
            if target == path[0]:
                found.add(path)
            elif target > path[0] and target not in path:
                walk((*path, target))

    for start in sorted({node for edge in edges for node in edge}):
        walk((start,))
    return found


def test_every_top_level_package_has_a_layer() -> None:
    """A new package must be placed in the layers before its imports can be checked."""
    packages = {path.parent.name for path in REPO.glob("*/__init__.py")}
    unplaced = packages - set(RANK) - {"tests", "benchmarks"}
    assert not unplaced, f"place these packages in LAYERS: {sorted(unplaced)}"
    assert set(RANK) <= packages, f"LAYERS names packages that are gone: {set(RANK) - packages}"


def test_imports_point_down() -> None:
    """No package imports one of its own or a higher layer, beyond the known exceptions."""
    upward = [found for found in imports() if RANK[found.edge[1]] >= RANK[found.edge[0]]]
    new = [str(found) for found in upward if (found.edge[0], found.module) not in KNOWN_UPWARD]
    assert not new, "imports that point up or sideways:\n" + "\n".join(new)
    gone = KNOWN_UPWARD - {(found.edge[0], found.module) for found in upward}
    assert not gone, f"these upward imports are gone; delete them from KNOWN_UPWARD: {gone}"


def test_cycles_between_packages_are_the_known_ones() -> None:
    """Top-level packages import each other only where listed, and each listed cycle exists."""
    found = cycles({found.edge for found in imports()})
    assert found - KNOWN_CYCLES == set(), f"new import cycles: {found - KNOWN_CYCLES}"
    assert KNOWN_CYCLES - found == set(), f"cycles gone; delete them: {KNOWN_CYCLES - found}"


def test_settings_and_documents_stand_on_their_own() -> None:
    """bot.settings imports nothing else of bot (everything reads it, it reads none of them);
    bot.documents takes from bot only the catalogue and the report's deduction names."""
    allowed = {
        "bot.settings": ("bot.settings",),
        "bot.documents": ("bot.documents", "bot.report"),
    }
    wrong = [
        str(found)
        for found in imports(("bot",), within=True)
        for prefix, may in allowed.items()
        if (found.importer == prefix or found.importer.startswith(f"{prefix}."))
        and found.edge[1] == "bot"
        and not any(found.module == m or found.module.startswith(f"{m}.") for m in may)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_cycle_finder_finds_cycles() -> None:
    """The finder reports each elementary cycle once, from its lowest node, and no acyclic path."""
    edges = {("a", "b"), ("b", "a"), ("b", "c"), ("c", "d"), ("d", "b"), ("a", "e")}
    assert cycles(edges) == {("a", "b"), ("b", "c", "d")}
    assert cycles({("a", "b"), ("b", "c")}) == set()


#: Where python-telegram-bot may be imported: the Telegram adapter, its emulator, and the tests
#: and benchmarks that drive a bot through it.
MAY_IMPORT_TELEGRAM = ("channels/telegram/", "sandbox/telegram/", "tests/", "benchmarks/")
TELEGRAM_IMPORT = re.compile(r"^\s*(from|import) telegram\b", re.MULTILINE)


def telegram_importers() -> list[str]:
    """Every module of the repository outside MAY_IMPORT_TELEGRAM that imports `telegram`, at its
    top or inside a function (`^(from|import) telegram`, indented too)."""
    found = []
    for source in sorted(REPO.rglob("*.py")):
        relative = source.relative_to(REPO).as_posix()
        if relative.startswith(".") or "/." in relative or relative.startswith(MAY_IMPORT_TELEGRAM):
            continue
        if TELEGRAM_IMPORT.search(source.read_text(encoding="utf-8")):
            found.append(relative)
    return found


def test_telegram_lives_only_in_its_adapter() -> None:
    """Only the Telegram adapter (and its emulator, tests and benchmarks) imports PTB: the chat
    layer, services, delivery and the composition root stand without Telegram."""
    assert telegram_importers() == []
    assert TELEGRAM_IMPORT.search("x = 1\n    from telegram.ext import Application\n")
    assert not TELEGRAM_IMPORT.search("from telegramish import x\nimport channels.telegram\n")
