-- Wage-arrears enforcement (根治欠薪): the employer blacklist is the first
-- table because other services' rules depend on it; projects, clues, cases,
-- arbitrations and injury determinations follow with their handlers.
CREATE TABLE blacklist (
    credit_code   char(18) PRIMARY KEY,
    name          text NOT NULL,
    reason        text NOT NULL,
    listed_at_us  bigint NOT NULL,
    delisted_at_us bigint
);
