"""A county's year of employment events in the proportions of seed 000
(凤凰县 2022, figures to the end of November), for the replay test of the
emp.* indicators and the benchmark scenario of the employment section.

    events, expected, targets = county_year("433123", scale=1.0)

`events` come in the order a bureau would push them: registrations, then
employment states, jobs, recommendations, results, trainings, placements,
subsidies, loans, fairs and graduates; each dated in its month from January
to November (CST). `expected` is what /v1/indicators must answer for the
county and period YYYY-11, computed from the events generated (at scale 1.0
the seed's own figures); `targets` the annual targets the seed's completion
percentages imply. Nothing is random but the id offset, so that a replay in
a stack that has seen another replay meets no known person or key.

Run as a script it writes the events as JSON lines and the expectations
to stderr:  python3 county_year.py --county 433123 --scale 0.01 > events.jsonl
"""

import argparse
import csv
import json
import os
import sys
import uuid

import ids

# Seed 000 (凤凰县 2022, 截止11月底); where the seed gives no split, the one
# chosen here is said.
SEED_000 = {
    "poverty_working": {"out_of_province": 21702, "in_province": 5714, "in_county": 11197},
    "urban_new_jobs": 2826,
    "reemployed_unemployed": 1106,          # of the urban new jobs
    "reemployed_hard_to_employ": 445,       # of those
    "jobs_positions": 1258,                 # 录入岗位1258个
    "jobs_open_positions": 194,             # 目前有效岗位194个
    "recommendations": 961,                 # 已为961人推荐岗位
    "training_startup": 433, "training_startup_passed": 424,
    "training_skill": 4008,
    "loans": 111, "loans_fen": 48_900_000 * 100,      # 4890万元, 111家企业
    "placements_urban": 8, "placements_urban_monthly_fen": 155000,    # 1550元/月
    "placements_rural": 3790, "placements_rural_monthly_fen": 83333,  # 10000元/年
    "transport_subsidies": 1067, "transport_subsidies_fen": 595_000 * 100,   # 59.5万元
    "hiring_subsidies": 23, "hiring_subsidies_fen": 496_000 * 100,          # 留工补助49.6万元
    "fairs": 38, "fair_enterprises": 468, "fair_positions": 33770, "fair_attendees": 25080,
    "fair_intentions": 1478,
    # 647 followed up: 583 employed, 64 not (44 further study, 18 enlisted, 2 abroad)
    "graduates": {"employed": 583, "further_study": 44, "enlisted": 18, "abroad": 2},
}
# completion percentages of the seed: 创业培训 106%, 技能提升 102.77%, 贷款 181.11%
SEED_000_TARGETS = {"emp.training_startup": 408, "emp.training_skill": 3900,
                    "emp.startup_loans_fen": 27_000_000 * 100}

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common",
                        "data")


def townships(county):
    with open(os.path.join(DATA_DIR, "regions-streets.csv"), encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f) if row["areaCode"] == county]
    if not codes:
        raise ValueError("no township under county %s in the region table" % county)
    return [c + "000" for c in sorted(codes)]


def _scaled(n, scale):
    return max(1, round(n * scale)) if n else 0


def _split(total, parts):
    """total in `parts` whole shares that differ by at most one."""
    q, r = divmod(total, parts)
    return [q + (1 if i < r else 0) for i in range(parts)]


class _Year:
    def __init__(self, county, year, scale, offset):
        self.county, self.year, self.scale = county, year, scale
        self.towns = townships(county)
        self.offset = offset
        self.events = []
        self.serial = 0

    def at(self, i, day=10):
        month = i % 11 + 1   # January to November
        return "%d-%02d-%02dT09:00:00+08:00" % (self.year, month, day), month

    def region(self, i):
        return self.towns[i % len(self.towns)][:9] + "%03d" % (i % 7 + 1)

    def add(self, type_, i, data, day=10):
        at, _ = self.at(i, day)
        self.serial += 1
        self.events.append({"id": "cy-%s-%d" % (self.offset, self.serial),
                            "type": "employment." + type_, "region": self.region(i),
                            "occurred_at": at, "data": data})

    def key(self, kind, i):
        return "%s-%s-%d" % (kind, self.offset, i)


