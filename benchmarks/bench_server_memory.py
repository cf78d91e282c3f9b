"""Does the server's memory come back? Idle RSS after rounds of three concurrent runs.

A real `streamlit run app.py` (fresh LINEARITY_HOME) and three Chromium sessions; each
round every session runs the Layers page with a new seed (300 instances of the untrained
seed CNN), all three at once. After each round, once the pages are done and the server
has been idle for two seconds, its resident memory is read from /proc. Prints the series
and the ratio of the last round to the first.

    python benchmarks/bench_server_memory.py [ROUNDS] [APP_DIR]

APP_DIR (default: this checkout) lets the same script measure another version.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

SESSIONS = 3
SETTLE_S = 2.0  # idle time before reading RSS, so freed memory has been returned


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    app_dir = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as home, serve(Path(home), app_dir=app_dir) as (url, server):
        series = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = [browser.new_context().new_page() for _ in range(SESSIONS)]
            for page in pages:
                page.set_default_timeout(300_000)
            for r in range(rounds):
                for i, page in enumerate(pages):
                    seed = 1 + r * SESSIONS + i
                    page.goto(
                        f"{url}/layers?dataset=fashion_mnist&model=seed_cnn&epochs=0"
                        f"&layers_instances=300&layers_seed={seed}"
                    )
                    page.wait_for_selector("text=Press Run")
                for page in pages:
                    page.get_by_role("button", name="Run", exact=True).click()
                for page in pages:
                    page.wait_for_selector("text=Computed in")
                time.sleep(SETTLE_S)
                series.append(rss_mb(server.pid))
                print(f"round {r + 1:2d}: idle RSS {series[-1]:7.0f} MB", flush=True)
            browser.close()
    print(
        f"{'idle RSS, last round / first round':<50} {series[-1] / series[0]:8.3f}   target <= 1.10"
    )


if __name__ == "__main__":
    main()
