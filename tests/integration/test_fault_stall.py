"""Consumers that fall behind (fault_harness): the reporting daemon frozen
with SIGSTOP during a burst (HRSS_FAULT_STALL seconds, 5; the long run 30):
the nudges of the burst queue up unread (and past the high-water mark are
dropped), ingest must not notice, and after SIGCONT reporting catches up by
pulling; and consumers started long after the events they consume were
written."""

import random
import signal
import time
import unittest

import fault_harness as fh
import hrss_client as h


class StallTest(unittest.TestCase):
    COUNTY = "433101"   # 吉首市, shared by the tests of this file and test_fault_sigterm

    def test_sigstop_reporting_during_burst(self):
        fh.wait_ready(60)
        for seed in fh.seeds("SIGSTOP reporting", 1):
            persons = int(40 * fh.STALL_SECONDS)
            rnd = fh.Round(self, "SIGSTOP reporting #%d" % seed, seed, self.COUNTY,
                           persons=persons, batch=(1, 5), pace=0)
            stopped = []

            def fault():
                fh.signal_daemon("reporting", signal.SIGSTOP)
                stopped.append(time.time())

            try:
                took = rnd.ingest(fault, at=0.05)
                time.sleep(max(0.0, fh.STALL_SECONDS - (time.time() - stopped[0])))
            finally:
                fh.signal_daemon("reporting", signal.SIGCONT)
            resumed = time.time()
            # ingest does not wait for a consumer: nothing was answered "retry"
            self.assertEqual([ev.id for ev in rnd.events
                              if "retry" in ev.answers or "lost" in ev.answers], [])
            fh.wait_ready(60)
            rnd.drain()
            rnd.verify()
            print("reporting stopped %.1f s during a burst of %.1f s, seed %d: %s;"
                  " caught up %.1f s after SIGCONT" % (resumed - stopped[0], took, seed,
                                                      rnd.summary(), time.time() - resumed),
                  flush=True)

    def test_consumers_started_long_after(self):
        """Reporting and employment down while events are written; employment
        comes back after the deaths it must learn from insurance's feed,
        reporting last of all."""
        fh.wait_ready(60)
        for seed in fh.seeds("late consumers", 1):
            rnd = fh.Round(self, "late consumers #%d" % seed, seed, self.COUNTY, persons=120)
            h.stack("stop", "reporting")
            try:
                h.stack("stop", "employment")
                try:
                    rnd.ingest()   # employment's events are answered retry meanwhile
                    time.sleep(2)
                finally:
                    h.stack("start", "employment")
                rnd.drain()
                time.sleep(2)
            finally:
                h.stack("start", "reporting")
            started = time.time()
            fh.wait_ready(60)
            rnd.verify()
            print("late consumers, seed %d: %s; reporting caught up and verified in %.1f s"
                  % (seed, rnd.summary(), time.time() - started), flush=True)


if __name__ == "__main__":
    unittest.main()
