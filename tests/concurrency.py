"""Real threads released together, for the race tests on PostgreSQL."""

import threading

from django.db import connection


def race(action, times: int = 8, timeout: float = 60) -> list:
    """Run `action` in `times` threads released together; return each result or exception."""
    barrier = threading.Barrier(times)
    results: list = [None] * times

    def run(index):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting"
    return results
