"""The emp.* indicators recomputed from employment's own tables, for a region
(any prefix of 12 digits: '433123' is a county) and a period 'YYYY-MM'.

This is what each indicator reads: reporting keeps them from employment's
feed, and must always equal this (the fault harness's check). Flows count
rows whose instant (occurred_at, µs) lies from January 1st to the end of the
period in China Standard Time; stocks are the state now, so they equal the
indicator of the current period. emp.urban_new_jobs, emp.transfer_jobs and
the re-employment flows are not here: the registry keeps each person's
current employment only, so those are recomputed by replaying employment's
outbox (fault_harness.py)."""

import datetime

CST = datetime.timezone(datetime.timedelta(hours=8))

# code -> SQL over the employment schema; %(r)s region prefix pattern,
# %(start)s / %(end)s the period's instants (µs), %(last_day)s its last date,
# %(year)s its year
FLOWS = {
    "emp.public_welfare_placed": "SELECT count(*) FROM employment.placements WHERE {w}",
    "emp.startup_loans_fen": "SELECT coalesce(sum(amount_fen), 0) FROM employment.loans WHERE {w}",
    "emp.training_startup":
        "SELECT count(*) FROM employment.trainings WHERE program = 'startup' AND {w}",
    "emp.training_startup_passed":
        "SELECT count(*) FROM employment.trainings WHERE program = 'startup' AND passed AND {w}",
    "emp.training_skill":
        "SELECT count(*) FROM employment.trainings WHERE program = 'skill_upgrade' AND {w}",
    # a job counts in the month of its first posting, with its latest positions
    "emp.jobs_posted": "SELECT coalesce(sum(positions), 0) FROM employment.jobs"
                       " WHERE region LIKE %(r)s AND posted_at_us >= %(start)s"
                       " AND posted_at_us < %(end)s",
    "emp.recommendations": "SELECT count(*) FROM employment.recommendations WHERE {w}",
    "emp.job_fairs": "SELECT count(*) FROM employment.fairs WHERE {w}",
    "emp.job_fair_positions":
        "SELECT coalesce(sum(positions), 0) FROM employment.fairs WHERE {w}",
    "emp.subsidies_fen":
        "SELECT coalesce(sum(amount_fen), 0) FROM employment.subsidies WHERE {w}",
    # beyond the catalog: hires from recommendations, by the month of the result
    "hires_from_recommendations":
        "SELECT count(*) FROM employment.recommendation_results WHERE result = 'hired' AND {w}",
}
STOCKS = {
    "emp.registered_unemployed": "SELECT count(*) FROM employment.persons"
                                 " WHERE unemployed_region LIKE %(r)s AND died_on IS NULL",
    "emp.jobs_open": "SELECT coalesce(sum(positions), 0) FROM employment.jobs"
                     " WHERE region LIKE %(r)s AND valid_until >= %(last_day)s"
                     " AND posted_at_us < %(end)s",
    "emp.poverty_alleviated_working":
        "SELECT count(*) FROM employment.persons WHERE region LIKE %(r)s AND died_on IS NULL"
        " AND 'poverty_alleviated' = ANY (categories) AND employment_location IS NOT NULL",
}
for _loc in ("out_of_province", "in_province", "in_county"):
    STOCKS["emp.poverty_alleviated_working." + _loc] = (
        STOCKS["emp.poverty_alleviated_working"] + " AND employment_location = '%s'" % _loc)
# graduates of the period's year whose latest status is a kind of employment,
# over all followed up, in percent with two decimals
RATES = {
    "emp.graduates_employment_rate":
        "SELECT coalesce(to_char(round(100.0 * count(*) FILTER (WHERE status IN ('employed',"
        " 'further_study', 'enlisted', 'abroad')) / nullif(count(*), 0), 2), 'FM990.00'), '')"
        " FROM employment.graduates WHERE region LIKE %(r)s AND graduation_year = %(year)s"
        " AND at_us < %(end)s",
}


def _us(d):
    return int(d.timestamp()) * 1_000_000


def bounds(period):
    y, m = map(int, period.split("-"))
    start = datetime.datetime(y, 1, 1, tzinfo=CST)
    end = datetime.datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=CST)
    last_day = (end - datetime.timedelta(days=1)).date().isoformat()
    return {"start": _us(start), "end": _us(end), "last_day": "'%s'" % last_day, "year": y}


def recompute(psql, prefix, period):
    """{code: value as psql's text} for every indicator above, under the
    region `prefix` (a short form: '433123', '433123101')."""
    params = dict(bounds(period), r="'%s%%'" % prefix)
    where = "region LIKE %(r)s AND at_us >= %(start)s AND at_us < %(end)s"
    out = {}
    for table in (FLOWS, STOCKS, RATES):
        for code, sql in table.items():
            q = sql.replace("{w}", where) % params
            rows = psql(q)
            out[code] = rows[0][0] if rows else None
    return out
