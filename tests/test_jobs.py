"""Jobs are sent by name (`publish("app.tasks.name", ...)`): every name must be a real task."""

import ast
from pathlib import Path

import pytest

from sferum_portal.celery import app, publish, task_named
from sferum_portal.schedules import SCHEDULES

ROOT = Path(__file__).resolve().parent.parent
APPS = ("roles", "invitations", "chats", "channels_app", "stats", "sferum_portal")


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    return constants


def published_names() -> dict[str, str]:
    """Every task name passed to publish() in the apps' code: name -> where."""
    found: dict[str, str] = {}
    for app_name in APPS:
        for path in (ROOT / app_name).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _module_constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name != "publish":
                    continue
                first = node.args[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[first.value] = where
                elif isinstance(first, ast.Name) and first.id in constants:
                    found[constants[first.id]] = where
                else:
                    pytest.fail(f"{where}: publish() takes a task name, a literal or a constant")
    return found


def registered() -> set[str]:
    app.loader.import_default_modules()
    return set(app.tasks)


def test_every_published_name_is_a_registered_task():
    names = published_names()
    # The roster import, its redispatch, "recalculate now" and the chat reminders at least.
    assert {
        "roles.tasks.apply_roster_import",
        "stats.tasks.rollup_stats",
        "chats.tasks.remind_missing_chats",
    } <= set(names)
    unknown = {name: where for name, where in names.items() if name not in registered()}
    assert unknown == {}


def test_every_scheduled_job_is_a_registered_task():
    tasks = {task for task, _cron in SCHEDULES.values()}
    assert len(tasks) == len(SCHEDULES) >= 6
    assert tasks - registered() == set()


def test_an_unknown_task_name_is_an_error_not_a_silent_no_op():
    with pytest.raises(KeyError):
        publish("roles.tasks.no_such_task")
    assert task_named("stats.tasks.rollup_stats").name == "stats.tasks.rollup_stats"
