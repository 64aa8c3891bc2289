-- Foreign keys with their referencing and referenced columns, in key order, as arrays
-- (a column name may hold a comma: the collector writes the list with its own quoting). The
-- referencing tables of $1 (locked by another session, left out of the snapshot) are
-- left out too, so their keys are not judged against indexes that were not read.
SELECT n.nspname::text AS schema,
       t.relname::text AS table,
       k.conname::text AS name,
       (SELECT array_agg(a.attname::text ORDER BY u.ord)
          FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS columns,
       rn.nspname::text AS referenced_schema,
       rt.relname::text AS referenced_table,
       (SELECT array_agg(a.attname::text ORDER BY u.ord)
          FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS referenced_columns
FROM pg_constraint k
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = k.confrelid
JOIN pg_namespace rn ON rn.oid = rt.relnamespace
WHERE k.contype = 'f'
  AND NOT (k.conrelid = ANY ($1::oid[]))
ORDER BY n.nspname, t.relname, k.conname
