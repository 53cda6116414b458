"""Template kinds, safe inspection and validation of uploaded .docx templates.

Templates are user-supplied Jinja (docxtpl) programs, so everything here assumes hostile input:
the ZIP container is checked first (``container.py``: central directory before anything is
decompressed, XML parts without DTDs), and Jinja runs in a sandbox with no globals, a short list of
filters, capped repetition operators, no include/import/macro and bounded loop nesting.
"""

from __future__ import annotations

import enum
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, meta, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import describe
from .container import TemplateInvalid, check_container
from .outside_refs import check_no_outside_refs

MAX_LOOP_DEPTH = 3
MAX_REPEAT = 10_000  #: longest string a template may build with *

#: Filters a template may use: none of them can make output much larger than its input.
SAFE_FILTERS = frozenset({
    "upper", "lower", "title", "capitalize", "trim", "default", "d", "length", "count", "first",
    "last", "join", "e", "escape", "string", "int", "round", "abs", "truncate", "wordcount",
    "striptags",
})
# No inclusion (there is nothing to include), no macros (recursion), and no variables: with
# {% set %}/{% with %} each statement could double a string, exponential in template length.
_FORBIDDEN_NODES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport, nodes.Macro, nodes.CallBlock,
                    nodes.Assign, nodes.AssignBlock, nodes.With)

_FORMAT_ATTRS = frozenset({"format", "format_map"})

_HEADER = ("header_left_name", "header_right_name", "doc_number", "place_date", "doc_type", "summary")
_BODY = ("preamble", "purposes", "requirements", "contents", "responsibilities", "closing")
_SIGN = tuple(f"sign_{side}_{what}" for side in ("left", "right") for what in ("authority", "position", "name"))
_BASE_REQUIRED = frozenset(_HEADER + _BODY + _SIGN + ("recipients",))
_PARENT_REQUIRED = frozenset({"parent_citation", "report_to", "report_deadline"})
# A công văn prints no type name and has no programme sections: "V/v …" under the number, "Kính gửi:",
# an opening, the clerk's body text and a closing line.
_LETTER_REQUIRED = frozenset({"header_left_name", "header_right_name", "doc_number", "place_date", "summary_vv",
                              "addressees", "preamble", "contents", "closing", "recipients"} | set(_SIGN))

#: Every name the renderer puts in the context (render.build_context keeps to this list).
CONTEXT_KEYS = _BASE_REQUIRED | _PARENT_REQUIRED | frozenset({
    "header_left_parent", "header_right_parent", "period", "place", "party_a_name", "party_b_name",
    "issue_date", "is_draft", "summary_vv", "addressees",
})
#: Values that are RichText and therefore must be written {{r name }}.
RICH_KEYS = frozenset({"preamble", "closing"})


class TemplateKind(enum.Enum):
    """The document templates; the value is also the file stem under templates/ (new kinds go last: the
    position numbers the stored template objects)."""

    PROGRAMME_PROVINCE = "programme_province"
    PROGRAMME_DISTRICT = "programme_district"
    PROGRAMME_GRASSROOTS = "programme_grassroots"
    AGREEMENT = "agreement"
    OFFICIAL_LETTER = "official_letter"  # công văn, e.g. a reply to a received document

    @property
    def needs_parent(self) -> bool:
        """District and grassroots programmes implement the level above and report to it."""
        return self in (TemplateKind.PROGRAMME_DISTRICT, TemplateKind.PROGRAMME_GRASSROOTS)

    @property
    def is_programme(self) -> bool:
        """Programmes and agreements have purposes, contents and responsibilities; a công văn has not."""
        return self is not TemplateKind.OFFICIAL_LETTER

    @property
    def required(self) -> frozenset[str]:
        """Placeholders the template must contain."""
        if not self.is_programme:
            return _LETTER_REQUIRED
        return _BASE_REQUIRED | (_PARENT_REQUIRED if self.needs_parent else frozenset())

    @property
    def allowed(self) -> frozenset[str]:
        """Placeholders the template may contain."""
        return CONTEXT_KEYS

    @property
    def filename(self) -> str:
        return f"{self.value}.docx"

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]


_LABELS_VI = {
    TemplateKind.PROGRAMME_PROVINCE: "Chương trình phối hợp cấp tỉnh",
    TemplateKind.PROGRAMME_DISTRICT: "Chương trình phối hợp cấp huyện, thành phố",
    TemplateKind.PROGRAMME_GRASSROOTS: "Chương trình phối hợp cấp cơ sở",
    TemplateKind.AGREEMENT: "Thỏa thuận hợp tác",
    TemplateKind.OFFICIAL_LETTER: "Công văn",
}


