"""Indicators after a known set of events equal hand-computed values:
month boundaries in UTC+8, rollup from villages to county and province,
stocks across months, targets, breakdown and series. Uses the county 花垣县
(433124), which no other test writes to: run it on a fresh stack (as
./deploy/local.sh test does)."""

import random
import unittest

import hrss_client as h

COUNTY = "433124000000"
T1 = "433124102000"        # 龙潭镇
T2 = "433124103000"        # 民乐镇
V1 = "433124102001"
V2 = "433124102002"
V3 = "433124103007"


def reg(idn, region, at, categories=()):
    return h.event("employment.person_registered", region, at,
                   {"id_number": idn, "name": "测试", "household": "rural",
                    "categories": list(categories)})


def unemployed(idn, region, at):
    return h.event("employment.unemployment_registered", region, at,
                   {"id_number": idn, "registered_on": at[:10]})


def employed(idn, region, at, kind="urban_new"):
    return h.event("employment.employed", region, at,
                   {"id_number": idn, "kind": kind, "location": "in_county",
                    "started_on": at[:10]})


def values(token, region, period):
    return {code: row["value"] for code, row in h.indicators(token, region, period).items()}


class IndicatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", "433124")
        base = random.randrange(0, 13_000_000)
        p = [h.id_number(base + i) for i in range(6)]
        cls.p = p
        # Year 2021 only, in a county of its own: every figure below is
        # computed by hand from these events.
        events = [
            # November 2021 (CST)
            reg(p[0], V1, "2021-11-03T10:00:00+08:00", ["hard_to_employ"]),
            reg(p[1], V1, "2021-11-04T10:00:00+08:00"),
            reg(p[2], V2, "2021-11-05T10:00:00+08:00"),
            unemployed(p[0], V1, "2021-11-10T10:00:00+08:00"),
            unemployed(p[1], V1, "2021-11-10T11:00:00+08:00"),
            # 2021-11-30T16:30Z is 2021-12-01 00:30 CST: December
            employed(p[0], V1, "2021-11-30T16:30:00Z"),
            # 2021-11-30T15:59:59Z is still November in CST
            employed(p[2], V2, "2021-11-30T15:59:59Z"),
            # December 2021
            reg(p[3], V3, "2021-12-02T10:00:00+08:00"),
            employed(p[1], V1, "2021-12-03T10:00:00+08:00", kind="flexible"),
            unemployed(p[3], V3, "2021-12-04T10:00:00+08:00"),
            h.event("insurance.enrolled", V1, "2021-12-05T10:00:00+08:00",
                    {"id_number": p[0], "scheme": "enterprise_pension",
                     "enrolled_on": "2021-12-05"}),
            h.event("insurance.enrolled", V3, "2021-12-05T10:00:00+08:00",
                    {"id_number": p[3], "scheme": "enterprise_pension",
                     "enrolled_on": "2021-12-05"}),
            h.event("insurance.death_reported", V3, "2021-12-20T10:00:00+08:00",
                    {"id_number": p[3], "died_on": "2021-12-18"}),
        ]
        results = h.post_events(cls.county, events)
        assert all(r["status"] == "accepted" for r in results), results
        # reporting learns through the feeds: wait until it has everything
        h.wait_until(lambda: values(cls.admin, COUNTY, "2021-12")["ins.deaths_reported"] == 1
                     and values(cls.admin, COUNTY, "2021-12")["emp.labor_force"] == 3,
                     timeout=30, what="reporting to catch up")

    def test_november_in_cst(self):
        v = values(self.county, COUNTY, "2021-11")
        self.assertEqual(v["emp.labor_force"], 3)
        self.assertEqual(v["emp.urban_new_jobs"], 1)          # p2 at 23:59:59 CST
        self.assertEqual(v["emp.registered_unemployed"], 2)   # p0, p1
        self.assertEqual(v["emp.reemployed_unemployed"], 0)   # p2 was never unemployed

    def test_december_cumulative_in_cst(self):
        v = values(self.county, COUNTY, "2021-12")
        self.assertEqual(v["emp.urban_new_jobs"], 2)           # p2 (Nov) + p0 (Dec)
        self.assertEqual(v["emp.reemployed_unemployed"], 2)    # p0, p1
        self.assertEqual(v["emp.reemployed_hard_to_employ"], 1)  # p0
        # p3 registered, then died: leaves the labor force and unemployment
        self.assertEqual(v["emp.labor_force"], 3)
        self.assertEqual(v["emp.registered_unemployed"], 0)
        self.assertEqual(v["ins.enrolled.enterprise_pension"], 1)
        self.assertEqual(v["ins.deaths_reported"], 1)

    def test_next_year_flows_restart_stocks_carry(self):
        v = values(self.county, COUNTY, "2022-01")
        self.assertEqual(v["emp.urban_new_jobs"], 0)
        self.assertEqual(v["emp.labor_force"], 3)

    def test_rollup_levels(self):
        self.assertEqual(values(self.county, T1, "2021-12")["emp.labor_force"], 3)  # V1, V2
        self.assertEqual(values(self.county, V2, "2021-12")["emp.labor_force"], 1)
        self.assertEqual(values(self.county, "433124103", "2021-11")["emp.labor_force"], 0)
        self.assertEqual(values(self.county, "433124103", "2021-12")["emp.labor_force"], 0)
        # the province includes this county (and perhaps others: at least ours)
        self.assertGreaterEqual(values(self.admin, "43", "2021-12")["emp.urban_new_jobs"], 2)
        # short forms name the same region
        self.assertEqual(values(self.county, "433124", "2021-12"),
                         values(self.county, COUNTY, "2021-12"))

    def test_targets_and_completion(self):
        r = h.request("PUT", "/v1/targets/2021/433124", self.admin,
                      {"emp.urban_new_jobs": 4, "emp.reemployed_unemployed": 3})
        self.assertEqual(r.status, 200, r.body)
        rows = h.indicators(self.county, COUNTY, "2021-12")
        self.assertEqual(rows["emp.urban_new_jobs"]["target"], 4)
        self.assertAlmostEqual(rows["emp.urban_new_jobs"]["completion"], 0.5)
        self.assertAlmostEqual(rows["emp.reemployed_unemployed"]["completion"], 0.6667, places=4)
        self.assertNotIn("target", rows["emp.labor_force"])
        # targets are an admin's: a county token may not set them
        self.assertEqual(h.request("PUT", "/v1/targets/2021/433124", self.county,
                                   {"emp.urban_new_jobs": 1}).status, 403)
        bad = h.request("PUT", "/v1/targets/2021/433124", self.admin,
                        {"emp.no_such_indicator": 1, "emp.urban_new_jobs": 1.5})
        self.assertEqual(bad.status, 400)
        fields = {e["field"]: e["code"] for e in bad.json()["errors"]}
        self.assertEqual(fields, {"emp.no_such_indicator": "unknown_indicator",
                                  "emp.urban_new_jobs": "invalid_value"})
        # the refused request changed nothing
        rows = h.indicators(self.county, COUNTY, "2021-12")
        self.assertEqual(rows["emp.urban_new_jobs"]["target"], 4)

    def test_breakdown_by_township(self):
        r = h.request("GET", "/v1/indicators/emp.labor_force/breakdown?region=433124&period=2021-12",
                      self.county)
        self.assertEqual(r.status, 200, r.body)
        rows = {row["region"]: row for row in r.json()["breakdown"]}
        self.assertEqual(rows[T1]["value"], 3)
        self.assertEqual(rows[T1]["name"], "龙潭镇")
        self.assertEqual(rows[T2]["value"], 0)
        self.assertEqual(sum(row["value"] for row in rows.values()), 3)

    def test_series_by_month(self):
        r = h.request("GET", "/v1/indicators/emp.urban_new_jobs/series?region=433124&year=2021",
                      self.county)
        self.assertEqual(r.status, 200, r.body)
        series = {row["period"]: row["value"] for row in r.json()["series"]}
        self.assertEqual(len(series), 12)
        self.assertEqual(series["2021-11"], 1)
        self.assertEqual(series["2021-12"], 1)
        self.assertEqual(series["2021-10"], 0)
        stock = h.request("GET", "/v1/indicators/emp.labor_force/series?region=433124&year=2021",
                          self.county).json()["series"]
        self.assertEqual([row["value"] for row in stock][9:], [0, 3, 3])

    def test_read_scope_and_parameters(self):
        township = h.make_token("township", "433124102")
        self.assertEqual(h.request("GET", "/v1/indicators?region=433124&period=2021-12",
                                   township).status, 403)
        self.assertEqual(h.request("GET", "/v1/indicators?region=433123&period=2021-12",
                                   self.county).status, 403)
        self.assertEqual(h.request("GET", "/v1/indicators?region=433124102&period=2021-12",
                                   township).status, 200)
        for q in ("region=433124&period=2021-13", "region=4331249&period=2021-12",
                  "region=433199&period=2021-12"):
            r = h.request("GET", "/v1/indicators?" + q, self.county)
            self.assertEqual(r.status, 400, q)
            self.assertEqual(r.headers["Content-Type"], "application/problem+json")
        self.assertEqual(h.request("GET", "/v1/indicators/emp.nope/series?year=2021",
                                   self.county).status, 404)


