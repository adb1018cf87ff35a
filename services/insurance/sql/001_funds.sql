-- Social-insurance enrollment, benefits and deaths (社会保险).
CREATE TABLE enrollments (
    id_number            char(18) NOT NULL,
    scheme               text NOT NULL,
    region               char(12) NOT NULL,
    employer_credit_code char(18),
    enrolled_on          date NOT NULL,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    ended_on             date,
    PRIMARY KEY (id_number, scheme)
);

CREATE TABLE benefits (
    id_number          char(18) NOT NULL,
    scheme             text NOT NULL,
    region             char(12) NOT NULL,
    monthly_amount_fen bigint NOT NULL CHECK (monthly_amount_fen >= 0),
    first_period       int NOT NULL,            -- YYYYMM
    status             text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    suspended_from     int,                     -- first period no longer payable
    PRIMARY KEY (id_number, scheme)
);

-- 死亡信息村级直报: one row per person, the first report wins.
CREATE TABLE deaths (
    id_number      char(18) PRIMARY KEY,
    died_on        date NOT NULL,
    region         char(12) NOT NULL,
    reported_at_us bigint NOT NULL
);

-- Monthly benefit payments (待遇发放): at most one per person, scheme, period.
CREATE TABLE payments (
    id_number  char(18) NOT NULL,
    scheme     text NOT NULL,
    period     int NOT NULL,
    region     char(12) NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
    paid_at_us bigint NOT NULL,
    PRIMARY KEY (id_number, scheme, period)
);

-- Benefits paid for months after a death become recoveries (追缴).
CREATE TABLE recoveries (
    id_number  char(18) NOT NULL,
    scheme     text NOT NULL,
    period     int NOT NULL,
    region     char(12) NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen >= 0),
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'collected')),
    PRIMARY KEY (id_number, scheme, period)
);
