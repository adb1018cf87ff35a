"""The workload harness of the fault tests (test_fault_*.py).

A round builds a workload of known events for one county from a seed:
people registered in its townships, some registered unemployed, some
employed, enrolled, a few reported dead, the employment section's services
(jobs posted and re-posted, recommendations and their results, trainings,
public-welfare posts, subsidies, loans, a fair, graduates followed up), and
a few arrears records. Each township is a client with its own token that sends every one of its events
1 to 5 times, in shuffled order, in batches of 1 to 20, the way township
systems on poor links do. Every answer is recorded; an event is
*acknowledged* once any answer was `accepted` or `duplicate`, *rejected*
when its last answer was `rejected` (a copy lost before that cannot have
been applied, or this one would have been `duplicate`), and *unknown*
otherwise (`retry`, a timeout, a refused connection, a 5xx).

While the clients send, a fault is injected at a moment drawn from the seed
(`Round.ingest(fault, at)`); the test heals it, then `drain()` resends every
unknown event until it is decided, and `verify()` checks the invariants:

- every acknowledged event is stored exactly once: one inbox row in its
  owner's schema, one outbox row; no event was answered `accepted` twice,
  and none `rejected` after it was acknowledged;
- no rejected event has any effect: no inbox row, no outbox row, no event
  derived from it, no row it would have written;
- what the events say is in the owners' tables: the persons registered,
  enrollments, deaths;
- the merged feed (GET /v1/feed, admin) from where the round began has no
  gap and no repeat per source, holds every acknowledged event once and no
  rejected one;
- every reporting indicator of the county and of each township the round
  used equals a recomputation from the services' own tables (stocks from
  employment.persons, insurance.enrollments and insurance.deaths, flows by
  replaying employment's outbox, the employment section's figures from its
  tables as emp_recompute.py reads them), and reporting's cursors reach the
  heads.

Seeds are printed; HRSS_FAULT_SEED=S replays (rounds then use S, S+1, ...).
HRSS_FAULT_ROUNDS (2) is the number of seeds per daemon of the kill -9
test, HRSS_FAULT_STALL (5) the seconds reporting stays stopped with SIGSTOP;
the long run is HRSS_FAULT_ROUNDS=20 HRSS_FAULT_STALL=30.
"""

import collections
import http.client
import os
import random
import re
import signal
import subprocess
import threading
import time

import emp_recompute
import hrss_client as h

ROUNDS = int(os.environ.get("HRSS_FAULT_ROUNDS", "2"))
STALL_SECONDS = float(os.environ.get("HRSS_FAULT_STALL", "5"))
# Every event happens in May 2025 (CST); indicators are read for December:
# flows cumulative from January, stocks at the end of the year.
MONTH = "2025-05"
PERIOD = "2025-12"
YEAR_START_US = 1735660800 * 1000000     # 2025-01-01T00:00:00+08:00
YEAR_END_US = 1767196800 * 1000000       # 2026-01-01T00:00:00+08:00
HTTP_TIMEOUT = 30


