"""Insurance indicators (issue 16) read back through GET /v1/indicators from
reporting, which learns them only from insurance's feed: seed 000's year of
fund supervision (疑点数据8449条, 应整改797条 46.91万元, 已整改688条 39.8万元,
追缴中109条 7.11万元, 整改率 86.32%), and months of payment runs with a death
and a liveness lapse whose benefits paid, recipients and fund balance equal
insurance's own answer (GET /v1/insurance/funds).

Uses the county 慈利县 (430821), which no other test writes to: run it on a
fresh stack (as ./deploy/local.sh test does). Supervision lives in one
township, payments in another, so that each figure below is computed by hand
from its own events."""

import datetime
import random
import unittest

import hrss_client as h
import test_insurance

COUNTY = "430821"
T_SUP = "430821101000"      # 岩泊渡镇: fund supervision
V_SUP = "430821101001"
T_PAY = "430821102000"      # 溪口镇: payment runs
V_PAY = "430821102001"
MONTHLY = 15300             # 153元, a resident pension


def ev(type_, region, data, at):
    return h.event("insurance." + type_, region, at, data)


def person():
    return h.id_number(random.randrange(0, 13_000_000), area="430821")


def values(token, region, period):
    return {code: row["value"] for code, row in h.indicators(token, region, period).items()}


