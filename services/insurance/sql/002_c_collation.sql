-- Identifiers and codes are ASCII and compared for equality only: byte order
-- ("C") makes every index probe a memcmp instead of a locale comparison.
ALTER TABLE enrollments ALTER COLUMN id_number TYPE char(18) COLLATE "C",
                        ALTER COLUMN scheme TYPE text COLLATE "C";
ALTER TABLE benefits ALTER COLUMN id_number TYPE char(18) COLLATE "C",
                     ALTER COLUMN scheme TYPE text COLLATE "C";
ALTER TABLE deaths ALTER COLUMN id_number TYPE char(18) COLLATE "C";
ALTER TABLE payments ALTER COLUMN id_number TYPE char(18) COLLATE "C",
                     ALTER COLUMN scheme TYPE text COLLATE "C";
ALTER TABLE recoveries ALTER COLUMN id_number TYPE char(18) COLLATE "C",
                       ALTER COLUMN scheme TYPE text COLLATE "C";
