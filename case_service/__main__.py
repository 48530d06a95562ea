from pathlib import Path

from case_service.app import create_app
from case_service.settings import ENV_PREFIX, SERVICE_NAME, CaseServiceSettings
from shared.runner import run_service

run_service(
    name=SERVICE_NAME,
    env_prefix=ENV_PREFIX,
    settings_class=CaseServiceSettings,
    create_app=create_app,
    package_dir=Path(__file__).parent,
)
