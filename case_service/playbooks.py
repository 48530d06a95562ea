"""Playbooks: per complaint category, the questions an agent asks and the steps they take.

They follow the customer care handbook's way with complaints: listen and let the customer vent without interrupting,
acknowledge the feeling, find the real cause, propose a concrete remedy, follow up until it is done, and fix the cause
so it does not happen again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Playbook:
    category: str
    questions: tuple[str, ...]
    steps: tuple[str, ...]


DEFAULT_PLAYBOOKS: Mapping[str, Playbook] = {
    "delivery_delay": Playbook(
        category="delivery_delay",
        questions=(
            "What is the order number, and what delivery date were you promised?",
            "Has the tracking status changed since you last checked, and what does it say now?",
            "Did the courier call or leave a note, and is the delivery address and phone number still right?",
            "Is there a date by which you really need the goods (an event, a gift)?",
        ),
        steps=(
            "Listen to the whole story without interrupting; acknowledge the wait and apologise for it.",
            "Check the order and the courier's tracking; find where the parcel is and why it is late.",
            "Give a realistic new delivery date, or offer express re-shipping or cancellation with a full refund.",
            "Follow up on the promised day: call or message the customer to confirm the goods arrived.",
            "Tag the root cause (warehouse, courier, address, stock) so recurring delays reach operations.",
        ),
    ),
    "damaged_goods": Playbook(
        category="damaged_goods",
        questions=(
            "Which item is damaged, and how (broken, dented, wet, torn packaging)?",
            "Could you send photos of the item, the packaging and the shipping label?",
            "Was the outer box already damaged when the courier handed it over?",
            "Would you prefer a replacement or a refund?",
        ),
        steps=(
            "Let the customer describe the damage; say you are sorry it arrived like this.",
            "Collect photos and the order number; check whether the damage happened in transit or at packing.",
            "Send a replacement or refund straight away, with free return pickup if the item must come back.",
            "Follow up until the replacement is received in good condition or the refund has landed.",
            "Report the packaging or courier cause so packing standards or the carrier are corrected.",
        ),
    ),
    "product_quality": Playbook(
        category="product_quality",
        questions=(
            "Which product is it (name, size, colour, batch or expiry date), and when did you buy it?",
            "What exactly is wrong, and how does it differ from the description or the photos?",
            "When did the problem first show, and how has the product been used or stored?",
            "Could you send photos or a short video of the problem?",
            "What would put it right for you: a replacement, a repair or a refund?",
        ),
        steps=(
            "Listen and let the customer explain fully; thank them for telling us rather than just leaving.",
            "Check the product, batch and supplier against other complaints to find whether it is a wider defect.",
            "Offer a replacement, repair or refund within the warranty and return policy, and say how long it takes.",
            "Follow up after the remedy to confirm the product now works as expected.",
            "Pass the defect with its batch to quality control or the supplier so it is fixed at the source.",
        ),
    ),
    "billing_refund": Playbook(
        category="billing_refund",
        questions=(
            "Which order, invoice or transaction is it, and on what date and by which payment method?",
            "What amount was charged, and what amount did you expect?",
            "Could you send a screenshot of the bank statement or receipt showing the charge?",
            "If a refund was promised: when and by whom, and to which account or card?",
        ),
        steps=(
            "Hear the customer out and acknowledge that money problems are stressful.",
            "Reconcile the charge with the order and the payment provider's records to find the error.",
            "Correct the charge or issue the refund, and give the reference and the date the money will arrive.",
            "Check back on that date that the customer has received the money.",
            "Record the cause (double charge, wrong price, refund process) so billing is fixed for everyone.",
        ),
    ),
    "staff_attitude": Playbook(
        category="staff_attitude",
        questions=(
            "When and where did it happen (store, call, chat), and which staff member was it, if you know?",
            "What was said or done, in your own words?",
            "Was anyone else present, or is there a recording, chat log or receipt from that contact?",
            "What would you like us to do about it?",
        ),
        steps=(
            "Let the customer vent without defending the colleague; apologise sincerely for how they were treated.",
            "Take the facts down neutrally and hear the staff member's side through their supervisor.",
            "Tell the customer what will be done and offer a gesture of goodwill where the complaint is upheld.",
            "Follow up to tell the customer the outcome and confirm they are satisfied.",
            "Turn the cause into coaching or a change of procedure so it does not happen again.",
        ),
    ),
    "technical": Playbook(
        category="technical",
        questions=(
            "What were you trying to do, and what happened instead (the exact error message, if any)?",
            "Which device, operating system, app or browser version do you use?",
            "When did it start, and does it happen every time?",
            "Could you send a screenshot of the problem?",
        ),
        steps=(
            "Listen patiently; avoid jargon and reassure the customer that their data and order are safe.",
            "Reproduce the problem, or walk the customer through the known fixes (update, re-login, clear cache).",
            "If it is a defect, log it for the technical team and offer a workaround so the customer can continue.",
            "Follow up when the fix is released and confirm it works for the customer.",
            "Link the case to the defect so the team can see how many customers it affects.",
        ),
    ),
    "other": Playbook(
        category="other",
        questions=(
            "What happened, and when?",
            "What outcome are you hoping for?",
            "Is there an order number, account or document we should look at?",
        ),
        steps=(
            "Listen to the whole complaint and let the customer vent; acknowledge how they feel.",
            "Ask until the real cause is clear, then reclassify the case if it fits a category.",
            "Propose a concrete remedy with a date, and do what was promised.",
            "Follow up to confirm the customer is satisfied.",
            "Record the root cause so the same problem does not recur.",
        ),
    ),
}

_PARTS = ("questions", "steps")


def playbooks_with(overrides: Mapping[str, Mapping[str, Sequence[str]]] | None) -> Mapping[str, Playbook]:
    """The default playbooks with the configured ones applied:
    `{"billing_refund": {"questions": [...], "steps": [...]}}`. A part left out keeps the default; a category without
    a default playbook gets one with just the parts given. Raises ValueError on a bad value."""
    playbooks = dict(DEFAULT_PLAYBOOKS)
    for category, parts in (overrides or {}).items():
        if not category.strip():
            raise ValueError("a playbook needs a category name")
        if not isinstance(parts, Mapping):
            raise ValueError(f'playbook of {category!r} must be an object like {{"questions": [...], "steps": [...]}}')
        unknown = set(parts) - set(_PARTS)
        if unknown:
            raise ValueError(f"playbook of {category!r} has unknown parts {sorted(unknown)}; use questions, steps")
        current = playbooks.get(category, Playbook(category=category, questions=(), steps=()))
        playbooks[category] = Playbook(
            category=category,
            questions=_lines(category, "questions", parts["questions"]) if "questions" in parts else current.questions,
            steps=_lines(category, "steps", parts["steps"]) if "steps" in parts else current.steps,
        )
    return playbooks


def playbook_for(category: str, playbooks: Mapping[str, Playbook]) -> Playbook | None:
    """The playbook of `category`, or None when there is none."""
    return playbooks.get(category)


def _lines(category: str, part: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValueError(f"{part} of playbook {category!r} must be a list of texts")
    if any(not isinstance(value, str) or not value.strip() for value in values):
        raise ValueError(f"{part} of playbook {category!r} has an empty entry")
    return tuple(value.strip() for value in values)
