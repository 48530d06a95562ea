"""Who wrote a phone note: an agent (from their own token), a supervisor, the admin, or a CTI system (with a key of
its own, INGEST_SMS_CTI_KEY_HASHES, accepted on this endpoint only).

The author decides two things: the note's dedup key (an agent's `note_id`s live in that agent's own namespace, so no
agent can claim an id a CTI system will send), and, in the event's metadata, which cases case_service lets the note
join (an agent's note joins only a case assigned to that agent).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi import Request

from shared.auth import Principal, Role, bearer_credential, key_matches, require_roles
from shared.settings import ServiceSettings


class AuthorKind(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CTI = "cti"


@dataclass(frozen=True)
class NoteAuthor:
    kind: AuthorKind
    agent_id: str | None = None  # set iff kind is agent

    @classmethod
    def of(cls, principal: Principal) -> NoteAuthor:
        return cls(AuthorKind(principal.role.value), agent_id=principal.agent_id)

    def note_key(self, note_id: str) -> str:
        """The note's dedup key. CTI systems and the admin share `note:<id>` (what every note had before authors were
        told apart); an agent's and the supervisors' notes have their own prefixes, which no `note:` key can have."""
        if self.kind is AuthorKind.AGENT:
            # Quoted, so that no agent id holds the ':' that ends it: agent "a:b" note "c" is not agent "a" note "b:c".
            return f"agent-note:{quote(self.agent_id or '', safe='')}:{note_id}"
        if self.kind is AuthorKind.SUPERVISOR:
            return f"supervisor-note:{note_id}"
        return f"note:{note_id}"

    def metadata(self) -> dict[str, str]:
        """`phone_note.author` of the event: what case_service reads to scope the note."""
        return {"kind": self.kind.value, **({"agent_id": self.agent_id} if self.agent_id else {})}


CTI = NoteAuthor(AuthorKind.CTI)
Dependency = Callable[[Request], Coroutine[Any, Any, NoteAuthor]]


def require_note_author(settings: ServiceSettings, *, cti_key_hashes: frozenset[str]) -> Dependency:
    """A FastAPI dependency: a CTI key, else the admin key or a supervisor or agent token (401/403 problem+json
    otherwise). The author is left on the request for `current_author`."""
    people = require_roles(settings, Role.ADMIN, Role.SUPERVISOR, Role.AGENT)

    async def check(request: Request) -> NoteAuthor:
        if key_matches(bearer_credential(request), cti_key_hashes):
            author = CTI
        else:
            author = NoteAuthor.of(await people(request))
        request.state.note_author = author
        return author

    return check


def current_author(request: Request) -> NoteAuthor:
    """The author `require_note_author` stored on the request."""
    author = getattr(request.state, "note_author", None)
    if not isinstance(author, NoteAuthor):
        raise RuntimeError("the phone-notes router is mounted without require_note_author")
    return author
