#include "event_types.h"

#include <string.h>

static const char *const s_service_names[SERVICE_COUNT] = {"employment", "insurance", "arrears",
                                                           "reporting"};

const char *
service_name(service_id_t id)
{
    return id < SERVICE_COUNT ? s_service_names[id] : "unknown";
}

const char *const insurance_schemes[5] = {"enterprise_pension", "institution_pension",
                                          "resident_pension", "unemployment", "work_injury"};

#define EMP SERVICE_EMPLOYMENT
#define INS SERVICE_INSURANCE
#define ARR SERVICE_ARREARS

static const event_type_t s_types[] = {
    {"employment.person_registered", EMP, &hrss__person_registered__descriptor, false},
    {"employment.unemployment_registered", EMP, &hrss__unemployment_registered__descriptor, false},
    {"employment.employed", EMP, &hrss__employed__descriptor, false},
    {"employment.job_posted", EMP, &hrss__job_posted__descriptor, false},
    {"employment.job_recommended", EMP, &hrss__job_recommended__descriptor, false},
    {"employment.recommendation_result", EMP, &hrss__recommendation_result__descriptor, false},
    {"employment.job_fair_held", EMP, &hrss__job_fair_held__descriptor, false},
    {"employment.graduate_followed_up", EMP, &hrss__graduate_followed_up__descriptor, false},
    {"employment.training_completed", EMP, &hrss__training_completed__descriptor, false},
    {"employment.startup_loan_disbursed", EMP, &hrss__startup_loan_disbursed__descriptor, false},
    {"employment.public_welfare_placed", EMP, &hrss__public_welfare_placed__descriptor, false},
    {"employment.subsidy_paid", EMP, &hrss__subsidy_paid__descriptor, false},
    {"employment.person_deceased", EMP, &hrss__employment_person_deceased__descriptor, true},

    {"insurance.enrolled", INS, &hrss__enrolled__descriptor, false},
    {"insurance.contribution_paid", INS, &hrss__contribution_paid__descriptor, false},
    {"insurance.benefit_started", INS, &hrss__benefit_started__descriptor, false},
    {"insurance.certified", INS, &hrss__certified__descriptor, false},
    {"insurance.death_reported", INS, &hrss__death_reported__descriptor, false},
    {"insurance.deferral_granted", INS, &hrss__deferral_granted__descriptor, false},
    {"insurance.stabilization_refund_paid", INS, &hrss__stabilization_refund_paid__descriptor,
     false},
    {"insurance.suspicious_record_received", INS, &hrss__suspicious_record_received__descriptor,
     false},
    {"insurance.suspicious_record_verified", INS, &hrss__suspicious_record_verified__descriptor,
     false},
    {"insurance.overpayment_recovered", INS, &hrss__overpayment_recovered__descriptor, false},
    {"insurance.person_deceased", INS, &hrss__insurance_person_deceased__descriptor, true},
    {"insurance.benefit_paid", INS, &hrss__benefit_paid__descriptor, true},
    {"insurance.recovery_opened", INS, &hrss__recovery_opened__descriptor, true},
    {"insurance.recovery_collected", INS, &hrss__recovery_collected__descriptor, true},
    {"insurance.correction_applied", INS, &hrss__correction_applied__descriptor, true},

    {"arrears.project_registered", ARR, &hrss__project_registered__descriptor, false},
    {"arrears.clue_received", ARR, &hrss__clue_received__descriptor, false},
    {"arrears.clue_closed", ARR, &hrss__clue_closed__descriptor, false},
    {"arrears.case_opened", ARR, &hrss__case_opened__descriptor, false},
    {"arrears.case_action", ARR, &hrss__case_action__descriptor, false},
    {"arrears.case_closed", ARR, &hrss__case_closed__descriptor, false},
    {"arrears.employer_blacklisted", ARR, &hrss__employer_blacklisted__descriptor, false},
    {"arrears.employer_delisted", ARR, &hrss__employer_delisted__descriptor, false},
    {"arrears.arbitration_filed", ARR, &hrss__arbitration_filed__descriptor, false},
    {"arrears.arbitration_closed", ARR, &hrss__arbitration_closed__descriptor, false},
    {"arrears.injury_applied", ARR, &hrss__injury_applied__descriptor, false},
    {"arrears.injury_decided", ARR, &hrss__injury_decided__descriptor, false},
};

