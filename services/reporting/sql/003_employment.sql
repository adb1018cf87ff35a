-- What employment's feed tells beyond the registry, kept only as far as an
-- indicator needs it (everything else is counted per event).

-- The location of a person's current employment (employment.employed):
-- emp.poverty_alleviated_working.<location>. NULL: none (never employed,
-- registered unemployed since, or deceased).
ALTER TABLE persons ADD COLUMN employed_location text;

-- Job postings: a re-sent job_id updates the posting, which counts in the
-- month of its first posting with its latest positions (emp.jobs_posted),
-- and stays open until valid_until (emp.jobs_open).
CREATE TABLE jobs (
    job_id      text COLLATE "C" PRIMARY KEY,
    region      char(12) COLLATE "C" NOT NULL,   -- of the latest posting
    first_month int NOT NULL,                    -- YYYYMM, CST, of the first posting
    positions   bigint NOT NULL,
    valid_until date NOT NULL
);

-- The latest result of recommending a person for a job (by occurred_at):
-- emp.recommendation_hires counts those that are `hired`, in the month and
-- region of that result.
CREATE TABLE recommendation_results (
    id_number text COLLATE "C" NOT NULL,
    job_id    text COLLATE "C" NOT NULL,
    hired     bool NOT NULL,
    region    char(12) COLLATE "C" NOT NULL,
    at_us     bigint NOT NULL,
    month     int NOT NULL,
    PRIMARY KEY (id_number, job_id)
);

-- The latest follow-up of a graduate per year of graduation (by
-- occurred_at): emp.graduates and emp.graduates_employed.
CREATE TABLE graduates (
    id_number       text COLLATE "C" NOT NULL,
    graduation_year int NOT NULL,
    employed        bool NOT NULL,   -- employed, further_study, enlisted or abroad
    region          char(12) COLLATE "C" NOT NULL,
    at_us           bigint NOT NULL,
    month           int NOT NULL,    -- where its facts are (see agg_graduates.c)
    PRIMARY KEY (id_number, graduation_year)
);
