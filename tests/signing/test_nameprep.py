"""The remembered name preparation gives exactly asn1crypto's, errors included, and is installed."""
from __future__ import annotations

import pytest
from asn1crypto import x509

import khuyenhoc_docs.signing  # noqa: F401 - installs it
from khuyenhoc_docs.signing import nameprep

CASES = ["Hội Khuyến học tỉnh Bến Tre", "CHỦ TỊCH", "  Demo   CA  ", "ǅ ﬁ Ⅻ", "VN", "", "a\u00adb\u200bc", "ＡＢＣ"]


@pytest.mark.parametrize("value", CASES)
def test_same_as_asn1crypto_twice(value):
    expected = nameprep._original(None, value)
    assert nameprep._ldap_string_prep(None, value) == expected
    assert nameprep._ldap_string_prep(None, value) == expected  # from memory


def test_prohibited_characters_raise_every_time():
    bad = "a\ue000b"  # private use: prohibited by RFC 4518
    with pytest.raises(ValueError):
        nameprep._original(None, bad)
    for _ in range(2):
        with pytest.raises(ValueError):
            nameprep._ldap_string_prep(None, bad)


def test_installed_and_names_still_compare_by_rfc_5280():
    assert x509.NameTypeAndValue._ldap_string_prep is nameprep._ldap_string_prep
    a = x509.Name.build({"common_name": "Hội  Khuyến học", "country_name": "VN"})
    b = x509.Name.build({"common_name": "hội khuyến HỌC", "country_name": "VN"})
    c = x509.Name.build({"common_name": "Hội Khuyến học tỉnh", "country_name": "VN"})
    assert a == b and a != c
