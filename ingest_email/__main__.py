from pathlib import Path

from ingest_email.app import create_app
from ingest_email.settings import ENV_PREFIX, IngestEmailSettings
from shared.runner import run_service

run_service(
    name="ingest_email",
    env_prefix=ENV_PREFIX,
    settings_class=IngestEmailSettings,
    create_app=create_app,
    package_dir=Path(__file__).parent,
)
