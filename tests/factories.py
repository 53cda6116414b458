"""Test data factories."""
from __future__ import annotations

from sqlalchemy import select

from khuyenhoc_docs.accounts import NewUser, create_user
from khuyenhoc_docs.models import Organisation
from tests.conftest import DEMO_PASSWORD


def make_user(app, username: str, org_name: str, *roles: str, full_name: str | None = None) -> int:
    """Create a user in the named organisation (demo password); returns the id."""
    with app.extensions["khd.sessions"]() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == org_name))
        assert org is not None, org_name
        user = create_user(s, NewUser(username=username, full_name=full_name or username, password=DEMO_PASSWORD,
                                      organisation_id=org.id, roles=roles or ("clerk",)))
        s.commit()
        return user.id
