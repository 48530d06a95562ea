"""Composition root of ingest_email."""

from fastapi import FastAPI

from ingest_email.settings import IngestEmailSettings
from shared.webapp import new_edge_app


def create_app(settings: IngestEmailSettings) -> FastAPI:
    return new_edge_app(title="Email ingest", settings=settings, client_id="ingest_email")
