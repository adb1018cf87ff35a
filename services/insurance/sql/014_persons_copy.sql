-- The region of each person of the labor registry, copied from employment's
-- feed (employment.person_registered; a re-registration moves it): a death
-- report about a known person is in scope only for the county holding the
-- record (docs/contract.md#insurance, insurance.death_reported). Numbered 014 after the
-- issue that asked for it, so that it collides with no other branch's 003.
CREATE TABLE registry_persons (
    id_number char(18) COLLATE "C" PRIMARY KEY,
    region    char(12) NOT NULL
);
