-- What the arrears feed tells, kept only as far as an indicator needs it:
-- where each item counts (the region of its opening event, so that its
-- closing moves the same facts), whether it is closed, and the date its
-- legal time limit runs from. Everything else is counted per event.

-- Projects under construction and their wage-guarantee measures: a re-sent
-- project_id updates them (arr.projects, arr.projects_<measure>).
CREATE TABLE arr_projects (
    project_id       text COLLATE "C" PRIMARY KEY,
    region           char(12) COLLATE "C" NOT NULL,
    real_name        bool NOT NULL,
    wage_account     bool NOT NULL,
    paid_via_account bool NOT NULL
);

-- Clues with their due date (arr.clues_closed_on_time, arr.clues_overdue).
CREATE TABLE arr_clues (
    clue_id text COLLATE "C" PRIMARY KEY,
    region  char(12) COLLATE "C" NOT NULL,
    due_on  date NOT NULL,
    closed  bool NOT NULL DEFAULT false
);

-- Cases: a closed case takes no more actions.
CREATE TABLE arr_cases (
    case_id text COLLATE "C" PRIMARY KEY,
    region  char(12) COLLATE "C" NOT NULL,
    closed  bool NOT NULL DEFAULT false
);

-- Arbitrations (45 days, 60 extended) and injury applications (60 days)
-- from the CST date of their filing.
CREATE TABLE arr_arbitrations (
    arbitration_id text COLLATE "C" PRIMARY KEY,
    region         char(12) COLLATE "C" NOT NULL,
    filed_on       date NOT NULL,
    closed         bool NOT NULL DEFAULT false
);

CREATE TABLE arr_injuries (
    application_id text COLLATE "C" PRIMARY KEY,
    region         char(12) COLLATE "C" NOT NULL,
    applied_on     date NOT NULL,
    decided        bool NOT NULL DEFAULT false
);

-- Employers on the blacklist (arr.blacklisted), where they were listed,
-- and the end of the current listing when it ended: a delisting sent by a
-- county that predates the expiry arrears derived first (a county replaying
-- its year) moves the end back, as arrears takes it.
CREATE TABLE arr_blacklist (
    credit_code    text COLLATE "C" PRIMARY KEY,
    region         char(12) COLLATE "C" NOT NULL,
    delisted_at_us bigint,                  -- NULL: listed
    delisted_month int,                     -- YYYYMM, CST, of delisted_at_us
    expired        bool NOT NULL DEFAULT false
);
