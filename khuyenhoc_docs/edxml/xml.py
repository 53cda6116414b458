"""Writing and reading edXML packages and status messages (lxml, DTDs and entities refused)."""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from . import EdxmlInvalid
from .model import (
    NS,
    PREFIX,
    Attachment,
    Business,
    MessageHeader,
    Organ,
    OtherInfo,
    Package,
    ResponseFor,
    Signer,
    Staff,
    StatusMessage,
    Trace,
)

NSMAP = {PREFIX: NS}
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
MAX_PACKAGE_BYTES = 60 * 1024 * 1024
DATE_FMT, TS_FMT = "%Y/%m/%d", "%Y/%m/%d %H:%M:%S"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _el(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _q(tag))
    if text is not None:
        el.text = text
    return el


def _texts(parent: etree._Element, pairs: Iterable[tuple[str, str]]) -> None:
    for tag, text in pairs:
        _el(parent, tag, text)


def _organ(parent: etree._Element, tag: str, o: Organ) -> None:
    el = _el(parent, tag)
    _texts(el, [("OrganId", o.organ_id), ("OrganizationInCharge", o.organization_in_charge),
                ("OrganName", o.organ_name), ("OrganAdd", o.organ_add), ("Email", o.email),
                ("Telephone", o.telephone), ("Fax", o.fax), ("Website", o.website)])


def _staff(parent: etree._Element, s: Staff) -> None:
    el = _el(parent, "StaffInfo")
    _texts(el, [("Department", s.department), ("Staff", s.staff), ("Mobile", s.mobile), ("Email", s.email)])


def _response_for(parent: etree._Element, r: ResponseFor) -> None:
    el = _el(parent, "ResponseFor")
    _texts(el, [("OrganId", r.organ_id), ("Code", r.code),
                ("PromulgationDate", r.promulgation_date.strftime(DATE_FMT)), ("DocumentId", r.document_id)])


def _placeholder(parent: etree._Element) -> None:
    # signxml replaces this element by the enveloped signature (which covers the whole envelope).
    etree.SubElement(parent, f"{{{DS_NS}}}Signature", Id="placeholder", nsmap={"ds": DS_NS})


def package_tree(pkg: Package) -> etree._Element:
    """The unsigned envelope of ``pkg`` (with the signature placeholder in the header)."""
    h = pkg.header
    root = etree.Element(_q("edXMLEnvelope"), nsmap=NSMAP)
    header = _el(root, "edXMLHeader")
    mh = _el(header, "MessageHeader")
    _organ(mh, "From", h.sender)
    for to in h.recipients:
        _organ(mh, "To", to)
    _el(mh, "DocumentId", h.document_id)
    _texts(_el(mh, "Code"), [("CodeNumber", h.code_number), ("CodeNotation", h.code_notation)])
    _texts(_el(mh, "PromulgationInfo"), [("Place", h.place),
                                         ("PromulgationDate", h.promulgation_date.strftime(DATE_FMT))])
    _texts(_el(mh, "DocumentType"), [("Type", h.type), ("TypeDetail", h.type_detail), ("TypeName", h.type_name)])
    _el(mh, "Subject", h.subject)
    _el(mh, "Content", h.content)
    _texts(_el(mh, "SignerInfo"), [("Competence", h.signer.competence), ("Position", h.signer.position),
                                   ("FullName", h.signer.full_name)])
    _el(mh, "DueDate", h.due_date.strftime(DATE_FMT) if h.due_date else "")
    places = _el(mh, "ToPlaces")
    for place in h.to_places:
        _el(places, "Place", place)
    o = h.other
    other = _el(mh, "OtherInfo")
    _texts(other, [("Priority", o.priority), ("SphereOfPromulgation", o.sphere_of_promulgation),
                   ("TyperNotation", o.typer_notation), ("PromulgationAmount", str(o.promulgation_amount)),
                   ("PageAmount", str(o.page_amount)), ("Direction", o.direction)])
    apps = _el(other, "Appendixes")
    for a in o.appendixes:
        _el(apps, "Appendix", a)
    _el(mh, "SteeringType", h.steering_type)
    if h.response_for:
        _response_for(mh, h.response_for)
    traces = _el(header, "TraceHeaderList")
    for t in pkg.traces:
        _texts(_el(traces, "TraceHeader"), [("OrganId", t.organ_id), ("Timestamp", t.timestamp.strftime(TS_FMT))])
    b = pkg.business
    bus = _el(traces, "Bussiness")
    _texts(bus, [("BussinessDocType", b.doc_type), ("BussinessDocReason", b.reason),
                 ("DocumentId", b.document_id or h.document_id), ("Paper", b.paper)])
    _staff(bus, b.staff)
    _placeholder(header)
    manifest = _el(_el(root, "edXMLBody"), "edXMLManifest")
    encoded = _el(root, "AttachmentEncoded")
    for item in pkg.attachments:
        _texts(_el(manifest, "Reference"), [("ContentId", item.content_id), ("ContentType", item.content_type),
                                            ("Description", item.description), ("AttachmentName", item.name)])
        att = _el(encoded, "Attachment")
        _texts(att, [("ContentId", item.content_id), ("ContentType", item.content_type), ("AttachmentName", item.name),
                     ("Description", item.description), ("ContentTransferEncoded", "base64"),
                     ("AttachmentText", base64.b64encode(item.data).decode())])
    return root


