"""The product runs on its runtime dependencies alone: what only tests and the bench use (libtmux,
httpx) is a development dependency, so no product module may import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("libtmux", "httpx")

IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
for name in {dev_only!r}:
    sys.modules[name] = None  # importing it now raises ImportError
import django
django.setup()
for package in ("tmuxhub", "bridge", "abuse"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if ".migrations." not in module.name and not module.name.endswith(".tests"):
            importlib.import_module(module.name)
"""


def test_no_product_module_imports_a_development_only_dependency(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE.format(dev_only=DEV_ONLY)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
             "TMUXHUB_DATA_DIR": str(tmp_path), "TMUXHUB_ENV_FILE": "/dev/null"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
