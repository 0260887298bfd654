"""`python -m baolei_inventory`: serve the API on the configured host and port."""
from __future__ import annotations

import uvicorn

from baolei_inventory.config import InventoryConfig


def main() -> None:
    config = InventoryConfig()
    uvicorn.run("baolei_inventory.app:app_from_env", factory=True, host=config.http_host,
                port=config.http_port)


if __name__ == "__main__":
    main()
