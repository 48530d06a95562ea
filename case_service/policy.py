"""The case rules a deployment configures (taxonomy, keyword rules, SLA, templates, playbooks), built once from the
settings and validated at start-up: a bad JSON value stops the service with the setting's name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from case_service import classify, playbooks, sla, wording
from case_service.domain import RecurringRule
from case_service.settings import CaseServiceSettings
from shared.events import Priority, SlaTarget

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
    public_base_url: str
    default_region: str
    recurring: RecurringRule

    @property
    def categories(self) -> tuple[str, ...]:
        return self.rules.categories

    def sla_target(self, priority: Priority, target: SlaTarget) -> timedelta:
        policy = self.sla_policies[priority]
        return policy.first_response if target is SlaTarget.FIRST_RESPONSE else policy.resolution

    def survey_url(self, token: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/v1/surveys/{token}"


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
        public_base_url=settings.public_base_url,
        default_region=settings.default_region,
        recurring=RecurringRule(
            window=timedelta(minutes=settings.recurring_window_minutes),
            baseline_period=timedelta(hours=settings.recurring_baseline_hours),
            min_customers=settings.recurring_min_customers,
            factor=settings.recurring_factor,
        ),
    )


def _checked(setting: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"invalid setting {setting}: {error}") from error
