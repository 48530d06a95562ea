"""Composition root of ingest_social."""

from fastapi import FastAPI

from ingest_social.settings import IngestSocialSettings
from shared.webapp import new_edge_app


def create_app(settings: IngestSocialSettings) -> FastAPI:
    return new_edge_app(title="Social channels ingest", settings=settings, client_id="ingest_social")
