"""The work summary (GET /v1/reports/summary) of a county whose events are
known: each figure is in the text exactly as the bureaus write it, nothing
is a placeholder (XX, *) or an invented 0, the children's table and the
problems follow the targets, and the read is scoped like every other.
Uses the county 芷江侗族自治县 (431228), which no other test writes to.

A second test takes every slot of seed 002 (docs/seed002_slots.tsv) whose
indicator is a catalog code and says which sentence of the summary fills it
when the indicator has data, or why none does."""

import csv
import os
import random
import re
import unittest

import hrss_client as h

COUNTY = "431228000000"       # 芷江侗族自治县
T1 = "431228100000"           # 芷江镇
T2 = "431228101000"           # 罗旧镇
V1 = "431228100001"
V2 = "431228100002"
V3 = "431228101003"
SCHEMES = ["enterprise_pension", "institution_pension", "resident_pension",
           "unemployment", "work_injury"]


def catalog():
    """code -> unit, read from the catalog itself (common/indicators.def)."""
    units = {}
    path = os.path.join(h.REPO, "common", "indicators.def")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'(FLOW|STOCK)(_PER_SCHEME)?\("([^"]+)", "[^"]*", "([^"]*)"', line)
            if m:
                codes = ([m.group(3) + "." + s for s in SCHEMES] if m.group(2)
                         else [m.group(3)])
                for c in codes:
                    units[c] = m.group(4)
            m = re.match(r'RATE\("([^"]+)"', line)
            if m:
                units[m.group(1)] = "%"
    return units


def wan(fen):
    """fen in 万元 as the bureaus write it: two decimals, trailing zeros dropped."""
    hundredths = (abs(fen) * 2 + 10000) // 20000       # half away from zero
    text = "%d.%02d" % divmod(hundredths, 100)
    text = text.rstrip("0").rstrip(".")
    return ("-" if fen < 0 and hundredths else "") + text


def figure(value, unit):
    if unit == "分":
        return wan(value) + "万元"
    if unit == "%":   # the API's percent with two decimals, as the text writes it
        return "%.2f%%" % value
    return "%d%s" % (value, unit)


def percent(num, den):
    hundredths = (num * 20000 + den) // (2 * den)
    return "%d.%02d%%" % divmod(hundredths, 100)


def summary(token, region, period):
    return h.request("GET", "/v1/reports/summary?region=%s&period=%s" % (region, period), token)


