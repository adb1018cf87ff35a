"""GET /v1/reports/monthly.xlsx read back with a real reader: Debian's
openpyxl, run by Debian's /usr/bin/python3 (the pyenv python3 first on
PATH has no openpyxl). After a known set of events in a county no other
test writes to (雷山县 522634), every cell of every sheet equals what GET
/v1/indicators and its breakdowns answer for the same region and month:
values, number formats (万元 0.00, 0.00%, whole numbers), headers with
units, the title row, frozen panes and sheet names; and the route is scoped
like every read."""

import json
import os
import random
import re
import subprocess
import tempfile
import unittest

import hrss_client as h

COUNTY = "522634000000"    # 雷山县
T1 = "522634100000"        # 丹江镇
T2 = "522634101000"        # 西江镇
V1 = "522634100001"
V2 = "522634100002"
V3 = "522634101003"
PERIOD = "2023-06"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READER = "/usr/bin/python3"
DOMAINS = [("emp.", "就业"), ("ins.", "社会保险"), ("arr.", "欠薪与劳动关系")]
SCHEMES = {"enterprise_pension": "企业职工基本养老保险",
           "institution_pension": "机关事业单位养老保险",
           "resident_pension": "城乡居民基本养老保险",
           "unemployment": "失业保险", "work_injury": "工伤保险"}

# Run by /usr/bin/python3: every cell of every sheet as JSON.
DUMP = r"""
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        rows.append([[c.value, c.number_format, c.data_type] for c in row])
    out.append({"title": ws.title, "freeze": ws.freeze_panes, "rows": rows})
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def rate_figures():
    """A rate's numerator and denominator, from the catalog."""
    path = os.path.join(h.REPO, "common", "indicators.def")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return {m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r'^RATE\("([^"]+)", "[^"]*", "([^"]+)", "([^"]+)"', text, re.M)}