@dataclass(frozen=True)
class TemplateInfo:
    """What a template reads from the context."""

    placeholders: frozenset[str]  # top-level names, e.g. {"summary", "contents"}
    loop_depth: int  # deepest nesting of for-loops
    uncompressed_size: int
    parts: tuple[str, ...]  # parts that were scanned for placeholders

    def missing(self, kind: TemplateKind) -> frozenset[str]:
        return kind.required - self.placeholders

    def unknown(self, kind: TemplateKind) -> frozenset[str]:
        return self.placeholders - kind.allowed


# -- sandbox ------------------------------------------------------------------------------------

def _refused(code: str, **params: Any) -> SecurityError:
    """A sandbox refusal; Jinja carries it as text, so it is worded here (web/messages/)."""
    return SecurityError(describe(code, params) or code)


class _Sandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Templates only read data ("item.number", "loop.first"); no method may be reached, so
        # "summary.center(10**9)" and friends are out along with the dunder escapes.
        return attr not in _FORMAT_ATTRS and not callable(value) and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        # Jinja hands out str.format/format_map before asking is_safe_attribute; its formatter has no
        # size cap ("{0:>20000000}"), so these methods are simply unreachable.
        return None

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # A silent empty string would hide the attempt; the template is refused instead.
        raise _refused("sandbox_attribute", attribute=attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        # Repetition and %-formatting are how a tiny template allocates gigabytes ("x" * 10**9,
        # "%999999999s" % x); ints are capped so ** cannot build enormous numbers either.
        if operator == "%" and isinstance(left, str):
            raise _refused("sandbox_percent_format")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and \
                abs(right) * max(left.bit_length(), 1) > 4096:
            raise _refused("sandbox_number_too_large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (list, tuple)) and isinstance(n, int):
                    raise _refused("sandbox_list_repeat")
                if isinstance(seq, str) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise _refused("sandbox_string_repeat")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > 4096:
                raise _refused("sandbox_number_too_large")
        return super().call_binop(context, operator, left, right)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        # docxtpl recompiles the whole document XML on every render (~15 ms); the same template
        # always yields the same source, so compiled templates are cached by source text.
        if globals is None and template_class is None and isinstance(source, str):
            return self._compiled(source)
        return super().from_string(source, globals, template_class)

    @lru_cache(maxsize=64)  # noqa: B019 - one environment per process (sandbox_env), never collected
    def _compiled(self, source: str) -> Any:
        return super().from_string(source)


@cache
def sandbox_env() -> Environment:
    """The one Jinja environment templates are parsed and rendered with."""
    env = _Sandbox(autoescape=True)
    env.globals.clear()  # no range(), dict(), lipsum(), namespace(): a template only sees the context
    env.filters = {k: v for k, v in env.filters.items() if k in SAFE_FILTERS}
    return env


# -- placeholders -------------------------------------------------------------------------------
def _sources(data: bytes) -> Iterator[tuple[str, str]]:
    """(part name, Jinja source) of every place docxtpl.render evaluates, patched as docxtpl does."""
    from docxtpl import DocxTemplate  # at first use: docxtpl (python-docx, lxml) stays out of list-only workers

    tpl = DocxTemplate(io.BytesIO(data))
    tpl.init_docx()
    # Newline before each paragraph, as docxtpl's renderer does, so error line numbers point
    # at a paragraph.
    split = lambda xml: re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # noqa: E731
    yield "word/document.xml", split(tpl.patch_xml(tpl.get_xml()))
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _, part in tpl.get_headers_footers(uri):
            yield str(part.partname).lstrip("/"), split(tpl.patch_xml(tpl.get_part_xml(part)))
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith("wordprocessingml.footnotes+xml"):
            yield str(part.partname).lstrip("/"), split(tpl.patch_xml(part.blob.decode("utf-8")))
    props = tpl.docx.core_properties
    for name in ("author", "comments", "identifier", "language", "subject", "title"):
        yield f"docProps/core.xml#{name}", getattr(props, name) or ""


def _snippet(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    if not lineno or lineno > len(lines):
        return ""
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
    return text[:80] + ("…" if len(text) > 80 else "")


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    here = depth + isinstance(node, nodes.For)
    return max([here, *(_loop_depth(child, here) for child in node.iter_child_nodes())])


def _check_ast(env: Environment, part: str, tree: nodes.Template) -> None:
    for node in tree.find_all(_FORBIDDEN_NODES):
        raise TemplateInvalid(reason="template_forbidden_tag", params={"tag": type(node).__name__.lower(), "part": part},
                              code="forbidden")
    if any(loop.recursive for loop in tree.find_all(nodes.For)):
        raise TemplateInvalid(reason="template_recursive_loop", code="forbidden")
    for access in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = access.attr if isinstance(access, nodes.Getattr) else getattr(getattr(access, "arg", None), "value", None)
        if name in _FORMAT_ATTRS:
            raise TemplateInvalid(reason="template_format_method", params={"name": name, "part": part},
                                  code="forbidden")
    bad = sorted({f.name for f in tree.find_all(nodes.Filter) if f.name not in env.filters}
                 | {t.name for t in tree.find_all(nodes.Test) if t.name not in env.tests})
    if bad:
        raise TemplateInvalid(reason="template_filter_unsupported", params={"filters": ", ".join(bad)}, code="forbidden")


def inspect_template(data: bytes) -> TemplateInfo:
    """Placeholders and shape of a template; raises TemplateInvalid for unreadable files or broken syntax."""
    size = check_container(data)
    # Every draft is converted from it: LibreOffice must not follow links out of it either.
    check_no_outside_refs(data)
    env = sandbox_env()
    names: set[str] = set()
    depth, parts = 0, []
    try:
        sources = list(_sources(data))
    except Exception as exc:  # python-docx on a structurally odd package
        raise TemplateInvalid(reason="docx_corrupt", code="corrupt") from exc
    for part, source in sources:
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as exc:
            near = _snippet(source, exc.lineno)
            raise TemplateInvalid(code="syntax", reason="template_syntax_near" if near else "template_syntax",
                                  params={"part": part, "error": exc.message, "near": near}) from exc
        except RecursionError as exc:  # thousands of nested brackets
            raise TemplateInvalid(reason="template_expression_too_deep", params={"part": part}, code="forbidden") from exc
        _check_ast(env, part, tree)
        names |= meta.find_undeclared_variables(tree)
        depth = max(depth, _loop_depth(tree))
        parts.append(part)
    return TemplateInfo(frozenset(names), depth, size, tuple(parts))


def _misused_rich(data: bytes) -> list[str]:
    """Rich-text values written {{ x }} instead of {{r x }}: the output would be corrupt."""
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    return sorted({m for m in re.findall(r"\{\{\s*(\w+)", text) if m in RICH_KEYS})


def validate_template(data: bytes, kind: TemplateKind | str) -> TemplateInfo:
    """Raise TemplateInvalid unless data is a safe template of this kind; return its info."""
    kind = TemplateKind(kind)
    info = inspect_template(data)
    missing, unknown = info.missing(kind), info.unknown(kind)
    if missing or unknown:
        shown = {"kind": kind.label_vi, "missing": ", ".join(f"{{{{ {n} }}}}" for n in sorted(missing)),
                 "unknown": ", ".join(f"{{{{ {n} }}}}" for n in sorted(unknown))}
        reason = "template_missing_and_unknown" if missing and unknown else \
            "template_missing" if missing else "template_unknown"
        raise TemplateInvalid(code="placeholders", reason=reason, params=shown, missing=missing, unknown=unknown)
    if info.loop_depth > MAX_LOOP_DEPTH:
        raise TemplateInvalid(reason="template_loops_too_deep", params={"depth": info.loop_depth, "max_depth": MAX_LOOP_DEPTH},
                              code="forbidden")
    misused = _misused_rich(data)
    if misused:
        raise TemplateInvalid(code="syntax", reason="template_rich_needs_r",
                              params={"names": ", ".join(f"{{{{r {n} }}}}" for n in misused)})
    _trial_render(data, kind)
    return info


def _trial_render(data: bytes, kind: TemplateKind) -> None:
    """Render sample fields once: catches what shows only at run time ({{ x }} on rich text in a loop, unsafe access)."""
    from datetime import date

    from .reference import demo_district_fields, reference_fields
    from .render import render_docx

    sample = demo_district_fields() if kind.needs_parent else reference_fields()
    render_docx(data, sample, doc_number="01/CTPH-HKH-TĐ", issue_date=date(2018, 3, 5))
