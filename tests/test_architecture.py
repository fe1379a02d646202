"""docs/architecture.md's import table is the law: every import between the package's layers is in it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "styleforge"
ANYONE = {"errors", "files", "registry", "specs"}
# the arrows the doc marks "(to go)": allowed only from these modules, until they are removed
TO_GO: dict[tuple[str, str], set[str]] = {}


def allowed_arrows() -> dict[str, set[str] | None]:
    """{layer: the layers it may import (None: any)} from the doc's table."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Layers and the allowed import arrows")[1].split("\n## ")[0]
    allowed = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("layer", "---"):
            continue
        targets = None if cells[2] == "everything" else set(re.findall(r"`(\w+)`", cells[2]))
        for layer in re.findall(r"`(\w+)`", cells[0]):
            allowed[layer] = targets
    return allowed


def imports() -> set[tuple[str, str, str]]:
    """(module, its layer, imported layer) for every import of another layer of the package."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        module, layer, package = ".".join(parts), parts[0], list(parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - (node.level - 1)]
                targets = [base + node.module.split(".")] if node.module else [base + [a.name] for a in node.names]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                targets = [n.split(".")[1:] for n in names if n and n.split(".")[0] == "styleforge"]
            else:
                continue
            for target in targets:
                if target and target[0] != layer:
                    found.add((module, layer, target[0]))
    return found


def test_every_import_between_layers_is_in_the_architecture_doc():
    allowed = allowed_arrows()
    top_level = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    undocumented = top_level - set(allowed) - ANYONE - {"__init__", "__main__"}
    assert not undocumented, f"layers missing from docs/architecture.md: {sorted(undocumented)}"
    wrong = []
    for module, layer, target in sorted(imports()):
        if layer in ("__init__", "__main__") or target in ANYONE:
            continue
        may = allowed.get(layer, set())
        if may is not None and target not in may:
            wrong.append(f"{module} -> {target}")
        elif (layer, target) in TO_GO and module not in TO_GO[layer, target]:
            wrong.append(f"{module} -> {target} (an arrow marked 'to go': no new users)")
    assert not wrong, "imports the architecture doc does not allow:\n" + "\n".join(wrong)


def test_the_checker_sees_a_forbidden_arrow():
    """The checker is not vacuous: the package has imports, and inference importing training would be caught."""
    found = imports()
    assert ("inference.stylizer", "inference", "models") in found
    assert ("recipes.adapter", "recipes", "models") in found
    assert "training" not in (allowed_arrows()["inference"] or set())
