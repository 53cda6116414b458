"""A merged province loaded from the shipped CSV: its people, demo certificates and a signed programme."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from khuyenhoc_docs.access import Principal
from khuyenhoc_docs.credentials import issue_demo_credential
from khuyenhoc_docs.drafting.templates import TemplateKind
from khuyenhoc_docs.models import Organisation, User
from khuyenhoc_docs.workflow.prefill import initial_fields
from tests.conftest import DEMO_PASSWORD, api_token, make_app

VINH_LONG = Path(__file__).resolve().parents[2] / "examples" / "vinh-long-2025-organisations.csv"
PEOPLE = ("username,full_name,position,organisation,role,email\n"
          "vanthu.vl,Phạm Văn Lưu,Văn thư,Hội Khuyến học tỉnh Vĩnh Long,clerk,vanthu@vinhlong.local\n"
          "vanthu.tdvl,Võ Thị Thư,Văn thư,Tỉnh đoàn Vĩnh Long,clerk,vanthu.td@vinhlong.local\n"
          "chutich.vl,Nguyễn Thị Hội,CHỦ TỊCH,Hội Khuyến học tỉnh Vĩnh Long,chair,chutich@vinhlong.local\n"
          "bithu.vl,Trần Văn Đoàn,BÍ THƯ,Tỉnh đoàn Vĩnh Long,chair,bithu@vinhlong.local\n"
          "luutru.vl,Lê Thị Lưu,Lưu trữ viên,Hội Khuyến học tỉnh Vĩnh Long,archivist,luutru@vinhlong.local\n")

VL_HKH, VL_TD = "Hội Khuyến học tỉnh Vĩnh Long", "Tỉnh đoàn Vĩnh Long"


def org_named(session, name: str) -> Organisation:
    """The one organisation of that name (the shipped CSV has no codes: its units are placeholders)."""
    return session.scalars(select(Organisation).where(Organisation.name == name)).one()


@dataclass
class Province:
    app: object
    passwords: dict[str, str]

    def token(self, client, username: str) -> dict[str, str]:
        return api_token(client, username, self.passwords[username])


def load_province(app, tmp_path) -> Province:
    """Import the shipped tree and the people through the CLI; chairs and both province organisations
    (their seals, opened with DEMO_PASSWORD) get demo certificates."""
    runner = app.test_cli_runner()
    (tmp_path / "orgs.csv").write_bytes(VINH_LONG.read_bytes())
    (tmp_path / "people.csv").write_text(PEOPLE)
    out = runner.invoke(args=["orgs", "import", str(tmp_path / "orgs.csv")])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["users", "import", str(tmp_path / "people.csv")])
    assert out.exit_code == 0, out.output
    passwords = dict(re.findall(r"initial password (\S+): (\S+)", out.output))
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        for username in ("chutich.vl", "bithu.vl"):
            user = s.scalar(select(User).where(User.username == username))
            issue_demo_credential(s, svc.demo_pki.ca, user, passwords[username])
        for name in (VL_HKH, VL_TD):
            issue_demo_credential(s, svc.demo_pki.ca, org_named(s, name), DEMO_PASSWORD)
        s.commit()
    return Province(app, passwords)


def signed_province_programme(province: Province, client) -> tuple[int, str, dict[str, str]]:
    """A province programme of the merged Vĩnh Long, drafted, signed by both chairs, then numbered and
    sealed by both organisations' clerks."""
    h = province.token(client, "vanthu.vl")
    with province.app.extensions["khd.sessions"]() as s:
        hkh, td = org_named(s, VL_HKH), org_named(s, VL_TD)
        fields = initial_fields(s, TemplateKind.PROGRAMME_PROVINCE.value, hkh, td)
    fields["period"] = "2026 – 2030"
    fields["place"] = "Vĩnh Long"
    created = client.post("/api/v1/documents", headers=h, json={
        "kind": TemplateKind.PROGRAMME_PROVINCE.value, "fields": fields})
    assert created.status_code == 201, created.get_json()
    doc_id = created.get_json()["id"]
    submitted = client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    assert submitted.status_code == 200, submitted.get_json()
    for chair in ("chutich.vl", "bithu.vl"):
        signed = client.post(f"/api/v1/documents/{doc_id}/sign", headers=province.token(client, chair),
                             json={"secret": province.passwords[chair]})
        assert signed.status_code == 200, signed.get_json()
    for clerk in ("vanthu.vl", "vanthu.tdvl"):
        sealed = client.post(f"/api/v1/documents/{doc_id}/seal", headers=province.token(client, clerk),
                             json={"secret": DEMO_PASSWORD})
        assert sealed.status_code == 200, sealed.get_json()
    assert sealed.get_json()["status"] == "sealed"
    return doc_id, sealed.get_json()["doc_number"], h


@pytest.fixture
def jobs_app(data_dir):
    app = make_app(data_dir, jobs_immediate=True)
    yield app
    app.extensions["khd.engine"].dispose()


__all__ = ["DEMO_PASSWORD", "VL_HKH", "VL_TD", "Principal", "Province", "load_province", "org_named",
           "signed_province_programme"]
