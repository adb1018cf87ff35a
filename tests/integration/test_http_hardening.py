"""HTTP at the byte level (issue 14, findings 4-9): what a hostile client
sends that an HTTP client library would never put on the wire. Raw sockets,
so that the test sees exactly which bytes came back and whether the gateway
closed the connection."""

import http.client
import json
import secrets
import socket
import threading
import time
import unittest

import hrss_client as h

HOST = h.ENV["HRSS_HTTP_ADDR"]
PORT = int(h.ENV["HRSS_HTTP_PORT"])


def exchange(data, timeout=5.0):
    """Sends `data`, reads until the gateway closes the connection or
    `timeout` passes. Returns (bytes read, closed by the gateway)."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    try:
        s.sendall(data)
        got = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            s.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return got, False
            except ConnectionResetError:
                return got, True
            if not chunk:
                return got, True
            got += chunk
        return got, False
    finally:
        s.close()


def responses(raw):
    """The status codes of the responses in `raw`, in order."""
    return [int(line.split(b" ")[1]) for line in raw.split(b"\r\n")
            if line.startswith(b"HTTP/1.")]


def first(raw):
    """(status, headers with lower-case names, body) of the first response."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    n = int(headers.get("content-length", "0"))
    return status, headers, rest[:n]


def get(path, token=None, extra=b"", version=b"HTTP/1.1", host=True, method=b"GET"):
    req = method + b" " + path + b" " + version + b"\r\n"
    if host:
        req += b"Host: hrss\r\n"
    if token:
        req += b"Authorization: Bearer " + token.encode() + b"\r\n"
    req += extra + b"Connection: close\r\n\r\n"
    raw, closed = exchange(req)
    assert closed, "the gateway kept the connection after Connection: close"
    return first(raw)


class HttpHardeningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.township = h.make_token("township", "433123101")

    def _event_body(self):
        ev = h.event("employment.person_registered", "433123101001",
                     "2024-01-02T00:00:00+08:00",
                     {"id_number": h.id_number(7101), "name": "x", "household": "rural"})
        return json.dumps({"events": [ev]}).encode()

    def _smuggle(self, framing, body):
        """A POST with the given framing headers, then a second request on
        the same connection: the gateway must answer the first with 400 and
        close, never read the rest as a request."""
        req = (b"POST /v1/events HTTP/1.1\r\nHost: hrss\r\nAuthorization: Bearer "
               + self.township.encode() + b"\r\nContent-Type: application/json\r\n"
               + framing + b"\r\n" + body + b"GET /healthz HTTP/1.1\r\nHost: hrss\r\n\r\n")
        raw, closed = exchange(req)
        self.assertEqual(responses(raw), [400], raw[:400])
        self.assertTrue(closed, "connection kept after an ambiguous framing")
        self.assertIn(b"invalid_framing", raw)

    # finding 4 -------------------------------------------------------------------
    def test_content_length_with_transfer_encoding(self):
        body = self._event_body()
        chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        self._smuggle(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", chunked)

    def test_two_content_lengths(self):
        body = self._event_body()
        self._smuggle(b"Content-Length: %d\r\nContent-Length: 3\r\n" % len(body), body)
        self._smuggle(b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(body), len(body)),
                      body)

    def test_space_before_colon(self):
        self._smuggle(b"Content-Length : 3\r\n", b"abc")
        raw, closed = exchange(b"GET /healthz HTTP/1.1\r\nHost: hrss\r\nX-Thing : 1\r\n\r\n")
        self.assertEqual(responses(raw), [400], raw[:300])
        self.assertTrue(closed)

    # finding 6 -------------------------------------------------------------------
    def test_unknown_transfer_encoding(self):
        started = time.time()
        raw, closed = exchange(b"POST /v1/events HTTP/1.1\r\nHost: hrss\r\nAuthorization: Bearer "
                               + self.township.encode()
                               + b"\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                               timeout=10)
        self.assertEqual(responses(raw), [501], raw[:300])
        self.assertTrue(closed)
        self.assertLess(time.time() - started, 5)
        raw, closed = exchange(b"POST /v1/events HTTP/1.1\r\nHost: hrss\r\n"
                               b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", timeout=10)
        self.assertEqual(responses(raw), [501], raw[:300])
        self.assertTrue(closed)

    # finding 7 -------------------------------------------------------------------
    def test_nul_in_query_and_path(self):
        county = h.make_token("county", "433123")
        for path in (b"/v1/indicators?region=433123101000%00&period=2024-01",
                     b"/v1/persons/" + h.id_number(7102).encode() + b"%00abc",
                     b"/v1/feed?limit=5%00x"):
            status, _, body = get(path, self.admin if b"feed" in path else county)
            self.assertEqual(status, 400, (path, body))
            self.assertIn(b"invalid_request", body)
        # A NUL byte inside a header line is not checked here: libmicrohttpd
        # 0.9.75 ends the header's value there and reports the shorter length,
        # so nothing above it can tell (see the report on issue 14).
        # the same requests without the NUL are fine
        self.assertEqual(get(b"/v1/indicators?region=433123101000&period=2024-01", county)[0],
                         200)
        self.assertEqual(get(b"/v1/indicators?region=433123&period=2024-01", county)[0], 200)

    # finding 8 -------------------------------------------------------------------
    def test_head_allow_and_host(self):
        status, headers, body = get(b"/healthz", method=b"HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(get(b"/v1/openapi.yaml", method=b"HEAD")[0], 200)
        status, headers, _ = get(b"/healthz", method=b"DELETE")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "GET, HEAD")
        status, headers, _ = get(b"/v1/events")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "POST")
        status, headers, _ = get(b"/v1/targets/2026/433123")
        self.assertEqual(status, 405)
        self.assertEqual(headers.get("allow"), "PUT")
        self.assertEqual(get(b"/healthz", host=False)[0], 400)
        self.assertEqual(get(b"/healthz", host=False, version=b"HTTP/1.0")[0], 200)

    # finding 9 -------------------------------------------------------------------
    def test_integers_are_digits_only(self):
        for limit in (b"+5", b"%205", b"5%20", b"-0", b"05x", b"0x10"):
            status, _, body = get(b"/v1/feed?limit=" + limit, self.admin)
            self.assertEqual(status, 400, (limit, body))
            self.assertIn(b"invalid_limit", body)
        self.assertEqual(get(b"/v1/feed?limit=5", self.admin)[0], 200)
        target = json.dumps({"emp.urban_new_jobs": 4}).encode()
        for year in (b"02026", b"+2026", b"%202026", b"2026%20"):
            raw, _ = exchange(b"PUT /v1/targets/" + year + b"/433123 HTTP/1.1\r\nHost: hrss\r\n"
                              b"Authorization: Bearer " + self.admin.encode() + b"\r\n"
                              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(target)
                              + target)
            status, _, body = first(raw)
            self.assertEqual(status, 400, (year, body))
            self.assertIn(b"invalid_year", body)
        for year in (b"+2024", b"02024"):
            status, _, body = get(b"/v1/indicators/emp.labor_force/series?region=433123&year="
                                  + year, self.admin)
            self.assertEqual(status, 400, (year, body))

    # finding 5 -------------------------------------------------------------------
    def test_cursor_out_of_range(self):
        for cursor in (b"9223372036854775808.0.0", b"0.0.18446744073709551615",
                       b"0.99999999999999999999.0"):
            status, _, body = get(b"/v1/feed?after=" + cursor, self.admin)
            self.assertEqual(status, 400, (cursor, body))
            self.assertIn(b"invalid_cursor", body)
        self.assertEqual(get(b"/v1/feed?after=9223372036854775807.0.0", self.admin)[0], 200)


def read_response(f):
    """One response from the buffered socket file `f`: (status, body, close)."""
    line = f.readline()
    if not line:
        return None, b"", True
    status = int(line.split(b" ")[1])
    length, close = 0, False
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            length = int(v)
        elif k == b"connection" and v.strip().lower() == b"close":
            close = True
    return status, f.read(length), close


class BadTokenFloodTest(unittest.TestCase):
    """The flood of the issue's last section: sixteen connections sending bad
    tokens while one good client reads and pushes. Every good request is
    answered, and the audit counts every refusal of the flood."""

    FLOODERS = 16
    SECONDS = 3.0

    def _flood(self, n, stop, counts, lock):
        fixed = "hrss_" + "F" * 43   # one bad token repeated, and fresh ones
        s = f = None
        while not stop.is_set():
            if s is None:
                s = socket.create_connection((HOST, PORT), timeout=10)
                f = s.makefile("rb")
            token = fixed if n % 2 else "hrss_" + secrets.token_urlsafe(32)[:43]
            try:
                s.sendall(b"GET /v1/indicators?region=433123&period=2024-01 HTTP/1.1\r\n"
                          b"Host: hrss\r\nAuthorization: Bearer " + token.encode() + b"\r\n\r\n")
                status, _, close = read_response(f)
            except OSError:
                status, close = None, True
            with lock:
                counts[status] = counts.get(status, 0) + 1
            if close:
                f.close()
                s.close()
                s = f = None
        if s:
            f.close()
            s.close()

    def _good_client(self, token, seconds, statuses):
        """Reads and pushes for `seconds`; returns the requests made."""
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        done, deadline = 0, time.time() + seconds
        while time.time() < deadline:
            if done % 2:
                ev = h.event("employment.person_registered", "433123101001",
                             "2024-01-02T00:00:00+08:00",
                             {"id_number": h.id_number(80000 + done % 9000), "name": "x",
                              "household": "rural"})
                conn.request("POST", "/v1/events", json.dumps({"events": [ev]}), headers)
                r = conn.getresponse()
                body = r.read()
                outcome = json.loads(body)["results"][0]["status"] if r.status == 200 else None
                statuses.append((r.status, outcome, body[:200]))
            else:
                conn.request("GET", "/v1/indicators?region=433123101&period=2024-01",
                             headers=headers)
                r = conn.getresponse()
                statuses.append((r.status, None, r.read()[:200]))
            done += 1
        conn.close()
        return done

    def test_flood_of_bad_tokens(self):
        h.wait_ready()
        good = h.hrssctl("token", "create", "--role", "township", "--region", "433123101",
                         "--name", "flood-good-" + h.new_id(), "--rate", "0")
        statuses = []
        alone = self._good_client(good, 1.0, statuses)
        stop, lock, counts = threading.Event(), threading.Lock(), {}
        started_us = int(time.time() * 1e6)
        flooders = [threading.Thread(target=self._flood, args=(i, stop, counts, lock))
                    for i in range(self.FLOODERS)]
        for t in flooders:
            t.start()
        try:
            time.sleep(0.3)   # the flood is on
            flooded = self._good_client(good, self.SECONDS, statuses)
        finally:
            stop.set()
            for t in flooders:
                t.join(30)
        print("good client: %.0f req/s alone, %.0f req/s under the flood; flood: %s"
              % (alone, flooded / self.SECONDS, counts))
        # every good request answered, nothing timed out upstream
        bad = [s for s in statuses if s[0] != 200 or s[1] not in (None, "accepted", "duplicate")]
        self.assertEqual(bad, [])
        # the flood does not starve it: before issue 14 the good client kept
        # about 3% of its rate (98 -> 3 req/s here); the benchmark measures
        # the goal (a quarter), this only catches the stall on a busy machine
        self.assertGreater(flooded / self.SECONDS, alone * 0.1,
                           "the good client starved by the flood")
        # the flood was refused, and only refused
        self.assertEqual(set(counts) - {401, 429}, set(), counts)
        refused = counts.get(401, 0) + counts.get(429, 0)
        self.assertGreater(counts.get(401, 0), 0)
        # each refusal is in the audit: rows that count them add up
        def audited():
            rows = h.psql("SELECT coalesce(sum(count), 0), count(*) FROM gateway.audit"
                          " WHERE at_us >= %d AND actor = '-' AND route = '/v1/indicators'"
                          " AND action IN ('unauthorized', 'auth_rate_limited')" % started_us)
            return int(rows[0][0]), int(rows[0][1])
        h.wait_until(lambda: audited()[0] >= refused, 10, 0.2, "the flood's audit rows")
        total, rows = audited()
        self.assertEqual(total, refused)
        self.assertLess(rows, refused, "refusals from one address share rows")
        env = dict(h.os.environ, **h.ENV)
        verify = h.subprocess.run([h.os.path.join(h.ENV["HRSS_BIN_DIR"], "hrssctl"), "audit",
                                   "verify"], env=env, capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)


if __name__ == "__main__":
    unittest.main()
