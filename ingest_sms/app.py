"""Composition root of ingest_sms."""

from fastapi import FastAPI

from ingest_sms.settings import IngestSmsSettings
from shared.webapp import new_edge_app


def create_app(settings: IngestSmsSettings) -> FastAPI:
    return new_edge_app(title="SMS and phone ingest", settings=settings, client_id="ingest_sms")
