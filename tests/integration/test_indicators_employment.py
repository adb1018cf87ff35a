"""Every emp.* indicator read back from GET /v1/indicators after a county's
year of employment (seed 000's figures at a scale, county_year.py) pushed
through the public API into a county no other test writes to (道县,
431124), with the updates a year brings on top: a job re-sent with more
positions, a job open from March to its end of June, a poverty-alleviated
worker moving from out of the province to the county and another becoming
unemployed, a hire taken back by a later result, graduates seeking work and
one found employed at a later follow-up. Every expected figure is counted
here from the events pushed; breakdown and series for a few; targets and
completion, a rate's among them.

Rates travel in hundredths of a percent (95.12% is 9512) with
IndicatorValue.no_value for 0 of 0; the gateway shows the integer."""

import calendar
import collections
import unittest

import hrss_client as h
import ids
from county_year import county_year

COUNTY = "431124"
SCALE = 0.01
YEAR = 2022
EMPLOYED_LIKE = ("employed", "further_study", "enlisted", "abroad")


def values(token, region, period):
    return {code: row["value"] for code, row in h.indicators(token, region, period).items()}


def month_of(e):
    return int(e["occurred_at"][5:7])


def rate(num, den):
    return (num * 10000 + den // 2) // den if den else 0


class EmploymentIndicatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", COUNTY)
        events, expected, targets = county_year(COUNTY, YEAR, SCALE)
        cls.targets = targets
        town = events[0]["region"]          # a village of the county's first township
        pov = [(e["data"]["id_number"], e["data"]["location"]) for e in events
               if e["type"] == "employment.employed" and e["data"]["kind"] != "urban_new"]
        job0 = next(e for e in events if e["type"] == "employment.job_posted")
        hired0 = next(e for e in events if e["type"] == "employment.recommendation_result"
                      and e["data"]["result"] == "hired")
        base = int(job0["id"].split("-")[1], 16) % 100 * 100_000 + 90_000
        g1, g2 = (h.id_number(base + i) for i in range(2))
        at = lambda m, d=25: "%d-%02d-%02dT10:00:00+08:00" % (YEAR, m, d)
        # a township's worker moves out of the province to the county; the
        # first out-of-province and in-province workers
        mover = next(p for p in pov if p[1] == "out_of_province")
        idle = next(p for p in pov if p[1] == "in_province")
        extra = [
            # the first job re-sent in November: 3 more positions, counted in
            # its first month (January), open to the year's end as before
            dict(job0, id=h.new_id("job"), occurred_at=at(11),
                 data=dict(job0["data"], positions=job0["data"]["positions"] + 3)),
            # open at the ends of March, April, May and June (valid to June 30)
            h.event("employment.job_posted", town, at(3),
                    {"job_id": "emp-ind-%s" % base, "employer_credit_code": ids.credit_code(901),
                     "employer_name": "季节用工", "title": "采茶工", "positions": 7,
                     "valid_until": "%d-06-30" % YEAR}),
            h.event("employment.employed", town, at(10),
                    {"id_number": mover[0], "kind": "flexible", "location": "in_county",
                     "started_on": at(10)[:10]}),
            h.event("employment.unemployment_registered", town, at(10),
                    {"id_number": idle[0], "registered_on": at(10)[:10]}),
            dict(hired0, id=h.new_id("res"), occurred_at=at(11),
                 data=dict(hired0["data"], result="declined")),
            h.event("employment.person_registered", town, at(2, 2),
                    {"id_number": g1, "name": "毕业生甲", "household": "urban",
                     "categories": ["graduate"]}),
            h.event("employment.person_registered", town, at(2, 2),
                    {"id_number": g2, "name": "毕业生乙", "household": "urban",
                     "categories": ["graduate"]}),
            h.event("employment.graduate_followed_up", town, at(3),
                    {"id_number": g1, "graduation_year": YEAR, "status": "seeking"}),
            h.event("employment.graduate_followed_up", town, at(6),
                    {"id_number": g1, "graduation_year": YEAR, "status": "employed"}),
            h.event("employment.graduate_followed_up", town, at(11, 3),
                    {"id_number": g2, "graduation_year": YEAR, "status": "not_seeking"}),
        ]
        cls.events = events + extra
        for i in range(0, len(cls.events), 100):
            batch = cls.events[i:i + 100]
            results = h.post_events(cls.county, batch)
            bad = [(e["type"], r) for e, r in zip(batch, results) if r["status"] != "accepted"]
            assert not bad, bad

        x = dict(expected)
        x["emp.jobs_posted"] += 3 + 7
        x["emp.jobs_open"] += 3              # the seasonal job is closed by November
        x["emp.poverty_alleviated_working"] -= 1
        x["emp.poverty_alleviated_working.out_of_province"] -= 1
        x["emp.poverty_alleviated_working.in_province"] -= 1
        x["emp.poverty_alleviated_working.in_county"] += 1
        x["emp.registered_unemployed"] += 1
        x["emp.labor_force"] = len({e["data"]["id_number"] for e in cls.events
                                    if e["type"] == "employment.person_registered"})
        x["emp.recommendation_hires"] = x.pop("hires_from_recommendations") - 1
        grads = [e for e in cls.events if e["type"] == "employment.graduate_followed_up"]
        cls.grads = grads
        x["emp.graduates"], x["emp.graduates_employed"] = cls.graduates(grads, 11)
        x["emp.graduates_employment_rate"] = rate(x["emp.graduates_employed"], x["emp.graduates"])
        # the seeds' extensions, counted from the events
        by_type = collections.defaultdict(list)
        for e in cls.events:
            by_type[e["type"][len("employment."):]].append(e["data"])
        x["emp.trainings"] = len(by_type["training_completed"])
        x["emp.training_employment_skill"] = 0
        x["emp.startup_loans"] = len(by_type["startup_loan_disbursed"])
        for b in ("individual", "small_enterprise"):
            x["emp.startup_loans_fen." + b] = sum(d["amount_fen"] for d in
                                                  by_type["startup_loan_disbursed"]
                                                  if d["borrower"] == b)
        for k in ("urban", "rural"):
            x["emp.public_welfare_placed." + k] = sum(1 for d in by_type["public_welfare_placed"]
                                                      if d["kind"] == k)
        x["emp.subsidies"] = len(by_type["subsidy_paid"])
        for k in ("enterprises", "attendees", "intentions"):
            x["emp.job_fair_" + k] = sum(d[k] for d in by_type["job_fair_held"])
        cls.expected = x
        period = "%d-11" % YEAR
        try:
            h.wait_until(lambda: all(v == x[c] for c, v in
                                     values(cls.county, COUNTY, period).items() if c in x),
                         timeout=90, what="reporting to count the year")
        except AssertionError:
            pass   # the test below names each figure that differs

    @staticmethod
    def graduates(grads, month, township=None):
        """(followed up, employed-like) of the year's graduates by the end of
        `month`, with their latest status then (under `township`)."""
        latest = {}
        for e in grads:
            if month_of(e) <= month:
                latest[e["data"]["id_number"]] = e
        rows = [e for e in latest.values()
                if township is None or e["region"].startswith(township)]
        return len(rows), sum(1 for e in rows if e["data"]["status"] in EMPLOYED_LIKE)

    def test_every_emp_indicator_reads_back_exactly(self):
        got = values(self.county, COUNTY, "%d-11" % YEAR)
        emp = sorted(c for c in got if c.startswith("emp."))
        for code in emp:
            with self.subTest(code=code):
                self.assertIn(code, self.expected, "no expectation for " + code)
                self.assertEqual(got[code], self.expected[code])
        # and nothing of the catalog's employment part is left uncomputed
        for code in self.expected:
            if code.startswith("emp."):
                self.assertIn(code, got)

    def test_flows_from_january_and_stocks_at_the_period_end(self):
        march = values(self.county, COUNTY, "%d-03" % YEAR)
        recs = sum(1 for e in self.events if e["type"] == "employment.job_recommended"
                   and month_of(e) <= 3)
        self.assertEqual(march["emp.recommendations"], recs)
        n, emp = self.graduates(self.grads, 3)
        self.assertEqual(march["emp.graduates"], n)
        self.assertEqual(march["emp.graduates_employment_rate"], rate(emp, n))
        self.assertLess(march["emp.graduates_employment_rate"], 10000)   # g1 was seeking

    def test_rate_of_nothing_is_no_value(self):
        # no graduates of 2021 anywhere in the county: 0 of 0
        got = h.indicators(self.county, COUNTY, "2021-11")["emp.graduates_employment_rate"]
        self.assertEqual(got["value"], 0)
        self.assertEqual(got["unit"], "%")

    def test_targets_and_completion(self):
        body = dict(self.targets)
        body["emp.graduates_employment_rate"] = 9000           # 90.00%
        body["emp.jobs_posted"] = 20
        r = h.request("PUT", "/v1/targets/%d/%s" % (YEAR, COUNTY), self.admin, body)
        self.assertEqual(r.status, 200, r.body)
        rows = h.indicators(self.county, COUNTY, "%d-11" % YEAR)
        for code, target in body.items():
            with self.subTest(code=code):
                self.assertEqual(rows[code]["target"], target)
                want = (self.expected[code] * 10000 + target // 2) // target
                self.assertAlmostEqual(rows[code]["completion"], want / 10000, places=4)

    def test_breakdown_by_township(self):
        for code, of in (("emp.training_startup", lambda e: e["type"] ==
                          "employment.training_completed" and e["data"]["program"] == "startup"),
                         ("emp.recommendations",
                          lambda e: e["type"] == "employment.job_recommended")):
            r = h.request("GET", "/v1/indicators/%s/breakdown?region=%s&period=%d-11"
                          % (code, COUNTY, YEAR), self.county)
            self.assertEqual(r.status, 200, r.body)
            rows = {row["region"]: row["value"] for row in r.json()["breakdown"]}
            want = collections.Counter(e["region"][:9] + "000" for e in self.events if of(e))
            for region, value in rows.items():
                with self.subTest(code=code, region=region):
                    self.assertEqual(value, want.get(region, 0))
            self.assertEqual(sum(rows.values()), self.expected[code])
        # a rate by township: each from its own parts
        r = h.request("GET", "/v1/indicators/emp.graduates_employment_rate/breakdown"
                      "?region=%s&period=%d-11" % (COUNTY, YEAR), self.county)
        self.assertEqual(r.status, 200, r.body)
        for row in r.json()["breakdown"]:
            with self.subTest(rate_of=row["region"]):
                n, emp = self.graduates(self.grads, 11, row["region"][:9])
                self.assertEqual(row["value"], rate(emp, n))

    def test_series_by_month(self):
        def series(code):
            r = h.request("GET", "/v1/indicators/%s/series?region=%s&year=%d"
                          % (code, COUNTY, YEAR), self.county)
            self.assertEqual(r.status, 200, r.body)
            return {int(row["period"][5:]): row["value"] for row in r.json()["series"]}

        # jobs posted: each job in the month of its first posting, with its
        # latest positions
        first, latest, until = {}, {}, {}
        for e in self.events:
            if e["type"] == "employment.job_posted":
                first.setdefault(e["data"]["job_id"], month_of(e))
                latest[e["data"]["job_id"]] = e["data"]["positions"]
                until[e["data"]["job_id"]] = e["data"]["valid_until"]
        posted = series("emp.jobs_posted")
        opened = series("emp.jobs_open")
        for m in range(1, 13):
            last = "%d-%02d-%02d" % (YEAR, m, calendar.monthrange(YEAR, m)[1])
            with self.subTest(month=m):
                self.assertEqual(posted[m], sum(p for j, p in latest.items() if first[j] == m))
                # a stock: open at the month's end (valid on or after its last day)
                self.assertEqual(opened[m], sum(p for j, p in latest.items()
                                                if first[j] <= m and until[j] >= last))
        # the rate month by month, from January
        rates = series("emp.graduates_employment_rate")
        for m in range(1, 13):
            with self.subTest(rate_month=m):
                n, emp = self.graduates(self.grads, m)
                self.assertEqual(rates[m], rate(emp, n))


if __name__ == "__main__":
    unittest.main()
