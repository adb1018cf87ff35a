-- Monthly approval (summary.c's neighbour approval.c): one row per region
-- and month that was ever submitted; the figures frozen at submission; each
-- step with the token that took it.
CREATE TABLE reports (
    region char(12) COLLATE "C" NOT NULL,
    period int NOT NULL,                       -- YYYYMM
    state  text NOT NULL CHECK (state IN ('draft', 'submitted', 'approved')),
    submitted_by bigint,                       -- the token of the current submission
    PRIMARY KEY (region, period)
);

-- The snapshot: every indicator of the region and its children as it was
-- when submitted. Written at submission, deleted when returned, never
-- changed once approved (the approval checks the state in one statement).
CREATE TABLE report_snapshot (
    region char(12) COLLATE "C" NOT NULL,
    period int NOT NULL,
    child  char(12) COLLATE "C" NOT NULL,      -- the region itself or a child
    code   text COLLATE "C" NOT NULL,
    first  int NOT NULL,                       -- the first month its value sums
    value  bigint NOT NULL,
    PRIMARY KEY (region, period, child, code),
    FOREIGN KEY (region, period) REFERENCES reports
);

CREATE TABLE report_steps (
    id       bigserial PRIMARY KEY,
    region   char(12) COLLATE "C" NOT NULL,
    period   int NOT NULL,
    action   text NOT NULL,
    token_id bigint NOT NULL,
    role     text NOT NULL,
    name     text,
    reason   text,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_steps_of ON report_steps (region, period, id);
