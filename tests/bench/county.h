/* county — a synthetic but realistic county for the benchmarks: its
 * townships from the national region table, villages and communities under
 * them, and a labor-force registry of persons with valid GB 11643 id
 * numbers whose attributes follow the proportions of the bureau's own
 * reports (/work/shared/seeds, 凤凰县 433123).
 *
 * Everything is a pure function of a person's index n, so every bench
 * program (hrss through HTTP, the libpq baselines) produces the same persons
 * and the same events without sharing files. */
#ifndef HRSS_BENCH_COUNTY_H
#define HRSS_BENCH_COUNTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

#define COUNTY_TOWNSHIPS_MAX 64
#define COUNTY_CATEGORIES_MAX 11
/* Distinct id numbers available: 45 birth years x 1000 sequence numbers. */
#define COUNTY_PERSONS_MAX 16436000ULL

typedef struct {
    char code[REGION_LEN + 1];   /* 12 digits */
    const char *name;            /* borrowed from the region table */
    int communities;             /* 社区 (居委会), codes 001.. */
    int villages;                /* 村 (村委会), codes 201.. */
    double share;                /* of the county's registry */
    double urban;                /* share of urban households */
} township_t;

typedef struct {
    region_table_t *regions;
    char code[REGION_LEN + 1];
    int year;                    /* the year the registry describes */
    township_t townships[COUNTY_TOWNSHIPS_MAX];
    int ntownships;
} county_t;

typedef struct {
    uint64_t n;
    char id_number[19];
    char name[16];               /* 2 or 3 CJK characters in UTF-8 */
    char region[REGION_LEN + 1]; /* the village or community */
    bool urban;
    const char *categories[COUNTY_CATEGORIES_MAX];
    size_t ncategories;
    const char *education;       /* NULL when not recorded */
    char phone[12];              /* "" when not recorded */
    int reg_month;               /* 1..12: registered in this month of `year` */
    int reg_day;                 /* 1..28 */
} person_t;

/* `county6`: six digits ("433123"). NULL when the table cannot be loaded or
 * the county has no townships. */
county_t *county_new(const char *county6, int year);
void county_destroy(county_t **self_p);

/* Person n (n < COUNTY_PERSONS_MAX): distinct n, distinct id numbers. */
void county_person(const county_t *self, uint64_t n, person_t *p);

/* Uniform in [0, 1) from (n, salt): the draws behind every attribute. */
double county_draw(uint64_t n, uint64_t salt);

/* A valid unified social credit code (GB 32100) for employer k. */
void county_credit_code(uint64_t k, char out[19]);

/* ---- events as JSON -------------------------------------------------------- */

/* Each appends one event object to `out` (capacity `size`) and returns the
 * new length; `at` is "YYYY-MM-DDTHH:MM:SS+08:00". Returns 0 when it does
 * not fit. */
size_t county_json_registered(char *out, size_t len, size_t size, const person_t *p,
                              const char *id, const char *at);

typedef struct {
    const char *kind;            /* urban_new | flexible | public_welfare | transfer */
    const char *location;        /* in_county | in_province | out_of_province */
    char credit_code[19];        /* "" when none */
    const char *employer_name;   /* NULL when none */
    char started_on[11];
} employment_t;

/* The job person p takes in the given month (kind and location drawn from
 * the county's proportions; `reemployed`: after registered unemployment). */
void county_job(const person_t *p, int year, int month, bool reemployed, employment_t *job);
size_t county_json_employed(char *out, size_t len, size_t size, const person_t *p,
                            const char *id, const char *at, const employment_t *job);
size_t county_json_unemployed(char *out, size_t len, size_t size, const person_t *p,
                              const char *id, const char *at, const char *registered_on);
size_t county_json_enrolled(char *out, size_t len, size_t size, const person_t *p,
                            const char *id, const char *at, const char *scheme,
                            const char *enrolled_on);

#endif
