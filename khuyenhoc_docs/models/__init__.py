"""ORM models; importing this package registers every table on ``Base.metadata``."""
from .audit import AuditEvent, AuditHead
from .documents import (
    AWAITING, DECLINED, DRAFT, ISSUED, SIGNED, STATUSES, WITHDRAWN,
    Document, DocumentVersion, Signature, StoredObject, TemplateVersion,
)
from .org import Organisation, OrgLevel
from .register import RegisterCounter, RegisterEntry
from .users import ROLES, ApiToken, SigningCredential, User, UserRole

__all__ = [
    "AuditEvent", "AuditHead", "AWAITING", "DECLINED", "DRAFT", "ISSUED", "SIGNED", "STATUSES",
    "WITHDRAWN", "Document", "DocumentVersion", "Signature", "StoredObject", "TemplateVersion",
    "Organisation", "OrgLevel", "RegisterCounter", "RegisterEntry", "ROLES", "ApiToken",
    "SigningCredential", "User", "UserRole",
]
