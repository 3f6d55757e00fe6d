"""Summarise the tox matrix: reports/junit/<env>.xml -> reports/matrix.md (test x environment).

Each cell is `pass`, `skip: <reason>` or `FAIL`; the last line printed is `N passed, N failed, N skipped`.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUNIT = ROOT / "reports" / "junit"
OUTPUT = ROOT / "reports" / "matrix.md"


def _outcome(case: ET.Element) -> str:
    for tag, label in (("failure", "FAIL"), ("error", "FAIL"), ("skipped", "skip")):
        found = case.find(tag)
        if found is not None:
            if label == "skip":
                # pytest writes a strict xfail (a deviation the provider declares) as a skipped case too.
                kind = "xfail" if found.get("type") == "pytest.xfail" else "skip"
                reason = (found.get("message") or "").replace("|", "/").strip()
                return f"{kind}: {reason[:80]}"
            return label
    return "pass"


def main() -> int:
    results: dict[str, dict[str, str]] = {}
    envs = sorted(p.stem for p in JUNIT.glob("*.xml"))
    for env in envs:
        for case in ET.parse(JUNIT / f"{env}.xml").iter("testcase"):
            name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
            results.setdefault(name, {})[env] = _outcome(case)
    counts = {"pass": 0, "FAIL": 0, "skip": 0}
    lines = ["# Test matrix", "", f"{len(results)} tests x {len(envs)} environments. Cells: pass, skip or xfail "
             "with its reason, FAIL; blank = not collected in that environment.", "",
             "| test | " + " | ".join(envs) + " |", "|---|" + "---|" * len(envs)]
    for name in sorted(results):
        row = results[name]
        for cell in row.values():
            counts["skip" if cell.startswith(("skip", "xfail")) else cell] += 1
        lines.append(f"| `{name}` | " + " | ".join(row.get(env, "") for env in envs) + " |")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"matrix report: {OUTPUT.relative_to(ROOT)} ({len(envs)} environments)")
    failed = [f"{n} [{e}]" for n, row in results.items() for e, c in row.items() if c == "FAIL"]
    for item in failed[:50]:
        print(f"FAILED {item}")
    print(f"{counts['pass']} passed, {counts['FAIL']} failed, {counts['skip']} skipped")
    return 1 if failed or not envs else 0


if __name__ == "__main__":
    sys.exit(main())
