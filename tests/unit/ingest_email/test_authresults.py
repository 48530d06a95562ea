"""Reading Authentication-Results and providers' fields: only trusted hosts' results count, the topmost per method,
and the verdict is about the sender's own domain."""

from __future__ import annotations

from ingest_email.authresults import (
    Checked,
    MethodResult,
    from_authentication_results,
    from_provider_headers,
    from_sendgrid,
    parse_authentication_results,
    verdict,
)

TRUSTED = frozenset({"mx.example.com"})


def test_a_header_gives_its_authserv_id_and_each_method_with_the_identity_it_checked() -> None:
    parsed = parse_authentication_results(
        "MX.example.com 1; spf=pass (sender ip is 192.0.2.1; ok) smtp.mailfrom=lan@khach.vn;\r\n"
        ' dkim=fail reason="bad; sig" header.d=khach.vn header.s=s1; dmarc=fail (p=reject) header.from=khach.vn;'
        " x-custom=pass"
    )
    assert parsed == (
        "mx.example.com",
        [
            MethodResult("spf", "pass", "khach.vn"),
            MethodResult("dkim", "fail", "khach.vn"),
            MethodResult("dmarc", "fail", "khach.vn"),
        ],
    )
    assert parse_authentication_results("mx.example.com; none") == ("mx.example.com", [])
    assert parse_authentication_results("   ") is None


def test_only_trusted_hosts_count_and_a_forged_copy_below_the_real_header_is_ignored() -> None:
    real = "mx.example.com; spf=fail smtp.mailfrom=khach.vn; dmarc=fail header.from=khach.vn"
    forged = "mx.example.com; spf=pass smtp.mailfrom=khach.vn; dkim=pass header.d=khach.vn"
    checked = from_authentication_results([real, forged], trusted=TRUSTED)
    assert checked is not None
    assert verdict(checked, sender_domain="khach.vn")["verdict"] == "fail"
    # the forged header's DKIM pass is the only DKIM result: still, DMARC's fail of the real one decides
    assert from_authentication_results([forged], trusted=frozenset()) is None
    assert from_authentication_results(["evil.test; dmarc=pass header.from=khach.vn"], trusted=TRUSTED) is None


def test_the_verdict_is_about_the_senders_domain() -> None:
    def of(*results: MethodResult) -> str:
        return str(verdict(Checked("smtp", results), sender_domain="khach.vn")["verdict"])

    # SPF passing for the attacker's own MAIL FROM says nothing of a From at khach.vn
    assert of(MethodResult("spf", "pass", "evil.test")) == "none"
    assert of(MethodResult("spf", "pass", "bounce.khach.vn")) == "pass"
    assert of(MethodResult("spf", "fail", "khach.vn")) == "fail"
    assert of(MethodResult("spf", "softfail", "khach.vn")) == "none"
    assert of(MethodResult("spf", "fail", "khach.vn"), MethodResult("dkim", "pass", "khach.vn")) == "pass"
    assert of(MethodResult("dkim", "pass", "khach.vn"), MethodResult("dmarc", "fail", "khach.vn")) == "fail"
    assert of(MethodResult("dkim", "fail", "evil.test")) == "none"
    assert of() == "none"
    assert verdict(None, sender_domain="khach.vn")["verdict"] == "none"


def test_providers_fields_are_read() -> None:
    mailgun = from_provider_headers(
        "mailgun",
        {"x-mailgun-spf": "Fail", "x-mailgun-dkim-check-result": "Fail"},
        mail_from="lan@khach.vn",
        dkim_domains=[],
    )
    assert verdict(mailgun, sender_domain="khach.vn")["verdict"] == "fail"
    postmark = from_provider_headers(
        "postmark",
        {"received-spf": 'Pass (sender SPF authorized) identity=mailfrom; envelope-from="lan@khach.vn"'},
        mail_from=None,
        dkim_domains=[],
    )
    assert verdict(postmark, sender_domain="khach.vn")["verdict"] == "pass"
    assert from_provider_headers("smtp", {"x-mailgun-spf": "Pass"}, mail_from=None, dkim_domains=[]) is None
    sendgrid = from_sendgrid(spf="softfail", dkim="{@khach.vn : pass, @evil.test : fail}", mail_from="a@evil.test")
    assert verdict(sendgrid, sender_domain="khach.vn")["verdict"] == "pass"