def status_tree(msg: StatusMessage) -> etree._Element:
    """The unsigned envelope of a status message."""
    root = etree.Element(_q("edXMLEnvelope"), nsmap=NSMAP)
    header = _el(root, "edXMLHeader")
    st = _el(header, "Status")
    _response_for(st, msg.response_for)
    _organ(st, "From", msg.sender)
    _staff(st, msg.staff)
    _texts(st, [("StatusCode", msg.status_code), ("Description", msg.description),
                ("Timestamp", msg.timestamp.strftime(TS_FMT))])
    _placeholder(header)
    return root


# -- reading ------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=True, remove_blank_text=False)


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: size-capped, any DOCTYPE refused (so no entity tricks in any encoding)."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlInvalid(code="edxml_too_large")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise EdxmlInvalid(code="edxml_not_xml", detail=str(exc)) from exc
    if root.getroottree().docinfo.doctype:
        raise EdxmlInvalid(code="edxml_doctype")
    if root.tag != _q("edXMLEnvelope"):
        raise EdxmlInvalid(code="edxml_root_element")
    return root


def _find(el: etree._Element, path: str, required: bool = True) -> etree._Element | None:
    found = el.find("/".join(_q(p) for p in path.split("/")))
    if found is None and required:
        raise EdxmlInvalid(code="edxml_element_missing", params={"element": path.split("/")[-1]})
    return found


def _text(el: etree._Element, path: str, required: bool = True) -> str:
    found = _find(el, path, required)
    return (found.text or "").strip() if found is not None else ""


def _date(value: str, code: str) -> date:
    try:
        return datetime.strptime(value, DATE_FMT).date()
    except ValueError as exc:
        raise EdxmlInvalid(code=code) from exc


def _ts(value: str) -> datetime:
    try:
        return datetime.strptime(value, TS_FMT)
    except ValueError as exc:
        raise EdxmlInvalid(code="edxml_timestamp_format") from exc


def _read_organ(el: etree._Element) -> Organ:
    return Organ(organ_id=_text(el, "OrganId"), organ_name=_text(el, "OrganName"),
                 organization_in_charge=_text(el, "OrganizationInCharge", False), organ_add=_text(el, "OrganAdd", False),
                 email=_text(el, "Email", False), telephone=_text(el, "Telephone", False),
                 fax=_text(el, "Fax", False), website=_text(el, "Website", False))


def _read_staff(el: etree._Element | None) -> Staff:
    if el is None:
        return Staff()
    return Staff(department=_text(el, "Department", False), staff=_text(el, "Staff", False),
                 mobile=_text(el, "Mobile", False), email=_text(el, "Email", False))


def _read_response_for(el: etree._Element) -> ResponseFor:
    return ResponseFor(organ_id=_text(el, "OrganId"), code=_text(el, "Code"),
                       promulgation_date=_date(_text(el, "PromulgationDate"), "edxml_promulgation_date_format"),
                       document_id=_text(el, "DocumentId"))


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


