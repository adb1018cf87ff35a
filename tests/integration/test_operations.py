"""Operations of the gateway: per-token rate limits, metrics, the served
OpenAPI description, and limits on slow and greedy clients."""

import os
import socket
import subprocess
import time
import unittest

import hrss_client as h


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RateLimitTest(unittest.TestCase):
    def test_token_over_its_rate_gets_429_with_retry_after(self):
        h.wait_ready()
        name = "slow-" + h.new_id()
        token = h.hrssctl("token", "create", "--role", "county", "--region", "433123",
                          "--name", name, "--rate", "5")
        statuses, retry_after = [], None
        started = time.monotonic()
        for _ in range(30):
            r = h.request("GET", "/v1/indicators?region=433123&period=2024-01", token)
            statuses.append(r.status)
            if r.status == 429:
                retry_after = r.headers.get("Retry-After")
                self.assertEqual(r.headers["Content-Type"], "application/problem+json")
        elapsed = time.monotonic() - started
        self.assertIn(200, statuses)
        self.assertIn(429, statuses)
        # a burst of 10 (two seconds' worth), then 5 per second: however slow
        # the machine, no more got through than that
        self.assertLessEqual(statuses.count(200), 10 + 5 * elapsed + 1, (statuses, elapsed))
        self.assertGreaterEqual(int(retry_after), 1)
        # another token is not slowed down by this one
        other = h.make_token("county", "433123")
        self.assertEqual(h.request("GET", "/v1/indicators?region=433123&period=2024-01",
                                   other).status, 200)
        # and the limited token recovers
        time.sleep(1.2)
        self.assertEqual(h.request("GET", "/v1/indicators?region=433123&period=2024-01",
                                   token).status, 200)


class MetricsTest(unittest.TestCase):
    def test_metrics_count_what_happened(self):
        h.wait_ready()

        series = 'hrss_events_total{type="employment.person_registered",outcome="accepted"}'
        before = h.metric(series)
        county = h.make_token("county", "433123")
        events = [h.event("employment.person_registered", "433123101001",
                          "2024-02-01T10:00:00+08:00",
                          {"id_number": h.id_number(9_000_000 + i), "name": "孙八",
                           "household": "rural"}) for i in range(7)]
        h.post_events(county, events)
        r = h.request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
        text = r.body.decode()
        self.assertEqual(h.metric(series, text) - before, 7)
        self.assertGreater(h.metric('hrss_http_requests_total{route="/v1/events",'
                                          'status="200"}', text), 0)
        self.assertIn('hrss_http_request_duration_seconds_bucket{route="/v1/events",le="+Inf"}',
                      text)
        self.assertIn('hrss_service_rtt_seconds_count{service="employment"}', text)
        self.assertIn('hrss_feed_lag_events{consumer="reporting",source="employment"}', text)
        self.assertEqual(h.metric('hrss_service_up{service="insurance"}', text), 1)
        self.assertGreater(h.metric('hrss_outbox_head{service="employment"}', text), 0)
        self.assertIn('hrss_service_careful_batches_total{service="employment"}', text)
        # no token, no id number in the exposition
        self.assertNotIn(events[0]["data"]["id_number"], text)


class OpenApiTest(unittest.TestCase):
    def test_served_description(self):
        r = h.request("GET", "/v1/openapi.yaml")
        self.assertEqual(r.status, 200)
        with open(os.path.join(h.REPO, "services", "gateway", "openapi.yaml"), "rb") as f:
            self.assertEqual(r.body, f.read())


class SlowClientsTest(unittest.TestCase):
    """A second gateway on the same services, with short limits, so that the
    limits can be seen within seconds."""

    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.port = free_port()
        env = dict(os.environ, **h.ENV)
        env.update(HRSS_HTTP_PORT=str(cls.port), HRSS_HTTP_TIMEOUT_S="2", HRSS_HTTP_PER_IP="8")
        cls.log = open(os.path.join(h.ENV["HRSS_LOG_DIR"], "gateway-limits.log"), "ab")
        cls.proc = subprocess.Popen([os.path.join(h.ENV["HRSS_BIN_DIR"], "hrss-gateway")],
                                    env=env, stdin=subprocess.DEVNULL, stdout=cls.log,
                                    stderr=cls.log)
        h.wait_until(lambda: cls.get("/healthz") == 200, timeout=15, what="second gateway")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        cls.log.close()

    @classmethod
    def get(cls, path):
        try:
            with socket.create_connection(("127.0.0.1", cls.port), timeout=3) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                           % path).encode())
                head = s.recv(64)
                return int(head.split()[1]) if head.startswith(b"HTTP/1.1") else None
        except OSError:
            return None

    def test_slow_client_is_cut_off_and_does_not_starve_others(self):
        # connections an earlier test closed are released asynchronously
        h.wait_until(lambda: self.get("/healthz") == 200, timeout=5, what="capacity")
        slow = []
        for _ in range(4):   # half the per-address cap: the limit at work here is the timeout
            s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # and never finish
            slow.append(s)
        started = time.time()
        self.assertEqual(self.get("/healthz"), 200)   # others are served meanwhile
        self.assertLess(time.time() - started, 2.0)   # well before the 2 s timeout frees anything
        # the slow ones are closed by the server after the timeout
        for s in slow:
            s.settimeout(6)
            try:
                self.assertEqual(s.recv(100), b"")
            except ConnectionResetError:
                pass
            s.close()
        self.assertLess(time.time() - started, 10)

    def test_connections_per_address_are_capped(self):
        # connections the previous test closed are released asynchronously
        h.wait_until(lambda: self.get("/healthz") == 200, timeout=5, what="capacity")
        held = [socket.create_connection(("127.0.0.1", self.port), timeout=5) for _ in range(8)]
        try:
            # once the gateway has taken all eight in, a ninth is refused
            # (accepting is asynchronous: give a loaded machine time)
            h.wait_until(lambda: self.get("/healthz") is None, timeout=5, interval=0.2,
                         what="the ninth connection to be refused")
        finally:
            for s in held:
                s.close()
        h.wait_until(lambda: self.get("/healthz") == 200, timeout=5, what="capacity back")


if __name__ == "__main__":
    unittest.main()
