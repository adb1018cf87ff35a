-- Wage-arrears enforcement (根治欠薪) and labor relations, one table per
-- aggregate. Dates are civil days of China Standard Time, taken from the
-- events' occurred_at; identifiers (project_id, clue_id, ...) are the
-- senders' own and name one record in the service, whoever sends them.
-- Region codes and identifiers are ASCII compared bytewise ("C").

-- 001 made the blacklist before any handler wrote to it: it is empty, and
-- is made again with what the listing's expiry needs.
DROP TABLE blacklist;
CREATE TABLE blacklist (
    credit_code    char(18) COLLATE "C" PRIMARY KEY,
    region         char(12) COLLATE "C" NOT NULL,
    scope          char(12) COLLATE "C" NOT NULL,   -- the listing's id space: the delisting
                                                    -- derived at expiry is named in it
    event_id       text NOT NULL,                   -- the listing event
    name           text NOT NULL,
    reason         text NOT NULL,
    listed_at_us   bigint NOT NULL,
    expires_at_us  bigint NOT NULL,                 -- 3 years after listed_at_us (CST calendar)
    delisted_at_us bigint,
    delist_reason  text
);
CREATE INDEX blacklist_expiry ON blacklist (expires_at_us) WHERE delisted_at_us IS NULL;
CREATE INDEX blacklist_region ON blacklist (region) WHERE delisted_at_us IS NULL;

-- 在建项目 and their wage-guarantee measures; re-registering updates them.
CREATE TABLE projects (
    project_id             text COLLATE "C" PRIMARY KEY,
    region                 char(12) COLLATE "C" NOT NULL,
    name                   text NOT NULL,
    contractor_credit_code char(18) NOT NULL,
    contractor_name        text NOT NULL,
    workers                bigint NOT NULL,
    real_name              bool NOT NULL,
    wage_account           bool NOT NULL,
    paid_via_account       bool NOT NULL,
    wage_deposit_fen       bigint NOT NULL,
    registered_at_us       bigint NOT NULL,
    updated_at_us          bigint NOT NULL
);

-- 欠薪线索: open until closed, once.
CREATE TABLE clues (
    clue_id              text COLLATE "C" PRIMARY KEY,
    region               char(12) COLLATE "C" NOT NULL,
    source               text NOT NULL,
    employer_name        text NOT NULL,
    employer_credit_code char(18),
    project_id           text REFERENCES projects,
    workers              bigint NOT NULL,
    amount_fen           bigint NOT NULL,
    received_on          date NOT NULL,
    due_on               date NOT NULL,
    received_at_us       bigint NOT NULL,
    closed_on            date,
    closed_at_us         bigint,
    outcome              text,
    case_id              text
);
-- the deadlines read: open items under a region, soonest first
CREATE INDEX clues_open ON clues (region, due_on) WHERE closed_on IS NULL;

-- 欠薪案件 and what was done in them.
CREATE TABLE cases (
    case_id              text COLLATE "C" PRIMARY KEY,
    region               char(12) COLLATE "C" NOT NULL,
    mode                 text NOT NULL,
    employer_name        text NOT NULL,
    employer_credit_code char(18),
    project_id           text REFERENCES projects,
    clue_id              text REFERENCES clues,
    workers              bigint NOT NULL,
    amount_owed_fen      bigint NOT NULL,
    opened_on            date NOT NULL,
    opened_at_us         bigint NOT NULL,
    rectification_orders int NOT NULL DEFAULT 0,
    to_police            bool NOT NULL DEFAULT false,
    recovered_fen        bigint NOT NULL DEFAULT 0,
    workers_helped       bigint NOT NULL DEFAULT 0,
    closed_on            date,
    closed_at_us         bigint
);
CREATE TABLE case_actions (
    case_id    text NOT NULL REFERENCES cases,
    event_id   text NOT NULL,
    action     text NOT NULL,
    amount_fen bigint,
    workers    bigint,
    at_us      bigint NOT NULL
);
CREATE INDEX case_actions_case ON case_actions (case_id);

-- 劳动人事争议仲裁: 45 days from filing, 60 when extended (调解仲裁法 第四十三条).
CREATE TABLE arbitrations (
    arbitration_id    text COLLATE "C" PRIMARY KEY,
    region            char(12) COLLATE "C" NOT NULL,
    claimants         bigint NOT NULL,
    amount_fen        bigint NOT NULL,
    filed_on          date NOT NULL,
    filed_at_us       bigint NOT NULL,
    closed_on         date,
    closed_at_us      bigint,
    outcome           text,
    closed_amount_fen bigint,
    extended          bool,
    within_limit      bool
);
CREATE INDEX arbitrations_open ON arbitrations (region, filed_on) WHERE closed_on IS NULL;

-- 工伤认定: 60 days from application (工伤保险条例 第二十条).
CREATE TABLE injuries (
    application_id text COLLATE "C" PRIMARY KEY,
    region         char(12) COLLATE "C" NOT NULL,
    id_number      char(18) COLLATE "C" NOT NULL,
    employer_name  text NOT NULL,
    applied_on     date NOT NULL,
    applied_at_us  bigint NOT NULL,
    decision       text,
    decided_on     date,
    decided_at_us  bigint,
    within_limit   bool
);
CREATE INDEX injuries_open ON injuries (region, applied_on) WHERE decided_on IS NULL;
CREATE INDEX injuries_person ON injuries (id_number);
