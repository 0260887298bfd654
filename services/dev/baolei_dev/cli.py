"""`baolei`: the one entry point for operators' commands."""
from __future__ import annotations

import argparse
import logging
import sys

from baolei_dev.demo_requests import load_demo
from baolei_matcher.solver.cli import register as register_solver


def _topics(args: argparse.Namespace) -> int:
    from baolei_common.config import KafkaSettings
    from baolei_common.topics import TOPICS, ensure_topics

    k = KafkaSettings()
    created = ensure_topics(k.bootstrap_servers, k.topic_prefix)
    for t in TOPICS:
        mark = "created" if t.name in created else "exists"
        print(f"{k.topic(t.name):32} partitions={t.partitions} {t.config.get('cleanup.policy', 'delete'):7} {mark}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from baolei_dev.run import main
    return main()


def _demo(args: argparse.Namespace) -> int:
    print(load_demo(args.requests_url, args.token))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baolei", description="堡垒 Baolei — 应急需求与资源匹配 / emergency matching")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("topics", help="create the Kafka topics (idempotent) / 创建主题")
    p.set_defaults(func=_topics)
    p = sub.add_parser("run", help="start broker, services and demo city / 启动全部服务")
    p.set_defaults(func=_run)
    p = sub.add_parser("demo", help="load the demo city into running services / 载入演示数据")
    p.add_argument("--requests-url", default="http://127.0.0.1:8001")
    p.add_argument("--token", default="demo-operator")
    p.set_defaults(func=_demo)
    register_solver(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
