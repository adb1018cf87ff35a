-- What insurance's feed tells beyond enrollments and deaths, kept only as far
-- as an indicator needs it (money is counted per event, see agg_funds.c).

-- Benefits (待遇领取): ins.recipients.<scheme> counts the active ones not
-- suspended by decision (insurance.correction_applied on `suspended`). A
-- death ends them (agg_deaths.c).
CREATE TABLE ins_benefits (
    id_number text COLLATE "C" NOT NULL,
    scheme    text COLLATE "C" NOT NULL,
    region    char(12) COLLATE "C" NOT NULL,   -- of the latest benefit_started
    active    bool NOT NULL,
    suspended bool NOT NULL,
    PRIMARY KEY (id_number, scheme)
);

-- Where each suspicious record was received: its verification counts there.
CREATE TABLE ins_records (
    record_id text COLLATE "C" PRIMARY KEY,
    region    char(12) COLLATE "C" NOT NULL
);
