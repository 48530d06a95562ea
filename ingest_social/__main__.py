from pathlib import Path

from ingest_social.app import create_app
from ingest_social.settings import ENV_PREFIX, IngestSocialSettings
from shared.runner import run_service

run_service(
    name="ingest_social",
    env_prefix=ENV_PREFIX,
    settings_class=IngestSocialSettings,
    create_app=create_app,
    package_dir=Path(__file__).parent,
)