def read_workbook(body):
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(body)
        f.flush()
        out = subprocess.run([READER, "-c", DUMP, f.name], capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError("openpyxl could not read the workbook: " + out.stderr)
    return json.loads(out.stdout)


def reg(idn, region, at, categories=()):
    return h.event("employment.person_registered", region, at,
                   {"id_number": idn, "name": "测试", "household": "rural",
                    "categories": list(categories)})


def employed(idn, region, at):
    return h.event("employment.employed", region, at,
                   {"id_number": idn, "kind": "urban_new", "location": "in_county",
                    "started_on": at[:10]})


class MonthlyXlsxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", "522634")
        base = random.randrange(0, 13_000_000)
        p = [h.id_number(base + i) for i in range(5)]
        events = [
            reg(p[0], V1, "2023-03-03T10:00:00+08:00", ["hard_to_employ"]),
            reg(p[1], V1, "2023-04-04T10:00:00+08:00"),
            reg(p[2], V2, "2023-05-05T10:00:00+08:00"),
            reg(p[3], V3, "2023-06-02T10:00:00+08:00"),
            h.event("employment.unemployment_registered", V1, "2023-04-10T10:00:00+08:00",
                    {"id_number": p[1], "registered_on": "2023-04-10"}),
            employed(p[0], V1, "2023-05-20T10:00:00+08:00"),
            employed(p[2], V2, "2023-06-20T10:00:00+08:00"),
            h.event("insurance.enrolled", V1, "2023-06-05T10:00:00+08:00",
                    {"id_number": p[0], "scheme": "enterprise_pension",
                     "enrolled_on": "2023-06-05"}),
            h.event("insurance.enrolled", V3, "2023-06-05T10:00:00+08:00",
                    {"id_number": p[3], "scheme": "resident_pension",
                     "enrolled_on": "2023-06-05"}),
            h.event("insurance.death_reported", V3, "2023-06-20T10:00:00+08:00",
                    {"id_number": p[3], "died_on": "2023-06-18"}),
        ]
        results = h.post_events(cls.county, events)
        assert all(r["status"] == "accepted" for r in results), results

        def caught_up():
            v = h.indicators(cls.county, COUNTY, PERIOD)
            return (v["ins.deaths_reported"]["value"] == 1 and
                    v["emp.labor_force"]["value"] == 3 and
                    v["ins.enrolled.enterprise_pension"]["value"] == 1)
        h.wait_until(caught_up, timeout=30, what="reporting to catch up")

    def fetch(self, region, period=PERIOD, token=None):
        return h.request("GET", "/v1/reports/monthly.xlsx?region=%s&period=%s"
                         % (region, period), token or self.county)

    def expected(self, region):
        """What the API says: the columns (code, header, kind) of each
        sheet, the total row and each child's row."""
        r = h.request("GET", "/v1/indicators?region=%s&period=%s" % (region, PERIOD), self.county)
        self.assertEqual(r.status, 200, r.body)
        listed = r.json()["indicators"]
        total = {i["code"]: i["value"] for i in listed}
        rates = rate_figures()
        children, names = {}, {}
        for i in listed:
            if i["unit"] == "%":
                continue
            b = h.request("GET", "/v1/indicators/%s/breakdown?region=%s&period=%s"
                          % (i["code"], region, PERIOD), self.county)
            self.assertEqual(b.status, 200, b.body)
            for row in b.json()["breakdown"]:
                children.setdefault(row["region"], {})[i["code"]] = row["value"]
                names[row["region"]] = row.get("name", row["region"])
        sheets = []
        for prefix, title in DOMAINS:
            cols = []
            for i in listed:
                if not i["code"].startswith(prefix):
                    continue
                unit = {"分": "万元"}.get(i["unit"], i["unit"])
                scheme = SCHEMES.get(i["code"].rsplit(".", 1)[-1])
                header = "%s%s（%s）" % (i["name"], "·" + scheme if scheme else "", unit)
                cols.append((i["code"], header, i["unit"]))
            sheets.append((title, cols))
        return sheets, total, children, names, rates

    def expected_cell(self, code, unit, figures, rates):
        if unit == "%":
            num, den = rates[code]
            if figures.get(den, 0) == 0:
                return None, "0.00%"
            return figures.get(num, 0) / figures[den], "0.00%"
        if unit == "分":
            return figures.get(code, 0) / 1e6, "0.00"
        return figures.get(code, 0), "0"

    def check_workbook(self, region, region_name):
        r = self.fetch(region)
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.headers["Content-Type"], XLSX_TYPE)
        self.assertEqual(r.headers["Content-Disposition"],
                         'attachment; filename="monthly-%s-%s.xlsx"' % (region, PERIOD))
        self.assertEqual(r.body[:2], b"PK")   # a zip, as OOXML is
        book = read_workbook(r.body)
        sheets, total, children, names, rates = self.expected(region)
        self.assertEqual([s["title"] for s in book], [t for t, _ in sheets])
        order = sorted(children)
        for sheet, (title, cols) in zip(book, sheets):
            with self.subTest(sheet=title):
                rows = sheet["rows"]
                self.assertEqual(sheet["freeze"], "C3")
                heading = rows[0][0][0]
                self.assertIn(region_name, heading)
                self.assertIn("2023年6月", heading)
                self.assertIn("未提交", heading)
                self.assertEqual([c[0] for c in rows[1][:2]], ["区划代码", "地区"])
                self.assertEqual([c[0] for c in rows[1][2:]], [h_ for _, h_, _ in cols])
                body = rows[2:]
                self.assertEqual([row[0][0] for row in body], order + [region])
                self.assertEqual([row[1][0] for row in body],
                                 [names[c] for c in order] + ["合计"])
                for row, figures in zip(body, [children[c] for c in order] + [total]):
                    self.assertEqual(len(row), 2 + len(cols))
                    for cell, (code, _, unit) in zip(row[2:], cols):
                        value, fmt = self.expected_cell(code, unit, figures, rates)
                        self.assertEqual(cell[1], fmt, (row[0][0], code))
                        if value is None:
                            self.assertIsNone(cell[0], (row[0][0], code))
                        else:
                            self.assertEqual(cell[2], "n", (row[0][0], code))
                            self.assertAlmostEqual(cell[0], value, places=9,
                                                   msg=(row[0][0], code))
        return book

    def test_county_every_cell_is_the_apis(self):
        book = self.check_workbook(COUNTY, "雷山县")
        # and the figures are the events' (not merely the API's):
        emp = book[0]["rows"]
        header = [c[0] for c in emp[1]]
        total = emp[-1]
        new_jobs = header.index("城镇新增就业（人）")
        self.assertEqual(total[new_jobs][0], 2)                 # p0 (May), p2 (June)
        self.assertEqual(total[header.index("劳动力资源库（人）")][0], 3)   # p3 died
        towns = {row[0][0]: row for row in emp[2:-1]}
        self.assertEqual(len(towns), 9)                          # every township of 雷山县
        self.assertEqual(towns[T1][new_jobs][0], 2)
        self.assertEqual(towns[T2][new_jobs][0], 0)
        ins = book[1]["rows"]
        deaths = [c[0] for c in ins[1]].index("死亡直报（人）")
        self.assertEqual(ins[-1][deaths][0], 1)

    def test_township_rows_are_its_villages(self):
        book = self.check_workbook(T1, "丹江镇")
        self.assertEqual([row[0][0] for row in book[0]["rows"][2:]], [V1, V2, T1])

    def test_scope_and_rejections(self):
        r = self.fetch("433123")
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(r.json()["type"], "urn:hrss:problem:out_of_scope")
        r = h.request("GET", "/v1/reports/monthly.xlsx?region=522634&period=%s" % PERIOD)
        self.assertEqual(r.status, 401)
        r = self.fetch("522634", period="2023-13")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json()["errors"][0]["field"], "period")
        r = self.fetch("5226349")
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json()["errors"][0]["field"], "region")
        township = h.make_token("township", T2)
        self.assertEqual(self.fetch(T1, token=township).status, 403)
        self.assertEqual(self.fetch(T2, token=township).status, 200)

    def test_province_reads_its_counties(self):
        r = self.fetch("52", token=self.admin)
        self.assertEqual(r.status, 200, r.body[:300])
        book = read_workbook(r.body)
        codes = [row[0][0] for row in book[0]["rows"][2:]]
        self.assertEqual(codes[-1], "520000000000")
        self.assertIn("522600000000", codes)   # 黔东南州, the city above 雷山县


if __name__ == "__main__":
    unittest.main()
