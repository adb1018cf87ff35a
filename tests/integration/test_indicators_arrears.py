"""Every arr.* indicator read back from GET /v1/indicators after a year
like seed 000's (arrears_year.py) is replayed through the public API in a
county no other test writes to (会同县 431225): the figures and rates of
the end of November and of December, exactly as arrears_year.figures()
recounts them from the events, and the overdue stocks (catalog
extensions) recounted here; one flow and one stock broken down by
township."""

import collections
import datetime
import unittest
import uuid

import arrears_year
import hrss_client as h

COUNTY = "431225"
TOWNSHIPS = ["431225100", "431225101", "431225102", "431225104", "431225200"]
PERIODS = (202211, 202212)
LIMITS = {"clue_received": ("clue_id", 10), "arbitration_filed": ("arbitration_id", 45),
          "injury_applied": ("application_id", 60)}
ENDS = {"clue_closed": "clue_id", "arbitration_closed": "arbitration_id",
        "injury_decided": "application_id"}
OVERDUE = {"clue_id": "arr.clues_overdue", "arbitration_id": "arr.arbitrations_overdue",
           "application_id": "arr.injuries_overdue"}


def day(ev):
    return datetime.date.fromisoformat(ev["occurred_at"][:10])


def last_day(period):
    y, m = divmod(period, 100)
    return datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)


def overdue(events, period):
    """Open items at the end of `period` whose due date is before its last
    day (days left < 0 on it), by kind."""
    end = last_day(period)
    due, closed = {}, set()
    for ev in events:
        t = ev["type"][len("arrears."):]
        if day(ev) > end:
            continue
        if t in LIMITS:
            key, days = LIMITS[t]
            d = ev["data"].get("due_on")
            due[(key, ev["data"][key])] = (datetime.date.fromisoformat(d) if d else
                                          day(ev) + datetime.timedelta(days=days))
        elif t in ENDS:
            closed.add((ENDS[t], ev["data"][ENDS[t]]))
    out = collections.Counter({code: 0 for code in OVERDUE.values()})
    for (key, id_), on in due.items():
        if (key, id_) not in closed and on < end:
            out[OVERDUE[key]] += 1
    return dict(out)


def expected(events, period):
    f = arrears_year.figures(events, period)
    f.update(overdue(events, period))
    return f


def values(token, period):
    p = "%d-%02d" % divmod(period, 100)
    return {code: row["value"] for code, row in h.indicators(token, COUNTY, p).items()
            if code.startswith("arr.")}


class ArrearsIndicatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", COUNTY)
        cls.tag = "i" + uuid.uuid4().hex[:8]
        cls.events = arrears_year.build(TOWNSHIPS, cls.tag, seed=1)
        # two clues with a due_on of their own, overdue at the end of a month:
        # one of November closed late in December, one of December left open
        for k, (received, due, closed) in enumerate((("11-15", "11-25", "12-05"),
                                                     ("12-05", "12-20", None))):
            cid, at = "%s-x%d" % (cls.tag, k), "2022-%sT09:00:00+08:00"
            cls.events.append(h.event("arrears.clue_received", TOWNSHIPS[k] + "001",
                                      at % received,
                                      {"clue_id": cid, "source": "hotline",
                                       "employer_name": "劳务公司X", "workers": 3,
                                       "amount_fen": 900_000, "due_on": "2022-" + due},
                                      id_="%s-xr%d" % (cls.tag, k)))
            if closed:
                cls.events.append(h.event("arrears.clue_closed", TOWNSHIPS[k] + "001",
                                          at % closed, {"clue_id": cid, "outcome": "resolved"},
                                          id_="%s-xc%d" % (cls.tag, k)))
        cls.events.sort(key=lambda e: e["occurred_at"])
        cls.results = []
        for i in range(0, len(cls.events), 200):
            cls.results += h.post_events(cls.county, cls.events[i:i + 200])
        cls.want = {p: expected(cls.events, p) for p in PERIODS}
        try:
            h.wait_until(lambda: all(values(cls.county, p) == cls.want[p] for p in PERIODS),
                         timeout=90, what="reporting to count the year")
        except AssertionError:
            pass   # the tests below name each figure that differs

    def test_every_event_is_accepted(self):
        bad = [(ev["type"], r) for ev, r in zip(self.events, self.results)
               if r["status"] != "accepted"]
        self.assertEqual(bad, [])

    def test_the_year_is_the_one_asked_for(self):
        """December has something for every figure to tell."""
        nov, dec = self.want[202211], self.want[202212]
        self.assertEqual((nov["arr.cases"], nov["arr.clues"], dec["arr.clues"]), (29, 109, 115))
        self.assertEqual((nov["arr.clues_overdue"], dec["arr.clues_overdue"]), (1, 1))
        self.assertLess(dec["arr.clues_closed_on_time"], dec["arr.clues"])
        self.assertLess(dec["arr.arbitration_within_limit_rate"], 100)
        self.assertGreater(dec["arr.clues_overdue"], 0)
        self.assertGreater(dec["arr.arbitrations_overdue"] + dec["arr.injuries_overdue"], 0)

    def test_every_arr_indicator_reads_back_exactly(self):
        for period in PERIODS:
            got = values(self.county, period)
            for code in sorted(set(got) | set(self.want[period])):
                with self.subTest(period=period, code=code):
                    self.assertIn(code, got, "not computed")
                    self.assertIn(code, self.want[period], "no expectation")
                    self.assertEqual(got[code], self.want[period][code])

    def test_a_flow_counts_from_january_and_a_stock_at_the_period_end(self):
        march = values(self.county, 202203)
        want = expected(self.events, 202203)
        for code in ("arr.clues", "arr.recovered_fen", "arr.arbitrations_closed",
                     "arr.projects", "arr.blacklisted", "arr.clues_overdue",
                     "arr.arbitration_within_limit_rate"):
            with self.subTest(code=code):
                self.assertEqual(march[code], want[code])

    def test_breakdown_by_township(self):
        regions = {}
        for ev in self.events:   # every item's events share its opening's village
            if ev["type"] == "arrears.case_opened":
                regions[ev["data"]["case_id"]] = ev["region"][:9] + "000"
        recovered = collections.Counter()
        projects = {}
        for ev in self.events:
            if day(ev) > last_day(202211):
                continue
            d = ev["data"]
            if ev["type"] == "arrears.case_action" and d["action"] == "wages_recovered":
                recovered[regions[d["case_id"]]] += d["amount_fen"]
            elif ev["type"] == "arrears.project_registered":
                projects[d["project_id"]] = ev["region"][:9] + "000"
        for code, want in (("arr.recovered_fen", recovered),
                           ("arr.projects", collections.Counter(projects.values()))):
            r = h.request("GET", "/v1/indicators/%s/breakdown?region=%s&period=2022-11"
                          % (code, COUNTY), self.county)
            self.assertEqual(r.status, 200, r.body[:300])
            rows = {row["region"]: row["value"] for row in r.json()["breakdown"]}
            with self.subTest(code=code):
                self.assertEqual({k: v for k, v in rows.items() if v}, dict(want))
                self.assertEqual(sum(rows.values()), self.want[202211][code])


if __name__ == "__main__":
    unittest.main()
