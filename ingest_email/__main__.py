"""`python -m ingest_email serve|migrate|check`."""

from pathlib import Path

from ingest_email.app import NAME, create_app
from ingest_email.settings import ENV_PREFIX, IngestEmailSettings
from shared.runner import run_service


def main(argv: list[str] | None = None) -> None:
    run_service(
        name=NAME,
        env_prefix=ENV_PREFIX,
        settings_class=IngestEmailSettings,
        create_app=create_app,
        package_dir=Path(__file__).parent,
        argv=argv,
    )


if __name__ == "__main__":
    main()