class UnemploymentMovesTest(unittest.TestCase):
    """A second unemployment registration in another township moves the
    registration: employment's record and reporting's figures agree.
    泸溪县 (433122) is this test's own."""

    def test_registration_moves(self):
        h.wait_ready()
        county = h.make_token("county", "433122")
        admin = h.admin_token()
        idn = h.id_number(random.randrange(0, 13_000_000), area="433122")
        a, b = "433122102001", "433122104002"
        results = h.post_events(county, [
            reg(idn, a, "2022-03-01T10:00:00+08:00"),
            unemployed(idn, a, "2022-03-02T10:00:00+08:00"),
            unemployed(idn, b, "2022-03-20T10:00:00+08:00")])
        self.assertEqual({r["status"] for r in results}, {"accepted"})

        def moved():
            ta = values(admin, a[:9], "2022-03")["emp.registered_unemployed"]
            tb = values(admin, b[:9], "2022-03")["emp.registered_unemployed"]
            return (ta, tb) == (0, 1)

        h.wait_until(moved, timeout=20, what="the registration to move")
        self.assertEqual(values(admin, "433122", "2022-03")["emp.registered_unemployed"], 1)
        view = h.request("GET", "/v1/persons/" + idn, county).json()
        self.assertEqual(view["employment"]["labor"]["status"], "unemployed")


    def test_re_registration_moves_the_labor_force(self):
        """A person registered again elsewhere leaves the first township's
        labor force for the second's, and back; the county counts them once."""
        h.wait_ready()
        county = h.make_token("county", "433122")
        admin = h.admin_token()
        idn = h.id_number(random.randrange(0, 13_000_000), area="433122")
        a, b, period = "433122105001", "433122106001", "2021-05"

        def counts():
            return tuple(values(admin, r, period)["emp.labor_force"]
                         for r in (a[:9], b[:9], "433122"))

        before = counts()
        first = h.post_events(county, [reg(idn, a, "2021-05-03T10:00:00+08:00")])
        self.assertEqual(first[0]["status"], "accepted")
        h.wait_until(lambda: counts() == (before[0] + 1, before[1], before[2] + 1),
                     timeout=20, what="the registration to count")
        again = h.post_events(county, [reg(idn, b, "2021-05-10T10:00:00+08:00")])
        self.assertEqual(again[0]["status"], "accepted")
        h.wait_until(lambda: counts() == (before[0], before[1] + 1, before[2] + 1),
                     timeout=20, what="the re-registration to move")
        # back again: what reporting keeps of the person must have moved too
        back = h.post_events(county, [reg(idn, a, "2021-05-20T10:00:00+08:00")])
        self.assertEqual(back[0]["status"], "accepted")
        h.wait_until(lambda: counts() == (before[0] + 1, before[1], before[2] + 1),
                     timeout=20, what="the registration to move back")