def read_package(root: etree._Element) -> Package:
    """The package's contents; the manifest and the attachments must match one to one."""
    mh = _find(root, "edXMLHeader/MessageHeader")
    assert mh is not None
    other = _find(mh, "OtherInfo", False)
    rf = _find(mh, "ResponseFor", False)
    due = _text(mh, "DueDate", False)
    header = MessageHeader(
        sender=_read_organ(_find(mh, "From")),
        recipients=tuple(_read_organ(t) for t in mh.findall(_q("To"))),
        code_number=_text(mh, "Code/CodeNumber"), code_notation=_text(mh, "Code/CodeNotation"),
        place=_text(mh, "PromulgationInfo/Place", False),
        promulgation_date=_date(_text(mh, "PromulgationInfo/PromulgationDate"), "edxml_promulgation_date_format"),
        type=_text(mh, "DocumentType/Type", False), type_detail=_text(mh, "DocumentType/TypeDetail", False),
        type_name=_text(mh, "DocumentType/TypeName", False), subject=_text(mh, "Subject"),
        content=_text(mh, "Content", False),
        signer=Signer(competence=_text(mh, "SignerInfo/Competence", False),
                      position=_text(mh, "SignerInfo/Position", False), full_name=_text(mh, "SignerInfo/FullName")),
        due_date=_date(due, "edxml_due_date_format") if due else None,
        to_places=tuple((p.text or "").strip() for p in mh.findall(f"{_q('ToPlaces')}/{_q('Place')}")),
        other=OtherInfo(
            priority=_text(other, "Priority", False), sphere_of_promulgation=_text(other, "SphereOfPromulgation", False),
            typer_notation=_text(other, "TyperNotation", False),
            promulgation_amount=_int(_text(other, "PromulgationAmount", False), 1),
            page_amount=_int(_text(other, "PageAmount", False), 1), direction=_text(other, "Direction", False),
        ) if other is not None else OtherInfo(),
        steering_type=_text(mh, "SteeringType", False),
        response_for=_read_response_for(rf) if rf is not None else None,
    )
    if header.document_id != _text(mh, "DocumentId"):
        raise EdxmlInvalid(code="edxml_document_id_mismatch")
    traces = tuple(Trace(organ_id=_text(t, "OrganId"), timestamp=_ts(_text(t, "Timestamp")))
                   for t in root.iterfind(f"{_q('edXMLHeader')}/{_q('TraceHeaderList')}/{_q('TraceHeader')}"))
    bus = _find(root, "edXMLHeader/TraceHeaderList/Bussiness", False)
    business = Business() if bus is None else Business(
        doc_type=_text(bus, "BussinessDocType"), reason=_text(bus, "BussinessDocReason", False),
        document_id=_text(bus, "DocumentId", False), paper=_text(bus, "Paper", False),
        staff=_read_staff(_find(bus, "StaffInfo", False)))
    return Package(header=header, traces=traces, business=business, attachments=_read_attachments(root))


def _read_attachments(root: etree._Element) -> tuple[Attachment, ...]:
    refs = {_text(r, "ContentId"): r for r in root.iterfind(
        f"{_q('edXMLBody')}/{_q('edXMLManifest')}/{_q('Reference')}")}
    out = []
    for att in root.iterfind(f"{_q('AttachmentEncoded')}/{_q('Attachment')}"):
        cid = _text(att, "ContentId")
        ref = refs.pop(cid, None)
        if ref is None:
            raise EdxmlInvalid(code="edxml_attachment_unlisted", params={"cid": cid})
        name, ctype = _text(att, "AttachmentName"), _text(att, "ContentType")
        if name != _text(ref, "AttachmentName") or ctype != _text(ref, "ContentType"):
            raise EdxmlInvalid(code="edxml_attachment_mismatch", params={"cid": cid})
        if _text(att, "ContentTransferEncoded", False).lower() not in ("", "base64"):
            raise EdxmlInvalid(code="edxml_attachment_encoding")
        try:
            data = base64.b64decode(_text(att, "AttachmentText"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EdxmlInvalid(code="edxml_attachment_undecodable", params={"cid": cid}) from exc
        out.append(Attachment(content_id=cid, content_type=ctype, name=name, data=data,
                              description=_text(att, "Description", False)))
    if refs:
        raise EdxmlInvalid(code="edxml_manifest_missing_files", params={"files": ", ".join(sorted(refs))})
    return tuple(out)


def read_status(root: etree._Element) -> StatusMessage:
    """The status message in an envelope."""
    st = _find(root, "edXMLHeader/Status")
    assert st is not None
    code = _text(st, "StatusCode")
    return StatusMessage(sender=_read_organ(_find(st, "From")),
                         response_for=_read_response_for(_find(st, "ResponseFor")),
                         status_code=code, description=_text(st, "Description", False),
                         timestamp=_ts(_text(st, "Timestamp")), staff=_read_staff(_find(st, "StaffInfo", False)))


def is_status(root: etree._Element) -> bool:
    """True when the envelope carries a status message rather than a document."""
    return _find(root, "edXMLHeader/Status", False) is not None
