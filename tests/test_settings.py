"""newsbot/settings.py is the one place for defaults; dead settings stay gone.

The source of newsbot/ is read (not run) for every ``<...>settings.get*("NAME", ...)``.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from newsbot import settings as project

ROOT = Path(__file__).resolve().parents[1]
GETTERS = {"get", "getint", "getfloat", "getbool", "getlist", "getdict", "getwithbase"}
NAME = re.compile(r"[A-Z][A-Z0-9_]+")
PROJECT_NAME = re.compile(r"(NEWSBOT|MONGO)_[A-Z0-9_]+|REDIS_URL")


@dataclass(frozen=True)
class Read:
    where: str
    name: str
    default: bool  # a default is given in the call, or as `... or <value>` after it


def reads() -> list[Read]:
    found = []
    for path in sorted((ROOT / "newsbot").rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text("utf-8"))
        defaulted: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
                last = node.values[-1]
                if isinstance(last, ast.Constant) and last.value:
                    defaulted.update(id(value) for value in node.values[:-1])
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in GETTERS and ast.unparse(node.func.value).endswith("settings")
                    and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str) and NAME.fullmatch(node.args[0].value)):
                continue
            default = len(node.args) > 1 or bool(node.keywords) or id(node) in defaulted
            found.append(Read(f"{where}:{node.lineno}", node.args[0].value, default))
    return found


def test_the_scan_finds_the_components_reads() -> None:
    found = {(r.where.split(":")[0], r.name) for r in reads()}
    assert {("newsbot/pipelines/mongo.py", "NEWSBOT_MONGO_BUFFER_SIZE"),
            ("newsbot/extensions/health.py", "NEWSBOT_HEALTH_MIN_PAGES"),
            ("newsbot/state/extension.py", "NEWSBOT_STATE_DIR"),
            ("newsbot/distributed/ratelimit.py", "NEWSBOT_REDIS_RATE")} <= found


def test_components_give_no_defaults_of_their_own() -> None:
    defaulted = [f"{r.where} {r.name}" for r in reads() if r.default]
    assert defaulted == []


def test_every_project_setting_read_has_its_value_in_settings_py() -> None:
    missing = sorted({r.name for r in reads() if PROJECT_NAME.fullmatch(r.name) and not hasattr(project, r.name)})
    assert missing == []


def test_dead_settings_are_gone() -> None:
    # Removed from Scrapy in 2.14. FEED_EXPORTERS is set only to replace the JSON lines
    # exporter (newsbot/exporters.py), never as an empty copy of Scrapy's default.
    assert not hasattr(project, "REQUEST_FINGERPRINTER_IMPLEMENTATION")
    assert set(project.FEED_EXPORTERS.values()) == {"newsbot.exporters.JsonLinesExporter"}
