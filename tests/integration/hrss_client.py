"""Shared helpers of the integration tests: a real HTTP client for the
gateway of the stack started by `deploy/local.sh test`, valid identifiers,
and control of that stack's daemons and database. Standard library only."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _load_env():
    path = os.environ.get("HRSS_TEST_ENV")
    if not path:
        raise RuntimeError("HRSS_TEST_ENV is not set: run through ./deploy/local.sh test")
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("export "):
                continue
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'")
    return env


ENV = _load_env()
BASE = "http://%s:%s" % (ENV["HRSS_HTTP_ADDR"], ENV["HRSS_HTTP_PORT"])
STATE = ENV["HRSS_STATE_DIR"]


def admin_token():
    with open(os.path.join(STATE, "admin-token"), encoding="utf-8") as f:
        return f.read().strip()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def request(method, path, token=None, body=None, raw=None, headers=None, timeout=60):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


def post_events(token, events):
    r = request("POST", "/v1/events", token, {"events": events})
    if r.status != 200:
        raise AssertionError("POST /v1/events: %d %s" % (r.status, r.body[:500]))
    return r.json()["results"]


def indicators(token, region, period):
    r = request("GET", "/v1/indicators?region=%s&period=%s" % (region, period), token)
    if r.status != 200:
        raise AssertionError("indicators: %d %s" % (r.status, r.body[:300]))
    return {i["code"]: i for i in r.json()["indicators"]}


def hrssctl(*args):
    env = dict(os.environ, **ENV)
    out = subprocess.run([os.path.join(ENV["HRSS_BIN_DIR"], "hrssctl"), *args], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def make_token(role, region, name=None):
    return hrssctl("token", "create", "--role", role, "--region", region,
                   "--name", name or "%s-%s" % (role, uuid.uuid4().hex[:8]))


def stack(action, name):
    """./deploy/local.sh start|stop|kill NAME on the test stack."""
    env = dict(os.environ, HRSS_STATE_DIR=STATE, HRSS_SKIP_BUILD="1")
    subprocess.run([os.path.join(REPO, "deploy", "local.sh"), action, name], env=env,
                   check=True, capture_output=True)


def psql(sql, conninfo=None):
    """Runs SQL as the superuser (or the given role) and returns rows of text."""
    out = subprocess.run([os.path.join(ENV["HRSS_PG_BIN"], "psql"), "-X", "-A", "-t", "-q",
                          "-v", "ON_ERROR_STOP=1", "-F", "\t",
                          conninfo or ENV["HRSS_PG_ADMIN"]],
                         input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def wait_ready(timeout=30.0):
    wait_until(lambda: request("GET", "/readyz").status == 200, timeout, 0.2, "readyz")


def metric(series, text=None):
    """The value of one series of GET /metrics (`text`: an answer already
    read), 0 when absent."""
    if text is None:
        text = request("GET", "/metrics").body.decode()
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


# ---- identifiers -------------------------------------------------------------

# valid id numbers and credit codes (ids.py: usable without a stack)
from ids import _ID_WEIGHTS, credit_code, id_number  # noqa: E402,F401


def new_id(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex)


def event(type_, region, occurred_at, data, id_=None):
    return {"id": id_ or new_id(), "type": type_, "region": region,
            "occurred_at": occurred_at, "data": data}
