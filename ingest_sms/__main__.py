"""`python -m ingest_sms serve|migrate|check`."""

from pathlib import Path

from ingest_sms.app import NAME, create_app
from ingest_sms.settings import ENV_PREFIX, IngestSmsSettings
from shared.runner import run_service


def main(argv: list[str] | None = None) -> None:
    run_service(
        name=NAME,
        env_prefix=ENV_PREFIX,
        settings_class=IngestSmsSettings,
        create_app=create_app,
        package_dir=Path(__file__).parent,
        argv=argv,
    )


if __name__ == "__main__":
    main()
