"""A year of wage-arrears work in one county, shaped on seed 000 (凤凰县's
2022 summary): "在建项目12个，已落实实名制12个，已设立农民工工资专户12个，已通过
专户代发工资12个"; "平台共反映欠薪线索108条，全部按时办结"; "共办理案件29起(含移交
公安机关1起)，其中协调处理案件25起，立案办理4起，为劳动者追回拖欠工资3572万元，共
涉及劳动者1462人，结案率达100%"; "受理案件219起，办结219起，时限内结案率达100%，
涉案金额603.2万元" — all "截止11月底". December then adds what the issue
asks of a whole year: 5 more clues (2 closed late, 2 still open), and 3
more arbitrations, while 3 filed in October and November close in December
past the 45 days; 3 filed in December 2021 close in January (the 219
closed by November count them).

`build()` makes the events (deterministic for a seed), `figures()` recounts
the contract's arr.* indicators from those events alone, as reporting must
find them: flows from January to the end of a period, stocks at its end,
rates in percent with two decimals (hundredths as integers here)."""

import datetime
import random

import hrss_client as h

YEAR = 2022
RECOVERED_FEN = 3572 * 10_000 * 100       # 3572万元
WORKERS_HELPED = 1462
ARBITRATION_FEN = 6032 * 1000 * 100       # 603.2万元, filings to the end of November


def _at(d, hour=10):
    return "%s-%02d-%02dT%02d:00:00+08:00" % (d.year, d.month, d.day, hour)


