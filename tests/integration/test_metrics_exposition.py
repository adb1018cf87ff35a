"""GET /metrics as a Prometheus server reads it: parsed by the Prometheus
client library's own parser, with what every exporter has: the process
metrics of each daemon and the build's version and commit (issue 14)."""

import os
import subprocess
import sys
import time
import unittest

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client (deploy/local.sh installs it) when
    # the python3 on PATH is not Debian's own
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

import hrss_client as h

DAEMONS = ("gateway", "employment", "insurance", "arrears", "reporting")


class MetricsExpositionTest(unittest.TestCase):
    def test_parses_and_has_process_and_build_metrics(self):
        h.wait_ready()
        r = h.request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        text = r.body.decode()
        families = {f.name: f for f in text_string_to_metric_families(text)}
        # each family's HELP and TYPE once, its samples together
        names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
        self.assertEqual(len(names), len(set(names)), "a family declared twice")

        def by_service(name):
            return {s.labels["service"]: s.value for s in families[name].samples}

        rss = by_service("process_resident_memory_bytes")
        cpu = by_service("process_cpu_seconds")   # the parser drops the _total suffix
        start = by_service("process_start_time_seconds")
        self.assertEqual(families["process_cpu_seconds"].type, "counter")
        now = time.time()
        for daemon in DAEMONS:
            self.assertGreater(rss[daemon], 1 << 20, daemon)      # at least a MiB
            self.assertLess(rss[daemon], 4 << 30, daemon)
            self.assertGreater(cpu[daemon], 0, daemon)
            self.assertLess(cpu[daemon], now - start[daemon] + 60, daemon)
            # started during this test run, not at the epoch nor in the future
            self.assertGreater(start[daemon], now - 6 * 3600, daemon)
            self.assertLessEqual(start[daemon], now + 1, daemon)

        build = families["hrss_build_info"].samples
        self.assertEqual(len(build), 1)
        self.assertEqual(build[0].value, 1)
        with open(os.path.join(h.REPO, "CMakeLists.txt"), encoding="utf-8") as f:
            self.assertIn("project(hrss VERSION %s " % build[0].labels["version"], f.read())
        head = subprocess.run(["git", "-C", h.REPO, "rev-parse", "HEAD"], capture_output=True,
                              text=True)
        commit = build[0].labels["commit"]
        if head.returncode == 0:
            # configured from this checkout: a prefix of a commit of it
            # (HEAD may have moved on since the build was configured)
            known = subprocess.run(["git", "-C", h.REPO, "cat-file", "-e", commit + "^{commit}"])
            self.assertEqual(known.returncode, 0, commit)
        else:
            self.assertEqual(commit, "unknown")


if __name__ == "__main__":
    unittest.main()
