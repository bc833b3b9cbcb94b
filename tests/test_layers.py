"""The layers hold: the analysis, the saved format and the report import neither pytest,
psutil nor the measuring code, so that reading a saved run needs none of what measures one
(the map is in docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import parbench

PACKAGE = Path(parbench.__file__).parent
#: The layers that only read values: what they may not import.
PURE = ("analysis", "data", "report")
FORBIDDEN = (
    "pytest",
    "psutil",
    "parbench.measure",
    "parbench.strategies",
    "parbench.network",
    "parbench.latency",
)
#: The latency suite keeps its own reading side (its analysis, saved format, text and
#: charts) inside its sub-package, and the command line reads it from there: these edges
#: stay until that side moves into the layers. Those four modules are held to the rule
#: too, except that they may import their own sub-package (LATENCY_READERS).
ALLOWED = {
    ("parbench.report.cli", "parbench.latency.analysis"),
    ("parbench.report.cli", "parbench.latency.charts"),
    ("parbench.report.cli", "parbench.latency.render"),
    ("parbench.report.cli", "parbench.latency.saved"),
}
LATENCY_READERS = ("analysis", "charts", "render", "saved")
#: What every layer may import: the base of the errors a user reads (``ParbenchError``).
#: It imports nothing of parbench, so that importing it brings no layer with it.
BASE = ("errors",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module or package of parbench (not a name inside one)."""
    first, *rest = name.split(".")
    where = PACKAGE.joinpath(*rest)
    return first == "parbench" and (where.with_suffix(".py").is_file() or where.is_dir())


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth of its code (lazy imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from parbench.latency import render`` imports a module; ``from x import y``
            # where y is a name imports x.
            for alias in node.names:
                named = f"{node.module}.{alias.name}"
                found.append(named if _is_module(named) else node.module)
    return found


def _forbidden(module: str, name: str) -> bool:
    if module.startswith("parbench.latency.") and name.startswith("parbench.latency"):
        return False
    return any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN)


def _checked() -> list[Path]:
    paths = [p for layer in PURE for p in sorted((PACKAGE / layer).rglob("*.py"))]
    return paths + [PACKAGE / "latency" / f"{name}.py" for name in LATENCY_READERS]


def test_every_pure_layer_is_checked() -> None:
    for layer in PURE:
        assert list((PACKAGE / layer).glob("*.py")), f"no modules found in parbench.{layer}"
    for path in _checked():
        assert path.is_file(), path


def test_pure_layers_import_no_measuring_code() -> None:
    offending = [
        f"{_module_name(path)} imports {name}"
        for path in _checked()
        for name in _imports(path)
        if _forbidden(_module_name(path), name) and (_module_name(path), name) not in ALLOWED
    ]
    assert not offending, "\n".join(offending)


def test_the_base_imports_nothing_of_parbench() -> None:
    for name in BASE:
        path = PACKAGE / f"{name}.py"
        found = [i for i in _imports(path) if i == "parbench" or i.startswith("parbench.")]
        assert found == [], f"parbench.{name} imports {found}"


def test_every_allowed_edge_is_still_taken() -> None:
    taken = {(_module_name(path), name) for path in _checked() for name in _imports(path)}
    assert taken >= ALLOWED, f"no longer imported, drop from ALLOWED: {ALLOWED - taken}"


def test_the_architecture_map_names_every_module_of_the_layers() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    layers = ("contract", "measure", *PURE)
    missing = [
        f"{layer}/{path.name}"
        for layer in layers
        for path in sorted((PACKAGE / layer).glob("*.py"))
        if path.name != "__init__.py" and f"    {path.name} " not in text
    ]
    assert not missing, f"docs/architecture.md does not name: {missing}"


def test_the_analysis_imports_nothing_of_the_report() -> None:
    # The analysis returns values; every word, label and unit is the report's.
    edges = [
        f"{_module_name(path)} imports {name}"
        for path in sorted((PACKAGE / "analysis").rglob("*.py"))
        for name in _imports(path)
        if name == "parbench.report" or name.startswith("parbench.report.")
    ]
    assert edges == [], "\n".join(edges)


def _text_made(tree: ast.AST) -> list[int]:
    """The lines where ``tree`` makes text (an f-string, ``str.format``, ``%``) other than
    in a ``raise`` statement, whose message stays beside its check."""
    raised = {
        id(n) for node in ast.walk(tree) if isinstance(node, ast.Raise) for n in ast.walk(node)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if id(node) not in raised
        and (
            isinstance(node, ast.JoinedStr)
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
                and isinstance(node.func.value, ast.Constant)
                and isinstance(node.func.value.value, str)
            )
            or (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
            )
        )
    ]


def test_the_analysis_makes_no_text_but_its_errors_messages() -> None:
    # Sentences, labels and units are the report's; the analysis returns values.
    made = [
        f"{_module_name(path)}:{line}"
        for path in sorted((PACKAGE / "analysis").rglob("*.py"))
        for line in _text_made(ast.parse(path.read_text(), str(path)))
    ]
    assert made == [], "text made in the analysis: " + ", ".join(made)


def test_text_is_found_wherever_it_is_made() -> None:
    source = (
        "a = f'{x} y'\n"
        "b = '{} y'.format(x)\n"
        "c = '%s y' % x\n"
        "raise ValueError(f'{x} is no y')\n"
        "d = x + 1\n"
    )
    assert _text_made(ast.parse(source)) == [1, 2, 3]
