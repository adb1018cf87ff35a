-- Identifiers are ASCII and compared for equality only: byte order ("C")
-- makes every index probe a memcmp instead of a locale comparison.
ALTER TABLE persons ALTER COLUMN id_number TYPE char(18) COLLATE "C";
ALTER TABLE deaths ALTER COLUMN id_number TYPE char(18) COLLATE "C";
