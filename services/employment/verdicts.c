/* The rejections the statements of employment's aggregates answer, with the
 * field each names and what the sender should do about it. */
#include <string.h>

#include "employment.h"

static const struct {
    const char *code;
    const char *field;   /* NULL: the handler's key field */
    const char *message;
} s_verdicts[] = {
    {"unknown_person", "data.id_number",
     "the person is not in the labor registry; send employment.person_registered first"},
    {"person_deceased", "data.id_number", "the person is recorded deceased"},
    {"unknown_job", "data.job_id", "no job with this job_id was posted; send "
                                   "employment.job_posted first"},
    {"unknown_recommendation", "data.job_id",
     "the person was never recommended for this job; send employment.job_recommended first"},
    {"employer_blacklisted", "data.employer_credit_code",
     "the employer is on the wage-arrears blacklist (联合惩戒): it may not post jobs"},
    {"duplicate_key", NULL, "was already recorded by another event with other content"},
};

int
employment_verdict(const PGresult *res, int row, verdict_t *v, const char *key_field)
{
    if (PQgetisnull(res, row, 0))
        return 0;
    const char *code = PQgetvalue(res, row, 0);
    /* the same key with the same content is refused too (it would count
     * twice), but says so: the sender may treat it as done */
    bool same = false;
    const char *colon = strchr(code, ':');
    size_t len = colon ? (size_t) (colon - code) : strlen(code);
    if (colon && strcmp(colon, ":same") == 0)
        same = true;
    for (size_t i = 0; i < sizeof s_verdicts / sizeof *s_verdicts; i++) {
        if (strlen(s_verdicts[i].code) != len || memcmp(s_verdicts[i].code, code, len) != 0)
            continue;
        const char *field = s_verdicts[i].field ? s_verdicts[i].field : key_field;
        if (!s_verdicts[i].field)
            return reject(v, s_verdicts[i].code, field, "%s %s", field,
                          same ? "was already recorded by another event with the same "
                                 "content; it is counted once"
                               : s_verdicts[i].message);
        return reject(v, s_verdicts[i].code, field, "%s", s_verdicts[i].message);
    }
    return reject(v, "invalid_data", "data", "the event could not be applied (%s)", code);
}

/* The events of a run about a person (graduates, trainings, placements)
 * are refused only for the person. */
int
employment_person_result(service_t *svc, const Hrss__Event *ev, const ProtobufCMessage *data,
                         const PGresult *res, int row, verdict_t *v)
{
    (void) svc;
    (void) ev;
    (void) data;
    return employment_verdict(res, row, v, "data.id_number");
}

char *
employment_col(arena_t *arena, const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : arena_strdup(arena, PQgetvalue(res, row, col));
}
