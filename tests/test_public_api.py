"""The public API: styleforge.__all__ is what the README's Python examples use, each name resolves, and
`import styleforge` alone does not load torch (the CLI decides the OpenMP wait policy before it loads)."""
import re
import subprocess
import sys
from pathlib import Path

import styleforge

README = Path(__file__).resolve().parents[1] / "README.md"
PUBLIC = {"Config", "load_config", "StyleforgeError", "train", "NoiseSampler", "Stylizer", "open_stylizer",
          "read_image", "save_array", "__version__"}


def test_the_public_names_are_locked_and_resolve():
    assert set(styleforge.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(styleforge, name) is not None


def test_the_readme_examples_import_only_public_names():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    imported = [name.strip() for block in blocks for line in re.findall(r"^from styleforge\S* import (.+)$", block, re.M)
                for name in line.split(",")]
    assert imported and set(imported) <= PUBLIC, imported
    assert not re.search(r"^from styleforge\.", "\n".join(blocks), re.M)  # no internal module in the examples


def test_importing_the_package_does_not_load_torch():
    code = "import sys, styleforge; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
