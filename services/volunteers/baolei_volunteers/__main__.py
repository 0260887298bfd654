"""`python -m baolei_volunteers`: serve the API on the configured host and port."""
from __future__ import annotations

import uvicorn

from baolei_volunteers.config import VolunteersConfig


def main() -> None:
    config = VolunteersConfig()
    uvicorn.run("baolei_volunteers.app:app_from_env", factory=True, host=config.http_host,
                port=config.http_port)


if __name__ == "__main__":
    main()
