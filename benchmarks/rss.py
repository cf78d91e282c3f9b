"""Peak memory of one call, as the growth of this process's resident set over it: a
thread samples /proc/self/statm every couple of milliseconds while the call runs."""

import os
import threading
import time
from pathlib import Path


def rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_growth(call, every_s: float = 0.002) -> tuple[int, float]:
    """``call()``'s peak RSS growth in bytes, and its seconds."""
    base, peak, running = rss_bytes(), [0], [True]

    def watch():
        while running[0]:
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(every_s)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    try:
        call()
    finally:
        seconds = time.perf_counter() - start
        running[0] = False
        watcher.join()
    return max(peak[0], rss_bytes()) - base, seconds
