"""A county's year of employment in the proportions of seed 000 (凤凰县 2022,
county_year.py at a small scale), pushed through the gateway in batches of
100 into a county no other test writes to: every event accepted, and
employment's own tables hold each emp.* figure the year should report
(emp_recompute.py: what the indicators will read)."""

import unittest

import hrss_client as h
from county_year import county_year
from emp_recompute import recompute

COUNTY = "433122"   # 泸溪县: a fresh county
SCALE = 0.01


class EmploymentYearTest(unittest.TestCase):
    def test_a_county_year_is_held_by_employment(self):
        h.wait_ready()
        token = h.make_token("county", COUNTY)
        events, expected, _ = county_year(COUNTY, 2022, SCALE)
        before = recompute(h.psql, COUNTY, "2022-11")
        for i in range(0, len(events), 100):
            batch = events[i:i + 100]
            results = h.post_events(token, batch)
            bad = [(e["type"], r) for e, r in zip(batch, results) if r["status"] != "accepted"]
            self.assertEqual(bad, [], "batch at %d" % i)
        after = recompute(h.psql, COUNTY, "2022-11")
        for code, value in after.items():
            with self.subTest(code=code):
                if code == "emp.graduates_employment_rate":
                    self.assertEqual(value, expected[code])
                else:
                    self.assertEqual(int(value) - int(before[code] or 0), expected[code])
        # the flows to the end of March count the months January to March alone
        march = recompute(h.psql, COUNTY, "2022-03")
        self.assertLess(int(march["emp.recommendations"]), int(after["emp.recommendations"]))


if __name__ == "__main__":
    unittest.main()
