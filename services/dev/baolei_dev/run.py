"""`make run`: the broker, the four services on SQLite, and a demo city, stopped cleanly on Ctrl-C.

It starts every service and loads their demo data, so it lives in the dev package, not in
`baolei_common` (which imports no service)."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from baolei_common.config import KafkaSettings
from baolei_common.procs import wait_ready
from baolei_common.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[3]
VAR = ROOT / "var"

SERVICES = [
    # (name, module, port env, port, readiness path)
    ("requests", "baolei_requests", "BAOLEI_REQUESTS_HTTP_PORT", 8001, "/readyz"),
    ("inventory", "baolei_inventory", "BAOLEI_INVENTORY_HTTP_PORT", 8003, "/readyz"),
    ("matcher", "baolei_matcher", "BAOLEI_MATCHER_HTTP_PORT", 8002, "/readyz"),
    ("volunteers", "baolei_volunteers", "BAOLEI_VOLUNTEERS_HTTP_PORT", 8004, "/readyz"),
]


def say(msg: str) -> None:
    print(f"[baolei] {msg}", flush=True)


SPAWNED: dict[int, float] = {}  # pid -> when it was started


def spawn(module: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=ROOT,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    SPAWNED[p.pid] = time.monotonic()
    return p


class Keeper:
    """Restarts what dies instead of stopping the city: a crashed service is started again after a
    pause that doubles with each crash in a row (1 s up to 60 s; back to 1 s once it ran 2 min), and
    the broker this run started is started again if it dies. The services reconnect by themselves."""

    def __init__(self, procs: list[tuple[str, subprocess.Popen]], env: dict[str, str], kafka_sh: str | None) -> None:
        self.procs = procs
        self.env = env
        self.kafka_sh = kafka_sh
        self.delay: dict[str, float] = {}
        self.due: dict[str, float] = {}
        self.broker_due = 0.0

    def check(self) -> None:
        now = time.monotonic()
        if self.kafka_sh and now >= self.broker_due and subprocess.run(
                [self.kafka_sh, "status"], capture_output=True).returncode != 0:
            say("the Kafka broker stopped; starting it again (services reconnect by themselves)")
            if subprocess.run([self.kafka_sh, "start"]).returncode != 0:
                say("the broker did not start; trying again in 10 s (see var/kafka/broker.log)")
            self.broker_due = now + 10
        for i, (name, p) in enumerate(self.procs):
            if p.poll() is None:
                continue
            if name not in self.due:
                ran = now - SPAWNED.get(p.pid, now)
                delay = 1.0 if ran > 120 else min(60.0, self.delay.get(name, 0.5) * 2)
                self.delay[name] = delay
                self.due[name] = now + delay
                say(f"{name} exited (code {p.returncode}) after {ran:.0f} s; restarting in {delay:.0f} s "
                    f"(log: var/logs/{name}.log)")
            elif now >= self.due[name]:
                module = next(m for n, m, *_ in SERVICES if n == name)
                self.procs[i] = (name, spawn(module, self.env, VAR / "logs" / f"{name}.log"))
                del self.due[name]
                say(f"{name} restarted")


def _answers_kafka(bootstrap: str) -> bool:
    """Whether a Kafka broker answers at `bootstrap` (a metadata request, 5 s at most)."""
    from kafka import KafkaAdminClient
    try:
        KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, api_version_auto_timeout_ms=5000).close()
        return True
    except Exception:  # noqa: BLE001 - nothing there, or not Kafka: this checkout starts its own
        return False


def main() -> int:
    kafka = KafkaSettings()
    (VAR / "logs").mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    kafka_sh = str(ROOT / "deploy" / "kafka.sh")
    ours = subprocess.run([kafka_sh, "status"], capture_output=True).returncode != 0
    if ours and _answers_kafka(kafka.bootstrap_servers):
        # a broker this checkout did not start (another checkout's, or the city's own) already listens there
        ours = False
        say(f"using the Kafka broker already listening on {kafka.bootstrap_servers}")
    elif ours:
        say("starting the Kafka broker (first run fetches its jars from Maven Central)...")
        subprocess.run([kafka_sh, "start"], check=True)
    else:
        say("using the Kafka broker already running")
    created = ensure_topics(kafka.bootstrap_servers, kafka.topic_prefix)
    say(f"topics ready ({len(created)} created)")
    procs: list[tuple[str, subprocess.Popen]] = []

    def shutdown(*_args) -> None:
        say("stopping services...")
        for _name, p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for _name, p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if ours:
            subprocess.run([kafka_sh, "stop"], check=False)
        say("stopped.")

    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "BAOLEI_REQUESTS_DATABASE_URL": os.environ.get("BAOLEI_REQUESTS_DATABASE_URL", f"sqlite:///{VAR}/requests.db"),
           "BAOLEI_INVENTORY_DATABASE_URL": os.environ.get("BAOLEI_INVENTORY_DATABASE_URL", f"sqlite:///{VAR}/inventory.db"),
           "BAOLEI_VOLUNTEERS_DATABASE_URL": os.environ.get("BAOLEI_VOLUNTEERS_DATABASE_URL",
                                                            f"sqlite:///{VAR}/volunteers.db")}
    urls: dict[str, str] = {}
    try:
        for name, module, port_env, port, ready in SERVICES:
            if importlib.util.find_spec(f"{module}.__main__") is None:
                say(f"{name}: not built yet, skipped")
                continue
            port = int(os.environ.get(port_env, port))
            log = VAR / "logs" / f"{name}.log"
            say(f"starting {name} on http://127.0.0.1:{port} (log: {log.relative_to(ROOT)})")
            p = spawn(module, env, log)
            procs.append((name, p))
            try:
                wait_ready(f"http://127.0.0.1:{port}{ready}", p, log)
            except RuntimeError as exc:
                raise SystemExit(f"{name} did not start: {exc}") from exc
            urls[name] = f"http://127.0.0.1:{port}"
        say("loading the demo city (Shenzhen)...")
        if "inventory" in urls:
            from baolei_dev.demo_inventory import load_demo as load_stock
            ops = {"Authorization": "Bearer demo-operator"}
            if not httpx.get(f"{urls['inventory']}/api/warehouses", headers=ops, timeout=10).json():
                load_stock(urls["inventory"], "demo-operator")
        from baolei_dev.demo_requests import load_demo
        counts = load_demo(urls["requests"], "demo-operator")
        say(f"demo city: {counts}")
        if "volunteers" in urls:
            from baolei_dev.demo_volunteers import load_demo as load_volunteers
            ops = {"Authorization": "Bearer demo-operator"}
            if not httpx.get(f"{urls['volunteers']}/api/community", headers=ops, timeout=10).json()["communities"]:
                say(f"先锋行动 demo: {load_volunteers(urls['volunteers'], 'demo-operator')}")
        say(f"up in {time.monotonic() - t0:.0f} s. Press Ctrl-C to stop.\n")
        print(BANNER.format(**{k: urls.get(k, "(not running)")
                               for k in ("requests", "inventory", "matcher", "volunteers")}),
              flush=True)
        if env["BAOLEI_REQUESTS_DATABASE_URL"].startswith("sqlite"):
            print(SQLITE_NOTE, flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        keeper = Keeper(procs, env, kafka_sh if ours else None)
        while True:
            keeper.check()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        shutdown()


# issue 20: what the embedded default holds, said where a new user looks first (README: "Which database")
SQLITE_NOTE = """  数据库 / database: SQLite（演示与单个街道；机器空闲时可承受每秒 100 条需求，
                     与其他计算任务共用机器时不能；全市请用 PostgreSQL）
                     SQLite (a demo, one district): holds 100 needs/s only on an otherwise idle machine,
                     not beside other work. For a city use PostgreSQL: BAOLEI_REQUESTS_DATABASE_URL and
                     BAOLEI_INVENTORY_DATABASE_URL=postgresql+psycopg://…, BAOLEI_REQUESTS_WORKERS=2.
