#!/usr/bin/env python3
"""Generates a mixed T-SQL / PL/pgSQL corpus for dbaudit's scan benchmark.

Usage: gen_corpus.py OUT_DIR [TOTAL_MB] [FILE_KB]
Writes files of about FILE_KB (default 200) until TOTAL_MB (default 50) is reached,
two thirds T-SQL procedures (with GO batches, cursors, TRY/CATCH, CTEs), one third
PostgreSQL functions (PL/pgSQL loops, SQL functions, DO blocks). Deterministic.
"""
import os
import random
import sys

TABLES = ["Appointments", "Payments", "Notifications", "UserLogin", "ServiceProviders"]
COLUMNS = ["ClientId", "ProviderId", "StartDate", "Status", "Amount", "CreatedDate", "Email"]


def tsql_proc(rng, n):
    t = rng.choice(TABLES)
    c1, c2 = rng.sample(COLUMNS, 2)
    return f"""CREATE PROCEDURE [dbo].[{t}_Proc{n}]
    @Id INT,
    @From DATETIME = NULL
AS
BEGIN
    SET NOCOUNT ON
    DECLARE @Row INT, @Other INT
    /* generated /* nested */ comment */
    ;WITH recent (Id, {c1}) AS (
        SELECT Id, {c1} FROM dbo.{t} WITH (NOLOCK) WHERE {c2} = @Id
    )
    SELECT * FROM recent ORDER BY {c1} DESC
    IF EXISTS (SELECT * FROM dbo.{t} WHERE YEAR({c1}) = 2024)
        SELECT t.* FROM dbo.{t} t JOIN dbo.Payments p ON p.ClientId = t.{c2} WHERE t.Email LIKE '%' + N'x'
    ELSE
        PRINT N'none'
    DECLARE c{n} CURSOR LOCAL FAST_FORWARD FOR SELECT Id, {c2} FROM dbo.{t} WHERE {c1} >= @From
    OPEN c{n}
    FETCH NEXT FROM c{n} INTO @Row, @Other
    WHILE @@FETCH_STATUS = 0
    BEGIN
        BEGIN TRY
            UPDATE dbo.{t} SET Status = 2 WHERE Id = @Row
            EXEC dbo.Audit_Write @Row
        END TRY
        BEGIN CATCH
            RAISERROR('failed', 16, 1)
        END CATCH
        FETCH NEXT FROM c{n} INTO @Row, @Other
    END
    CLOSE c{n} DEALLOCATE c{n}
END
GO
"""


def pg_func(rng, n):
    t = rng.choice(TABLES).lower()
    return f"""CREATE OR REPLACE FUNCTION public.{t}_fn{n}(p_id integer, p_term text)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    r record;
    total integer := 0;
BEGIN
    FOR r IN SELECT id, client_id FROM {t} WHERE provider_id = p_id AND created_date > now() - interval '7 days' LOOP
        INSERT INTO notifications (user_id, title) VALUES (r.client_id, 'x');
        total := total + 1;
    END LOOP;
    IF EXISTS (SELECT 1 FROM {t} WHERE lower(email) = lower(p_term)) THEN
        RETURN total;
    END IF;
    RETURN total + (SELECT count(*) FROM {t} WHERE email ILIKE '%' || p_term);
END;
$fn$;

CREATE OR REPLACE FUNCTION public.{t}_sql{n}(p_id integer)
RETURNS SETOF {t} LANGUAGE sql STABLE AS $$
    SELECT * FROM {t} WHERE client_id = p_id ORDER BY created_date DESC;
$$;

"""


def main():
    out = sys.argv[1]
    total_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 50
    file_kb = float(sys.argv[3]) if len(sys.argv) > 3 else 200
    os.makedirs(out, exist_ok=True)
    rng = random.Random(42)
    written, index, n = 0, 0, 0
    target = total_mb * 1024 * 1024
    while written < target:
        pg = index % 3 == 2
        name = os.path.join(out, f"{'pg' if pg else 'tsql'}_{index:05d}.sql")
        parts, size = [], 0
        while size < file_kb * 1024:
            text = pg_func(rng, n) if pg else tsql_proc(rng, n)
            parts.append(text)
            size += len(text)
            n += 1
        with open(name, "w", encoding="utf-8") as f:
            f.write("".join(parts))
        written += size
        index += 1
    print(f"{index} files, {written / 1024 / 1024:.1f} MB, {n} objects in {out}")


if __name__ == "__main__":
    main()
