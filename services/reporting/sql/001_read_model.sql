-- The read model of reporting (统计), built only from the other services'
-- feeds. Nothing here is read from another service's tables.

-- Indicator facts: the delta of each indicator per region and CST month,
-- stored at every level of the region tree (village, township, county, city,
-- province), so that a query reads the one region it is asked for.
-- Flow value of period P: sum of the months from January of P's year to P.
-- Stock value at the end of P: sum of all months up to P.
CREATE TABLE facts (
    code   text NOT NULL,
    region char(12) NOT NULL,
    month  int NOT NULL,                    -- YYYYMM, China Standard Time
    value  bigint NOT NULL,
    PRIMARY KEY (code, region, month)
);
-- Villages are not in the region table: the breakdown of a township lists
-- the villages that have facts under it.
CREATE INDEX facts_villages ON facts (region) WHERE substr(region, 10, 3) <> '000';

-- Annual targets (年度目标任务).
CREATE TABLE targets (
    year   int NOT NULL,
    region char(12) NOT NULL,
    code   text NOT NULL,
    value  bigint NOT NULL CHECK (value >= 0),
    PRIMARY KEY (year, region, code)
);

-- What employment's feed told about each person: enough to tell whether an
-- event changes the labor force or registered unemployment, and where.
CREATE TABLE persons (
    id_number         text PRIMARY KEY,
    region            char(12) NOT NULL,
    categories        text[] NOT NULL DEFAULT '{}',
    unemployed_region char(12),             -- where the current unemployment was registered
    deceased          bool NOT NULL DEFAULT false
);

-- What insurance's feed told about enrollments and deaths.
CREATE TABLE enrollments (
    id_number text NOT NULL,
    scheme    text NOT NULL,
    region    char(12) NOT NULL,            -- where the enrollment counts
    active    bool NOT NULL,
    PRIMARY KEY (id_number, scheme)
);

CREATE TABLE deaths (
    id_number text PRIMARY KEY
);
