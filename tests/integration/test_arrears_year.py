"""A year like seed 000's (arrears_year.py) replayed through the gateway in
a county no other test writes to (辰溪县 431223): every event accepted, in
order; the generator holds the seed's figures at the end of November; what
arrears stored recounts to the generator's figures at the end of the year;
and the deadlines read at year end lists exactly the items left open.
(The indicators themselves are reporting's, a later step: figures() is
what they must show.)"""

import datetime
import unittest
import uuid

import arrears_year
import hrss_client as h

COUNTY = "431223"
TOWNSHIPS = ["431223100", "431223101", "431223102", "431223105", "431223200"]


class ArrearsYearTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", COUNTY)
        cls.tag = "y" + uuid.uuid4().hex[:8]
        cls.events = arrears_year.build(TOWNSHIPS, cls.tag)
        cls.results = []
        for i in range(0, len(cls.events), 200):
            cls.results += h.post_events(cls.county, cls.events[i:i + 200])

    def test_every_event_is_accepted(self):
        bad = [(ev["type"], r) for ev, r in zip(self.events, self.results)
               if r["status"] != "accepted"]
        self.assertEqual(bad, [])

    def test_the_generator_holds_the_seeds_november(self):
        f = arrears_year.figures(self.events, 202211)
        seed = {"arr.projects": 12, "arr.projects_real_name": 12,
                "arr.projects_wage_account": 12, "arr.projects_paid_via_account": 12,
                "arr.clues": 108, "arr.clues_closed_on_time": 108,
                "arr.cases": 29, "arr.cases_coordinated": 25, "arr.cases_filed": 4,
                "arr.cases_to_police": 1, "arr.recovered_fen": 3_572_000_000,
                "arr.workers_helped": 1462, "arr.case_closure_rate": 100.0,
                "arr.arbitrations_filed": 219, "arr.arbitrations_closed": 219,
                "arr.arbitration_within_limit_rate": 100.0, "arr.arbitration_fen": 603_200_000}
        self.assertEqual({k: f[k] for k in seed}, seed)
        december = arrears_year.figures(self.events, 202212)
        self.assertEqual((december["arr.clues"], december["arr.arbitrations_filed"]), (113, 222))
        self.assertLess(december["arr.clues_closed_on_time"], 113)
        self.assertLess(december["arr.arbitration_within_limit_rate"], 100)

    def test_what_arrears_stored_recounts_to_the_year(self):
        want = arrears_year.figures(self.events, 202212)
        like = self.tag + "-%"
        in_year = "BETWEEN '2022-01-01' AND '2022-12-31'"
        row = h.psql(
            "SELECT"
            " (SELECT count(*) FROM arrears.cases WHERE case_id LIKE '{l}' AND opened_on {y}),"
            " (SELECT count(*) FROM arrears.cases WHERE case_id LIKE '{l}' AND opened_on {y}"
            "   AND mode = 'coordination'),"
            " (SELECT count(*) FROM arrears.cases WHERE case_id LIKE '{l}' AND opened_on {y}"
            "   AND mode = 'filed'),"
            " (SELECT count(*) FROM arrears.cases WHERE case_id LIKE '{l}' AND to_police),"
            " (SELECT count(*) FROM arrears.cases WHERE case_id LIKE '{l}' AND closed_on {y}),"
            " (SELECT sum(recovered_fen) FROM arrears.cases WHERE case_id LIKE '{l}'),"
            " (SELECT sum(workers_helped) FROM arrears.cases WHERE case_id LIKE '{l}'),"
            " (SELECT count(*) FROM arrears.clues WHERE clue_id LIKE '{l}' AND received_on {y}),"
            " (SELECT count(*) FROM arrears.clues WHERE clue_id LIKE '{l}' AND closed_on {y}"
            "   AND closed_on <= due_on),"
            " (SELECT count(*) FROM arrears.arbitrations WHERE arbitration_id LIKE '{l}'"
            "   AND filed_on {y}),"
            " (SELECT count(*) FROM arrears.arbitrations WHERE arbitration_id LIKE '{l}'"
            "   AND closed_on {y}),"
            " (SELECT count(*) FROM arrears.arbitrations WHERE arbitration_id LIKE '{l}'"
            "   AND closed_on {y} AND outcome = 'mediated'),"
            " (SELECT count(*) FROM arrears.arbitrations WHERE arbitration_id LIKE '{l}'"
            "   AND closed_on {y} AND within_limit),"
            " (SELECT sum(amount_fen) FROM arrears.arbitrations WHERE arbitration_id LIKE '{l}'"
            "   AND filed_on {y}),"
            " (SELECT count(*) FROM arrears.injuries WHERE application_id LIKE '{l}'"
            "   AND decided_on {y}),"
            " (SELECT count(*) FROM arrears.projects WHERE project_id LIKE '{l}'),"
            " (SELECT count(*) FILTER (WHERE real_name) FROM arrears.projects"
            "   WHERE project_id LIKE '{l}'),"
            " (SELECT count(*) FILTER (WHERE wage_account) FROM arrears.projects"
            "   WHERE project_id LIKE '{l}'),"
            " (SELECT count(*) FILTER (WHERE paid_via_account) FROM arrears.projects"
            "   WHERE project_id LIKE '{l}')".format(l=like, y=in_year))[0]
        codes = ["arr.cases", "arr.cases_coordinated", "arr.cases_filed", "arr.cases_to_police",
                 "arr.cases_closed", "arr.recovered_fen", "arr.workers_helped", "arr.clues",
                 "arr.clues_closed_on_time", "arr.arbitrations_filed", "arr.arbitrations_closed",
                 "arr.arbitrations_mediated", "arr.arbitrations_within_limit",
                 "arr.arbitration_fen", "arr.injury_decisions", "arr.projects",
                 "arr.projects_real_name", "arr.projects_wage_account",
                 "arr.projects_paid_via_account"]
        self.assertEqual(dict(zip(codes, map(int, row))), {k: want[k] for k in codes})

    def test_deadlines_at_year_end(self):
        """The open items, recounted from the events, with their days left."""
        as_of = datetime.date(2022, 12, 31)
        opened, closed = {}, set()
        limits = {"clue_received": ("clue", "clue_id", 10),
                  "arbitration_filed": ("arbitration", "arbitration_id", 45),
                  "injury_applied": ("injury", "application_id", 60)}
        ends = {"clue_closed": "clue_id", "arbitration_closed": "arbitration_id",
                "injury_decided": "application_id"}
        for ev in self.events:
            t = ev["type"][len("arrears."):]
            if t in limits:
                kind, key, days = limits[t]
                since = datetime.date.fromisoformat(ev["occurred_at"][:10])
                opened[ev["data"][key]] = (kind, since, since + datetime.timedelta(days=days))
            elif t in ends:
                closed.add(ev["data"][ends[t]])
        want = sorted(((due, kind, id_, (due - as_of).days)
                       for id_, (kind, since, due) in opened.items() if id_ not in closed))
        self.assertTrue(any(left < 0 for *_, left in want))   # injuries overdue
        r = h.request("GET", "/v1/arrears/deadlines?region=%s&as_of=2022-12-31" % COUNTY,
                      self.county)
        self.assertEqual(r.status, 200, r.body[:300])
        got = [(datetime.date.fromisoformat(i["due_on"]), i["kind"], i["id"], i["days_left"])
               for i in r.json()["items"] if i["id"].startswith(self.tag)]
        self.assertEqual(got, want)


if __name__ == "__main__":
    unittest.main()
