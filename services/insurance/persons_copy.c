/* Insurance's copy of the labor registry's regions (id_number -> region),
 * kept from employment's feed: what a death report's scope is checked
 * against for a person registered in employment but not (yet) enrolled
 * here. Registrations of a page are gathered and written in one statement
 * when the page ends, not one round trip each: the registry is the largest
 * stream of the feed (52.6万 persons in one county). */
#include "insurance.h"

static pgarray_t s_ids, s_regions;
static size_t s_gathered;

int
insurance_on_person_registered(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *msg)
{
    (void) svc;
    const Hrss__PersonRegistered *d = (const Hrss__PersonRegistered *) msg;
    if (s_gathered == 0) {
        pgarray_init(&s_ids);
        pgarray_init(&s_regions);
    }
    pgarray_add_text(&s_ids, d->id_number);
    pgarray_add_text(&s_regions, ev->region);
    s_gathered++;
    return 0;
}

int
insurance_persons_copy_page_end(service_t *svc, bool committing)
{
    if (s_gathered == 0)
        return 0;
    pgarray_t cols[2] = {s_ids, s_regions};
    s_gathered = 0;
    if (!committing) {
        pgarray_free_all(cols, 2);
        return 0;
    }
    const char *values[2];
    int lengths[2], formats[2];
    int rc = -1;
    if (pgarray_params(cols, 2, values, lengths, formats) == 0) {
        /* the latest registration of a person in the page wins: one row
         * each, or ON CONFLICT would meet the same row twice */
        PGresult *res = db_prepared(
            service_db(svc), "registry_persons_upsert",
            "INSERT INTO registry_persons (id_number, region)"
            " SELECT DISTINCT ON (id) id, region FROM unnest($1::char(18)[], $2::char(12)[])"
            " WITH ORDINALITY AS u(id, region, ord) ORDER BY id, ord DESC"
            " ON CONFLICT (id_number) DO UPDATE SET region = EXCLUDED.region"
            " WHERE registry_persons.region <> EXCLUDED.region",
            2, values, lengths, formats);
        if (res) {
            PQclear(res);
            rc = 0;
        }
    }
    pgarray_free_all(cols, 2);
    return rc;
}