def rate(num, den):
    """A rate as the API shows it: percent with two decimals."""
    return (num * 10000 + den // 2) // den / 100


class InsuranceIndicatorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        h.wait_ready()
        cls.admin = h.admin_token()
        cls.county = h.make_token("county", COUNTY)
        cls.checker = h.make_token("checker", COUNTY)
        cls.province = h.make_token("province", "43")

    def accept(self, events, token=None):
        for i in range(0, len(events), 1000):
            results = h.post_events(token or self.county, events[i:i + 1000])
            self.assertEqual({r["status"] for r in results}, {"accepted"}, results[:3])

    def funds(self, region, scheme, period):
        r = h.request("GET", "/v1/insurance/funds?region=%s&scheme=%s&period=%s"
                      % (region, scheme, period), self.county)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def pay_run(self, period, scheme="resident_pension"):
        r = h.request("POST", "/v1/insurance/payment-runs", self.county,
                      {"scheme": scheme, "period": period, "region": V_PAY})
        self.assertEqual(r.status, 200, r.body)
        return r.json()["payments"]

    def settled(self, region, period, code, want):
        """Reporting reads the feed: wait until `code` reads `want`."""
        h.wait_until(lambda: values(self.admin, region, period).get(code) == want, timeout=120,
                     what="%s at %s %s = %s" % (code, region, period, want))
        return values(self.admin, region, period)

    # ---- seed 000's fund supervision -----------------------------------------------

    def test_seed_fund_supervision(self):
        received, verified, recovered = test_insurance.fund_supervision_events(
            V_SUP, at="2024-06-10T09:00:00+08:00")
        self.accept(received, self.province)
        self.accept(verified)
        self.accept(recovered)
        got = self.settled(T_SUP, "2024-12", "ins.recovered_fen", 39800000)
        want = {
            "ins.suspicious_received": 8449,
            "ins.suspicious_verified": 8449,
            "ins.suspicious_to_rectify": 797,
            "ins.suspicious_to_rectify_fen": 46910000,    # 46.91万元
            "ins.suspicious_rectified": 688,
            "ins.recovered_fen": 39800000,                # 39.8万元
            "ins.recoveries_open_fen": 7110000,           # 追缴中 7.11万元
            "ins.suspicious_rectified_rate": 86.32,
            "ins.fund_balance_fen.resident_pension": 39800000,
        }
        self.assertEqual({k: got[k] for k in want}, want)
        self.assertEqual(rate(688, 797), 86.32)
        # the same counts at the county (its money also holds the payment test's),
        # and nothing before the month of the events
        county = values(self.admin, COUNTY + "000000", "2024-12")
        counts = [k for k in want if "_fen" not in k or k == "ins.suspicious_to_rectify_fen"]
        self.assertEqual({k: county[k] for k in counts}, {k: want[k] for k in counts})
        may = values(self.admin, T_SUP, "2024-05")
        self.assertEqual((may["ins.suspicious_received"], may["ins.recoveries_open_fen"]), (0, 0))
        # the fund's balance is insurance's own
        f = self.funds(T_SUP, "resident_pension", "2024-12")
        self.assertEqual(f["balance_fen"], got["ins.fund_balance_fen.resident_pension"])

    # ---- payment runs, a death, a liveness lapse --------------------------------------

    def test_payment_runs_read_back_as_insurance_answers(self):
        a, b, c = person(), person(), person()
        start = "2024-01-05T09:00:00+08:00"
        events = []
        # c started in 2023-01 and was never certified: 2024-02 is 13 months on
        for idn, first in ((a, "2024-01"), (b, "2024-01"), (c, "2023-01")):
            events += [ev("enrolled", V_PAY, {"id_number": idn, "scheme": "resident_pension",
                                              "enrolled_on": "2020-01-01"}, start),
                       ev("benefit_started", V_PAY, {"id_number": idn,
                                                     "scheme": "resident_pension",
                                                     "monthly_amount_fen": MONTHLY,
                                                     "first_period": first}, start)]
        # income for February, pushed in March: it counts in the period paid for
        events.append(ev("contribution_paid", V_PAY,
                         {"payment_id": h.new_id("pay"), "scheme": "resident_pension",
                          "period": "2024-02", "amount_fen": 500000, "id_number": a},
                         "2024-03-01T09:00:00+08:00"))
        # a stabilization refund, paid from the unemployment fund
        events.append(ev("stabilization_refund_paid", V_PAY,
                         {"refund_id": h.new_id("refund"),
                          "employer_credit_code": h.credit_code(random.randrange(1, 10 ** 6)),
                          "employees": 12, "amount_fen": 30000},
                         "2024-03-15T09:00:00+08:00"))
        self.accept(events)
        self.settled(T_PAY, "2024-01", "ins.recipients.resident_pension", 3)

        self.assertEqual([self.pay_run(p) for p in ("2024-01", "2024-02", "2024-03", "2024-04")],
                         [3, 2, 2, 2])          # c lapsed from February
        # b died in February, reported in April: March and April become recoveries
        self.accept([ev("death_reported", V_PAY, {"id_number": b, "died_on": "2024-02-15"},
                        "2024-04-10T09:00:00+08:00"),
                     ev("certified", V_PAY, {"id_number": c, "channel": "in_person",
                                             "certified_on": "2024-04-12"},
                        "2024-04-12T09:00:00+08:00")])
        # c's missed months, paid once by running them again
        self.assertEqual([self.pay_run(p) for p in ("2024-02", "2024-03", "2024-04", "2024-04")],
                         [1, 1, 1, 0])
        r = h.request("GET", "/v1/persons/" + b, self.county)
        self.assertEqual(r.status, 200, r.body)
        recs = r.json()["insurance"]["recoveries"]
        self.assertEqual(sorted(x["period"] for x in recs), ["2024-03", "2024-04"])
        march = [x["record_id"] for x in recs if x["period"] == "2024-03"][0]
        self.accept([ev("overpayment_recovered", V_PAY, {"record_id": march,
                                                          "amount_fen": MONTHLY},
                        "2024-04-20T09:00:00+08:00")])

        april = self.settled(T_PAY, "2024-04", "ins.recovered_fen", MONTHLY)
        # benefits in the period paid for: January a, b, c; then a, b each month
        # (b's March and April are recoveries, not unpaid) and c caught up
        self.assertEqual(april["ins.benefits_paid_fen.resident_pension"], 12 * MONTHLY)
        self.assertEqual(april["ins.recipients.resident_pension"], 2)     # b died
        self.assertEqual(april["ins.deaths_reported"], 1)
        self.assertEqual(april["ins.certifications"], 1)
        self.assertEqual(april["ins.contributions_fen.resident_pension"], 500000)
        self.assertEqual(april["ins.recoveries_open_fen"], MONTHLY)     # April's, still open
        self.assertEqual(april["ins.stabilization_refund_fen"], 30000)
        self.assertEqual(april["ins.enrolled.resident_pension"], 2)
        feb = values(self.admin, T_PAY, "2024-02")
        self.assertEqual(feb["ins.benefits_paid_fen.resident_pension"], 6 * MONTHLY)
        self.assertEqual(feb["ins.contributions_fen.resident_pension"], 500000)
        march_v = values(self.admin, T_PAY, "2024-03")
        self.assertEqual(march_v["ins.recipients.resident_pension"], 3)
        # the fund balance is insurance's ledger, month by month and fund by fund
        for period in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-12"):
            got = values(self.admin, T_PAY, period)
            for scheme in ("resident_pension", "unemployment"):
                f = self.funds(T_PAY, scheme, period)
                self.assertEqual(got["ins.fund_balance_fen." + scheme], f["balance_fen"],
                                 (period, scheme))
        # this township's only year: the year's benefits are the ledger's
        f = self.funds(T_PAY, "resident_pension", "2024-12")
        self.assertEqual(values(self.admin, T_PAY, "2024-12")[
            "ins.benefits_paid_fen.resident_pension"], f["expenditure"]["benefits_fen"])
        self.assertEqual(values(self.admin, T_PAY, "2024-04")["ins.fund_balance_fen.unemployment"],
                         -30000)
        self.assertEqual(april["ins.fund_balance_fen.resident_pension"],
                         500000 - 12 * MONTHLY + MONTHLY)

        # a stop by decision (maker-checker) takes a recipient out, from the month
        # it is approved in
        r = h.request("POST", "/v1/insurance/corrections", self.county,
                      {"id_number": a, "scheme": "resident_pension", "field": "suspended",
                       "new_value": True, "reason": "复核暂停"})
        self.assertEqual(r.status, 201, r.body)
        cid = r.json()["id"]
        r = h.request("POST", "/v1/insurance/corrections/%d/approve" % cid, self.checker)
        self.assertEqual(r.status, 200, r.body)
        now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
        this_month = now.strftime("%Y-%m")
        self.settled(T_PAY, this_month, "ins.recipients.resident_pension", 1)
        self.assertEqual(values(self.admin, T_PAY, "2024-04")["ins.recipients.resident_pension"],
                         2)


if __name__ == "__main__":
    unittest.main()