def _schemes():
    """The insurance schemes, from their one list (INSURANCE_SCHEMES in
    common/event_types.h), in its order."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common",
                        "event_types.h")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    body = text[text.index("#define INSURANCE_SCHEMES(X, arg)"):]
    return re.findall(r"X\((\w+), arg\)", body[:body.index("#define INSURANCE_SCHEME_COUNT")])


SCHEMES = _schemes()
CATEGORIES = ["poverty_alleviated", "graduate", "hard_to_employ", "migrant_worker", "returned"]
OWNERS = ("employment", "insurance", "arrears")

# Counties no other test writes to, each with townships of common/data.
COUNTIES = {
    "433127": ["433127101", "433127103", "433127104", "433127108"],   # 永顺县
    "433130": ["433130001", "433130104", "433130110", "433130116"],   # 龙山县
    "433101": ["433101002", "433101100", "433101102", "433101201"],   # 吉首市
}


def seeds(name, count):
    """`count` seeds for a fault test, printed so that a failure can be
    replayed: HRSS_FAULT_SEED=S makes them S, S+1, ..."""
    fixed = os.environ.get("HRSS_FAULT_SEED")
    base = int(fixed) if fixed else random.SystemRandom().randrange(1, 2 ** 31)
    out = [base + i for i in range(count)]
    print("%s: seeds %s (replay: HRSS_FAULT_SEED=%d)" % (name, out, base), flush=True)
    return out


# ---- reading protobuf out of an outbox (data column) ------------------------------

def _varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def pb_fields(buf):
    """Field number -> list of values (int, or bytes for length-delimited)."""
    out = collections.defaultdict(list)
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        wire = key & 7
        if wire == 0:
            v, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        out[key >> 3].append(v)
    return out


def _text(fields, n):
    return fields[n][0].decode() if fields.get(n) else None


# ---- recomputation of the indicators ------------------------------------------------

def sql_in(values):
    return "'" + "','".join(values) + "'" if values else "NULL"


def recompute(prefix):
    """Every computed indicator of the region whose code starts with
    `prefix` (6 digits: county, 9: township), for PERIOD, from the services'
    own tables."""
    out = {}
    labor, unemployed = h.psql(
        "SELECT count(*) FILTER (WHERE region LIKE '{p}%' AND died_on IS NULL),"
        " count(*) FILTER (WHERE unemployed_region LIKE '{p}%' AND died_on IS NULL)"
        " FROM employment.persons"
        " WHERE region LIKE '{p}%' OR unemployed_region LIKE '{p}%'".format(p=prefix))[0]
    out["emp.labor_force"] = int(labor)
    out["emp.registered_unemployed"] = int(unemployed)
    for s in SCHEMES:
        out["ins.enrolled." + s] = 0
    for scheme, n in h.psql("SELECT scheme, count(*) FROM insurance.enrollments WHERE status ="
                            " 'active' AND region LIKE '%s%%' GROUP BY scheme" % prefix):
        out["ins.enrolled." + scheme] = int(n)
    out["ins.deaths_reported"] = int(h.psql(
        "SELECT count(*) FROM insurance.deaths WHERE region LIKE '%s%%'"
        " AND reported_at_us >= %d AND reported_at_us < %d"
        % (prefix, YEAR_START_US, YEAR_END_US))[0][0])

    # Flows of employment: replay its outbox in commit order, the way a
    # consumer sees it. The rows of a person all lie in one county.
    county = prefix[:6]
    rows = h.psql("SELECT type, region, occurred_at_us, encode(data, 'hex') FROM"
                  " employment.outbox WHERE region LIKE '%s%%' AND type IN"
                  " ('employment.person_registered', 'employment.unemployment_registered',"
                  " 'employment.employed', 'employment.person_deceased') ORDER BY seq" % county)
    people = {}
    flows = collections.Counter()
    for type_, region, at, data in rows:
        f = pb_fields(bytes.fromhex(data))
        idn = _text(f, 1)
        p = people.setdefault(idn, {"unemployed": False, "dead": False, "cats": []})
        in_year = YEAR_START_US <= int(at) < YEAR_END_US
        if type_ == "employment.person_registered":
            if not p["dead"]:
                p["cats"] = [c.decode() for c in f.get(4, [])]
        elif type_ == "employment.unemployment_registered":
            if not p["dead"]:
                p["unemployed"] = True
        elif type_ == "employment.employed":
            # counted where it happened; the person's state changes anyway
            counted = region.startswith(prefix) and in_year
            if counted and _text(f, 2) == "urban_new":
                flows["emp.urban_new_jobs"] += 1
            if counted and _text(f, 2) == "transfer":
                flows["emp.transfer_jobs"] += 1
            if counted and p["unemployed"] and not p["dead"]:
                flows["emp.reemployed_unemployed"] += 1
                if "hard_to_employ" in p["cats"]:
                    flows["emp.reemployed_hard_to_employ"] += 1
            p["unemployed"] = False
        elif type_ == "employment.person_deceased":
            p["dead"] = True
            p["unemployed"] = False
    for code in ("emp.urban_new_jobs", "emp.transfer_jobs", "emp.reemployed_unemployed",
                 "emp.reemployed_hard_to_employ"):
        out[code] = flows[code]
    # the employment section's figures, from its tables
    for code, value in emp_recompute.recompute(h.psql, prefix, PERIOD).items():
        if code == "hires_from_recommendations":
            code = "emp.recommendation_hires"
        if code.endswith("_rate"):   # "95.12" in hundredths; no value ("") reads 0
            out[code] = round(float(value) * 100) if value else 0
        else:
            out[code] = int(value or 0)
    # hrss's extensions of the catalog (reporting's agg_services.c, agg_graduates.c)
    w = ("region LIKE '%s%%' AND at_us >= %d AND at_us < %d"
         % (prefix, YEAR_START_US, YEAR_END_US))
    for code, sql in EXTENSIONS.items():
        out[code] = int(h.psql(sql.format(w=w))[0][0])
    return out


EXTENSIONS = {
    "emp.trainings": "SELECT count(*) FROM employment.trainings WHERE {w}",
    "emp.training_employment_skill":
        "SELECT count(*) FROM employment.trainings WHERE program = 'employment_skill' AND {w}",
    "emp.startup_loans": "SELECT count(*) FROM employment.loans WHERE {w}",
    "emp.subsidies": "SELECT count(*) FROM employment.subsidies WHERE {w}",
    "emp.job_fair_enterprises":
        "SELECT coalesce(sum(enterprises), 0) FROM employment.fairs WHERE {w}",
    "emp.job_fair_attendees": "SELECT coalesce(sum(attendees), 0) FROM employment.fairs WHERE {w}",
    "emp.job_fair_intentions":
        "SELECT coalesce(sum(intentions), 0) FROM employment.fairs WHERE {w}",
    # the graduates of the period's year (the harness's events are all of 2025)
    "emp.graduates": "SELECT count(*) FROM employment.graduates WHERE graduation_year = 2025"
                     " AND {w}",
    "emp.graduates_employed":
        "SELECT count(*) FROM employment.graduates WHERE graduation_year = 2025 AND status IN"
        " ('employed', 'further_study', 'enlisted', 'abroad') AND {w}",
}
for _b in ("individual", "small_enterprise"):
    EXTENSIONS["emp.startup_loans_fen." + _b] = (
        "SELECT coalesce(sum(amount_fen), 0) FROM employment.loans WHERE borrower = '%s'"
        " AND {w}" % _b)
for _k in ("urban", "rural"):
    EXTENSIONS["emp.public_welfare_placed." + _k] = (
        "SELECT count(*) FROM employment.placements WHERE kind = '%s' AND {w}" % _k)


def reported(prefix):
    """The indicators reporting answers for the region, {code: value}."""
    region = prefix + "0" * (12 - len(prefix))
    r = h.request("GET", "/v1/indicators?region=%s&period=%s" % (region, PERIOD),
                  h.admin_token(), timeout=10)
    if r.status != 200:
        return None
    return {i["code"]: i["value"] for i in r.json()["indicators"]}


def outbox_heads():
    return tuple(int(h.psql("SELECT coalesce(max(seq), 0) FROM %s.outbox" % s)[0][0])
                 for s in OWNERS)


# ---- the workload ----------------------------------------------------------------

_used_blocks = set()


class Event:
    __slots__ = ("id", "type", "owner", "body", "scope", "person", "answers")

    def __init__(self, id_, type_, region, at, data, person):
        self.id = id_
        self.type = type_
        self.owner = type_.split(".")[0]
        self.body = {"id": id_, "type": type_, "region": region, "occurred_at": at,
                     "data": data}
        self.scope = region[:9] + "000"       # the township token that pushes it
        self.person = person
        self.answers = []

    @property
    def acked(self):
        return any(a in ("accepted", "duplicate") for a in self.answers)

    @property
    def rejected(self):
        # the last word: a copy lost after a rejection may have been applied
        return not self.acked and bool(self.answers) and self.answers[-1].startswith("rejected")

    @property
    def unknown(self):
        return not self.acked and not self.rejected


class Round:
    """One workload, its clients, its answers and its invariants."""

    def __init__(self, test, name, seed, county, persons=80, batch=(1, 20), pace=0.01):
        self.test = test
        self.name = name
        self.seed = seed
        self.rng = random.Random(seed)
        self.county = county
        self.towns = COUNTIES[county]
        self.batch = batch
        self.pace = pace
        self.lock = threading.Lock()
        self.errors = []          # what client threads saw wrong, failed on in verify()
        self.sent = 0
        self.total = 0
        self.inflight = 0         # requests sent and not yet answered
        self.requests = []        # (sent, answered, HTTP status or "lost") of every request
        self.events = []
        self.tokens = {}
        self.feed_start = outbox_heads()
        print("%s: seed %d, county %s" % (name, seed, county), flush=True)
        self._build(persons)

    # -- building

    def _time(self, day_min=11):
        r = self.rng
        return "%s-%02dT%02d:%02d:%02d+08:00" % (MONTH, r.randrange(day_min, 29),
                                                 r.randrange(0, 24), r.randrange(0, 60),
                                                 r.randrange(0, 60))

    def _add(self, type_, region, data, person=None, at=None):
        ev = Event("fh-%d-%04d" % (self.seed, len(self.events)), type_, region,
                   at or self._time(), data, person)
        self.events.append(ev)
        return ev

    def _build(self, persons):
        r = self.rng
        while True:   # a block of 1000 id numbers (one birth date) no other round used
            block = r.randrange(1000, 13000)
            if (self.county, block) not in _used_blocks:
                _used_blocks.add((self.county, block))
                break
        for i in range(persons):
            idn = h.id_number(block * 1000 + i, area=self.county)
            village = r.choice(self.towns) + "%03d" % r.randrange(1, 40)
            cats = r.sample(CATEGORIES, r.randrange(0, 3))
            if r.random() < 0.3 and "hard_to_employ" not in cats:
                cats.append("hard_to_employ")
            self._add("employment.person_registered", village,
                      {"id_number": idn, "name": "测试%d" % i,
                       "household": r.choice(["urban", "rural"]), "categories": cats}, idn)
            if r.random() < 0.4:
                self._add("employment.unemployment_registered", village,
                          {"id_number": idn, "registered_on": "%s-%02d" % (MONTH, r.randrange(1, 28))},
                          idn)
            if r.random() < 0.5:
                self._add("employment.employed", village,
                          {"id_number": idn,
                           "kind": r.choice(["urban_new", "urban_new", "flexible", "transfer",
                                             "public_welfare"]),
                           "location": r.choice(["in_county", "in_province", "out_of_province"]),
                           "started_on": "%s-%02d" % (MONTH, r.randrange(1, 28))}, idn)
            for scheme in r.sample(SCHEMES, r.choice([0, 0, 1, 1, 2])):
                self._add("insurance.enrolled", village,
                          {"id_number": idn, "scheme": scheme,
                           "enrolled_on": "%s-%02d" % (MONTH, r.randrange(1, 28))}, idn)
            if r.random() < 0.08:
                self._add("insurance.death_reported", village,
                          {"id_number": idn, "died_on": "%s-%02d" % (MONTH, r.randrange(1, 11))},
                          idn)
        self._build_services(block)
        for k in range(3):
            village = r.choice(self.towns) + "%03d" % r.randrange(1, 40)
            self._add("arrears.project_registered", village,
                      {"project_id": "p-%d-%d" % (self.seed, k), "name": "安置房%d期" % k,
                       "contractor_credit_code": h.credit_code(r.randrange(10 ** 8)),
                       "contractor_name": "某建设公司", "workers": r.randrange(10, 300),
                       "real_name": True, "wage_account": r.random() < 0.8,
                       "paid_via_account": r.random() < 0.7,
                       "wage_deposit_fen": r.randrange(0, 10 ** 8)})
            self._add("arrears.clue_received", village,
                      {"clue_id": "c-%d-%d" % (self.seed, k), "source": "hotline",
                       "employer_name": "某劳务公司", "workers": r.randrange(1, 30),
                       "amount_fen": r.randrange(10 ** 4, 10 ** 8)})

    def _build_services(self, block):
        """The employment section's work on the round's persons: events that
        refer to a job, a recommendation or a person sent before it are
        refused (unknown_*) and change nothing, like any rejection."""
        r = self.rng
        persons = [ev.person for ev in self.events if ev.type == "employment.person_registered"]
        village = lambda: r.choice(self.towns) + "%03d" % r.randrange(1, 40)
        jobs = []
        for k in range(6):
            job = {"job_id": "fh-job-%d-%d" % (self.seed, k),
                   "employer_credit_code": h.credit_code(block * 10 + k),
                   "employer_name": "用工企业%d" % k, "title": "普工",
                   "positions": r.randrange(1, 9),
                   # some lapse in May or June, some are open at the year's end
                   "valid_until": r.choice(["2025-05-31", "2025-06-30", "2025-12-31"])}
            self._add("employment.job_posted", village(), job)
            jobs.append(job["job_id"])
            if r.random() < 0.4:   # re-posted: other positions and validity
                self._add("employment.job_posted", village(),
                          dict(job, positions=r.randrange(1, 9),
                               valid_until=r.choice(["2025-05-20", "2026-01-31"])))
        for k in range(10):
            idn, job = r.choice(persons), r.choice(jobs)
            self._add("employment.job_recommended", village(),
                      {"job_id": job, "id_number": idn}, idn)
            for _ in range(r.choice([0, 1, 1, 2])):
                self._add("employment.recommendation_result", village(),
                          {"job_id": job, "id_number": idn,
                           "result": r.choice(["hired", "declined", "no_show"])}, idn)
        for k in range(8):
            idn = r.choice(persons)
            self._add("employment.training_completed", village(),
                      {"id_number": idn, "program": r.choice(["startup", "skill_upgrade",
                                                              "employment_skill", "other"]),
                       "passed": r.random() < 0.8}, idn)
        for k in range(4):
            idn = r.choice(persons)
            self._add("employment.public_welfare_placed", village(),
                      {"id_number": idn, "kind": r.choice(["urban", "rural"]), "post": "护林员",
                       "monthly_subsidy_fen": 83333}, idn)
            self._add("employment.subsidy_paid", village(),
                      {"subsidy_id": "fh-sub-%d-%d" % (self.seed, k), "kind": "transport",
                       "id_number": idn, "amount_fen": r.randrange(1, 10 ** 6)}, idn)
        for k in range(3):
            self._add("employment.startup_loan_disbursed", village(),
                      {"loan_id": "fh-loan-%d-%d" % (self.seed, k),
                       "borrower": "small_enterprise",
                       "credit_code": h.credit_code(block * 10 + 7 + k % 3),
                       "amount_fen": r.randrange(10 ** 6, 10 ** 8)})
        self._add("employment.job_fair_held", village(),
                  {"fair_id": "fh-fair-%d" % self.seed, "name": "春风行动",
                   "held_on": MONTH + "-08", "online": False, "enterprises": r.randrange(1, 50),
                   "positions": r.randrange(1, 900), "attendees": r.randrange(1, 900),
                   "intentions": r.randrange(0, 90)})
        for idn in r.sample(persons, min(6, len(persons))):
            for _ in range(r.choice([1, 1, 2])):
                self._add("employment.graduate_followed_up", village(),
                          {"id_number": idn, "graduation_year": 2025,
                           "status": r.choice(["employed", "further_study", "seeking",
                                               "not_seeking", "abroad"])}, idn)

    def token(self, scope):
        if scope not in self.tokens:
            self.tokens[scope] = h.hrssctl("token", "create", "--role", "township", "--region",
                                           scope, "--name", "fault-%d-%s" % (self.seed, scope),
                                           "--rate", "0")
        return self.tokens[scope]

    # -- sending

    def send(self, scope, batch):
        """POSTs a batch with the token of `scope` and records each answer.
        Returns the number of events left undecided by this answer."""
        token = self.token(scope)
        with self.lock:
            self.inflight += 1
        started, status = time.time(), "lost"
        try:
            r = h.request("POST", "/v1/events", token,
                          {"events": [ev.body for ev in batch]}, timeout=HTTP_TIMEOUT)
            status = r.status
            results = r.json()["results"] if r.status == 200 else None
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            results = None
        with self.lock:
            self.inflight -= 1
            self.requests.append((started, time.time(), status))
            self.sent += len(batch)
            if results is None or len(results) != len(batch):
                for ev in batch:
                    ev.answers.append("lost")
                return len(batch)
            undecided = 0
            for ev, res in zip(batch, results):
                if res.get("id") != ev.id:
                    self.errors.append("answer for %s names %s" % (ev.id, res.get("id")))
                status = res["status"]
                if status == "rejected":
                    status = "rejected:" + res["error"]["code"]
                elif status == "retry":
                    undecided += 1
                ev.answers.append(status)
            return undecided

    def _client(self, scope, schedule):
        r = random.Random(self.rng.random())
        i = 0
        while i < len(schedule):
            n = r.randint(*self.batch)
            undecided = self.send(scope, schedule[i:i + n])
            i += n
            # back off a little when the answer was "not now"
            time.sleep(self.pace + (r.uniform(0.05, 0.2) if undecided else 0))

    def ingest(self, fault=None, at=0.5):
        """Every township client sends its events 1 to 5 times in shuffled
        order; when `at` of all sends are done, `fault()` runs here. Returns
        the seconds ingest took."""
        by_scope = collections.defaultdict(list)
        for ev in self.events:
            by_scope[ev.scope].append(ev)
        clients = []
        for scope in sorted(by_scope):
            schedule = [ev for ev in by_scope[scope] for _ in range(self.rng.randint(1, 5))]
            self.rng.shuffle(schedule)
            self.total += len(schedule)
            self.token(scope)
            clients.append(threading.Thread(target=self._client, args=(scope, schedule)))
        started = time.time()
        for c in clients:
            c.start()
        faulted = fault is None
        while any(c.is_alive() for c in clients):
            if not faulted and self.sent >= at * self.total:
                faulted = True
                fault()
            time.sleep(0.005)
        for c in clients:
            c.join()
        if not faulted:
            fault()
        return time.time() - started

    def drain(self, timeout=120):
        """Resends every unknown event until each is decided."""
        deadline = time.time() + timeout
        while True:
            pending = [ev for ev in self.events if ev.unknown]
            if not pending:
                return
            if time.time() > deadline:
                self.test.fail("%s: %d events still undecided after %d s of resending: %s"
                               % (self.name, len(pending), timeout,
                                  [(ev.id, ev.answers[-3:]) for ev in pending[:5]]))
            by_scope = collections.defaultdict(list)
            for ev in pending:
                by_scope[ev.scope].append(ev)
            undecided = 0
            for scope, evs in by_scope.items():
                for i in range(0, len(evs), 100):
                    undecided += self.send(scope, evs[i:i + 100])
            if undecided:
                time.sleep(0.3)

    # -- checking

    def summary(self):
        c = collections.Counter("acked" if ev.acked else "rejected" if ev.rejected else "unknown"
                                for ev in self.events)
        lost = sum(a in ("lost", "retry") for ev in self.events for a in ev.answers)
        return "%d events (%d sends): %d acknowledged, %d rejected, %d unknown; %d answers" \
               " were retry or lost" % (len(self.events), self.total, c["acked"], c["rejected"],
                                        c["unknown"], lost)

    def verify(self, catch_up=120):
        t = self.test
        t.assertEqual(self.errors, [])
        acked = [ev for ev in self.events if ev.acked]
        rejected = [ev for ev in self.events if ev.rejected]
        t.assertEqual([ev.id for ev in self.events if ev.unknown], [], "drain() first")

        # answers: accepted at most once, nothing rejected after acknowledgement
        for ev in self.events:
            t.assertLessEqual(ev.answers.count("accepted"), 1,
                              "%s answered accepted twice: %s" % (ev.id, ev.answers))
            decided = [a for a in ev.answers if a not in ("lost", "retry")]
            first = next((k for k, a in enumerate(decided) if a in ("accepted", "duplicate")),
                         None)
            if first is not None:
                t.assertEqual([a for a in decided[first:] if a.startswith("rejected")], [],
                              "%s rejected after it was acknowledged: %s" % (ev.id, ev.answers))

        # exactly once in the owner's inbox and outbox; rejected nowhere
        for owner in OWNERS:
            ids = [ev.id for ev in self.events if ev.owner == owner]
            inbox = collections.Counter(
                (scope, eid) for scope, eid in h.psql(
                    "SELECT scope, event_id FROM %s.inbox WHERE event_id IN (%s)"
                    % (owner, sql_in(ids))))
            outbox = collections.Counter(
                eid for (eid,) in h.psql("SELECT event_id FROM %s.outbox WHERE event_id IN (%s)"
                                         % (owner, sql_in(ids))))
            for ev in self.events:
                if ev.owner != owner:
                    continue
                want = 1 if ev.acked else 0
                t.assertEqual(inbox[(ev.scope, ev.id)], want,
                              "%s (%s, %s): %d inbox rows" % (ev.id, ev.type, ev.answers,
                                                              inbox[(ev.scope, ev.id)]))
                t.assertEqual(outbox[ev.id], want,
                              "%s (%s, %s): %d outbox rows" % (ev.id, ev.type, ev.answers,
                                                               outbox[ev.id]))
        prefix = "fh-%d-" % self.seed
        derived = collections.Counter(
            eid for s in OWNERS for (eid,) in h.psql(
                "SELECT event_id FROM %s.outbox WHERE event_id LIKE '%s%%/%%'" % (s, prefix)))
        for eid, n in derived.items():
            t.assertEqual(n, 1, "derived event %s stored %d times" % (eid, n))
            cause = eid.split("/")[0]
            t.assertTrue(any(ev.id == cause and ev.acked for ev in self.events),
                         "%s derived from an event that was not acknowledged" % eid)
        deaths = [ev for ev in acked if ev.type == "insurance.death_reported"]
        for ev in deaths:
            t.assertEqual(derived[ev.id + "/insurance.person_deceased"], 1,
                          "death report %s derived no insurance.person_deceased" % ev.id)

        # what the events say is in the owners' tables
        persons = sorted({ev.person for ev in self.events if ev.person})
        registered = {ev.person for ev in acked if ev.type == "employment.person_registered"}
        t.assertEqual({r[0] for r in h.psql("SELECT id_number FROM employment.persons WHERE"
                                            " id_number IN (%s)" % sql_in(persons))},
                      registered, "employment.persons is not what was acknowledged")
        enrolled = {(ev.person, ev.body["data"]["scheme"]) for ev in acked
                    if ev.type == "insurance.enrolled"}
        t.assertEqual({tuple(r) for r in h.psql("SELECT id_number, scheme FROM"
                                                " insurance.enrollments WHERE id_number IN (%s)"
                                                % sql_in(persons))},
                      enrolled, "insurance.enrollments is not what was acknowledged")
        t.assertEqual({r[0] for r in h.psql("SELECT id_number FROM insurance.deaths WHERE"
                                            " id_number IN (%s)" % sql_in(persons))},
                      {ev.person for ev in deaths}, "insurance.deaths")
        for ev in rejected:
            # a registration is refused only for a death employment already knows;
            # a death report is never refused
            if ev.type == "employment.person_registered":
                t.assertIn("rejected:person_deceased", ev.answers, ev.id)
            t.assertNotEqual(ev.type, "insurance.death_reported",
                             "%s rejected: %s" % (ev.id, ev.answers))

        self._verify_feed(acked, rejected)
        self._verify_indicators(catch_up)

    def _verify_feed(self, acked, rejected):
        t = self.test
        heads = outbox_heads()
        seqs = collections.defaultdict(list)
        ids = collections.Counter()
        cursor = "%d.%d.%d" % self.feed_start
        while True:
            r = h.request("GET", "/v1/feed?after=%s&limit=5000" % cursor, h.admin_token(),
                          timeout=30)
            t.assertEqual(r.status, 200, r.body[:300])
            page = r.json()
            for e in page["events"]:
                seqs[e["source"]].append(e["seq"])
                ids[(e["source"], e["id"])] += 1
            cursor = page["next"]
            if not page["more"]:
                break
        for k, source in enumerate(OWNERS):
            t.assertEqual(seqs[source], list(range(self.feed_start[k] + 1, heads[k] + 1)),
                          "the feed of %s from %d to %d has gaps, repeats or is out of order"
                          % (source, self.feed_start[k], heads[k]))
        for ev in acked:
            t.assertEqual(ids[(ev.owner, ev.id)], 1, "%s in the feed %d times"
                          % (ev.id, ids[(ev.owner, ev.id)]))
        for ev in rejected:
            t.assertEqual(ids[(ev.owner, ev.id)], 0, "rejected %s is in the feed" % ev.id)

    def _verify_indicators(self, catch_up):
        regions = [self.county] + sorted({ev.body["region"][:9] for ev in self.events})
        state, unknown = {}, {}

        def matches():
            for prefix in regions:
                want = recompute(prefix)
                got = reported(prefix)
                if got is None:
                    state[prefix] = ("no answer", want)
                    return False
                diff = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
                # an indicator computed later than this harness: say so, do not fail
                unknown[prefix] = {k: v for k, v in got.items() if k not in want and v}
                state[prefix] = diff
                if diff:
                    return False
            return True

        started = time.time()
        try:
            h.wait_until(matches, timeout=catch_up, interval=0.25, what="indicators")
        except AssertionError:
            self.test.fail("%s: indicators (reported, recomputed) still differ after %d s: %s"
                           % (self.name, catch_up, state))
        for prefix, extra in unknown.items():
            if extra:
                print("%s: indicators without a recomputation in fault_harness.py: %s"
                      % (prefix, extra))
        heads = outbox_heads()
        cursors = dict(h.psql("SELECT source, seq FROM reporting.cursors"))
        for k, source in enumerate(("employment", "insurance")):
            self.test.assertEqual(int(cursors.get(source, 0)), heads[k],
                                  "reporting's cursor of %s" % source)
        return time.time() - started


# ---- faults ------------------------------------------------------------------------

def wait_ready(timeout=60):
    """GET /readyz until 200; a gateway still starting refuses connections."""
    def ready():
        try:
            return h.request("GET", "/readyz", timeout=5).status == 200
        except (OSError, http.client.HTTPException):
            return False
    h.wait_until(ready, timeout, 0.2, "readyz")


def daemon_pid(name):
    with open(os.path.join(h.ENV["HRSS_RUN_DIR"], name + ".pid")) as f:
        return int(f.read().strip())


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def signal_daemon(name, sig):
    os.kill(daemon_pid(name), sig)


def pg_ctl(*args):
    """pg_ctl on the stack's cluster, as the OS user that owns it."""
    cmd = [os.path.join(h.ENV["HRSS_PG_BIN"], "pg_ctl"), "-D", h.ENV["HRSS_PG_DATA"], *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    log = open(os.path.join(h.ENV["HRSS_LOG_DIR"], "postgresql.log"), "ab")
    # its own session: the server outlives this test's process group
    subprocess.run(["setsid"] + cmd, cwd="/", stdin=subprocess.DEVNULL, stdout=log,
                   stderr=subprocess.STDOUT, check=True, timeout=60)
    log.close()


def kill_and_restart(name, rng):
    """A fault: SIGKILL, then a restart after up to a second."""
    def fault():
        h.stack("kill", name)
        time.sleep(rng.uniform(0, 1.0))
        h.stack("start", name)
    return fault
