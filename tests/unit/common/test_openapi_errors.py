"""Both services' OpenAPI documents, for every API operation, the statuses it can answer with the
one error model: 401 (signed in) and 503 (busy) everywhere, 422 wherever it takes input; a route
added later without them fails here. Built from the real apps; nothing is started or connected."""
from __future__ import annotations

import pytest

from baolei_inventory.app import create_app as inventory_app
from baolei_inventory.config import InventoryConfig
from baolei_requests.app import create_app as requests_app
from baolei_requests.config import RequestsConfig

EXEMPT = {("get", "/api/live")}  # the event stream authenticates by itself and is not gated


@pytest.fixture(scope="module", params=["requests", "inventory"])
def spec(request, tmp_path_factory) -> dict:
    db = f"sqlite:///{tmp_path_factory.mktemp(request.param) / 'x.db'}"
    app = requests_app(RequestsConfig(database_url=db)) if request.param == "requests" else inventory_app(
        InventoryConfig(database_url=db))
    return app.openapi()


def operations(spec: dict):
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if path.startswith("/api/") and (method, path) not in EXEMPT:
                yield method, path, op


def test_every_api_operation_documents_its_errors_with_the_one_model(spec):
    ops = list(operations(spec))
    assert len(ops) > 10
    for method, path, op in ops:
        codes = op["responses"]
        takes_input = bool(op.get("parameters") or op.get("requestBody"))
        missing = {"401", "503", *(["422"] if takes_input else [])} - set(codes)
        assert not missing, f"{method.upper()} {path} does not document {missing}"
        for code, resp in codes.items():
            if code.startswith("4") or code == "503":
                ref = resp["content"]["application/json"]["schema"]["$ref"]
                assert ref.split("/")[-1] in ("ErrorBody", "BusyBody", "ImportRejectedRead"), (method, path, code)
        assert any(c.startswith("2") for c in codes), (method, path)


def test_the_error_model_has_field_and_both_reasons(spec):
    item = spec["components"]["schemas"]["ErrorItem"]
    assert set(item["required"]) == {"field", "reason_zh", "reason_en"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's own shape is gone
