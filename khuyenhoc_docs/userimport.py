"""CSV import of people (accounts with roles), checked whole before anything is written."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import MAX_USERNAME, hash_password
from .errors import Problem
from .models import ROLES, Organisation, User, UserRole
from .orgimport import Change, ImportPlan, LineError, read_rows

USER_HEADERS = ("username", "full_name", "position", "organisation", "role", "email")
ROLE_WORDS = {
    "admin": "admin", "quản trị": "admin", "clerk": "clerk", "văn thư": "clerk",
    "chair": "chair", "người ký": "chair", "chủ tịch": "chair", "bí thư": "chair",
    "archivist": "archivist", "lưu trữ": "archivist",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _roles(value: str) -> tuple[tuple[str, ...], list[str]]:
    """Roles named in a cell ("clerk; archivist"), and the words that are no role."""
    words = [w.strip() for w in re.split(r"[;|+]", value) if w.strip()]
    known = tuple(dict.fromkeys(ROLE_WORDS[w.casefold()] for w in words if w.casefold() in ROLE_WORDS))
    return known, [w for w in words if w.casefold() not in ROLE_WORDS]


def _organisation(orgs: list[Organisation], ref: str) -> Organisation | str:
    by_code = [o for o in orgs if o.code and o.code == ref]
    named = by_code or [o for o in orgs if o.name.casefold() == ref.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        return Problem("import_name_ambiguous", count=len(named), ref=ref)
    return Problem("import_org_not_found", ref=ref)


def plan_users(session: Session, data: bytes) -> ImportPlan:
    """Check a people CSV against itself and the database; write nothing."""
    rows, errors = read_rows(data, USER_HEADERS)
    plan = ImportPlan(errors=errors)
    if not rows and not errors:
        plan.errors.append(LineError(0, Problem("csv_no_rows")))
    orgs = list(session.scalars(select(Organisation)))
    seen: dict[str, int] = {}
    for line, r in rows:

        def err(msg: str, line: int = line) -> None:
            plan.errors.append(LineError(line, msg))

        username = r["username"].lower()
        if not username:
            err(Problem("import_username_missing"))
        elif len(username) > MAX_USERNAME or not all(c.isalnum() or c in "._-" for c in username):
            err(Problem("import_username_format", username=r["username"]))
        elif username in seen:
            err(Problem("import_username_duplicate", username=username, line=seen[username]))
        seen.setdefault(username, line)
        if not r["full_name"]:
            err(Problem("import_full_name_missing"))
        for key in ("full_name", "position", "email"):
            if len(r[key]) > 255:
                err(Problem("import_field_too_long", key=key))
        if r["email"] and not _EMAIL.match(r["email"]):
            err(Problem("import_email_invalid", email=r["email"]))
        roles, unknown = _roles(r["role"])
        if unknown or not roles:
            err(Problem("import_roles_invalid", roles=", ".join(unknown) or Problem("import_roles_empty"),
                        allowed=", ".join(ROLES)))
        org = _organisation(orgs, r["organisation"]) if r["organisation"] else Problem("import_org_missing")
        if isinstance(org, str):
            err(Problem("import_sentence", problem=org))
        elif org.dissolved_on is not None:
            err(Problem("import_org_gone", name=org.name, date=org.dissolved_on))
        if plan.errors and plan.errors[-1].line == line:
            continue
        assert not isinstance(org, str)
        existing = session.scalar(select(User).where(User.username == username))
        want = {"full_name": r["full_name"], "position": r["position"], "email": r["email"],
                "organisation": org.name, "roles": ", ".join(sorted(roles))}
        if existing is None:
            plan.changes.append(Change(line, "create", username))
            continue
        have = {"full_name": existing.full_name, "position": existing.position, "email": existing.email,
                "organisation": existing.organisation.name, "roles": ", ".join(sorted(existing.roles))}
        diff = {k: (have[k], v) for k, v in want.items() if have[k] != v}
        plan.changes.append(Change(line, "update" if diff else "unchanged", username, diff))
    plan.errors.sort(key=lambda e: e.line)
    return plan


def apply_users(session: Session, data: bytes) -> tuple[ImportPlan, dict[str, str]]:
    """Write the accounts; returns the plan and the one-time initial password of each new account.

    New accounts get a random password that the admin hands over (it is shown once, never stored).
    """
    plan = plan_users(session, data)
    plan.raise_errors()
    rows, _ = read_rows(data, USER_HEADERS)
    orgs = list(session.scalars(select(Organisation)))
    passwords: dict[str, str] = {}
    for _, r in rows:
        username = r["username"].lower()
        roles, _ = _roles(r["role"])
        org = _organisation(orgs, r["organisation"])
        assert isinstance(org, Organisation)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            passwords[username] = secrets.token_urlsafe(12)
            user = User(username=username, password_hash=hash_password(passwords[username]), full_name="",
                        organisation_id=org.id)
            session.add(user)
        for key in ("full_name", "position", "email"):
            if getattr(user, key) != r[key]:
                setattr(user, key, r[key])
        if user.organisation_id != org.id:
            user.organisation_id = org.id
        if user.roles != frozenset(roles):
            user.role_rows = [row for row in user.role_rows if row.role in roles]
            user.role_rows += [UserRole(role=role) for role in roles if role not in user.roles]
        session.flush()
    return plan, passwords
