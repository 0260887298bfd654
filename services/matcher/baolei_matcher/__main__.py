"""`python -m baolei_matcher` runs the matcher worker (one replica: the match is city-wide)."""
from __future__ import annotations

import faust

from baolei_common import topics
from baolei_common.logs import setup
from baolei_matcher.adapters.replay import Progress, drop_old_groups, end_offsets, run_group
from baolei_matcher.app import SOURCES, create_app
from baolei_matcher.config import MatcherConfig


def main() -> None:
    setup("matcher")
    cfg = MatcherConfig()
    bootstrap = cfg.kafka.bootstrap_servers
    topics.ensure_topics(bootstrap, cfg.kafka.topic_prefix)
    group = run_group(cfg.app_id)
    drop_old_groups(bootstrap, cfg.app_id, keep=group)
    app, rt = create_app(cfg, group_id=group)
    rt.progress = Progress(end_offsets(bootstrap, [cfg.kafka.topic(t) for t in SOURCES]))
    faust.Worker(app, loglevel="INFO", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
