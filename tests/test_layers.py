"""The structure shows the design: layers that import only downwards, and no import cycles.

    front        cli, cmd/, tui/, context, report, values     what the learner and the instructor use
    classroom    classroom/                                   grading a class's hand-ins, gradebook formats, autograder
    authoring    authoring/                                   pack check, lesson-block verification, scaffold, export
    progress     progress/                                    the learner's progress file
    trace        trace/                                       steps through a check's case in an emulator
    grader       grader/                                      builds, runs and judges a learner's file
    toolchain    toolchain, targets                           which rustc, for which architecture, can it grade
    pack         pack/                                        the course as data: model, loader, registry
    foundations  paths, atomic, errors, memo, settings, ...   no knowledge of courses or grading

For the layers every import counts, the lazy ones inside functions and the ones for type
checking too: a lazy import is still a dependency, only a later one. (The headless-core
test checks the other rule: nothing below the front imports Textual.)
"""

from __future__ import annotations

import ast
from fnmatch import fnmatchcase
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "src" / "asm_tutor"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundations", ("asm_tutor", "asm_tutor.errors", "asm_tutor.atomic", "asm_tutor.paths", "asm_tutor.stamp",
                     "asm_tutor.memo", "asm_tutor.kept", "asm_tutor.settings", "asm_tutor.learner_file",
                     "asm_tutor.toml_text", "asm_tutor.safe_text")),
    ("pack", ("asm_tutor.pack", "asm_tutor.pack.*")),
    ("toolchain", ("asm_tutor.toolchain", "asm_tutor.targets")),
    ("grader", ("asm_tutor.grader", "asm_tutor.grader.*")),
    ("trace", ("asm_tutor.trace", "asm_tutor.trace.*")),
    ("progress", ("asm_tutor.progress", "asm_tutor.progress.*")),
    ("authoring", ("asm_tutor.authoring", "asm_tutor.authoring.*")),
    ("classroom", ("asm_tutor.classroom", "asm_tutor.classroom.*")),
    ("front", ("asm_tutor.values", "asm_tutor.report", "asm_tutor.context", "asm_tutor.cli", "asm_tutor.__main__",
               "asm_tutor.cmd", "asm_tutor.cmd.*", "asm_tutor.tui", "asm_tutor.tui.*")),
]
MAX_LINES = 420  # "no module over ~400 lines"


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under `if TYPE_CHECKING:`: annotations only, never run."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            found |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return found


def imports(path: Path, known: dict[str, Path], *, annotations: bool = True) -> set[str]:
    """The modules of this package that `path` imports, anywhere in it (`annotations`: with the
    ones under `if TYPE_CHECKING:`)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if annotations else _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in known:
                found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names} & known.keys()
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names} & known.keys()
    return found


def layer_of(module: str) -> int:
    for index, (_name, patterns) in enumerate(LAYERS):
        if any(fnmatchcase(module, pattern) for pattern in patterns):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to the picture above)")


def graph(*, annotations: bool = True) -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known, annotations=annotations) - {name} for name, path in known.items()}


def test_every_import_points_down_or_sideways() -> None:
    upward = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
              for module, targets in graph().items() for target in sorted(targets)
              if layer_of(target) > layer_of(module)]
    assert not upward, "\n".join(upward)


def test_there_are_no_import_cycles() -> None:
    # Imports for type annotations only are left out here: a screen may name its app's class
    # (`app: TutorApp`, as Textual suggests) without the two depending on each other when run.
    edges = graph(annotations=False)
    # Tarjan's strongly connected components: any with two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert not cycles, "\n".join(" ↔ ".join(cycle) for cycle in cycles)


def test_no_module_is_over_about_400_lines() -> None:
    long = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
