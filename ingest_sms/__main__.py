from pathlib import Path

from ingest_sms.app import create_app
from ingest_sms.settings import ENV_PREFIX, IngestSmsSettings
from shared.runner import run_service

run_service(
    name="ingest_sms",
    env_prefix=ENV_PREFIX,
    settings_class=IngestSmsSettings,
    create_app=create_app,
    package_dir=Path(__file__).parent,
)