def _split(total, n, rnd, low=1):
    """n positive integers summing to total."""
    cuts = sorted(rnd.sample(range(low, total // low), n - 1))
    parts = [b - a for a, b in zip([0] + cuts, cuts + [total // low])]
    parts = [p * low for p in parts]
    parts[-1] += total - sum(parts)
    return parts


def build(townships, tag, seed=0):
    """The year's events for villages under `townships` (9-digit codes),
    every identifier starting with `tag`."""
    rnd = random.Random(seed)
    events = []

    def village():
        return rnd.choice(townships) + "%03d" % rnd.randrange(1, 30)

    def add(type_, region, when, data):
        events.append(h.event(type_, region, _at(when), data,
                              id_="%s-ev-%05d" % (tag, len(events))))

    day = lambda m, d: datetime.date(YEAR, m, d)   # noqa: E731

    # 12 projects, every measure in place (one re-sent in June: an update)
    projects = []
    for k in range(12):
        pid, region = "%s-p%02d" % (tag, k), village()
        projects.append((pid, region))
        data = {"project_id": pid, "name": "在建项目%d" % k,
                "contractor_credit_code": h.credit_code(700_000 + k),
                "contractor_name": "建设公司%d" % k, "workers": rnd.randrange(40, 400),
                "real_name": True, "wage_account": True, "paid_via_account": True,
                "wage_deposit_fen": rnd.randrange(10, 100) * 100_000}
        add("arrears.project_registered", region, day(1, 1), data)
        if k == 0:
            add("arrears.project_registered", region, day(6, 1),
                dict(data, wage_deposit_fen=data["wage_deposit_fen"] + 500_000))

    # 29 cases (25 coordination, 4 filed), all closed by November; 4 of them
    # come from clues, which close as case_opened
    amounts = _split(RECOVERED_FEN, 29, rnd, low=100)
    workers = _split(WORKERS_HELPED, 29, rnd)
    case_clues = {}
    cases = []
    for k in range(29):
        cases.append(("%s-k%02d" % (tag, k), "filed" if k < 4 else "coordination",
                      day(1 + k % 10, 2 + k % 20)))

    # 113 clues: 108 by November, each closed on time; 5 in December
    for k in range(113):
        cid = "%s-c%03d" % (tag, k)
        region = village()
        if k < 108:
            received = day(1 + k % 11, 1 + k % 20)
            closed = received + datetime.timedelta(days=rnd.randrange(1, 10))
        else:
            received = day(12, [1, 2, 10, 28, 29][k - 108])
            closed = {108: received + datetime.timedelta(days=12),   # late
                      109: received + datetime.timedelta(days=14),   # late
                      110: received + datetime.timedelta(days=10)}.get(k)   # on time
        data = {"clue_id": cid, "source": rnd.choice(["national_platform"] * 4 +
                                                      ["hotline", "qr_code", "walk_in", "letter"]),
                "employer_name": "劳务公司%d" % (k % 40), "workers": rnd.randrange(1, 60),
                "amount_fen": rnd.randrange(1, 500) * 100_000}
        if k % 9 == 0:
            data["project_id"] = projects[k % 12][0]
        add("arrears.clue_received", region, received, data)
        if k < 4:
            case_clues[k] = (cid, region, closed)   # closed once the case is opened
        elif closed:
            add("arrears.clue_closed", region, closed,
                {"clue_id": cid, "outcome": "unfounded" if k % 17 == 0 else "resolved"})

    for k, (case_id, mode, opened) in enumerate(cases):
        region = village()
        data = {"case_id": case_id, "mode": mode, "employer_name": "劳务公司%d" % k,
                "workers": workers[k] + rnd.randrange(0, 5),
                "amount_owed_fen": amounts[k] + rnd.randrange(0, 50) * 10_000}
        if k in case_clues:
            cid, region, _ = case_clues[k]
            data["clue_id"] = cid
            opened = max(opened, day(1 + k % 11, 1 + k % 20))
        if k % 5 == 0:
            data["project_id"] = projects[k % 12][0]
        add("arrears.case_opened", region, opened, data)
        if k in case_clues:
            add("arrears.clue_closed", region, opened,
                {"clue_id": case_clues[k][0], "outcome": "case_opened", "case_id": case_id})
        step = opened + datetime.timedelta(days=3)
        if mode == "filed":
            add("arrears.case_action", region, step,
                {"case_id": case_id, "action": "rectification_order"})
        if k == 0:
            add("arrears.case_action", region, step + datetime.timedelta(days=2),
                {"case_id": case_id, "action": "transferred_to_police"})
        # the recovery in one or two payments
        first = amounts[k] // 2 if k % 3 == 0 else amounts[k]
        add("arrears.case_action", region, step + datetime.timedelta(days=5),
            {"case_id": case_id, "action": "wages_recovered", "amount_fen": first,
             "workers": workers[k]})
        if first != amounts[k]:
            add("arrears.case_action", region, step + datetime.timedelta(days=9),
                {"case_id": case_id, "action": "wages_recovered",
                 "amount_fen": amounts[k] - first, "workers": 0})
        add("arrears.case_closed", region, step + datetime.timedelta(days=15),
            {"case_id": case_id})

    # arbitrations: 3 carried from December 2021; 219 filed to the end of
    # November, 216 closed within the limit by then and 3 (filed in October
    # and November) closed in December past it; 3 filed in December, open
    arb_amounts = _split(ARBITRATION_FEN, 219, rnd, low=100)
    outcomes = ["mediated"] * 25 + ["withdrawn"] * 10 + ["adjudicated"] * 184
    rnd.shuffle(outcomes)
    arbitrations = []   # (id, region, filed, closed or None, extended, outcome, amount)
    for k in range(3):
        filed = datetime.date(YEAR - 1, 12, 10 + k)
        arbitrations.append(("%s-a-prev%d" % (tag, k), village(), filed,
                             filed + datetime.timedelta(days=30), False, "adjudicated", 100_000))
    for k in range(219):
        if k < 3:
            filed = [day(10, 20), day(10, 25), day(11, 2)][k]
            closed = filed + datetime.timedelta(days=[50, 62, 47][k])
            extended = k == 1
        else:
            filed = day(1 + k % 9, 1 + k % 28)   # closed by the end of November
            extended = k % 11 == 0
            closed = filed + datetime.timedelta(
                days=rnd.randrange(10, 61 if extended else 46))
        arbitrations.append(("%s-a%03d" % (tag, k), village(), filed, closed, extended,
                             outcomes[k], arb_amounts[k]))
    for k in range(3):
        arbitrations.append(("%s-a-dec%d" % (tag, k), village(), day(12, 5 + k), None, False,
                             None, 200_000))
    for aid, region, filed, closed, extended, outcome, amount in arbitrations:
        add("arrears.arbitration_filed", region, filed,
            {"arbitration_id": aid, "claimants": 1 + len(aid) % 4, "amount_fen": amount})
    for aid, region, filed, closed, extended, outcome, amount in arbitrations:
        if closed:
            data = {"arbitration_id": aid, "outcome": outcome}
            if extended:
                data["extended"] = True
            if outcome != "withdrawn":
                data["amount_fen"] = amount // 2
            add("arrears.arbitration_closed", region, closed, data)

    # 30 work-injury applications, 28 decided (2 past the 60 days)
    for k in range(30):
        app, region = "%s-i%02d" % (tag, k), village()
        applied = day(1 + k % 11, 1 + k % 25)
        add("arrears.injury_applied", region, applied,
            {"application_id": app, "id_number": h.id_number(9_000_000 + seed * 100 + k),
             "employer_name": "建设公司%d" % (k % 12)})
        if k < 28:
            days = 70 if k in (5, 6) else rnd.randrange(15, 60)
            add("arrears.injury_decided", region, applied + datetime.timedelta(days=days),
                {"application_id": app,
                 "decision": ["recognized", "recognized", "not_recognized", "withdrawn"][k % 4]})

    # the blacklist: two employers listed, one delisted in the autumn
    for k, (listed, delisted) in enumerate(((day(4, 8), None), (day(3, 1), day(9, 15)))):
        code, region = h.credit_code(800_000 + seed * 10 + k), village()
        add("arrears.employer_blacklisted", region, listed,
            {"credit_code": code, "name": "失信公司%d" % k, "reason": "拒不支付劳动报酬"})
        if delisted:
            add("arrears.employer_delisted", region, delisted, {"credit_code": code})

    # sent in time order, as a county would: what refers to a record after it
    events.sort(key=lambda e: e["occurred_at"])
    return events


def _month(ev):
    # every occurred_at above is written in CST
    return int(ev["occurred_at"][:4]) * 100 + int(ev["occurred_at"][5:7])


def _date(ev):
    return datetime.date.fromisoformat(ev["occurred_at"][:10])


def figures(events, period):
    """The arr.* indicators at the end of `period` (YYYYMM) recounted from
    the events: flows of the period's year up to it, stocks at its end."""
    year = period // 100
    f = {k: 0 for k in (
        "arr.cases", "arr.cases_coordinated", "arr.cases_filed", "arr.cases_to_police",
        "arr.cases_closed", "arr.recovered_fen", "arr.workers_helped", "arr.clues",
        "arr.clues_closed_on_time", "arr.arbitrations_filed", "arr.arbitrations_closed",
        "arr.arbitrations_mediated", "arr.arbitrations_within_limit", "arr.arbitration_fen",
        "arr.injury_decisions", "arr.projects", "arr.projects_real_name",
        "arr.projects_wage_account", "arr.projects_paid_via_account", "arr.blacklisted")}
    projects, listed, clue_due, filed = {}, {}, {}, {}
    for ev in events:
        m, d, t = _month(ev), ev["data"], ev["type"][len("arrears."):]
        if m > period:
            continue
        flow = m // 100 == year
        if t == "project_registered":
            projects[d["project_id"]] = d
        elif t == "employer_blacklisted":
            listed[d["credit_code"]] = _date(ev)
        elif t == "employer_delisted":
            listed.pop(d["credit_code"], None)
        elif t == "clue_received":
            due = d.get("due_on") or str(_date(ev) + datetime.timedelta(days=10))
            clue_due[d["clue_id"]] = datetime.date.fromisoformat(due)
            f["arr.clues"] += flow
        elif t == "clue_closed":
            f["arr.clues_closed_on_time"] += flow and _date(ev) <= clue_due[d["clue_id"]]
        elif t == "case_opened":
            f["arr.cases"] += flow
            f["arr.cases_coordinated"] += flow and d["mode"] == "coordination"
            f["arr.cases_filed"] += flow and d["mode"] == "filed"
        elif t == "case_action":
            f["arr.cases_to_police"] += flow and d["action"] == "transferred_to_police"
            if flow and d["action"] == "wages_recovered":
                f["arr.recovered_fen"] += d["amount_fen"]
                f["arr.workers_helped"] += d["workers"]
        elif t == "case_closed":
            f["arr.cases_closed"] += flow
        elif t == "arbitration_filed":
            filed[d["arbitration_id"]] = _date(ev)
            if flow:
                f["arr.arbitrations_filed"] += 1
                f["arr.arbitration_fen"] += d["amount_fen"]
        elif t == "arbitration_closed" and flow:
            days = (_date(ev) - filed[d["arbitration_id"]]).days
            f["arr.arbitrations_closed"] += 1
            f["arr.arbitrations_mediated"] += d["outcome"] == "mediated"
            f["arr.arbitrations_within_limit"] += days <= (60 if d.get("extended") else 45)
        elif t == "injury_decided":
            f["arr.injury_decisions"] += flow
    end = datetime.date(year + (period % 100 == 12), period % 100 % 12 + 1, 1)
    f["arr.projects"] = len(projects)
    for measure in ("real_name", "wage_account", "paid_via_account"):
        f["arr.projects_" + measure] = sum(p[measure] for p in projects.values())
    f["arr.blacklisted"] = sum(1 for on in listed.values()
                               if on.replace(year=on.year + 3) >= end)

    def rate(n, of):   # percent with two decimals, as the API shows it; 0 of 0: null
        return (n * 10000 + of // 2) // of / 100 if of else None

    f["arr.case_closure_rate"] = rate(f["arr.cases_closed"], f["arr.cases"])
    f["arr.arbitration_mediation_rate"] = rate(f["arr.arbitrations_mediated"],
                                               f["arr.arbitrations_closed"])
    f["arr.arbitration_within_limit_rate"] = rate(f["arr.arbitrations_within_limit"],
                                                  f["arr.arbitrations_closed"])
    return f
