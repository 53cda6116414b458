"""CSV import of the organisation tree: everything is checked before anything is written.

A plan lists what the file would create or change (the admin's preview); applying re-plans in the
same transaction and writes only when the plan has no errors, so a re-import of the same file
changes nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from .edxml.model import valid_organ_code
from .errors import Problem, ValidationFailed
from .models import Organisation, OrgLevel
from .organisations import abbreviation_error

ORG_HEADERS = ("name", "abbreviation", "level", "parent", "family", "counterpart", "code")
MAX_ROWS = 20000
FAMILY_WORDS = {
    "khuyen_hoc": "khuyen_hoc", "hội": "khuyen_hoc", "hội khuyến học": "khuyen_hoc", "hkh": "khuyen_hoc",
    "doan": "doan", "đoàn": "doan", "đoàn tncs hồ chí minh": "doan",
    "other": "other", "khác": "other", "cơ quan khác": "other",
}


@dataclass(frozen=True)
class LineError:
    """A problem in the file; line 1 is the header."""

    line: int
    message: str

    def __str__(self) -> str:
        return Problem("csv_line", line=self.line, problem=self.message) if self.line else self.message


@dataclass
class Change:
    """What one row does: "create", "update" (with old → new values) or "unchanged"."""

    line: int
    action: str
    label: str
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    """The preview of an import; ``ok`` when it can be applied."""

    changes: list[Change] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    def summary(self) -> str:
        return Problem("import_summary", created=self.count("create"), updated=self.count("update"),
                       unchanged=self.count("unchanged"))

    def raise_errors(self) -> None:
        if self.errors:
            raise ValidationFailed(code="org_csv_errors",
                                   fields={str(e.line): e.message for e in self.errors})


def read_rows(data: bytes, headers: tuple[str, ...]) -> tuple[list[tuple[int, dict[str, str]]], list[LineError]]:
    """Rows of a UTF-8 CSV (Excel's BOM tolerated) keyed by header, each with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [LineError(0, Problem("csv_not_utf8"))]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        head = next(reader)
        while _skipped(head):
            head = next(reader)
        head = [h.strip().lower() for h in head]
    except StopIteration:
        return [], [LineError(0, Problem("csv_empty"))]
    except csv.Error as exc:
        return [], [LineError(1, Problem("csv_unreadable", error=exc))]
    missing = [h for h in headers if h not in head]
    extra = [h for h in head if h not in headers]
    if missing or extra:
        shown = [Problem("csv_headers", headers=",".join(headers))]
        if missing:
            shown.append(Problem("csv_headers_missing", names=", ".join(missing)))
        if extra:
            shown.append(Problem("csv_headers_extra", names=", ".join(extra)))
        return [], [LineError(1, "".join(shown))]
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if _skipped(values):
                continue
            if len(values) != len(head):
                errors.append(LineError(line, Problem("csv_columns", expected=len(head), found=len(values))))
                continue
            rows.append((line, {h: v.strip() for h, v in zip(head, values, strict=True)}))
            if len(rows) > MAX_ROWS:
                return [], [LineError(line, Problem("csv_too_many_rows", max_rows=MAX_ROWS))]
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, Problem("csv_unreadable", error=exc)))
    return rows, errors


def _skipped(values: list[str]) -> bool:
    """Blank lines and comment lines ("# source: …") carry no data."""
    return not any(v.strip() for v in values) or values[0].lstrip().startswith("#")


