"""The survey page against the real case_service: the link the customer was sent opens a 1-5 question in their
language; the answer is recorded as `POST /v1/surveys/{token}` records it (a low score reopens the case); a used,
expired or unknown link says so kindly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.console.public_kit import (
    ENGLISH,
    VIETNAMESE,
    Cases,
    Gateway,
    form_token,
    running_cases,
    running_gateway,
    running_public_console,
    shown_ago,
)
from tests.integration.console.public_kit import browser as new_browser
from tests.integration.console.support import Console


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running_gateway(tmp_path / "gateway") as running:
        yield running


@pytest.fixture
async def cases(tmp_path: Path) -> AsyncIterator[Cases]:
    async with running_cases(tmp_path / "cases", follow_up_delay_hours=0) as running:
        yield running


@pytest.fixture
async def console(migrated_url: str, tmp_path: Path, gateway: Gateway, cases: Cases) -> AsyncIterator[Console]:
    async with running_public_console(migrated_url, tmp_path / "console", gateway=gateway, cases=cases) as running:
        yield running


async def surveyed_case(console: Console, gateway: Gateway, cases: Cases, *, resolved_at: datetime) -> tuple[str, str]:
    """A complaint from the form, resolved at `resolved_at` and surveyed a minute later: (case id, survey token)."""
    browser = new_browser(console)
    fields = {"name": "Minh", "email": "minh@example.com", "subject": "Hàng vỡ", "text": "Cốc bị vỡ khi nhận."}
    sent = await browser.post("/complain", data={**fields, "form_token": shown_ago(console, "complain", minutes=1)})
    assert sent.status_code == 303, sent.text
    case_id = await cases.deliver((await gateway.accepted())[-1])
    await cases.resolve(case_id, at=resolved_at)
    await cases.run_scheduler(now=resolved_at + timedelta(minutes=1))
    return case_id, await cases.survey_token(case_id)


async def test_a_low_score_from_the_survey_page_reopens_the_case(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    case_id, token = await surveyed_case(console, gateway, cases, resolved_at=datetime.now(UTC) - timedelta(minutes=5))
    reference = await cases.reference(case_id)
    browser = new_browser(console, VIETNAMESE)

    page = await browser.get(f"/survey/{token}")

    assert page.status_code == 200, page.text
    assert f"Bạn hài lòng thế nào với cách chúng tôi hỗ trợ hồ sơ {reference}?" in page.text
    for score in range(1, 6):
        assert f'<input type="radio" id="score-{score}" name="score" value="{score}" required>' in page.text
    assert '<label for="comment">' in page.text

    answered = await browser.post(
        f"/survey/{token}", data={"score": "2", "comment": "Chậm quá <b>!</b>", "form_token": form_token(page)}
    )
    assert answered.status_code == 303
    thanks = await browser.get(answered.headers["location"])
    assert f"Cảm ơn bạn đã đánh giá hồ sơ {reference}." in thanks.text
    case = await cases.case(case_id)
    assert (case["status"], case["csat"]["score"], case["csat"]["comment"]) == ("open", 2, "Chậm quá <b>!</b>")

    twice = await browser.post(f"/survey/{token}", data={"score": "5", "form_token": form_token(page)})
    assert twice.status_code == 303, "a second answer is thanked, not recorded"
    assert (await cases.case(case_id))["csat"]["score"] == 2
    later = await browser.get(f"/survey/{token}")
    assert f"Bạn đã trả lời khảo sát cho hồ sơ {reference} rồi. Xin cảm ơn!" in later.text


async def test_a_score_must_be_chosen_and_the_form_must_be_the_pages(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    case_id, token = await surveyed_case(console, gateway, cases, resolved_at=datetime.now(UTC) - timedelta(minutes=5))
    browser = new_browser(console, ENGLISH)
    page = await browser.get(f"/survey/{token}")
    for score in ("", "0", "6", "five", "22"):
        refused = await browser.post(f"/survey/{token}", data={"score": score, "form_token": form_token(page)})
        assert refused.status_code == 422 and "Please choose a score from 1 to 5." in refused.text, score
    foreign = await browser.post(f"/survey/{token}", data={"score": "1", "form_token": "1.2.3"})
    assert foreign.status_code == 400 and "This form is too old or was not made by this site" in foreign.text
    assert (await cases.case(case_id))["csat"] is None


async def test_an_expired_or_unknown_survey_link_says_so_kindly(
    console: Console, gateway: Gateway, cases: Cases
) -> None:
    case_id, token = await surveyed_case(console, gateway, cases, resolved_at=datetime.now(UTC) - timedelta(days=30))
    browser = new_browser(console, ENGLISH)
    expired = await browser.get(f"/survey/{token}")
    reference = await cases.reference(case_id)
    assert expired.status_code == 410
    assert f"This survey for case {reference} has closed. Thank you all the same" in expired.text
    unknown = await browser.get("/survey/" + "z" * 43)
    assert unknown.status_code == 404 and "This survey link does not work." in unknown.text
