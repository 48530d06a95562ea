"""The case rules a deployment configures (taxonomy, keyword rules, SLA, templates, playbooks), built once from the
settings and validated at start-up: a bad JSON value stops the service with the setting's name."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from case_service import classify, playbooks, sla, wording
from case_service.domain import RecurringRule
from case_service.settings import CaseServiceSettings
from shared.events import Channel, Priority, SlaTarget

T = TypeVar("T")


@dataclass(frozen=True)
class CasePolicy:
    rules: classify.ClassificationRules
    sla_policies: Mapping[Priority, sla.SlaPolicy]
    calendar: sla.BusinessCalendar | None
    at_risk_fraction: float
    reopen_window: timedelta
    acknowledgements: Mapping[str, str]
    surveys: Mapping[str, str]
    playbooks: Mapping[str, playbooks.Playbook]
    follow_up_delay: timedelta
    survey_validity: timedelta
    csat_reopen_below: int
    customer_pages_url: str
    default_region: str
    recurring: RecurringRule
    status_links: StatusLinkPolicy

    @property
    def categories(self) -> tuple[str, ...]:
        return self.rules.categories

    def sla_target(self, priority: Priority, target: SlaTarget) -> timedelta:
        policy = self.sla_policies[priority]
        return policy.first_response if target is SlaTarget.FIRST_RESPONSE else policy.resolution

    def survey_url(self, token: str) -> str:
        """The survey page of the customers' pages (the console shows it and answers POST /v1/surveys/{token})."""
        return f"{self.customer_pages_url}/survey/{token}"

    def status_url(self, token: str) -> str:
        return f"{self.customer_pages_url}/status/{token}"


def policy_from(settings: CaseServiceSettings) -> CasePolicy:
    """Raises ValueError naming the setting whose value is not usable."""
    return CasePolicy(
        rules=_checked(
            "CASE_SERVICE_CATEGORIES / *_KEYWORDS",
            lambda: classify.rules_with(
                categories=settings.categories,
                category_keywords=settings.category_keywords,
                priority_keywords=settings.priority_keywords,
                marker_keywords=settings.marker_keywords,
            ),
        ),
        sla_policies=_checked("CASE_SERVICE_SLA_TARGETS", lambda: sla.policies_with(settings.sla_targets)),
        calendar=_checked("CASE_SERVICE_BUSINESS_HOURS", lambda: sla.calendar_from(settings.business_hours)),
        at_risk_fraction=settings.sla_at_risk_fraction,
        reopen_window=timedelta(hours=settings.reopen_window_hours),
        acknowledgements={**wording.DEFAULT_ACKNOWLEDGEMENTS, **(settings.acknowledgement_templates or {})},
        surveys={**wording.DEFAULT_SURVEYS, **(settings.survey_templates or {})},
        playbooks=_checked("CASE_SERVICE_PLAYBOOKS", lambda: playbooks.playbooks_with(settings.playbooks)),
        follow_up_delay=timedelta(hours=settings.follow_up_delay_hours),
        survey_validity=timedelta(days=settings.survey_valid_days),
        csat_reopen_below=settings.csat_reopen_below,
        customer_pages_url=settings.customer_pages_url,
        default_region=settings.default_region,
        recurring=RecurringRule(
            window=timedelta(minutes=settings.recurring_window_minutes),
            baseline_period=timedelta(hours=settings.recurring_baseline_hours),
            min_customers=settings.recurring_min_customers,
            factor=settings.recurring_factor,
        ),
        status_links=_checked("CASE_SERVICE_STATUS_LINK_CHANNELS", lambda: status_link_policy(settings)),
    )


@dataclass(frozen=True)
class StatusLinkPolicy:
    """Which new cases get a status link in their acknowledgement, how long a link works, and the key its tokens are
    derived with (None: no key configured, so no links are made and none opens)."""

    channels: frozenset[Channel]
    validity: timedelta
    key: bytes | None


# What the status link key is derived with from TOKEN_SIGNING_KEY: a key of its own, never the signing key itself.
_STATUS_LINK_KEY_LABEL = b"case_service status links v1"


def status_link_policy(settings: CaseServiceSettings) -> StatusLinkPolicy:
    channels = frozenset(Channel(name.strip()) for name in settings.status_link_channels.split(",") if name.strip())
    if settings.status_link_key is not None:
        key: bytes | None = settings.status_link_key.get_secret_value().encode()
    elif settings.token_signing_key is not None:
        signing_key = settings.token_signing_key.get_secret_value().encode()
        key = hmac.new(signing_key, _STATUS_LINK_KEY_LABEL, hashlib.sha256).digest()
    else:
        key = None
    return StatusLinkPolicy(channels=channels, validity=timedelta(days=settings.status_link_days), key=key)


def _checked(setting: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"invalid setting {setting}: {error}") from error
