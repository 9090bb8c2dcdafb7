"""Dependencies point one way: the pure modules never import Flask."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = [
    "consult.rules",
    "consult.audit",
    "consult.config",
    "consult.security",
    "consult.pseudonyms",
    "consult.formats.tables",
    "consult.formats.polis",
    "consult.formats.decidim",
    "consult.formats.csvout",
    "nlp",
    "nlp.convergence",
    "nlp.opinion",
    "ethics_register",
]

SCRIPT = textwrap.dedent("""
    import importlib, sys, types

    class BlockFlask:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "flask" or name.startswith("flask_"):
                raise ImportError("blocked: " + name)

    sys.meta_path.insert(0, BlockFlask())
    # consult/__init__.py builds the Flask app, so stand in an empty package for it.
    package = types.ModuleType("consult")
    package.__path__ = ["consult"]
    sys.modules["consult"] = package
    for module in sys.argv[1:]:
        importlib.import_module(module)
""")


def test_pure_modules_import_without_flask():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *PURE_MODULES], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


def test_the_check_would_catch_a_flask_import():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "consult.views"], capture_output=True, text=True, cwd=ROOT
    )
    assert "blocked: flask" in result.stderr
