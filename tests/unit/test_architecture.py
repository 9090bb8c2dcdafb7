"""The shape of the house holds by itself: dependencies point one way, modules stay small.

docs/architecture.md draws the map these tests keep true.
"""

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = ("nlp", "ethics_register")  # plain libraries: no Flask, no database, no consult
NLP_PACKAGES = ("redaction", "themes", "opinion", "convergence")
# Where one nlp package really builds on another: (importer, imported).
NLP_BUILDS_ON = {("convergence", "opinion")}
MAX_LINES = 500

FLASK = ["flask", "flask_*", "werkzeug"]
DATABASE = ["sqlmodel", "sqlalchemy"]

SCRIPT = textwrap.dedent("""
    import importlib, json, sys, types

    blocked = json.loads(sys.argv[1])

    def is_blocked(name):
        top = name.split(".")[0]
        return any(top == b or (b.endswith("*") and top.startswith(b[:-1])) for b in blocked)

    class Block:
        def find_spec(self, name, path=None, target=None):
            if is_blocked(name):
                raise ImportError("blocked: " + name)

    sys.meta_path.insert(0, Block())
    if "consult" not in blocked:
        # consult/__init__.py builds the Flask app: stand in an empty package for it.
        package = types.ModuleType("consult")
        package.__path__ = ["consult"]
        sys.modules["consult"] = package
    for module in sys.argv[2:]:
        importlib.import_module(module)
""")


def import_with_blocked(modules: list[str], blocked: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(blocked), *modules],
        capture_output=True, text=True, cwd=ROOT,
    )


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """Every import of a file, at any depth (a function's lazy import counts), as (absolute
    module, names imported from it)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((module, [alias.name for alias in node.names]))
    return found


def library_modules() -> list[str]:
    return [module_name(p) for folder in LIBRARIES for p in python_files(folder)]


def test_every_library_module_imports_without_flask_consult_or_a_database():
    modules = library_modules()
    assert "nlp.themes.pipeline" in modules and "ethics_register" in modules
    result = import_with_blocked(modules, [*FLASK, "consult", *DATABASE])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", [p for folder in LIBRARIES for p in python_files(folder)],
                         ids=lambda p: module_name(p))
def test_no_library_module_imports_the_app_even_lazily(path):
    forbidden = ("flask", "werkzeug", "consult", "sqlmodel", "sqlalchemy")  # flask_* too
    for module, _names in imported_modules(path):
        assert not module.split(".")[0].startswith(forbidden), f"{module_name(path)}: {module}"


def test_the_pure_parts_of_the_app_import_without_flask_or_a_database():
    pure = ["consult.rules", "consult.access", "consult.events", "consult.config",
            "consult.passwords", "consult.security", "consult.pseudonyms", "consult.charts",
            "consult.typography", "consult.tally", "consult.proposal_path"]
    pure += [module_name(p) for p in python_files("consult/formats")]
    result = import_with_blocked(pure, [*FLASK, *DATABASE])
    assert result.returncode == 0, result.stderr


def test_the_check_would_catch_a_flask_import():
    result = import_with_blocked(["consult.views"], FLASK)
    assert "blocked: flask" in result.stderr
    result = import_with_blocked(["consult.models"], DATABASE)
    assert "blocked: sqlalchemy" in result.stderr


def test_nlp_packages_import_one_another_only_where_one_builds_on_another():
    for package in NLP_PACKAGES:
        for path in python_files(f"nlp/{package}"):
            for module, _names in imported_modules(path):
                parts = module.split(".")
                if parts[0] != "nlp" or len(parts) < 2 or parts[1] in (package, "markers"):
                    continue
                assert (package, parts[1]) in NLP_BUILDS_ON, f"{module_name(path)} -> {module}"


def test_the_app_imports_only_what_the_nlp_packages_export():
    import importlib

    for path in python_files("consult"):
        for module, names in imported_modules(path):
            if module.split(".")[0] != "nlp":
                continue
            assert module.count(".") == 1 and module.split(".")[1] in NLP_PACKAGES, (
                f"{module_name(path)} reaches into {module}: import from its package instead")
            exported = importlib.import_module(module).__all__
            for name in names:
                assert name in exported, f"{module_name(path)}: {module}.{name} is not exported"


def test_services_never_import_flask_and_views_never_query():
    for path in python_files("consult/services"):
        for module, _names in imported_modules(path):
            assert not module.startswith(("flask", "werkzeug")), f"{module_name(path)}: {module}"
    for path in python_files("consult/views"):
        for module, _names in imported_modules(path):
            assert not module.startswith(("sqlmodel", "sqlalchemy", "consult.models")), (
                f"{module_name(path)} imports {module}: assemble the page in a service")


def test_no_module_passes_500_lines():
    tracked = subprocess.run(["git", "ls-files", "*.py"], capture_output=True, text=True,
                             cwd=ROOT, check=True).stdout.split()
    assert tracked
    long = {}
    for name in tracked:
        if "/migrations/" in name:
            continue
        lines = (ROOT / name).read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            long[name] = lines
    assert long == {}, f"split these modules (over {MAX_LINES} lines): {long}"


def test_no_assertion_in_the_tests_is_true_whatever_happens():
    """`assert x or True` and `assert True` pass whatever the code does."""
    always = []
    for path in python_files("tests"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Assert):
                continue
            parts = node.test.values if isinstance(node.test, ast.BoolOp) and isinstance(
                node.test.op, ast.Or) else [node.test]
            if any(isinstance(p, ast.Constant) and p.value for p in parts):
                always.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert always == []
