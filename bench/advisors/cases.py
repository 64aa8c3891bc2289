"""The advisor benchmark's schema and cases (bench/advisors.sh runs them; see bench/README.md).

Each case is one statement shape, run CALLS times with varying literals so that it is in
pg_stat_statements and pg_qualstats, and its expected answer: the index that should exist
(any one of `expect`, by PostgreSQL's own definition of it) or "none" with `why`.
`tables` and `cols` say which recommendations belong to the case: an index on one of
`tables` (or their partitions) whose leading key mentions one of `cols` (quoted and bare:
hypopg_get_indexdef prints column names unquoted).

Every name and literal here is written by this file; nothing comes from outside.
"""

ROWS = 50_000  # rows of a normal table: above every advisor's small-table threshold

# One setup script: plain, partitioned, mixed-case-schema, view, materialized-view and
# foreign tables. Data is deterministic (generate_series arithmetic, no random()).
SETUP = f"""
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
  total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, g % 20000 + 1, (ARRAY['new','paid','shipped','done'])[g % 4 + 1],
  (g % 997) / 3.0, timestamptz '2026-01-01' + g * interval '3 minutes' FROM generate_series(1, {ROWS}) g;

CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, created_at timestamptz NOT NULL, payload text);
INSERT INTO events SELECT g, g % 7, timestamptz '2026-01-01' + g * interval '2 minutes', md5(g::text)
  FROM generate_series(1, {ROWS}) g;

CREATE TABLE tickets (id bigint PRIMARY KEY, project_id int NOT NULL, assignee_id int NOT NULL, title text);
INSERT INTO tickets SELECT g, g % 200 + 1, (g * 7) % 500 + 1, md5(g::text) FROM generate_series(1, {ROWS}) g;

CREATE TABLE posts (id bigint PRIMARY KEY, author_id int NOT NULL, published_at timestamptz NOT NULL, body text);
INSERT INTO posts SELECT g, g % 1000 + 1, timestamptz '2025-01-01' + g * interval '7 minutes', md5(g::text)
  FROM generate_series(1, {ROWS}) g;

CREATE TABLE articles (id bigint PRIMARY KEY, title text NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO articles SELECT g, md5(g::text), timestamptz '2025-01-01' + ((g::bigint * 7919) % {ROWS}) * interval '1 minute'
  FROM generate_series(1, {ROWS}) g;

CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id int NOT NULL);
INSERT INTO invoices SELECT g, g % 5000 FROM generate_series(1, {ROWS // 5}) g;
CREATE TABLE invoice_lines (id bigint PRIMARY KEY, invoice_id bigint NOT NULL, sku text NOT NULL, qty int NOT NULL);
INSERT INTO invoice_lines SELECT g, g % {ROWS // 5} + 1, 'SKU' || (g % 3000), g % 9 + 1 FROM generate_series(1, {ROWS}) g;

CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts SELECT g, 'account ' || g FROM generate_series(1, {ROWS // 5}) g;
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint NOT NULL, token text NOT NULL);
INSERT INTO sessions SELECT g, g % {ROWS // 5} + 1, md5('s' || g) FROM generate_series(1, {ROWS}) g;

-- partitioned by range (4 partitions) and by list (3 partitions)
CREATE TABLE measurements (sensor_id int NOT NULL, ts timestamptz NOT NULL, value float8 NOT NULL)
  PARTITION BY RANGE (ts);
CREATE TABLE measurements_q1 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2026-04-01');
CREATE TABLE measurements_q2 PARTITION OF measurements FOR VALUES FROM ('2026-04-01') TO ('2026-07-01');
CREATE TABLE measurements_q3 PARTITION OF measurements FOR VALUES FROM ('2026-07-01') TO ('2026-10-01');
CREATE TABLE measurements_q4 PARTITION OF measurements FOR VALUES FROM ('2026-10-01') TO ('2027-01-01');
INSERT INTO measurements SELECT g % 5000, timestamptz '2026-01-01' + (g % 364) * interval '1 day' + (g % 1440) * interval '1 minute',
  (g % 1000) / 10.0 FROM generate_series(1, {ROWS * 2}) g;
CREATE TABLE audit_log (id bigint NOT NULL, region text NOT NULL, request_id text NOT NULL, detail text)
  PARTITION BY LIST (region);
CREATE TABLE audit_log_eu PARTITION OF audit_log FOR VALUES IN ('eu');
CREATE TABLE audit_log_us PARTITION OF audit_log FOR VALUES IN ('us');
CREATE TABLE audit_log_ap PARTITION OF audit_log FOR VALUES IN ('ap');
INSERT INTO audit_log SELECT g, (ARRAY['eu','us','ap'])[g % 3 + 1], md5('r' || g), 'detail ' || g
  FROM generate_series(1, {ROWS}) g;

-- a view and a materialized view
CREATE TABLE users (id bigint PRIMARY KEY, username text NOT NULL, active boolean NOT NULL);
INSERT INTO users SELECT g, 'user' || g, g % 10 <> 0 FROM generate_series(1, {ROWS}) g;
CREATE VIEW active_users AS SELECT id, username FROM users WHERE active;
CREATE TABLE sales (id bigint PRIMARY KEY, store_id int NOT NULL, day date NOT NULL, amount numeric NOT NULL);
INSERT INTO sales SELECT g, g % 500 + 1, date '2026-01-01' + (g / 500) % 200, g % 100 FROM generate_series(1, {ROWS * 2}) g;
-- a view over a view, and a view over a join (dbaudit resolves both to the base table)
CREATE TABLE staff (id bigint PRIMARY KEY, badge text NOT NULL, dept int NOT NULL);
INSERT INTO staff SELECT g, 'B' || g, g % 40 FROM generate_series(1, {ROWS}) g;
CREATE VIEW staff_v AS SELECT id, badge, dept FROM staff;
CREATE VIEW staff_badges AS SELECT s.id, s.badge AS badge_no, s.dept FROM staff_v s;
CREATE VIEW invoice_detail AS SELECT l.id, l.sku, l.qty, i.customer_id
  FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id;
-- a join whose two filters each pay alone, but once bookings (ref) exists the planner
-- reaches rooms through its primary key: an index on rooms (floor_code) is then unused
CREATE TABLE rooms (id bigint PRIMARY KEY, floor_code int NOT NULL, name text);
INSERT INTO rooms SELECT g, g % 5000, 'r' || g FROM generate_series(1, {ROWS}) g;
CREATE TABLE bookings (id bigint PRIMARY KEY, room_id bigint NOT NULL, ref int NOT NULL, note text);
INSERT INTO bookings SELECT g, g, g, 'b' || g FROM generate_series(1, {ROWS}) g;
CREATE INDEX bookings_room ON bookings (room_id);
CREATE MATERIALIZED VIEW daily_sales AS SELECT store_id, day, sum(amount) AS amount, count(*) AS n
  FROM sales GROUP BY store_id, day;

-- CTEs
CREATE TABLE reviews (id bigint PRIMARY KEY, product_id int NOT NULL, stars int NOT NULL, body text);
INSERT INTO reviews SELECT g, g % 8000 + 1, g % 5 + 1, md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE TABLE ratings (id bigint PRIMARY KEY, user_id int NOT NULL, score int NOT NULL);
INSERT INTO ratings SELECT g, g % 9000 + 1, g % 10 FROM generate_series(1, {ROWS}) g;

-- ORDER BY position / alias
CREATE TABLE payments (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, amount numeric NOT NULL);
INSERT INTO payments SELECT g, timestamptz '2025-06-01' + ((g::bigint * 7919) % {ROWS}) * interval '1 minute', g % 500
  FROM generate_series(1, {ROWS}) g;
CREATE TABLE documents (id bigint PRIMARY KEY, title text NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO documents SELECT g, md5(g::text), timestamptz '2025-06-01' + ((g::bigint * 104729) % {ROWS}) * interval '1 minute'
  FROM generate_series(1, {ROWS}) g;

-- UPDATE / DELETE
CREATE TABLE carts (id bigint PRIMARY KEY, session_key text NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO carts SELECT g, md5('c' || g), timestamptz '2026-01-01' FROM generate_series(1, {ROWS}) g;
CREATE TABLE notifications (id bigint PRIMARY KEY, recipient_id int NOT NULL, body text);
INSERT INTO notifications SELECT g, g % 10000 + 1, 'n' || g FROM generate_series(1, {ROWS}) g;

-- a mixed-case schema and a reserved-word column
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."OrderItems" ("Id" bigint PRIMARY KEY, "ProductId" int NOT NULL, "Qty" int NOT NULL);
INSERT INTO "Sales"."OrderItems" SELECT g, g % 7000 + 1, g % 5 + 1 FROM generate_series(1, {ROWS}) g;
CREATE TABLE shipments (id bigint PRIMARY KEY, "order" bigint NOT NULL, carrier text NOT NULL);
INSERT INTO shipments SELECT g, g * 3, (ARRAY['dhl','ups','fedex'])[g % 3 + 1] FROM generate_series(1, {ROWS}) g;

-- an existing index already covers
CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL UNIQUE, name text);
INSERT INTO products SELECT g, 'P' || g, md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE TABLE vendors (id bigint PRIMARY KEY, region_id int NOT NULL, vendor_type int NOT NULL, name text);
INSERT INTO vendors SELECT g, g % 300, g % 40, md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE INDEX vendors_region_type ON vendors (region_id, vendor_type);
CREATE TABLE shifts (id bigint PRIMARY KEY, worker_id int NOT NULL, day date NOT NULL);
INSERT INTO shifts SELECT g, g % 4000, date '2026-01-01' + g % 365 FROM generate_series(1, {ROWS}) g;
CREATE INDEX shifts_worker_day ON shifts (worker_id, day);

-- a tiny table; low-selectivity columns
CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL, decimals int NOT NULL);
INSERT INTO currencies SELECT 'C' || g, 'currency ' || g, 2 FROM generate_series(1, 20) g;
CREATE TABLE fx_rates (currency text NOT NULL, rate numeric NOT NULL);
INSERT INTO fx_rates SELECT 'C' || g, g / 7.0 FROM generate_series(1, 20) g;
CREATE TABLE members (id bigint PRIMARY KEY, tier text NOT NULL, name text);
INSERT INTO members SELECT g, (ARRAY['free','pro'])[g % 2 + 1], md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE TABLE tasks (id bigint PRIMARY KEY, done boolean NOT NULL, title text);
INSERT INTO tasks SELECT g, g % 2 = 0, md5(g::text) FROM generate_series(1, {ROWS}) g;

-- expression and partial
CREATE TABLE subscribers (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO subscribers SELECT g, 'User' || g || '@Example.com' FROM generate_series(1, {ROWS}) g;
CREATE TABLE jobs (id bigint PRIMARY KEY, status text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO jobs SELECT g, CASE WHEN g % 200 = 0 THEN 'pending' ELSE 'done' END,
  timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, {ROWS * 2}) g;

-- index shapes (issue 18): INCLUDE for an index-only scan, partial on IS NULL / a boolean
-- (conditions pg_stat_statements keeps as written), DESC for mixed sort directions
CREATE TABLE gauges (id bigint PRIMARY KEY, device int NOT NULL, taken int NOT NULL, reading int NOT NULL);
INSERT INTO gauges SELECT g, g % 2000, g, g % 97 FROM generate_series(1, {ROWS}) g;
CREATE TABLE queue_items (id bigint PRIMARY KEY, owner int NOT NULL, finished_at timestamptz, payload text);
INSERT INTO queue_items SELECT g, g % 500, CASE WHEN g % 100 <> 0 THEN timestamptz '2026-01-01' END, md5(g::text)
  FROM generate_series(1, {ROWS}) g;
CREATE TABLE chores (id bigint PRIMARY KEY, owner int NOT NULL, done boolean NOT NULL, title text);
INSERT INTO chores SELECT g, g % 500, g % 100 <> 0, md5(g::text) FROM generate_series(1, {ROWS}) g;
CREATE TABLE timeline (id bigint PRIMARY KEY, kind int NOT NULL, day int NOT NULL, seq int NOT NULL, body text);
INSERT INTO timeline SELECT g, g % 50, g % 365, g, md5(g::text) FROM generate_series(1, {ROWS}) g;

-- IN list, LIKE prefix, range on a number
CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL, discount int NOT NULL);
INSERT INTO coupons SELECT g, 'CPN' || g, g % 50 FROM generate_series(1, {ROWS}) g;
CREATE TABLE domains (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO domains SELECT g, md5(g::text) || '.example' FROM generate_series(1, {ROWS}) g;
CREATE TABLE readings (id bigint PRIMARY KEY, value int NOT NULL, note text);
INSERT INTO readings SELECT g, (g::bigint * 7919) % 1000000, md5(g::text) FROM generate_series(1, {ROWS}) g;
"""