class _Resolver:
    """Finds organisations named in the file: rows of the file first, then the database; code or name."""

    def __init__(self, session: Session, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.rows = rows
        self.db = list(session.scalars(select(Organisation)))
        self.by_code = {o.code: o for o in self.db if o.code}
        self.file_code = {r["code"]: i for i, (_, r) in enumerate(rows) if r["code"]}
        self.file_name: dict[str, list[int]] = {}
        for i, (_, r) in enumerate(rows):
            self.file_name.setdefault(r["name"].casefold(), []).append(i)

    def find(self, ref: str) -> tuple[str, int] | str:
        """("file", row index) or ("db", id), or a Vietnamese reason why the reference fails."""
        if ref in self.file_code:
            return ("file", self.file_code[ref])
        if ref in self.by_code:
            return ("db", self.by_code[ref].id)
        in_file = self.file_name.get(ref.casefold(), [])
        if len(in_file) == 1:
            return ("file", in_file[0])
        if len(in_file) > 1:
            return Problem("import_name_ambiguous_in_file", ref=ref)
        in_db = [o for o in self.db if o.name.casefold() == ref.casefold()]
        if len(in_db) == 1:
            return ("db", in_db[0].id)
        if len(in_db) > 1:
            return Problem("import_name_ambiguous", count=len(in_db), ref=ref)
        return Problem("import_org_not_found", ref=ref)


def _level(levels: list[OrgLevel], ref: str) -> OrgLevel | None:
    key = ref.casefold()
    return next((lv for lv in levels if key in (lv.code.casefold(), lv.name.casefold())), None)


def plan_organisations(session: Session, data: bytes) -> ImportPlan:
    """Check an organisation CSV against the file itself and the database; write nothing."""
    rows, errors = read_rows(data, ORG_HEADERS)
    plan = ImportPlan(errors=errors)
    if not rows:
        if not errors:
            plan.errors.append(LineError(0, Problem("csv_no_rows")))
        return plan
    levels = list(session.scalars(select(OrgLevel)))
    res = _Resolver(session, rows)
    parents: list[tuple[str, int] | None] = []
    counterparts: list[tuple[str, int] | None] = []
    seen_codes: dict[str, int] = {}
    for i, (line, r) in enumerate(rows):

        def err(msg: str, line: int = line) -> None:
            plan.errors.append(LineError(line, msg))

        if not r["name"]:
            err(Problem("import_org_name_missing"))
        elif len(r["name"]) > 255:
            err(Problem("import_org_name_too_long"))
        if (problem := abbreviation_error(r["abbreviation"])) is not None:
            err(problem)
        if _level(levels, r["level"]) is None:
            err(Problem("import_level_unknown", level=r["level"], levels=", ".join(lv.code for lv in levels)))
        if FAMILY_WORDS.get(r["family"].casefold()) is None:
            err(Problem("import_family_invalid", family=r["family"]))
        if r["code"] and not valid_organ_code(r["code"]):
            # The same field edXML addresses organisations by: a mã định danh or nothing.
            err(Problem("import_code_format", code=r["code"][:40]))
        elif r["code"]:
            if r["code"] in seen_codes:
                err(Problem("import_code_duplicate", code=r["code"], line=seen_codes[r["code"]]))
            seen_codes.setdefault(r["code"], line)
        for key, out in (("parent", parents), ("counterpart", counterparts)):
            found = res.find(r[key]) if r[key] else None
            if isinstance(found, str):
                err(Problem("import_parent_problem" if key == "parent" else "import_counterpart_problem", problem=found))
                found = None
            if found == ("file", i):
                err(Problem("import_self_reference"))
                found = None
            out.append(found)
    identity = _identities(session, res, parents, plan)
    _check_duplicates(rows, parents, identity, plan)
    _check_cycles(res, parents, identity, plan)
    if plan.errors:
        plan.errors.sort(key=lambda e: e.line)
        return plan
    for i, (line, r) in enumerate(rows):
        existing = session.get(Organisation, identity[i]) if identity[i] else None
        if existing is not None and existing.code and r["code"] and existing.code != r["code"]:
            plan.errors.append(LineError(line, Problem("import_code_already", code=existing.code)))
            continue
        want = _wanted(r, levels, _node_id(parents[i], identity), _node_id(counterparts[i], identity))
        if existing is None:
            plan.changes.append(Change(line, "create", r["name"]))
            continue
        diff = {k: (str(getattr(existing, k) or ""), str(v or "")) for k, v in want.items()
                if v is not _NEW and getattr(existing, k) != v and not (k == "code" and not v)}
        diff.update({k: (str(getattr(existing, k) or ""), Problem("import_new_value")) for k, v in want.items() if v is _NEW})
        plan.changes.append(Change(line, "update" if diff else "unchanged", r["name"], diff))
    plan.errors.sort(key=lambda e: e.line)
    return plan


_NEW = object()  # stands for the id of an organisation the import is about to create


def _node_id(node: tuple[str, int] | None, identity: list[int | None]):
    if node is None:
        return None
    kind, ref = node
    return ref if kind == "db" else (identity[ref] or _NEW)


def _wanted(r: dict[str, str], levels: list[OrgLevel], parent_id, counterpart_id) -> dict:
    level = _level(levels, r["level"])
    return {"name": r["name"], "abbreviation": r["abbreviation"], "level_id": level.id if level else None,
            "parent_id": parent_id, "family": FAMILY_WORDS[r["family"].casefold()],
            "counterpart_id": counterpart_id, "code": r["code"]}


def _identities(session: Session, res: _Resolver, parents: list, plan: ImportPlan) -> list[int | None]:
    """The existing organisation each row stands for (by code, else by parent and name), or None."""
    out: list[int | None | str] = ["?"] * len(res.rows)

    def ident(i: int, stack: tuple[int, ...]) -> int | None:
        if out[i] != "?":
            return out[i]  # type: ignore[return-value]
        _, r = res.rows[i]
        if r["code"] and r["code"] in res.by_code:
            out[i] = res.by_code[r["code"]].id
            return out[i]  # type: ignore[return-value]
        node = parents[i]
        if node is None:
            parent_id = None
        elif node[0] == "db":
            parent_id = node[1]
        elif node[1] in stack:
            out[i] = None
            return None  # a cycle inside the file; reported by _check_cycles
        else:
            parent_id = ident(node[1], stack + (i,))
            if parent_id is None:
                out[i] = None
                return None
        out[i] = next((o.id for o in res.db if o.parent_id == parent_id and o.name == r["name"]), None)
        return out[i]  # type: ignore[return-value]

    return [ident(i, ()) for i in range(len(res.rows))]


def _check_duplicates(rows, parents, identity, plan: ImportPlan) -> None:
    seen: dict[tuple, int] = {}
    for i, (line, r) in enumerate(rows):
        keys: list[tuple] = [("name", str(parents[i]), r["name"].casefold())]
        if identity[i]:
            keys.append(("id", identity[i]))
        for key in keys:
            if key in seen:
                plan.errors.append(LineError(line, Problem("import_duplicate_row", line=seen[key]))
                                   if key[0] == "id" else
                                   LineError(line, Problem("import_duplicate_name", name=r["name"], line=seen[key])))
                break
            seen[key] = line


def _check_cycles(res: _Resolver, parents: list, identity: list[int | None], plan: ImportPlan) -> None:
    """After the import, following parents from any row must reach a root."""
    db_parent = {o.id: o.parent_id for o in res.db}
    new_parent: dict[object, object] = {}
    for i, node in enumerate(parents):
        me: object = identity[i] or ("file", i)
        if node is None:
            new_parent[me] = None
        elif node[0] == "db":
            new_parent[me] = node[1]
        else:
            new_parent[me] = identity[node[1]] or ("file", node[1])
    for i, (line, r) in enumerate(res.rows):
        at: object = identity[i] or ("file", i)
        seen = set()
        while at is not None:
            if at in seen:
                plan.errors.append(LineError(line, Problem("import_parent_cycle", name=r["name"])))
                break
            seen.add(at)
            at = new_parent[at] if at in new_parent else db_parent.get(at)  # type: ignore[call-overload]


def _found(res: _Resolver, ref: str) -> tuple[str, int] | None:
    """A reference the plan already resolved (applying runs only after a plan without errors)."""
    if not ref:
        return None
    found = res.find(ref)
    assert not isinstance(found, str), found
    return found


def apply_organisations(session: Session, data: bytes) -> ImportPlan:
    """Re-plan and write the organisations (parents before children); caller audits and commits."""
    plan = plan_organisations(session, data)
    plan.raise_errors()
    rows, _ = read_rows(data, ORG_HEADERS)
    levels = list(session.scalars(select(OrgLevel)))
    res = _Resolver(session, rows)
    parents = [_found(res, r["parent"]) for _, r in rows]
    counterparts = [_found(res, r["counterpart"]) for _, r in rows]
    identity = _identities(session, res, parents, ImportPlan())
    orgs: dict[int, Organisation] = {}

    def place(i: int) -> Organisation:
        if i in orgs:
            return orgs[i]
        _, r = rows[i]
        node = parents[i]
        parent = (session.get(Organisation, node[1]) if node and node[0] == "db"
                  else place(node[1]) if node else None)
        org = session.get(Organisation, identity[i]) if identity[i] else None
        want = _wanted(r, levels, parent.id if parent else None, None)
        want.pop("counterpart_id")
        if org is None:
            org = Organisation(header_name=r["name"].upper(), parent_header=parent.header_name if parent else "",
                               place=parent.place if parent else "", area="", **want)
            session.add(org)
        else:
            for key, value in want.items():
                if key == "code" and not value:
                    continue
                if getattr(org, key) != value:
                    setattr(org, key, value)
        session.flush()
        orgs[i] = org
        return org

    for i in range(len(rows)):
        place(i)
    for i, node in enumerate(counterparts):
        target = None if node is None else session.get(Organisation, node[1]) if node[0] == "db" else orgs[node[1]]
        if orgs[i].counterpart_id != (target.id if target else None):
            orgs[i].counterpart_id = target.id if target else None
    session.flush()
    return plan
