from pathlib import Path

from router_service.app import create_app
from router_service.settings import ENV_PREFIX, RouterServiceSettings
from shared.runner import run_service

run_service(
    name="router_service",
    env_prefix=ENV_PREFIX,
    settings_class=RouterServiceSettings,
    create_app=create_app,
    package_dir=Path(__file__).parent,
)
