"""Policy packs: the shipped YAML files plus a user's own folder, validated and self-tested at load.

A user pack with the same `pack` id as a shipped one replaces it (newer policy text wins).
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from pydantic import ValidationError

from copilot.errors import ConfigError
from tools.compliance.engine import Checker
from tools.compliance.model import Pack

BUILTIN_DIR = Path(__file__).parent / "policies"


def read_pack(path: Path) -> Pack:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Pack.model_validate(raw)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _bad(path, f"unreadable YAML: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _bad(path, f"{where}: {first['msg']}") from exc


def load_packs(extra_dir: Path | None = None) -> list[Pack]:
    """Shipped packs, then the user's (*.yaml / *.yml in extra_dir), each validated and self-tested."""
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise _bad(extra_dir, "policy pack folder does not exist")
        files += sorted([*extra_dir.glob("*.yaml"), *extra_dir.glob("*.yml")])
    by_id: dict[str, tuple[Path, Pack]] = {}
    for path in files:
        pack = read_pack(path)
        by_id[pack.pack] = (path, pack)
    for path, pack in by_id.values():
        self_test(pack, path)
    return [pack for _, pack in by_id.values()]


def self_test(pack: Pack, path: Path) -> None:
    """Every rule's `hit` examples must trigger it and its `clean` examples must not."""
    checker = Checker([pack])
    from tools.compliance.engine import Asker

    asker = Asker(discount_limit_pct=10.0, approver="manager")
    for rule in pack.rules:
        for text in rule.examples.hit:
            if not any(f.rule_id == rule.id for f in checker.check(text, asker)):
                raise _bad(path, f"rule {rule.id}: example {text!r} should be flagged but is not")
        for text in rule.examples.clean:
            if any(f.rule_id == rule.id for f in checker.check(text, asker)):
                raise _bad(path, f"rule {rule.id}: clean example {text!r} is flagged")


@functools.lru_cache(maxsize=4)
def load_checker(extra_dir: Path | None = None, claims: bool = False) -> Checker:
    """The checker for these packs, built once per process; `claims` adds the learned claim pass (its weights
    and the bundled embedder load on the first check that needs them)."""
    from tools.compliance.claims import bundled_scorer

    return Checker(load_packs(extra_dir), bundled_scorer if claims else None)


def _bad(path: Path, detail: str) -> ConfigError:
    return ConfigError(
        en=f"Policy pack {path.name} is invalid: {detail}",
        zh=f"合规策略包 {path.name} 无效：{detail}",
        detail=str(path),
    )