# A foreign table (postgres_fdw, loopback to a second database of the same cluster): set up
# only when postgres_fdw is available; the run says so when it is not.
FOREIGN_REMOTE = f"""
CREATE TABLE stock (sku text PRIMARY KEY, qty int NOT NULL);
INSERT INTO stock SELECT 'S' || g, g % 100 FROM generate_series(1, {ROWS}) g;
ANALYZE stock;
"""
FOREIGN_LOCAL = """
CREATE EXTENSION postgres_fdw;
CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '127.0.0.1', port '{port}', dbname 'advbench_remote');
CREATE USER MAPPING FOR CURRENT_USER SERVER loopback OPTIONS (user 'postgres');
CREATE FOREIGN TABLE remote_stock (sku text, qty int) SERVER loopback OPTIONS (table_name 'stock');
"""


def s(v):
    """A SQL string literal of a value this file made."""
    return "'" + str(v).replace("'", "''") + "'"


# (id, what it tests, statement with {0}.. for literals, literals for call k,
#  tables, cols, expected index definitions (any one) or [], why "none")
CASES = [
    ("eq", "selective equality", "SELECT id, total FROM orders WHERE customer_id = {0}",
     lambda k: [k * 37 % 20000 + 1], ["public.orders"], ["customer_id"],
     ["CREATE INDEX ON public.orders (customer_id)"], None),
    ("range", "range on a timestamp", "SELECT id, kind FROM events WHERE created_at >= {0} AND created_at < {1}",
     lambda k: [s(f"2026-02-{k % 27 + 1:02d} 00:00+00"), s(f"2026-02-{k % 27 + 1:02d} 02:00+00")],
     ["public.events"], ["created_at"], ["CREATE INDEX ON public.events (created_at)"], None),
    ("multicol", "two equality columns", "SELECT id, title FROM tickets WHERE project_id = {0} AND assignee_id = {1}",
     lambda k: [k % 200 + 1, (k * 13) % 500 + 1], ["public.tickets"], ["project_id", "assignee_id"],
     ["CREATE INDEX ON public.tickets (assignee_id, project_id)",
      "CREATE INDEX ON public.tickets (project_id, assignee_id)"], None),
    ("order-limit", "equality + ORDER BY ... DESC LIMIT",
     "SELECT id, published_at FROM posts WHERE author_id = {0} ORDER BY published_at DESC LIMIT 10",
     lambda k: [k * 7 % 1000 + 1], ["public.posts"], ["author_id", "published_at"],
     ["CREATE INDEX ON public.posts (author_id, published_at DESC)",
      "CREATE INDEX ON public.posts (author_id, published_at)"], None),
    ("topn", "ORDER BY ... LIMIT, no filter", "SELECT id, title FROM articles ORDER BY updated_at DESC LIMIT {0}",
     lambda k: [10 + k % 20], ["public.articles"], ["updated_at"],
     ["CREATE INDEX ON public.articles (updated_at DESC)", "CREATE INDEX ON public.articles (updated_at)"], None),
    ("join", "join key of the inner table",
     "SELECT i.id, l.sku, l.qty FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id WHERE i.id = {0}",
     lambda k: [k * 101 % 10000 + 1], ["public.invoice_lines"], ["invoice_id"],
     ["CREATE INDEX ON public.invoice_lines (invoice_id)"], None),
    ("join-filter", "join with the filter on the other side",
     "SELECT a.name FROM accounts a JOIN sessions s ON s.account_id = a.id WHERE s.token = {0}",
     lambda k: [s(f"{k}")], ["public.sessions"], ["token"],
     ["CREATE INDEX ON public.sessions (token)"], None),
    ("partition-range", "range-partitioned table (4 partitions)",
     "SELECT ts, value FROM measurements WHERE sensor_id = {0}",
     lambda k: [k * 17 % 5000], ["public.measurements"], ["sensor_id"],
     ["CREATE INDEX ON public.measurements (sensor_id)"], None),
    ("partition-list", "list-partitioned table (3 partitions)",
     "SELECT id, detail FROM audit_log WHERE request_id = {0}",
     lambda k: [s(f"r{k}")], ["public.audit_log"], ["request_id"],
     ["CREATE INDEX ON public.audit_log (request_id)"], None),
    ("view", "a view over a table", "SELECT id FROM active_users WHERE username = {0}",
     lambda k: [s(f"user{k * 113}")], ["public.users"], ["username"],
     ["CREATE INDEX ON public.users (username)"], None),
    ("view-of-view", "a view over a view, the column renamed",
     "SELECT id, dept FROM staff_badges WHERE badge_no = {0}",
     lambda k: [s(f"B{k * 97}")], ["public.staff"], ["badge"],
     ["CREATE INDEX ON public.staff (badge)"], None),
    ("view-join", "a view over a join", "SELECT id, qty, customer_id FROM invoice_detail WHERE sku = {0}",
     lambda k: [s(f"SKU{k * 7 % 3000}")], ["public.invoice_lines"], ["sku"],
     ["CREATE INDEX ON public.invoice_lines (sku)"], None),
    ("set-redundant", "two filters of a join, one index enough once both exist",
     "SELECT b.note, r.name FROM bookings b JOIN rooms r ON r.id = b.room_id WHERE b.ref = {0} AND r.floor_code = {1}",
     lambda k: [k * 7 % 50000 + 1, (k * 7 % 50000 + 1) % 5000], ["public.bookings", "public.rooms"],
     ["ref", "floor_code"], ["CREATE INDEX ON public.bookings (ref)"], None),
    ("matview", "a materialized view", "SELECT amount, n FROM daily_sales WHERE store_id = {0} AND day = {1}",
     lambda k: [k % 500 + 1, s(f"2026-03-{k % 28 + 1:02d}")], ["public.daily_sales"], ["store_id", "day"],
     ["CREATE INDEX ON public.daily_sales (store_id, day)", "CREATE INDEX ON public.daily_sales (day, store_id)"],
     None),
    ("cte", "a CTE (inlined)", "WITH r AS (SELECT * FROM reviews) SELECT id, stars FROM r WHERE product_id = {0}",
     lambda k: [k * 31 % 8000 + 1], ["public.reviews"], ["product_id"],
     ["CREATE INDEX ON public.reviews (product_id)"], None),
    ("cte-materialized", "a MATERIALIZED CTE with the filter inside",
     "WITH r AS MATERIALIZED (SELECT score FROM ratings WHERE user_id = {0}) SELECT avg(score) FROM r",
     lambda k: [k * 53 % 9000 + 1], ["public.ratings"], ["user_id"],
     ["CREATE INDEX ON public.ratings (user_id)"], None),
    ("order-position", "ORDER BY 1 DESC", "SELECT created_at, amount FROM payments ORDER BY 1 DESC LIMIT {0}",
     lambda k: [5 + k % 20], ["public.payments"], ["created_at"],
     ["CREATE INDEX ON public.payments (created_at DESC)", "CREATE INDEX ON public.payments (created_at)"], None),
    ("order-alias", "ORDER BY an alias",
     "SELECT id, updated_at AS touched FROM documents ORDER BY touched DESC LIMIT {0}",
     lambda k: [5 + k % 20], ["public.documents"], ["updated_at"],
     ["CREATE INDEX ON public.documents (updated_at DESC)", "CREATE INDEX ON public.documents (updated_at)"], None),
    ("update", "UPDATE ... WHERE", "UPDATE carts SET updated_at = now() WHERE session_key = {0}",
     lambda k: [s(f"k{k}")], ["public.carts"], ["session_key"],
     ["CREATE INDEX ON public.carts (session_key)"], None),
    ("delete", "DELETE ... WHERE", "DELETE FROM notifications WHERE recipient_id = {0}",
     lambda k: [k * 97 % 10000 + 1], ["public.notifications"], ["recipient_id"],
     ["CREATE INDEX ON public.notifications (recipient_id)"], None),
    ("mixed-case", "mixed-case schema and columns",
     'SELECT "Id", "Qty" FROM "Sales"."OrderItems" WHERE "ProductId" = {0}',
     lambda k: [k * 41 % 7000 + 1], ['"Sales"."OrderItems"'], ['"ProductId"', "ProductId"],
     ['CREATE INDEX ON "Sales"."OrderItems" ("ProductId")'], None),
    ("reserved-word", 'a column named "order"', 'SELECT id, carrier FROM shipments WHERE "order" = {0}',
     lambda k: [k * 3 * 71], ["public.shipments"], ['"order"', "order"],
     ['CREATE INDEX ON public.shipments ("order")'], None),
    ("foreign", "a foreign table (postgres_fdw)", "SELECT qty FROM remote_stock WHERE sku = {0}",
     lambda k: [s(f"S{k * 7}")], ["public.remote_stock"], ["sku"],
     [], "a foreign table cannot be indexed locally; the remote table's primary key already serves it"),
    ("covered-unique", "covered by an existing unique index", "SELECT id, name FROM products WHERE sku = {0}",
     lambda k: [s(f"P{k * 11}")], ["public.products"], ["sku"],
     [], "products_sku_key (unique) already serves it"),
    ("covered-exact", "covered by an existing two-column index",
     "SELECT id, name FROM vendors WHERE region_id = {0} AND vendor_type = {1}",
     lambda k: [k % 300, k % 40], ["public.vendors"], ["region_id", "vendor_type"],
     [], "vendors_region_type (region_id, vendor_type) already serves it"),
    ("covered-prefix", "covered by an index leading with the column",
     "SELECT id, day FROM shifts WHERE worker_id = {0}",
     lambda k: [k * 7 % 4000], ["public.shifts"], ["worker_id"],
     [], "shifts_worker_day (worker_id, day) leads with worker_id"),
    ("covered-pk", "the primary key", "SELECT customer_id, status FROM orders WHERE id = {0}",
     lambda k: [k * 211 % 50000 + 1], ["public.orders"], ["id"],
     [], "orders_pkey serves it"),
    ("tiny", "a 20-row table", "SELECT name, decimals FROM currencies WHERE name = {0}",
     lambda k: [s(f"currency {k % 20 + 1}")], ["public.currencies"], ["name"],
     [], "20 rows: one page, a sequential scan is the cheapest"),
    ("tiny-join", "a 20-row table", "SELECT rate FROM fx_rates WHERE currency = {0}",
     lambda k: [s(f"C{k % 20 + 1}")], ["public.fx_rates"], ["currency"],
     [], "20 rows: one page, a sequential scan is the cheapest"),
    ("low-selectivity", "two values, half the rows each", "SELECT id, name FROM members WHERE tier = {0}",
     lambda k: [s(["free", "pro"][k % 2])], ["public.members"], ["tier"],
     [], "half the table matches: a sequential scan is cheaper than any index"),
    ("low-selectivity-bool", "a boolean, half the rows each", "SELECT id, title FROM tasks WHERE done = {0}",
     lambda k: ["true" if k % 2 else "false"], ["public.tasks"], ["done"],
     [], "half the table matches: a sequential scan is cheaper than any index"),
    ("whole-table", "aggregate over every row", "SELECT status, count(*), sum(total) FROM orders GROUP BY status",
     lambda k: [], ["public.orders"], ["status"],
     [], "reads every row: no index helps"),
    ("expression", "lower(email) = $1", "SELECT id FROM subscribers WHERE lower(email) = {0}",
     lambda k: [s(f"user{k * 13}@example.com")], ["public.subscribers"], ["email"],
     ["CREATE INDEX ON public.subscribers (lower(email))"], None),
    ("partial", "status = 'pending' on a skewed column",
     "SELECT id, created_at FROM jobs WHERE status = 'pending' AND created_at >= {0} ORDER BY created_at LIMIT 20",
     lambda k: [s(f"2026-01-{k % 28 + 1:02d} 00:00+00")], ["public.jobs"], ["status", "created_at"],
     ["CREATE INDEX ON public.jobs (created_at) WHERE status = 'pending'"], None),
    ("include", "hot narrow select: INCLUDE for an index-only scan",
     "SELECT taken, reading FROM gauges WHERE device = {0}",
     lambda k: [k * 7 % 2000], ["public.gauges"], ["device"],
     ["CREATE INDEX ON public.gauges (device) INCLUDE (taken, reading)"], None),
    ("partial-null", "IS NULL on a column rarely NULL (1%)",
     "SELECT payload FROM queue_items WHERE finished_at IS NULL AND owner = {0}",
     lambda k: [k * 3 % 500], ["public.queue_items"], ["owner", "finished_at"],
     ["CREATE INDEX ON public.queue_items (owner) WHERE finished_at IS NULL"], None),
    ("partial-bool", "NOT a boolean rarely false (1%)",
     "SELECT title FROM chores WHERE NOT done AND owner = {0}",
     lambda k: [k * 3 % 500], ["public.chores"], ["owner", "done"],
     ["CREATE INDEX ON public.chores (owner) WHERE NOT done"], None),
    ("desc-mixed", "ORDER BY with mixed directions",
     "SELECT body FROM timeline WHERE kind = {0} ORDER BY day, seq DESC LIMIT 10",
     lambda k: [k % 50], ["public.timeline"], ["kind"],
     ["CREATE INDEX ON public.timeline (kind, day, seq DESC)"], None),
    ("in-list", "IN (...)", "SELECT id, discount FROM coupons WHERE code IN ({0}, {1}, {2})",
     lambda k: [s(f"CPN{k}"), s(f"CPN{k * 7}"), s(f"CPN{k * 13}")], ["public.coupons"], ["code"],
     ["CREATE INDEX ON public.coupons (code)"], None),
    ("like-prefix", "LIKE 'prefix%' (C collation)", "SELECT id FROM domains WHERE name LIKE {0}",
     lambda k: [s(f"{k:03x}ab%")], ["public.domains"], ["name"],
     ["CREATE INDEX ON public.domains (name)"], None),
    ("number-range", "BETWEEN on a number", "SELECT id, note FROM readings WHERE value BETWEEN {0} AND {1}",
     lambda k: [k * 9973 % 990000, k * 9973 % 990000 + 200], ["public.readings"], ["value"],
     ["CREATE INDEX ON public.readings (value)"], None),
]