#define SCHEMES "enterprise_pension|institution_pension|resident_pension|unemployment|work_injury"

/* type, field, allowed values: the enumerations of CONTRACT.md, exact strings. */
static const struct {
    const char *type;
    const char *field;
    const char *allowed;
} s_enums[] = {
    {"employment.person_registered", "household", "urban|rural"},
    {"employment.person_registered", "categories",
     "poverty_alleviated|monitored|graduate|hard_to_employ|disabled|veteran|migrant_worker|"
     "zero_employment_household|relocated|land_expropriated|returned"},
    {"employment.employed", "kind", "urban_new|flexible|public_welfare|transfer"},
    {"employment.employed", "location", "in_county|in_province|out_of_province"},
    {"employment.recommendation_result", "result", "hired|declined|no_show"},
    {"employment.graduate_followed_up", "status",
     "employed|further_study|enlisted|abroad|seeking|not_seeking"},
    {"employment.training_completed", "program", "startup|skill_upgrade|employment_skill|other"},
    {"employment.startup_loan_disbursed", "borrower", "individual|small_enterprise"},
    {"employment.public_welfare_placed", "kind", "urban|rural"},
    {"employment.subsidy_paid", "kind", "transport|internship|startup|rent|hiring|skill|other"},
    {"insurance.enrolled", "scheme", SCHEMES},
    {"insurance.contribution_paid", "scheme", SCHEMES},
    {"insurance.benefit_started", "scheme", SCHEMES},
    {"insurance.certified", "channel", "app|alipay|in_person|home_visit"},
    {"insurance.deferral_granted", "scheme", SCHEMES},
    {"insurance.suspicious_record_received", "rule",
     "death|imprisonment|duplicate|employed_while_receiving|other"},
    {"insurance.suspicious_record_received", "scheme", SCHEMES},
    {"insurance.suspicious_record_verified", "outcome", "no_issue|rectify"},
    {"arrears.clue_received", "source", "national_platform|hotline|qr_code|walk_in|letter"},
    {"arrears.clue_closed", "outcome", "resolved|unfounded|case_opened"},
    {"arrears.case_opened", "mode", "coordination|filed"},
    {"arrears.case_action", "action", "rectification_order|transferred_to_police|wages_recovered"},
    {"arrears.arbitration_closed", "outcome", "mediated|adjudicated|withdrawn"},
    {"arrears.injury_decided", "decision", "recognized|not_recognized|withdrawn"},
};

const event_type_t *
event_type_find(const char *type)
{
    for (size_t i = 0; i < sizeof s_types / sizeof *s_types; i++)
        if (strcmp(s_types[i].type, type) == 0)
            return &s_types[i];
    return NULL;
}

const event_type_t *
event_type_all(size_t *count)
{
    *count = sizeof s_types / sizeof *s_types;
    return s_types;
}

const char *
event_field_enum(const char *type, const char *field)
{
    /* the field first: field names tell the entries apart at once, while
     * the types share their service's prefix (this runs for every field of
     * every event pushed) */
    for (size_t i = 0; i < sizeof s_enums / sizeof *s_enums; i++)
        if (strcmp(s_enums[i].field, field) == 0 && strcmp(s_enums[i].type, type) == 0)
            return s_enums[i].allowed;
    return NULL;
}

bool
event_enum_allows(const char *allowed, const char *value, size_t len)
{
    const char *p = allowed;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t) (bar - p) : strlen(p);
        if (n == len && memcmp(p, value, len) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}