"""
BANNER = """  指挥中心 / command center console : {requests}/
  需求受理 API / requests API docs   : {requests}/docs
  库存与稳价 API / inventory API docs: {inventory}/docs
  匹配服务 / matcher readiness       : {matcher}/readyz
  先锋行动 志愿者页面 / volunteer pages: {volunteers}/pages/?token=demo-vol-inside  (API docs: {volunteers}/docs)
    志愿者 demo-vol-inside / demo-vol-outside / demo-vol-sealed, 社区 demo-community, 指挥部 demo-operator
  演示令牌 / demo tokens: demo-operator (指挥部), demo-bus (巴士集团), demo-hotel (投控公司),
                          demo-fmg (食品物资集团), demo-site (莲花街道社区), demo-viewer
  Try:  curl -s -X POST {requests}/api/needs -H 'Authorization: Bearer demo-operator' \\
          -H 'Content-Type: application/json' -d '{{"kind":"transfer","site_id":"c-huaqiang-nan",
          "risk":"close_contact","people":4,"ready_at":"'$(date -Iseconds)'",
          "due_at":"'$(date -Iseconds -d '+3 hours')'"}}'
        then: curl -s {requests}/api/needs/<id> -H 'Authorization: Bearer demo-operator'
"""

if __name__ == "__main__":
    sys.exit(main())
