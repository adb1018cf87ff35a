"""kill -9 of each daemon in turn at a random moment of ingest (fault_harness):
nothing acknowledged is lost or doubled, nothing rejected has an effect,
reporting equals a recomputation, the feed has no gap. HRSS_FAULT_ROUNDS
seeds per daemon (2; the long run 20)."""

import random
import time
import unittest

import fault_harness as fh
import hrss_client as h


class KillNineTest(unittest.TestCase):
    COUNTY = "433127"   # 永顺县, the kill rounds' own

    def _rounds(self, daemon):
        fh.wait_ready(60)
        for seed in fh.seeds("kill -9 " + daemon, fh.ROUNDS):
            rng = random.Random(seed * 31 + 7)
            rnd = fh.Round(self, "kill -9 %s #%d" % (daemon, seed), seed, self.COUNTY,
                           persons=100, pace=0.04)
            at = rng.uniform(0.1, 0.8)
            took = rnd.ingest(fh.kill_and_restart(daemon, rng), at=at)
            fh.wait_ready(90)
            started = time.time()
            rnd.drain()
            drained = time.time() - started
            rnd.verify()
            print("kill -9 %s at %.0f%% of ingest (%.1f s), seed %d: %s; drained in %.1f s"
                  % (daemon, 100 * at, took, seed, rnd.summary(), drained), flush=True)

    def test_employment(self):
        self._rounds("employment")

    def test_insurance(self):
        self._rounds("insurance")

    def test_arrears(self):
        self._rounds("arrears")

    def test_reporting(self):
        self._rounds("reporting")

    def test_gateway(self):
        self._rounds("gateway")


if __name__ == "__main__":
    unittest.main()
