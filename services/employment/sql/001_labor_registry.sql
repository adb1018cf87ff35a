-- The labor-force registry (劳动力资源库) and each person's employment state.
CREATE TABLE persons (
    id_number           char(18) PRIMARY KEY,
    name                text NOT NULL,
    region              char(12) NOT NULL,
    household           text NOT NULL CHECK (household IN ('urban', 'rural')),
    categories          text[] NOT NULL DEFAULT '{}',
    education           text,
    phone               text,
    registered_at_us    bigint NOT NULL,
    updated_at_us       bigint NOT NULL,
    -- registered unemployment (失业登记), NULL when not registered unemployed
    unemployed_since    date,
    unemployed_region   char(12),
    -- current employment (就业登记), NULL when none recorded
    employment_kind     text,
    employment_location text,
    employer_credit_code char(18),
    employer_name       text,
    employed_since      date,
    died_on             date
);
CREATE INDEX persons_region ON persons (region);

-- Deaths learned from insurance's feed, also of persons not (yet) registered
-- here: a later registration of a deceased person is refused.
CREATE TABLE deaths (
    id_number char(18) PRIMARY KEY,
    died_on   date NOT NULL
);
