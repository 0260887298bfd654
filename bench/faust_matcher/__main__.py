"""python -m bench.faust_matcher: one Faust matcher worker."""
import sys

from bench.faust_matcher.app import from_env

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "worker", "-l", "info", *sys.argv[1:]]
    from_env().main()
