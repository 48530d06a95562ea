"""The published API documents: each service's OpenAPI and the AsyncAPI of the events, kept under docs/api/."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.asyncapi import asyncapi_document

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "api"


def _apps() -> dict[str, Callable[[Path], FastAPI]]:
    from case_service.app import create_app as case_app
    from case_service.settings import CaseServiceSettings
    from ingest_email.app import create_app as email_app
    from ingest_email.settings import IngestEmailSettings
    from ingest_sms.app import create_app as sms_app
    from ingest_sms.settings import IngestSmsSettings
    from ingest_social.app import create_app as social_app
    from ingest_social.settings import IngestSocialSettings
    from router_service.app import create_app as router_app
    from router_service.settings import RouterServiceSettings
    from services.gateway.app import create_app as gateway_app
    from services.gateway.settings import GatewaySettings

    return {
        "gateway": lambda data: gateway_app(GatewaySettings(data_dir=data)),
        "ingest_email": lambda data: email_app(IngestEmailSettings(data_dir=data)),
        "ingest_sms": lambda data: sms_app(IngestSmsSettings(data_dir=data)),
        "ingest_social": lambda data: social_app(IngestSocialSettings(data_dir=data)),
        "case_service": lambda data: case_app(CaseServiceSettings(data_dir=data)),
        "router_service": lambda data: router_app(RouterServiceSettings(data_dir=data)),
    }


def render_documents() -> dict[str, str]:
    """File name -> content of every published document (no I/O beyond a scratch data dir)."""
    documents: dict[str, Any] = {"asyncapi.json": asyncapi_document()}
    with tempfile.TemporaryDirectory() as scratch:
        for name, build in _apps().items():
            documents[f"{name}.openapi.json"] = build(Path(scratch)).openapi()
    return {
        name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n" for name, doc in documents.items()
    }


def write_documents(directory: Path = DOCS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_documents().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