def common_run(a, b):
    """Length of the longest text a and b share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def clauses(text):
    return [c for c in re.split(r"[，；。\n|]", text) if c.strip()]


class SummaryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", "431228")
        base = random.randrange(0, 13_000_000)
        p = [h.id_number(base + i) for i in range(8)]
        at = "2022-%02d-%02dT10:00:00+08:00"

        def reg(i, region, month, categories=()):
            return h.event("employment.person_registered", region, at % (month, 3 + i),
                           {"id_number": p[i], "name": "测试", "household": "rural",
                            "categories": list(categories)})

        def unemployed(i, region, month):
            return h.event("employment.unemployment_registered", region, at % (month, 10 + i),
                           {"id_number": p[i], "registered_on": "2022-%02d-%02d" % (month, 10 + i)})

        def employed(i, region, month):
            return h.event("employment.employed", region, at % (month, 20 + i),
                           {"id_number": p[i], "kind": "urban_new", "location": "in_county",
                            "started_on": "2022-%02d-%02d" % (month, 20 + i)})

        def enrolled(i, region, month, scheme):
            return h.event("insurance.enrolled", region, at % (month, 25),
                           {"id_number": p[i], "scheme": scheme,
                            "enrolled_on": "2022-%02d-25" % month})

        events = [
            reg(0, V1, 3, ["hard_to_employ"]), reg(1, V1, 3), reg(2, V2, 3), reg(3, V2, 4),
            reg(4, V3, 4), reg(5, V3, 5),
            unemployed(0, V1, 4), unemployed(1, V1, 4), unemployed(2, V2, 4),
            employed(0, V1, 6), employed(1, V1, 7), employed(3, V2, 8), employed(4, V3, 9),
            enrolled(0, V1, 6, "unemployment"), enrolled(3, V2, 8, "unemployment"),
            enrolled(4, V3, 9, "resident_pension"),
            # December: after the period of the summary, so in none of its figures
            reg(6, V3, 12), employed(5, V3, 12),
        ]
        results = h.post_events(cls.county, events)
        assert all(r["status"] == "accepted" for r in results), results
        r = h.request("PUT", "/v1/targets/2022/431228", cls.admin,
                      {"emp.urban_new_jobs": 3, "emp.reemployed_unemployed": 4})
        assert r.status == 200, r.body
        for region, target in ((T1, 2), (T2, 2)):
            r = h.request("PUT", "/v1/targets/2022/%s" % region, cls.admin,
                          {"emp.urban_new_jobs": target})
            assert r.status == 200, r.body
        h.wait_until(lambda: h.indicators(cls.admin, COUNTY, "2022-12")
                     ["emp.urban_new_jobs"]["value"] == 5, what="reporting caught up")
        cls.figures = h.indicators(cls.admin, COUNTY, "2022-11")
        r = summary(cls.county, COUNTY, "2022-11")
        assert r.status == 200, r.body
        cls.response = r
        cls.text = r.body.decode("utf-8")
        print(cls.text)   # in ctest -V's log: the summary as a bureau reads it

    def test_media_type_and_title(self):
        self.assertEqual(self.response.headers["Content-Type"], "text/markdown; charset=utf-8")
        self.assertTrue(self.text.startswith("# 芷江侗族自治县人力资源和社会保障局2022年1-11月工作总结\n"),
                        self.text[:200])
        self.assertIn("## 一、就业\n\n截止11月底，全县城镇新增就业4人，完成年度目标任务的133.33%；",
                      self.text)
        self.assertIn("## 二、社会保险", self.text)

    def test_known_figures_exactly(self):
        # hand-computed from the events above (November 2022, December left out)
        for sentence in ("全县城镇新增就业4人，完成年度目标任务的133.33%",
                         "城镇失业人员再就业2人，完成年度目标任务的50.00%",
                         "其中就业困难人员再就业1人",
                         "全县登记失业人员1人",
                         "劳动力资源库实名登记6人",
                         "失业保险参保2人",
                         "城乡居民基本养老保险参保1人"):
            self.assertIn(sentence, self.text)

    def test_every_figure_with_data_is_written_exactly(self):
        units = catalog()
        shown = 0
        for code, row in self.figures.items():
            if row["value"] == 0 or units.get(code) == "%":
                continue
            want = figure(row["value"], units[code])
            self.assertTrue(any(c.endswith(want) for c in clauses(self.text)),
                            "%s = %s is not in the summary" % (code, want))
            shown += 1
        self.assertGreaterEqual(shown, 7)

    def test_no_placeholder_and_no_invented_zero(self):
        self.assertNotIn("XX", self.text)
        self.assertNotIn("*", self.text)
        self.assertNotRegex(self.text, r"[^0-9.]0(人|万元|个|条|起|件|人次|场)")
        # indicators without data are left out: nothing of arrears was sent
        self.assertNotIn("根治欠薪与劳动关系", self.text)
        self.assertNotIn("死亡直报", self.text)

    def test_children_table_and_pace(self):
        # 芷江镇: 3 of 2 (ahead); 罗旧镇: 1 of 2, below 11/12 of the target (behind)
        self.assertIn("| 芷江镇 | 城镇新增就业 | 3人 | 2人 | 150.00% | 超过 |", self.text)
        self.assertIn("| 罗旧镇 | 城镇新增就业 | 1人 | 2人 | 50.00% | 落后 |", self.text)
        self.assertIn("| 芷江镇 | 失业人员再就业 | 2人 | — | — | — |", self.text)

    def test_problems_from_the_data(self):
        part = self.text[self.text.index("、存在问题"):]
        self.assertIn("失业人员再就业完成年度目标任务的50.00%，低于序时进度91.67%", part)
        self.assertNotIn("城镇新增就业完成", part)   # ahead of the pace: no problem

    def test_december_and_year(self):
        r = summary(self.county, COUNTY, "2022-12")
        self.assertEqual(r.status, 200)
        text = r.body.decode("utf-8")
        self.assertTrue(text.startswith("# 芷江侗族自治县人力资源和社会保障局2022年工作总结\n"))
        self.assertIn("全年，全县城镇新增就业5人，完成年度目标任务的166.67%", text)

    def test_township_level_word(self):
        t1 = h.make_token("township", "431228100")
        r = summary(t1, T1, "2022-11")
        self.assertEqual(r.status, 200, r.body)
        text = r.body.decode("utf-8")
        self.assertTrue(text.startswith("# 芷江镇人力资源和社会保障局2022年1-11月工作总结\n"))
        self.assertIn("全镇城镇新增就业3人，完成年度目标任务的150.00%", text)
        # a township token does not read its county's summary
        self.assertEqual(summary(t1, COUNTY, "2022-11").status, 403)

    def test_scope_and_validation(self):
        other = h.make_token("county", "433123")
        r = summary(other, COUNTY, "2022-11")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["type"], "urn:hrss:problem:out_of_scope")
        self.assertEqual(h.request("GET", "/v1/reports/summary?region=431228&period=2022-11")
                         .status, 401)
        r = summary(self.county, COUNTY, "2022-13")
        self.assertEqual(r.status, 400)
        self.assertEqual([(e["field"], e["code"]) for e in r.json()["errors"]],
                         [("period", "invalid_period")])
        self.assertEqual(summary(self.county, "99", "2022-11").status, 400)
        # a region with no data: a title and no figure, not zeros
        r = summary(self.admin, "431224000000", "2017-11")
        self.assertEqual(r.status, 200)
        self.assertNotRegex(r.body.decode("utf-8"), r"[0-9]+人")

    def test_seed002_slots(self):
        """Every XX slot of seed 002 whose indicator is a catalog code: the
        summary's clause that fills it, or why none does."""
        units = catalog()
        path = os.path.join(h.REPO, "docs", "seed002_slots.tsv")
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        filled, report = 0, []
        for row in rows:
            code = row["indicator"]
            if code == "none":
                continue
            if code not in units:
                report.append("slot %s %s: not a catalog code (%s)"
                              % (row["slot"], code, row["status"]))
                continue
            value = self.figures.get(code, {}).get("value", 0)
            if not value:   # 0, or a rate of 0 of 0 (null)
                report.append("slot %s %s: no data in this county's events"
                              % (row["slot"], code))
                continue
            # the clause that carries the figure and says what the seed says
            # just before the slot (失业保险参保 for 失业、工伤保险参保人数)
            want = figure(value, units[code])
            seed = row["excerpt"][:row["excerpt"].index("【")][-24:]
            found = sorted((common_run(c[:-len(want)], seed), c)
                           for c in clauses(self.text) if c.endswith(want))
            self.assertTrue(found and found[-1][0] >= 3,
                            "slot %s (%s): no clause writes %s for 「%s」"
                            % (row["slot"], code, want, seed))
            report.append("slot %s %s: filled by 「%s」" % (row["slot"], code, found[-1][1]))
            filled += 1
        print("\n".join(report))
        # the three employment slots of seed 002's first paragraph are data here
        self.assertGreaterEqual(filled, 3)
        for slot in ("4", "5", "6"):
            self.assertTrue(any(line.startswith("slot %s " % slot) and "filled by" in line
                                for line in report), slot)


if __name__ == "__main__":
    unittest.main()
