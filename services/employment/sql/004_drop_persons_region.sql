-- The labor registry is looked up by id number only: the one-stop view asks
-- for one person, and every regional figure comes from reporting's facts.
-- An index on region served no query, yet every registration paid for it
-- (a descent, a leaf write and its WAL per person).
DROP INDEX IF EXISTS persons_region;
