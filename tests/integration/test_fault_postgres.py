"""PostgreSQL stopped with `pg_ctl stop -m immediate` (a crash) in the middle
of ingest, restarted a few seconds later: every daemon reconnects by itself,
and the invariants of fault_harness hold."""

import random
import time
import unittest

import fault_harness as fh
import hrss_client as h


class PostgresCrashTest(unittest.TestCase):
    COUNTY = "433130"   # 龙山县, this test's own

    def test_immediate_stop_under_load(self):
        fh.wait_ready(60)
        for seed in fh.seeds("postgres immediate stop", 1):
            rng = random.Random(seed * 31 + 7)
            rnd = fh.Round(self, "postgres immediate stop #%d" % seed, seed, self.COUNTY,
                           persons=150, pace=0.03)
            down = rng.uniform(1.0, 3.0)
            restarted = []

            def fault():
                fh.pg_ctl("stop", "-m", "immediate", "-s")
                time.sleep(down)
                fh.pg_ctl("start", "-w", "-t", "60", "-s")
                restarted.append(time.time())

            at = rng.uniform(0.2, 0.6)
            took = rnd.ingest(fault, at=at)
            fh.wait_ready(90)   # the daemons reconnect by themselves
            ready_after = time.time() - restarted[0]
            rnd.drain()
            rnd.verify()
            print("postgres down %.1f s at %.0f%% of ingest (%.1f s), seed %d: %s; ready %.1f s"
                  " after the restart" % (down, 100 * at, took, seed, rnd.summary(),
                                          ready_after), flush=True)


if __name__ == "__main__":
    unittest.main()
