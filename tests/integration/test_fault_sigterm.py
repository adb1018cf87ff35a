"""SIGTERM of the gateway with requests in flight: it finishes or refuses
them and exits within a few seconds (no hang); restarted, it serves again
and nothing acknowledged is lost or doubled (fault_harness)."""

import collections
import os
import random
import signal
import time
import unittest

import fault_harness as fh
import hrss_client as h

EXIT_WITHIN = 10   # seconds: the gateway allows in-flight work 5 s


class GatewaySigtermTest(unittest.TestCase):
    COUNTY = "433101"   # 吉首市, shared with test_fault_stall

    def test_sigterm_with_requests_in_flight(self):
        fh.wait_ready(60)
        for seed in fh.seeds("SIGTERM gateway", 1):
            rng = random.Random(seed * 31 + 7)
            rnd = fh.Round(self, "SIGTERM gateway #%d" % seed, seed, self.COUNTY,
                           persons=400, batch=(300, 1000), pace=0)
            exits, inflight, signalled = [], [], []

            def fault():
                pid = fh.daemon_pid("gateway")
                inflight.append(rnd.inflight)
                sent = time.time()
                signalled.append(sent)
                os.kill(pid, signal.SIGTERM)
                try:
                    while fh.pid_alive(pid) and time.time() - sent < 30:
                        time.sleep(0.02)
                    exits.append((time.time() - sent, fh.pid_alive(pid)))
                finally:
                    h.stack("start", "gateway")

            at = rng.uniform(0.2, 0.6)
            took = rnd.ingest(fault, at=at)
            took_exit, alive = exits[0]
            self.assertGreater(inflight[0], 0, "SIGTERM must hit requests in flight")
            hit = collections.Counter(status for sent, answered, status in rnd.requests
                                      if sent < signalled[0] < answered)
            self.assertFalse(alive, "the gateway did not exit 30 s after SIGTERM")
            self.assertLess(took_exit, EXIT_WITHIN)
            fh.wait_ready(60)
            rnd.drain()
            rnd.verify()
            print("gateway exited %.2f s after SIGTERM with %d requests in flight (answered: %s),"
                  " at %.0f%% of ingest (%.1f s), seed %d: %s"
                  % (took_exit, inflight[0], dict(hit), 100 * at, took, seed, rnd.summary()),
                  flush=True)


if __name__ == "__main__":
    unittest.main()
