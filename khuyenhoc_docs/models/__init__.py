"""ORM models; importing this package registers every table on ``Base.metadata``."""
from .archive_index import RevisionHash
from .audit import AuditEvent, AuditHead
from .copies import COPY_KINDS, COPY_SAO_Y, COPY_TRICH_SAO, CopyCounter, DocumentCopy
from .credentials import OrganisationCredential
from .distribution import (
    ACKNOWLEDGED,
    CHANNELS,
    FAILED,
    QUEUED,
    SENT,
    Dispatch,
    DocumentRecipient,
    Recipient,
    RecipientList,
    RecipientListItem,
)
from .documents import (
    AWAITING,
    DECLINED,
    DRAFT,
    ISSUED,
    LEAD,
    PARTNER,
    SEAL_FIELDS,
    SEALED,
    SIG_CANCELLED,
    SIG_DECLINED,
    SIG_PENDING,
    SIG_SIGNED,
    SIGNATURE_STATUSES,
    SIGNED,
    STATUSES,
    WITHDRAWN,
    Document,
    DocumentCount,
    DocumentVersion,
    Seal,
    Signature,
    StoredObject,
    TemplateVersion,
)
from .exchange import (
    RECALL_REQUESTED,
    RECALLED,
    RECEIVED,
    REPLACED,
    ExchangeStatus,
    IncomingCounter,
    IncomingDocument,
)
from .followup import (
    JOB_DONE,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_STATUSES,
    BackgroundJob,
    CascadeChild,
    ReportObligation,
)
from .org import Organisation, OrgLevel, OrgSuccession
from .register import ENTRY_ACTIVE, ENTRY_STATUSES, ENTRY_VOID, RegisterCounter, RegisterEntry
from .remote import REQUEST_STATUSES, SigningRequest, SigningRequestItem
from .users import ROLES, ApiToken, BrowserSession, SigningCredential, User, UserRole

__all__ = [
    "COPY_KINDS", "COPY_SAO_Y", "COPY_TRICH_SAO", "CopyCounter", "DocumentCopy",
    "RECALL_REQUESTED", "RECALLED", "RECEIVED", "REPLACED", "ExchangeStatus", "IncomingCounter", "IncomingDocument",
    "BackgroundJob", "CascadeChild", "ReportObligation", "JOB_DONE", "JOB_FAILED", "JOB_QUEUED", "JOB_RUNNING",
    "JOB_STATUSES", "ENTRY_ACTIVE", "ENTRY_STATUSES", "ENTRY_VOID",
    "ACKNOWLEDGED", "CHANNELS", "FAILED", "QUEUED", "SENT", "Dispatch", "DocumentRecipient", "Recipient",
    "RecipientList", "RecipientListItem",
    "AuditEvent", "AuditHead", "AWAITING", "SIG_CANCELLED", "SIG_DECLINED", "SIG_PENDING", "SIG_SIGNED",
    "SIGNATURE_STATUSES", "DECLINED", "DRAFT", "ISSUED", "SIGNED", "STATUSES",
    "WITHDRAWN", "Document", "DocumentCount", "DocumentVersion", "Signature", "StoredObject", "TemplateVersion",
    "Organisation", "OrgLevel", "OrgSuccession", "RegisterCounter", "RegisterEntry", "ROLES", "ApiToken",
    "SigningCredential", "User", "UserRole", "OrganisationCredential", "RevisionHash", "REQUEST_STATUSES",
    "SigningRequest", "SigningRequestItem", "BrowserSession",
    "LEAD", "PARTNER", "SEAL_FIELDS", "SEALED", "Seal",
]
