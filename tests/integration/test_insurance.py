"""Social-insurance funds through the real gateway (issue 16): every
insurance event type and its rejections, payment runs that never pay twice
(repeats and overlapping runs), deaths turning paid months into recoveries,
liveness lapses and their catch-up, the fund ledger recomputed from the
source tables, maker-checker corrections, and the employed_while_receiving
rule from employment's feed.

Each test works in a village of its own (a run's region), so that what
other tests push never changes its figures."""

import datetime
import random
import threading
import time
import unittest

import hrss_client as h

COUNTY = "433122"
TOWNSHIPS = ["433122102", "433122104", "433122105", "433122106", "433122107"]
AT = "2024-03-10T09:00:00+08:00"


def village():
    return random.choice(TOWNSHIPS) + "%03d" % random.randrange(1, 999)


def person():
    return h.id_number(random.randrange(0, 13_000_000), area="433122")


def ev(type_, region, data, at=AT):
    return h.event("insurance." + type_, region, at, data)


def statuses(results):
    return [(r["status"], r.get("error", {}).get("code")) for r in results]


def read_feed(token):
    events, cursor = [], None
    for _ in range(10000):
        q = "/v1/feed?limit=10000" + ("&after=" + cursor if cursor else "")
        r = h.request("GET", q, token)
        assert r.status == 200, r.body
        page = r.json()
        events += page["events"]
        if not page["events"] and not page["more"]:
            return events
        cursor = page["next"]
    raise AssertionError("feed did not end")


def fund_supervision_events(v, at=AT):
    """Seed 000's year of fund supervision as events in region `v`: 疑点数据8449条
    received, 应整改797条 46.91万元 and 7652 without issue verified, 已整改688条
    39.8万元 collected whole, 追缴中109条 7.11万元 left open. Returns the three
    lists (received, verified, recovered), to be pushed in that order."""
    def split(total, n):
        base, extra = divmod(total, n)
        return [base + (1 if i < extra else 0) for i in range(n)]
    done, open_ = split(39800000, 688), split(7110000, 109)
    records = ["seed-%s-%d" % (h.new_id(), i) for i in range(8449)]
    received = [ev("suspicious_record_received", v,
                   {"record_id": r, "id_number": person(),
                    "rule": random.choice(["death", "imprisonment", "duplicate", "other"]),
                    "scheme": "resident_pension", "amount_fen": 100000}, at)
                for r in records]
    verified = [ev("suspicious_record_verified", v,
                   {"record_id": r, "outcome": "rectify", "amount_fen": a}, at)
                for r, a in zip(records, done + open_)]
    verified += [ev("suspicious_record_verified", v, {"record_id": r, "outcome": "no_issue"}, at)
                 for r in records[797:]]
    recovered = [ev("overpayment_recovered", v, {"record_id": r, "amount_fen": a}, at)
                 for r, a in zip(records, done)]
    return received, verified, recovered


class InsuranceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", COUNTY)
        cls.checker = h.make_token("checker", COUNTY)
        cls.township = h.make_token("township", TOWNSHIPS[0])
        cls.province = h.make_token("province", "43")

    # ---- helpers ---------------------------------------------------------------

    def push(self, events, token=None):
        return statuses(h.post_events(token or self.county, events))

    def accept(self, events, token=None):
        self.assertEqual(self.push(events, token), [("accepted", None)] * len(events))

    def recipient(self, region, scheme="resident_pension", amount=15300, first="2024-01"):
        idn = person()
        self.accept([ev("enrolled", region, {"id_number": idn, "scheme": scheme,
                                             "enrolled_on": "2020-01-01"}),
                     ev("benefit_started", region, {"id_number": idn, "scheme": scheme,
                                                    "monthly_amount_fen": amount,
                                                    "first_period": first})])
        return idn

    def pay_run(self, region, period, scheme="resident_pension", token=None, status=200):
        r = h.request("POST", "/v1/insurance/payment-runs", token or self.county,
                      {"scheme": scheme, "period": period, "region": region})
        self.assertEqual(r.status, status, r.body)
        return r.json()

    def funds(self, region, scheme="resident_pension", token=None):
        r = h.request("GET", "/v1/insurance/funds?region=%s&scheme=%s" % (region, scheme),
                      token or self.county)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def view(self, idn):
        r = h.request("GET", "/v1/persons/" + idn, self.county)
        self.assertEqual(r.status, 200, r.body)
        return r.json()["insurance"]

    def paid(self, idn, scheme="resident_pension"):
        rows = h.psql("SELECT period, amount_fen FROM insurance.payments"
                      " WHERE id_number = '%s' AND scheme = '%s' ORDER BY period"
                      % (idn, scheme))
        return [(int(p), int(a)) for p, a in rows]

    def ledger_from_sources(self, region, scheme):
        """The fund's balance recomputed from the source tables, not the ledger."""
        like = region + "%"
        q = ("SELECT (SELECT coalesce(sum(amount_fen), 0) FROM insurance.contributions"
             "  WHERE region LIKE '{l}' AND scheme = '{s}')"
             " + (SELECT coalesce(sum(recovered_fen), 0) FROM insurance.suspicious_records"
             "  WHERE region LIKE '{l}' AND scheme = '{s}')"
             " + (SELECT coalesce(sum(recovered_fen), 0) FROM insurance.recoveries"
             "  WHERE region LIKE '{l}' AND scheme = '{s}')"
             " - (SELECT coalesce(sum(amount_fen), 0) FROM insurance.payments"
             "  WHERE region LIKE '{l}' AND scheme = '{s}')"
             " - (SELECT coalesce(sum(amount_fen), 0) FROM insurance.stabilization_refunds"
             "  WHERE region LIKE '{l}' AND '{s}' = 'unemployment')").format(l=like, s=scheme)
        return int(h.psql(q)[0][0])

    # ---- event types --------------------------------------------------------------

    def test_contribution_paid(self):
        v = village()
        pid = "pay-" + h.new_id()
        c = ev("contribution_paid", v, {"payment_id": pid, "scheme": "enterprise_pension",
                                        "period": "2024-02", "amount_fen": 123456,
                                        "employer_credit_code": h.credit_code(11)})
        self.accept([c])
        # the same payment under another event id is not counted twice
        again = dict(c, id=h.new_id())
        self.assertEqual(self.push([again]), [("rejected", "duplicate_payment")])
        # neither a person nor an employer: missing_field
        none = ev("contribution_paid", v, {"payment_id": "pay-" + h.new_id(),
                                           "scheme": "enterprise_pension", "period": "2024-02",
                                           "amount_fen": 100})
        r = h.post_events(self.county, [none])[0]
        self.assertEqual((r["status"], r["error"]["code"], r["error"]["field"]),
                         ("rejected", "missing_field", "data.id_number"))
        self.accept([ev("contribution_paid", v, {"payment_id": "pay-" + h.new_id(),
                                                 "scheme": "enterprise_pension",
                                                 "period": "2024-03", "amount_fen": 44,
                                                 "id_number": person()})])
        f = self.funds(v, "enterprise_pension")
        self.assertEqual((f["income"]["contributions_fen"], f["balance_fen"], f["entries"]),
                         (123500, 123500, 2))
        self.assertEqual(self.ledger_from_sources(v, "enterprise_pension"), 123500)
        # up to a period: only what came before it
        r = h.request("GET", "/v1/insurance/funds?region=%s&scheme=enterprise_pension"
                      "&period=2024-02" % v, self.county)
        self.assertEqual(r.json()["balance_fen"], 123456)

    def test_certified_and_deferral(self):
        v = village()
        stranger = person()
        r = self.push([ev("certified", v, {"id_number": stranger, "channel": "app",
                                           "certified_on": "2024-03-01"})])
        self.assertEqual(r, [("rejected", "unknown_person")])
        idn = self.recipient(v)
        self.accept([ev("certified", v, {"id_number": idn, "channel": "home_visit",
                                         "certified_on": "2024-03-09"})])
        later = self.push([ev("certified", v, {"id_number": idn, "channel": "app",
                                               "certified_on": "2024-04-01"})])
        self.assertEqual(later, [("rejected", "invalid_date")])
        cert = self.view(idn)["last_certification"]
        self.assertEqual((cert["certified_on"], cert["channel"], cert["region"]),
                         ("2024-03-09", "home_visit", v))
        self.accept([ev("deferral_granted", v, {"employer_credit_code": h.credit_code(12),
                                                "scheme": "unemployment",
                                                "amount_fen": 880000})])

    def test_stabilization_refund(self):
        v = village()
        rid = "refund-" + h.new_id()
        refund = ev("stabilization_refund_paid", v, {"refund_id": rid,
                                                     "employer_credit_code": h.credit_code(13),
                                                     "employees": 40, "amount_fen": 250000})
        self.accept([refund])
        self.assertEqual(self.push([dict(refund, id=h.new_id())]),
                         [("rejected", "duplicate_refund")])
        f = self.funds(v, "unemployment")
        self.assertEqual((f["expenditure"]["stabilization_refunds_fen"], f["balance_fen"]),
                         (250000, -250000))
        self.assertEqual(self.ledger_from_sources(v, "unemployment"), -250000)

    def test_suspicious_records_and_recovery(self):
        v = village()
        idn = person()
        rec = "sus-" + h.new_id()
        received = ev("suspicious_record_received", v,
                      {"record_id": rec, "id_number": idn, "rule": "death",
                       "scheme": "resident_pension", "amount_fen": 9000})
        # the province pushes it (docs/contract.md#roles), and a township may too
        self.accept([received], self.province)
        self.assertEqual(self.push([dict(received, id=h.new_id())], self.province),
                         [("rejected", "duplicate_record")])
        self.assertEqual(self.push([ev("suspicious_record_verified", v,
                                       {"record_id": "sus-none-" + h.new_id(),
                                        "outcome": "no_issue"})]),
                         [("rejected", "unknown_record")])
        self.assertEqual(self.push([ev("suspicious_record_verified", v,
                                       {"record_id": rec, "outcome": "rectify"})]),
                         [("rejected", "missing_field")])
        # not verified yet: nothing to recover
        self.assertEqual(self.push([ev("overpayment_recovered", v,
                                       {"record_id": rec, "amount_fen": 1})]),
                         [("rejected", "not_to_rectify")])
        self.accept([ev("suspicious_record_verified", v,
                        {"record_id": rec, "outcome": "rectify", "amount_fen": 5000})])
        self.assertEqual(self.push([ev("suspicious_record_verified", v,
                                       {"record_id": rec, "outcome": "no_issue"})]),
                         [("rejected", "already_verified")])
        self.assertEqual(self.push([ev("overpayment_recovered", v,
                                       {"record_id": "sus-none-" + h.new_id(),
                                        "amount_fen": 1})]),
                         [("rejected", "unknown_record")])
        self.assertEqual(self.push([ev("overpayment_recovered", v,
                                       {"record_id": rec, "amount_fen": 5001})]),
                         [("rejected", "exceeds_open_amount")])
        self.accept([ev("overpayment_recovered", v, {"record_id": rec, "amount_fen": 3000})])
        self.assertEqual(self.push([ev("overpayment_recovered", v,
                                       {"record_id": rec, "amount_fen": 2001})]),
                         [("rejected", "exceeds_open_amount")])
        self.accept([ev("overpayment_recovered", v, {"record_id": rec, "amount_fen": 2000})])
        f = self.funds(v)
        self.assertEqual((f["income"]["recoveries_fen"], f["balance_fen"]), (5000, 5000))
        self.assertEqual(self.ledger_from_sources(v, "resident_pension"), 5000)
        # a record verified no_issue is closed; nothing to recover from it
        other = "sus-" + h.new_id()
        self.accept([ev("suspicious_record_received", v,
                        {"record_id": other, "id_number": idn, "rule": "duplicate",
                         "scheme": "resident_pension", "amount_fen": 100}),
                     ev("suspicious_record_verified", v,
                        {"record_id": other, "outcome": "no_issue"})], self.admin)
        # the collections are in the feed, with their fund
        collected = [e for e in read_feed(self.province)
                     if e["type"] == "insurance.recovery_collected"
                     and e["data"]["record_id"] == rec]
        self.assertEqual([(e["data"]["amount_fen"], e["data"]["closed"]) for e in collected],
                         [(3000, False), (2000, True)])

    def test_seed_fund_supervision_year(self):
        """Seed 000's fund supervision: 疑点数据8449条, 应整改797条 46.91万元,
        已整改688条 39.8万元, 追缴中109条 7.11万元."""
        v = village()
        received, verified, recovered = fund_supervision_events(v)
        for batch_of, token in ((received, self.province), (verified, self.county),
                                (recovered, self.county)):
            for i in range(0, len(batch_of), 1000):
                results = h.post_events(token, batch_of[i:i + 1000])
                self.assertEqual({r["status"] for r in results}, {"accepted"})
        row = h.psql("SELECT count(*), count(*) FILTER (WHERE status = 'rectify'),"
                     " sum(rectify_fen), count(*) FILTER (WHERE recovered_fen = rectify_fen),"
                     " sum(recovered_fen), sum(rectify_fen - recovered_fen)"
                     " FILTER (WHERE recovered_fen < rectify_fen)"
                     " FROM insurance.suspicious_records WHERE region = '%s'" % v)[0]
        self.assertEqual([int(x) for x in row], [8449, 797, 46910000, 688, 39800000, 7110000])
        f = self.funds(v)
        self.assertEqual((f["income"]["recoveries_fen"], f["balance_fen"]), (39800000, 39800000))
        self.assertEqual(self.ledger_from_sources(v, "resident_pension"), 39800000)

    # ---- payment runs -----------------------------------------------------------

    def test_run_pays_once_however_repeated_or_overlapping(self):
        v = village()
        people = [self.recipient(v, amount=10000 + i) for i in range(5)]
        later = self.recipient(v, first="2024-05")        # not yet due
        other = self.recipient(v, scheme="enterprise_pension")   # another scheme
        first = self.pay_run(v, "2024-01")
        self.assertEqual((first["payments"], first["total_fen"]), (5, 50010))
        self.assertTrue(first["run_id"].startswith("run-"))
        self.assertEqual(self.pay_run(v, "2024-01")["payments"], 0)   # a repeat pays nobody
        # four runs of the same month at once: each recipient paid once
        answers = []

        def one():
            answers.append(self.pay_run(v, "2024-02"))
        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(a["payments"] for a in answers), [0, 0, 0, 5])
        self.assertEqual(sum(a["total_fen"] for a in answers), 50010)
        for idn in people:
            self.assertEqual(len(self.paid(idn)), 2)
        self.assertEqual(self.paid(later), [])
        self.assertEqual(self.paid(other, "enterprise_pension"), [])
        # the answer of a finished run stays readable by its id
        r = h.request("GET", "/v1/insurance/payment-runs/" + first["run_id"], self.county)
        self.assertEqual((r.status, r.json()["payments"]), (200, 5))
        # the ledger and the feed hold each payment once
        f = self.funds(v)
        self.assertEqual((f["expenditure"]["benefits_fen"], f["balance_fen"]),
                         (100020, -100020))
        self.assertEqual(self.ledger_from_sources(v, "resident_pension"), -100020)
        paid = [e for e in read_feed(self.province) if e["type"] == "insurance.benefit_paid"
                and e["data"]["id_number"] in people]
        self.assertEqual(len(paid), 10)
        self.assertEqual(sorted({e["data"]["period"] for e in paid}), ["2024-01", "2024-02"])
        # the person view: the last payments, newest first, each with its region
        payments = self.view(people[0])["payments"]
        self.assertEqual([(p["period"], p["amount_fen"], p["region"]) for p in payments],
                         [("2024-02", 10000, v), ("2024-01", 10000, v)])

    def test_benefit_paid_events_carry_exact_amounts(self):
        # the run encodes its events in SQL: every varint length, and past 2^28
        v = village()
        amounts = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456,
                   10 ** 15]
        people = {self.recipient(v, scheme="unemployment", amount=a): a for a in amounts}
        run = self.pay_run(v, "2024-02", scheme="unemployment")
        self.assertEqual((run["payments"], run["total_fen"]), (len(amounts), sum(amounts)))
        paid = {e["data"]["id_number"]: e for e in read_feed(self.province)
                if e["type"] == "insurance.benefit_paid" and e["data"]["id_number"] in people}
        self.assertEqual({k: e["data"]["amount_fen"] for k, e in paid.items()}, people)
        for e in paid.values():
            self.assertEqual((e["data"]["scheme"], e["data"]["period"], e["data"]["run_id"],
                              e["region"]), ("unemployment", "2024-02", run["run_id"], v))
            # it counts in the month it pays for
            self.assertTrue(e["occurred_at"].startswith("2024-02-01"), e["occurred_at"])

    def test_run_refusals(self):
        v = village()
        r = h.request("POST", "/v1/insurance/payment-runs", self.county,
                      {"scheme": "pension", "period": "2024-01"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["errors"][0]["field"], "scheme")
        r = h.request("POST", "/v1/insurance/payment-runs", self.county,
                      {"scheme": "resident_pension", "period": "2024-13"})
        self.assertEqual((r.status, r.json()["errors"][0]["field"]), (400, "period"))
        r = h.request("POST", "/v1/insurance/payment-runs", self.county,
                      {"scheme": "resident_pension", "period": "2024-01",
                       "region": "433123101000"})
        self.assertEqual(r.status, 403)
        r = h.request("POST", "/v1/insurance/payment-runs", self.township,
                      {"scheme": "resident_pension", "period": "2024-01", "region": v})
        self.assertEqual(r.status, 403)
        r = h.request("GET", "/v1/insurance/payment-runs/run-unknown", self.county)
        self.assertEqual(r.status, 404)

    def test_death_turns_paid_months_into_recoveries(self):
        v = village()
        idn = self.recipient(v, amount=20000)
        for period in ("2024-01", "2024-02", "2024-03"):
            self.assertEqual(self.pay_run(v, period)["payments"], 1)
        self.accept([ev("death_reported", v, {"id_number": idn, "died_on": "2024-01-15"},
                        at="2024-03-20T09:00:00+08:00")])
        # suspended from February: no more payments
        self.assertEqual(self.pay_run(v, "2024-04")["payments"], 0)
        ins = self.view(idn)
        self.assertEqual([(b["status"], b["suspended_reason"], b["suspended_from"])
                          for b in ins["benefits"]], [("suspended", "deceased", "2024-02")])
        recs = ins["recoveries"]
        self.assertEqual([(r["kind"], r["period"], r["open_fen"], r["region"]) for r in recs],
                         [("death", "2024-02", 20000, v), ("death", "2024-03", 20000, v)])
        self.assertEqual(ins["recoveries_open_fen"], 40000)
        # each recovery is in the feed with its own record id
        opened = [e for e in read_feed(self.province) if e["type"] == "insurance.recovery_opened"
                  and e["data"]["id_number"] == idn]
        self.assertEqual(sorted(e["data"]["record_id"] for e in opened),
                         sorted(r["record_id"] for r in recs))
        # collected like a rectification
        self.assertEqual(self.push([ev("overpayment_recovered", v,
                                       {"record_id": recs[0]["record_id"],
                                        "amount_fen": 20001})]),
                         [("rejected", "exceeds_open_amount")])
        self.accept([ev("overpayment_recovered", v, {"record_id": recs[0]["record_id"],
                                                     "amount_fen": 20000})])
        ins = self.view(idn)
        self.assertEqual([r["period"] for r in ins["recoveries"]], ["2024-03"])
        f = self.funds(v)
        self.assertEqual((f["income"]["recoveries_fen"], f["expenditure"]["benefits_fen"],
                          f["balance_fen"]), (20000, 60000, -40000))
        self.assertEqual(self.ledger_from_sources(v, "resident_pension"), -40000)
        # a later enrollment of the deceased is refused
        self.assertEqual(self.push([ev("enrolled", v, {"id_number": idn,
                                                       "scheme": "unemployment",
                                                       "enrolled_on": "2024-04-01"})]),
                         [("rejected", "person_deceased")])

    def test_liveness_lapse_and_catch_up(self):
        v = village()
        idn = self.recipient(v, amount=12000, first="2023-01")
        work = self.recipient(v, scheme="work_injury", amount=5000, first="2023-01")
        # started 2023-01, never certified: 2024-01 is 12 months on, still paid
        self.assertEqual(self.pay_run(v, "2024-01")["payments"], 1)
        # 2024-02 is 13 months on: not paid until certified
        self.assertEqual(self.pay_run(v, "2024-02")["payments"], 0)
        self.assertEqual(self.pay_run(v, "2024-03")["payments"], 0)
        b = self.view(idn)["benefits"][0]
        self.assertEqual((b["status"], b["suspended_reason"]),
                         ("suspended", "certification_overdue"))
        # not a pension: no liveness rule
        self.assertEqual(self.pay_run(v, "2024-02", scheme="work_injury")["payments"], 1)
        self.accept([ev("certified", v, {"id_number": idn, "channel": "in_person",
                                         "certified_on": "2024-03-05"})])
        # the missed months are paid by running them again, once
        self.assertEqual(self.pay_run(v, "2024-02")["payments"], 1)
        self.assertEqual(self.pay_run(v, "2024-03")["payments"], 1)
        self.assertEqual(self.pay_run(v, "2024-03")["payments"], 0)
        self.assertEqual(self.paid(idn), [(202401, 12000), (202402, 12000), (202403, 12000)])
        self.assertEqual(self.paid(work, "work_injury"), [(202402, 5000)])

    # ---- maker-checker ----------------------------------------------------------

    def propose(self, idn, field, value, token=None, status=201):
        r = h.request("POST", "/v1/insurance/corrections", token or self.county,
                      {"id_number": idn, "scheme": "resident_pension", "field": field,
                       "new_value": value, "reason": "复核更正"})
        self.assertEqual(r.status, status, r.body)
        return r.json()

    def approve(self, cid, token, status):
        r = h.request("POST", "/v1/insurance/corrections/%d/approve" % cid, token)
        self.assertEqual(r.status, status, r.body)
        return r.json()

    def test_maker_checker(self):
        v = village()
        idn = self.recipient(v, amount=15000)
        self.assertEqual(self.pay_run(v, "2024-01")["total_fen"], 15000)
        c = self.propose(idn, "monthly_amount_fen", 16000)
        self.assertEqual((c["status"], c["field"], c["new_value"]),
                         ("proposed", "monthly_amount_fen", "16000"))
        # nothing changes yet
        self.assertEqual(self.pay_run(v, "2024-02")["total_fen"], 15000)
        waiting = h.request("GET", "/v1/insurance/corrections?status=proposed", self.checker)
        self.assertIn(c["id"], [w["id"] for w in waiting.json()["corrections"]])
        # the proposer's token cannot approve, even with admin's role
        mine = self.propose(idn, "monthly_amount_fen", 17000, token=self.admin)
        self.approve(mine["id"], self.admin, 403)
        # a county token lacks the checker role
        self.approve(c["id"], self.county, 403)
        done = self.approve(c["id"], self.checker, 200)
        self.assertEqual((done["status"], done["old_value"]), ("approved", "15000"))
        self.approve(c["id"], self.checker, 409)
        self.approve(c["id"], self.admin, 409)
        self.approve(999999999, self.checker, 404)
        waiting = h.request("GET", "/v1/insurance/corrections?status=proposed", self.checker)
        self.assertNotIn(c["id"], [w["id"] for w in waiting.json()["corrections"]])
        self.assertEqual(self.pay_run(v, "2024-03")["total_fen"], 16000)
        # a stop by decision, then its resumption
        stop = self.propose(idn, "suspended", True)
        self.approve(stop["id"], self.checker, 200)
        b = self.view(idn)["benefits"][0]
        self.assertEqual((b["status"], b["suspended_reason"]), ("suspended", "decision"))
        resume = self.propose(idn, "suspended", False)
        self.approve(resume["id"], self.admin, 200)
        # resumed; still a pension: shown active once certified this month
        b = self.view(idn)["benefits"][0]
        self.assertEqual((b["status"], b["suspended_reason"]),
                         ("suspended", "certification_overdue"))
        now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
        self.accept([ev("certified", v, {"id_number": idn, "channel": "alipay",
                                         "certified_on": now.strftime("%Y-%m-%d")},
                        at=now.isoformat(timespec="seconds"))])
        b = self.view(idn)["benefits"][0]
        self.assertEqual(b["status"], "active")
        self.assertNotIn("suspended_reason", b)
        # refusals: bad field, value, unknown benefit, township role
        self.propose(idn, "first_period", 1, status=400)
        self.propose(idn, "monthly_amount_fen", -1, status=400)
        self.propose(idn, "suspended", "yes", status=400)
        self.propose(person(), "monthly_amount_fen", 1, status=404)
        self.propose(idn, "monthly_amount_fen", 1, token=self.township, status=403)
        # every step is an audit row: proposals, the refusal, approvals
        rows = h.psql("SELECT a.action FROM insurance.correction_audit a"
                      " JOIN insurance.corrections c USING (correction_id)"
                      " WHERE c.id_number = '%s' ORDER BY a.audit_id" % idn)
        self.assertEqual([r[0] for r in rows],
                         ["proposed", "proposed", "same_token", "approved",
                          "already_approved", "already_approved", "proposed", "approved",
                          "proposed", "approved"])
        applied = [e for e in read_feed(self.province)
                   if e["type"] == "insurance.correction_applied"
                   and e["data"]["id_number"] == idn]
        self.assertEqual(len(applied), 3)

    # ---- cross-service rule -----------------------------------------------------

    def test_employed_while_receiving_unemployment(self):
        v = village()
        idn = self.recipient(v, scheme="unemployment", amount=180000, first="2024-01")
        quiet = person()   # employed without drawing anything
        self.accept([h.event("employment.person_registered", v, AT,
                             {"id_number": i, "name": "王五", "household": "rural"})
                     for i in (idn, quiet)] +
                    [h.event("employment.employed", v, AT,
                             {"id_number": i, "kind": "flexible", "location": "in_county",
                              "started_on": "2024-03-09"}) for i in (idn, quiet)])

        def raised():
            return h.psql("SELECT rule, scheme, amount_fen, region FROM"
                          " insurance.suspicious_records WHERE id_number IN ('%s', '%s')"
                          % (idn, quiet))
        rows = h.wait_until(raised, timeout=20, what="the rule to raise a record")
        self.assertEqual(rows, [["employed_while_receiving", "unemployment", "180000", v]])
        derived = [e for e in read_feed(self.province)
                   if e["type"] == "insurance.suspicious_record_received"
                   and e["data"]["id_number"] == idn]
        self.assertEqual(len(derived), 1)
        self.assertEqual(derived[0]["data"]["rule"], "employed_while_receiving")


class PaymentRunKillTest(unittest.TestCase):
    """kill -9 of insurance in the middle of a run, then the run again: each
    recipient paid once, the ledger and the feed with one row per payment."""
    N = 4000

    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.county = h.make_token("county", COUNTY)

    def test_kill_mid_run_then_again(self):
        v = village()
        for start in range(0, self.N, 1000):
            events = [ev("benefit_started", v,
                         {"id_number": h.id_number(start + i, area="433122", birth="19500101"),
                          "scheme": "institution_pension", "monthly_amount_fen": 300000 + i,
                          "first_period": "2024-05"})
                      for i in range(1000)]
            results = h.post_events(self.county, events)
            self.assertEqual({r["status"] for r in results}, {"accepted"})
        body = {"scheme": "institution_pension", "period": "2024-06", "region": v}
        answers = []
        runner = threading.Thread(target=lambda: answers.append(
            h.request("POST", "/v1/insurance/payment-runs", self.county, body)))
        runner.start()
        time.sleep(random.uniform(0.0, 0.3))
        h.stack("kill", "insurance")
        runner.join()
        h.stack("start", "insurance")
        h.wait_ready(60)
        first = answers[0]
        before = int(h.psql("SELECT count(*) FROM insurance.payments WHERE region = '%s'"
                            % v)[0][0])
        self.assertIn(before, (0, self.N))   # one transaction: all or nothing
        if first.status == 200:   # the run committed before the kill
            self.assertEqual(first.json()["payments"], before)
        else:
            # no answer in time: the run id's status resource tells whether it ran
            self.assertEqual(first.status, 202, first.body)
            status = h.request("GET", first.json()["location"], self.county)
            if before:
                self.assertEqual((status.status, status.json()["payments"]), (200, self.N))
            else:
                self.assertEqual(status.status, 404, status.body)
        again = h.request("POST", "/v1/insurance/payment-runs", self.county, body)
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual(again.json()["payments"], self.N - before)
        counts = h.psql(
            "SELECT (SELECT count(*) FROM insurance.payments WHERE region = '{v}'),"
            " (SELECT count(DISTINCT id_number) FROM insurance.payments WHERE region = '{v}'),"
            " (SELECT count(*) FROM insurance.ledger WHERE region = '{v}' AND kind = 'benefit'),"
            " (SELECT count(*) FROM insurance.outbox WHERE region = '{v}'"
            "  AND type = 'insurance.benefit_paid'),"
            " (SELECT -sum(amount_fen) FROM insurance.ledger WHERE region = '{v}'),"
            " (SELECT sum(amount_fen) FROM insurance.payments WHERE region = '{v}')".format(v=v))
        n = str(self.N)
        self.assertEqual(counts[0][:4], [n, n, n, n])
        self.assertEqual(counts[0][4], counts[0][5])


if __name__ == "__main__":
    unittest.main()
