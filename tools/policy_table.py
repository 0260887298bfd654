"""Print the one permission policy (baolei_common.policy) as a markdown table.

    .venv/bin/python tools/policy_table.py

The matrix of calls that shows the services enforce it is written by
tests/integration/test_permission_matrix.py (BAOLEI_MATRIX_OUT=<file> to keep it).
"""
from __future__ import annotations

from baolei_common import policy


def main() -> None:
    roles = list(policy.POLICY_ROLES)
    print("| action | service | " + " | ".join(f"{policy.ROLE_NAMES[r][0]} {r}" for r in roles) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in roles) + " |")
    for row in policy.table():
        print(f"| `{row['action']}` {row['what']} | {row['service']} | " + " | ".join(row[r] for r in roles) + " |")


if __name__ == "__main__":
    main()
