"""Where is access decided? In ``access.py`` only.

Walks ``app.url_map``: every view must ask ``access`` (``require``/``signed_in``/``principal``) or be
listed as public, and no view — nor any function in ``workflow/`` — may decide by itself: no role
checks (``.has``/``.has_role``), no comparisons with the principal's user, organisation or scope,
no ``raise Forbidden``. A SQL expression that selects the principal's own rows (a model column
compared with ``p.user.id``) is data selection, not a decision, and is allowed.
The web layer also holds no queries, transactions or audit events (``select(``, ``.commit()``,
``audit.record``), and the API never imports the browser views.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from khuyenhoc_docs import create_app

ROOT = Path(__file__).resolve().parent.parent / "khuyenhoc_docs"
PRINCIPALS = {"p", "principal", "current_user"}
ASKS = {"require", "signed_in", "principal", "can", "ensure"}
#: endpoints anyone may call (the authz matrix checks what they answer)
PUBLIC = {"static", "auth.login", "auth.logout", "home.root", "health.health", "health.ready", "health.healthz", "ack.landing",
          "ack.download", "ack.confirm", "api.issue_token", "openapi.spec", "openapi.docs",
          "openapi.redoc", "openapi.swagger_ui", "openapi.static",
          "public_verify.record"}  # /v/<code>: anyone with a copy may check it (rate- and size-limited)


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _from_principal(node: ast.AST) -> bool:
    root = _root(node)
    return isinstance(node, ast.Attribute) and isinstance(root, ast.Name) and root.id in PRINCIPALS


def _is_column(node: ast.AST) -> bool:
    root = _root(node)
    return isinstance(node, ast.Attribute) and isinstance(root, ast.Name) and root.id[:1].isupper()


def decisions(tree: ast.AST) -> list[str]:
    """Places in ``tree`` that decide access without ``access.py``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "has", "has_role"):
            found.append(f"line {node.lineno}: role check .{node.func.attr}()")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_from_principal(o) for o in operands) and not any(_is_column(o) for o in operands):
                found.append(f"line {node.lineno}: compares {ast.unparse(node)}")
        elif isinstance(node, ast.Raise) and node.exc is not None and "Forbidden" in ast.unparse(node.exc):
            found.append(f"line {node.lineno}: raise Forbidden")
        elif isinstance(node, ast.Attribute) and node.attr == "scope" and _from_principal(node):
            found.append(f"line {node.lineno}: uses the principal's scope directly")
    return found


def _view(func):
    while hasattr(func, "__wrapped__"):
        func = func.__wrapped__
    return func


@pytest.fixture(scope="module")
def url_map_views(tmp_path_factory):
    app = create_app({"data_dir": tmp_path_factory.mktemp("urlmap"), "testing": True, "secret_key": "x"})
    views = {rule.endpoint: _view(app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()}
    app.extensions["khd.engine"].dispose()
    return views


def _source_tree(func) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(func)))


def test_every_view_asks_access_and_decides_nothing_itself(url_map_views):
    problems = []
    for endpoint, func in sorted(url_map_views.items()):
        if func.__module__.startswith(("flask", "apiflask")):
            continue
        tree = _source_tree(func)
        problems += [f"{endpoint}: {d}" for d in decisions(tree)]
        called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if endpoint not in PUBLIC and not (called & ASKS):
            problems.append(f"{endpoint}: never asks access (require/signed_in/principal)")
    assert not problems, "\n".join(problems)


def test_the_url_map_covers_the_app(url_map_views):
    # Guard against the walk silently checking nothing.
    assert {"documents.show", "api.sign_document", "followup.sign_report", "api.get_job"} <= set(url_map_views)


@pytest.mark.parametrize("path", sorted((ROOT / "workflow").glob("*.py")), ids=lambda p: p.name)
def test_no_workflow_function_decides_access_itself(path):
    found = decisions(ast.parse(path.read_text()))
    assert not found, f"{path.name}: " + "; ".join(found)


def test_the_checker_catches_hand_written_rules():
    bad = ast.parse(textwrap.dedent("""
        def view(p, job, o, units):
            if job.created_by_id != p.user.id and not p.has("admin"):
                raise Forbidden("no")
            if p.user.organisation_id not in units:
                pass
            return [u for u in units if u in p.scope]
    """))
    found = decisions(bad)
    assert len(found) == 6, found  # compare + role check, raise, compare, compare + scope
    fine = ast.parse("stmt = select(Signature).where(Signature.signer_id == p.user.id)")
    assert decisions(fine) == []


@pytest.mark.parametrize("path", sorted((ROOT / "web").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_holds_no_queries_transactions_or_audit_events(path):
    text = path.read_text()
    for needle in ("select(", ".commit()", "audit.record"):
        assert needle not in text, f"{path.relative_to(ROOT)} contains {needle}"


@pytest.mark.parametrize("path", sorted((ROOT / "web" / "api").glob("*.py")), ids=lambda p: p.name)
def test_the_api_never_imports_browser_views(path):
    allowed = {"context", "downloads", "errors", "extensions", "forms", "messages"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2:
            module = (node.module or "").split(".")[0]
            assert module in allowed, f"{path.name} imports web.{module}"


@pytest.mark.parametrize("path", sorted((ROOT / "web" / "templates").rglob("*.html")),
                         ids=lambda p: str(p.relative_to(ROOT / "web" / "templates")))
def test_templates_ask_can_instead_of_checking_roles(path):
    assert "has_role(" not in path.read_text(), "use can('rule') in templates"