class AnswerCacheTest(unittest.TestCase):
    """The gateway answers a question it has asked reporting before from its
    cache, until reporting changes (an event applied, targets stored): the
    change is seen at once, not after the cache's second."""
    COUNTY = "431122"            # 东安县: no other test counts here
    VILLAGE = "431122100001"

    def answers(self):
        text = h.request("GET", "/metrics").body.decode()
        return (h.metric('hrss_gateway_answers_total{result="hit"}', text),
                h.metric('hrss_gateway_answers_total{result="miss"}', text))

    def labor_force(self, token):
        return values(token, self.COUNTY, "2024-06")["emp.labor_force"]

    def test_cached_until_reporting_changes(self):
        h.wait_ready()
        county = h.make_token("county", self.COUNTY)
        idn = h.id_number(random.randrange(0, 10_000_000), area=self.COUNTY)
        before = self.labor_force(county)
        hits, misses = self.answers()
        self.assertEqual(self.labor_force(county), before)
        self.assertEqual(self.answers(), (hits + 1, misses))    # the same question: kept

        # an event reaches reporting: its nudge retires the kept answers
        h.post_events(county, [h.event("employment.person_registered", self.VILLAGE,
                                       "2024-06-03T10:00:00+08:00",
                                       {"id_number": idn, "name": "周九", "household": "rural"})])
        head = lambda: int(h.psql("SELECT coalesce(max(seq), 0) FROM employment.outbox")[0][0])
        cursor = lambda: int((h.psql("SELECT seq FROM reporting.cursors"
                                     " WHERE source = 'employment'") or [[0]])[0][0])
        target = head()
        h.wait_until(lambda: cursor() >= target, timeout=30, what="reporting to apply the event")
        self.assertEqual(self.labor_force(county), before + 1)

        # stored targets are part of the answer
        admin = h.admin_token()
        r = h.request("PUT", "/v1/targets/2024/" + self.COUNTY, admin,
                      {"emp.labor_force": 1000})
        self.assertEqual(r.status, 200, r.body)
        rows = h.indicators(county, self.COUNTY, "2024-06")
        self.assertEqual(rows["emp.labor_force"]["target"], 1000)


if __name__ == "__main__":
    unittest.main()
