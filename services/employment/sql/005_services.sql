-- Everything the employment section does beyond the registry: one table per
-- aggregate. Each row carries the region and the instant (occurred_at, µs)
-- of the event that made it, so that every emp.* figure can be recomputed
-- from these tables by region and month (China Standard Time). Keys
-- (job_id, fair_id, loan_id, subsidy_id) are the county's: one id space for
-- every township, so a township can recommend for a job another one posted.

-- Job postings (岗位录入). Re-posting a job updates it; posted_at_us stays the
-- month of its first posting, positions are the latest.
CREATE TABLE jobs (
    job_id               text COLLATE "C" PRIMARY KEY,
    region               char(12) NOT NULL,
    employer_credit_code char(18) COLLATE "C" NOT NULL,
    employer_name        text NOT NULL,
    title                text NOT NULL,
    positions            bigint NOT NULL CHECK (positions >= 1),
    wage_min_fen         bigint,
    wage_max_fen         bigint,
    valid_until          date NOT NULL,
    posted_at_us         bigint NOT NULL,
    updated_at_us        bigint NOT NULL,
    CHECK (wage_min_fen IS NULL OR wage_max_fen IS NULL OR wage_min_fen <= wage_max_fen)
);

-- Recommendations (岗位推荐), one row per event: each counts (人次).
CREATE TABLE recommendations (
    recommendation_no bigserial PRIMARY KEY,
    job_id            text COLLATE "C" NOT NULL,
    id_number         char(18) COLLATE "C" NOT NULL,
    region            char(12) NOT NULL,
    at_us             bigint NOT NULL
);
CREATE INDEX recommendations_person ON recommendations (id_number, job_id);

-- The outcome of recommending a person for a job (跟踪回访): the latest one.
CREATE TABLE recommendation_results (
    job_id    text COLLATE "C" NOT NULL,
    id_number char(18) COLLATE "C" NOT NULL,
    result    text NOT NULL CHECK (result IN ('hired', 'declined', 'no_show')),
    region    char(12) NOT NULL,
    at_us     bigint NOT NULL,
    PRIMARY KEY (id_number, job_id)
);

-- Job fairs (招聘会): counts, not persons.
CREATE TABLE fairs (
    fair_id     text COLLATE "C" PRIMARY KEY,
    region      char(12) NOT NULL,
    name        text NOT NULL,
    held_on     date NOT NULL,
    online      boolean NOT NULL,
    enterprises bigint NOT NULL,
    positions   bigint NOT NULL,
    attendees   bigint NOT NULL,
    intentions  bigint NOT NULL,
    at_us       bigint NOT NULL
);

-- Graduates followed up (高校毕业生跟踪服务): the latest status (by
-- occurred_at) per person and year of graduation.
CREATE TABLE graduates (
    id_number       char(18) COLLATE "C" NOT NULL,
    graduation_year int NOT NULL,
    status          text NOT NULL CHECK (status IN ('employed', 'further_study', 'enlisted',
                                                    'abroad', 'seeking', 'not_seeking')),
    region          char(12) NOT NULL,
    at_us           bigint NOT NULL,
    PRIMARY KEY (id_number, graduation_year)
);

-- Trainings completed (职业技能培训 / 创业培训), one row per event (人次).
CREATE TABLE trainings (
    training_no bigserial PRIMARY KEY,
    id_number   char(18) COLLATE "C" NOT NULL,
    region      char(12) NOT NULL,
    program     text NOT NULL CHECK (program IN ('startup', 'skill_upgrade',
                                                 'employment_skill', 'other')),
    occupation  text,
    passed      boolean NOT NULL,
    at_us       bigint NOT NULL
);
CREATE INDEX trainings_person ON trainings (id_number);

-- Public-welfare posts (公益性岗位安置), one row per placement.
CREATE TABLE placements (
    placement_no        bigserial PRIMARY KEY,
    id_number           char(18) COLLATE "C" NOT NULL,
    region              char(12) NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('urban', 'rural')),
    post                text NOT NULL,
    monthly_subsidy_fen bigint NOT NULL,
    at_us               bigint NOT NULL
);
CREATE INDEX placements_person ON placements (id_number);

-- Startup guarantee loans (创业担保贷款).
CREATE TABLE loans (
    loan_id     text COLLATE "C" PRIMARY KEY,
    region      char(12) NOT NULL,
    borrower    text NOT NULL CHECK (borrower IN ('individual', 'small_enterprise')),
    id_number   char(18) COLLATE "C",
    credit_code char(18) COLLATE "C",
    amount_fen  bigint NOT NULL,
    at_us       bigint NOT NULL,
    CHECK (borrower <> 'individual' OR id_number IS NOT NULL),
    CHECK (borrower <> 'small_enterprise' OR credit_code IS NOT NULL)
);
CREATE INDEX loans_person ON loans (id_number) WHERE id_number IS NOT NULL;

-- Employment subsidies paid (就业补贴), to a person, an employer or both.
CREATE TABLE subsidies (
    subsidy_id  text COLLATE "C" PRIMARY KEY,
    region      char(12) NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('transport', 'internship', 'startup', 'rent',
                                              'hiring', 'skill', 'other')),
    id_number   char(18) COLLATE "C",
    credit_code char(18) COLLATE "C",
    amount_fen  bigint NOT NULL,
    at_us       bigint NOT NULL,
    CHECK (id_number IS NOT NULL OR credit_code IS NOT NULL)
);
CREATE INDEX subsidies_person ON subsidies (id_number) WHERE id_number IS NOT NULL;

-- Employment's copy of arrears' wage-arrears blacklist (联合惩戒): an employer
-- is listed from its listing for three years unless delisted (the row goes).
CREATE TABLE blacklist (
    credit_code   char(18) COLLATE "C" PRIMARY KEY,
    name          text NOT NULL,
    reason        text NOT NULL,
    listed_at_us  bigint NOT NULL,
    expires_at_us bigint NOT NULL
);