def county_year(county="433123", year=2022, scale=1.0, offset=None):
    s = SEED_000
    y = _Year(county, year, scale, offset or uuid.uuid4().hex[:8])
    # id numbers of this replay: n in [base, base + 1e5), born 1970 to 1997
    base = int(y.offset, 16) % 100 * 100_000
    n = 0

    def new_person(categories):
        nonlocal n
        idn = ids.id_number(base + n, area=county, birth="19700101")
        y.add("person_registered", n, {"id_number": idn, "name": "劳动力%d" % n,
                                       "household": "rural", "categories": categories}, day=2)
        n += 1
        return idn

    # registrations and employment: the poverty-alleviated workers by location
    pov = []
    for loc, count in s["poverty_working"].items():
        for _ in range(_scaled(count, scale)):
            pov.append((new_person(["poverty_alleviated"]), loc))
    for i, (idn, loc) in enumerate(pov):
        y.add("employed", i, {"id_number": idn, "location": loc,
                              "kind": "flexible" if loc == "in_county" else "transfer",
                              "started_on": y.at(i, day=5)[0][:10]}, day=5)
    # urban new jobs, of which re-employed unemployed and hard-to-employ
    urban = _scaled(s["urban_new_jobs"], scale)
    reemployed = min(urban, _scaled(s["reemployed_unemployed"], scale))
    hard = min(reemployed, _scaled(s["reemployed_hard_to_employ"], scale))
    for i in range(urban):
        idn = new_person(["hard_to_employ"] if i < hard else [])
        if i < reemployed:
            y.add("unemployment_registered", i, {"id_number": idn,
                                                 "registered_on": y.at(i, day=3)[0][:10]},
                  day=3)
        y.add("employed", i, {"id_number": idn, "kind": "urban_new", "location": "in_county",
                              "started_on": y.at(i, day=6)[0][:10]}, day=6)

    # jobs: two positions each; the open ones valid into next year, the others
    # lapse within their month of posting
    positions = _scaled(s["jobs_positions"], scale)
    open_positions = min(positions, _scaled(s["jobs_open_positions"], scale))
    jobs, left, open_left = [], positions, open_positions
    while left:
        is_open = open_left > 0
        p = min(2, open_left if is_open else left)
        i = len(jobs)
        _, month = y.at(i)
        until = "%d-12-31" % year if is_open else "%d-%02d-28" % (year, month)
        y.add("job_posted", i, {"job_id": y.key("job", i),
                                "employer_credit_code": ids.credit_code(i % 500 + 1),
                                "employer_name": "用工企业%d" % (i % 500), "title": "普工",
                                "positions": p, "wage_min_fen": 300000, "wage_max_fen": 600000,
                                "valid_until": until})
        jobs.append(y.key("job", i))
        left -= p
        if is_open:
            open_left -= p
    # recommendations of poverty-alleviated workers; a third hired, a third
    # declined, a third no-show (the seed does not say)
    recs = _scaled(s["recommendations"], scale)
    results = {"hired": 0, "declined": 0, "no_show": 0}
    for i in range(recs):
        y.add("job_recommended", i, {"job_id": jobs[i % len(jobs)], "id_number": pov[i][0]},
              day=12)
    for i in range(recs):
        r = ("hired", "declined", "no_show")[i % 3]
        results[r] += 1
        y.add("recommendation_result", i, {"job_id": jobs[i % len(jobs)],
                                           "id_number": pov[i][0], "result": r}, day=20)
    # trainings
    st, st_pass = _scaled(s["training_startup"], scale), _scaled(s["training_startup_passed"],
                                                                 scale)
    skill = _scaled(s["training_skill"], scale)
    for i in range(st + skill):
        startup = i < st
        y.add("training_completed", i, {"id_number": pov[i % len(pov)][0],
                                        "program": "startup" if startup else "skill_upgrade",
                                        "occupation": "电子商务师" if startup else "家政服务员",
                                        "passed": (i < st_pass) if startup else True}, day=15)
    # public-welfare posts: urban posts for urban workers, rural for the poverty-alleviated
    pu, pr = _scaled(s["placements_urban"], scale), _scaled(s["placements_rural"], scale)
    for i in range(pu + pr):
        rural = i >= pu
        y.add("public_welfare_placed", i, {
            "id_number": pov[i % len(pov)][0] if rural else
            ids.id_number(base + len(pov) + i % urban, area=county, birth="19700101"),
            "kind": "rural" if rural else "urban", "post": "护林员" if rural else "社区保洁",
            "monthly_subsidy_fen": s["placements_rural_monthly_fen" if rural else
                                     "placements_urban_monthly_fen"]}, day=16)
    # subsidies: one-off transport for workers going out, 留工补助 for employers
    nt, nh = _scaled(s["transport_subsidies"], scale), _scaled(s["hiring_subsidies"], scale)
    ft = _split(round(s["transport_subsidies_fen"] * scale), nt)
    fh = _split(round(s["hiring_subsidies_fen"] * scale), nh)
    for i in range(nt):
        y.add("subsidy_paid", i, {"subsidy_id": y.key("sub", i), "kind": "transport",
                                  "id_number": pov[i % len(pov)][0], "amount_fen": ft[i]},
              day=18)
    for i in range(nh):
        y.add("subsidy_paid", i, {"subsidy_id": y.key("subh", i), "kind": "hiring",
                                  "credit_code": ids.credit_code(600 + i), "amount_fen": fh[i]},
              day=18)
    # startup loans to small enterprises
    nl = _scaled(s["loans"], scale)
    fl = _split(round(s["loans_fen"] * scale), nl)
    for i in range(nl):
        y.add("startup_loan_disbursed", i, {"loan_id": y.key("loan", i),
                                            "borrower": "small_enterprise",
                                            "credit_code": ids.credit_code(700 + i),
                                            "amount_fen": fl[i]}, day=19)
    # job fairs
    nf = _scaled(s["fairs"], scale)
    shares = {k: _split(round(s["fair_" + k] * scale), nf)
              for k in ("enterprises", "positions", "attendees", "intentions")}
    for i in range(nf):
        _, month = y.at(i)
        y.add("job_fair_held", i, {"fair_id": y.key("fair", i), "name": "招聘会%d" % i,
                                   "held_on": "%d-%02d-08" % (year, month), "online": i % 2 == 0,
                                   **{k: v[i] for k, v in shares.items()}}, day=8)
    # graduates of the year, followed up (registered with the category)
    grads = {k: _scaled(v, scale) for k, v in s["graduates"].items()}
    g = 0
    for status, count in grads.items():
        for _ in range(count):
            idn = new_person(["graduate"])
            y.add("graduate_followed_up", g, {"id_number": idn, "graduation_year": year,
                                              "status": status}, day=22)
            g += 1

    by_loc = {loc: sum(1 for _, l in pov if l == loc) for loc in s["poverty_working"]}
    expected = {
        "emp.urban_new_jobs": urban,
        "emp.reemployed_unemployed": reemployed,
        "emp.reemployed_hard_to_employ": hard,
        "emp.transfer_jobs": by_loc["out_of_province"] + by_loc["in_province"],
        "emp.public_welfare_placed": pu + pr,
        "emp.startup_loans_fen": sum(fl),
        "emp.training_startup": st,
        "emp.training_startup_passed": st_pass,
        "emp.training_skill": skill,
        "emp.jobs_posted": positions,
        "emp.jobs_open": open_positions,
        "emp.recommendations": recs,
        "emp.job_fairs": nf,
        "emp.job_fair_positions": sum(shares["positions"]),
        "emp.subsidies_fen": sum(ft) + sum(fh),
        "emp.registered_unemployed": 0,
        "emp.poverty_alleviated_working": len(pov),
        **{"emp.poverty_alleviated_working." + loc: v for loc, v in by_loc.items()},
        "emp.graduates_employment_rate": "100.00",   # every status of the seed counts
        # beyond the contract's catalog (cheap, the seeds count them)
        "hires_from_recommendations": results["hired"],
    }
    targets = {k: (round(v * scale) if scale != 1.0 else v) for k, v in SEED_000_TARGETS.items()}
    return y.events, expected, targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--county", default="433123")
    ap.add_argument("--year", type=int, default=2022)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    events, expected, targets = county_year(args.county, args.year, args.scale)
    for e in events:
        sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")
    json.dump({"events": len(events), "expected": expected, "targets": targets}, sys.stderr,
              ensure_ascii=False, indent=1)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
