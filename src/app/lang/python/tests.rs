//! The Python front end's tests: catalogue, receivers, ORM chains, loops, connections,
//! strings, positions and broken input. (Over 1,000 lines: one front end's behaviour, read
//! through the facts the core makes of its lowering; not split by part yet, to keep merges
//! with the catalogue work in flight easy.)

use super::*;
// The facts' call, not the typed IR's.
use crate::app::ir::{Call, Disposal};

fn facts(code: &str) -> AppFile {
    extract("app/service.py", code)
}

/// The call whose text is `text_start` exactly, else the first one starting with it.
fn find<'f>(f: &'f AppFile, text_start: &str) -> &'f Call {
    &f.calls[idx(f, text_start)]
}

fn idx(f: &AppFile, text_start: &str) -> usize {
    f.calls
        .iter()
        .position(|c| c.text == text_start)
        .or_else(|| f.calls.iter().position(|c| c.text.starts_with(text_start)))
        .unwrap_or_else(|| {
            panic!(
                "no call starting with {text_start:?} in {:#?}",
                f.calls.iter().map(|c| &c.text).collect::<Vec<_>>()
            )
        })
}

fn db(f: &AppFile, text_start: &str) -> Option<DbCall> {
    find(f, text_start).db
}

fn api(f: &AppFile, text_start: &str) -> String {
    find(f, text_start).db_api.clone().unwrap_or_default()
}

fn disposal(f: &AppFile, function: &str) -> Disposal {
    let fi = f
        .functions
        .iter()
        .position(|x| x.name == function)
        .unwrap_or_else(|| panic!("no function {function}"));
    let site = f
        .connections
        .iter()
        .find(|c| c.function == Some(fi))
        .unwrap_or_else(|| panic!("no connection in {function}: {:#?}", f.connections));
    site.disposal.clone()
}

#[test]
fn dbapi_cursors_and_connections() {
    let f = facts(
        r#"
import psycopg2
import sqlite3

def load(user_id):
    with psycopg2.connect(DSN) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM users WHERE id = %s", (user_id,))
            row = cur.fetchone()
            cur.executemany("INSERT INTO log (uid) VALUES (%s)", [(user_id,)])
    return row

def lite(path):
    c = sqlite3.connect(path).cursor()
    c.execute("UPDATE t SET a = 1")
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT a FROM t").fetchall()
    conn.commit()
    conn.close()

def not_db(c, runner, obj):
    c.execute("SELECT a FROM t")
    runner.execute(task)
    obj.fetchall()

def param_cursor(cursor):
    cursor.callproc("refresh_stats")
"#,
    );
    assert_eq!(db(&f, "cur.execute("), Some(DbCall::Query));
    assert_eq!(api(&f, "cur.execute("), "DB-API cursor.execute");
    assert_eq!(db(&f, "cur.fetchone()"), Some(DbCall::Query));
    assert_eq!(api(&f, "cur.fetchone()"), "DB-API fetch");
    assert_eq!(db(&f, "cur.executemany("), Some(DbCall::Execute));
    // `c` is a cursor because it was assigned from `.cursor()`; UPDATE is an Execute.
    assert_eq!(db(&f, "c.execute(\"UPDATE"), Some(DbCall::Execute));
    assert_eq!(
        api(&f, "conn.execute(\"SELECT a FROM t\")"),
        "DB-API connection.execute"
    );
    assert_eq!(
        db(&f, "conn.execute(\"SELECT a FROM t\").fetchall()"),
        Some(DbCall::Query)
    );
    assert_eq!(
        api(&f, "conn.execute(\"SELECT a FROM t\").fetchall()"),
        "DB-API fetch"
    );
    assert_eq!(db(&f, "conn.commit()"), Some(DbCall::Execute));
    assert_eq!(db(&f, "conn.close()"), None);
    // A parameter `c` is not a cursor by name alone; arbitrary receivers are not either.
    let not_db = f.functions.iter().position(|x| x.name == "not_db").unwrap();
    assert!(f
        .calls
        .iter()
        .filter(|c| c.function == Some(not_db))
        .all(|c| c.db.is_none()));
    assert_eq!(db(&f, "cursor.callproc("), Some(DbCall::Query));
    // SQL arguments are linked and marked.
    let exec = find(&f, "cur.execute(");
    let s = &f.strings[exec.sql_argument.expect("sql argument")];
    assert_eq!(s.text, "SELECT id, name FROM users WHERE id = %s");
    assert!(s.at_db_call);
    assert_eq!(f.error_share, 0.0);
}

#[test]
fn receiver_kinds_from_bindings_and_names() {
    let f = facts(
        r#"
import requests
from flask import session
from sqlalchemy.orm import Session

class Repo:
    def __init__(self, dsn):
        self.cur = make()
        self._conn = psycopg2.connect(dsn)

    def find(self, x):
        self._conn.execute("SELECT 1 FROM t")
        self.env.cr.execute("SELECT id FROM res_partner")

def http():
    session = requests.Session()
    session.get(User, 1)
    other = requests.session()
    other.execute("x")

def flask_view():
    return session.get("user_id")

def fastapi(db: Session = Depends(get_db)):
    return db.get(User, 1)

def via_factory():
    db = get_db()
    db.execute("SELECT * FROM users")
    link = vendor_driver.connect(dsn)
    link.execute("SELECT 1 FROM t")
    other_link = connect_db()
    other_link.commit()
    s = Session()
    s.commit()
"#,
    );
    assert_eq!(api(&f, "self._conn.execute("), "DB-API connection.execute");
    assert_eq!(api(&f, "self.env.cr.execute("), "DB-API cursor.execute");
    assert_eq!(db(&f, "session.get(User, 1)"), None);
    assert_eq!(db(&f, "other.execute("), None);
    assert_eq!(db(&f, "session.get(\"user_id\")"), None);
    assert_eq!(api(&f, "db.get(User, 1)"), "SQLAlchemy session.get");
    assert_eq!(db(&f, "db.execute("), Some(DbCall::Query));
    assert_eq!(api(&f, "s.commit()"), "SQLAlchemy session.commit");
    assert_eq!(api(&f, "link.execute("), "DB-API connection.execute");
    assert_eq!(api(&f, "other_link.commit()"), "DB-API connection.commit");
    // An unknown driver's connect() is not a connection site (precision first).
    assert!(f
        .connections
        .iter()
        .all(|c| !c.text.starts_with("vendor_driver")));
}

#[test]
fn sqlalchemy_sessions_queries_and_connections() {
    let f = facts(
        r#"
from sqlalchemy import select, text, insert

def users(session, engine):
    active = session.query(User).filter(User.active == True).order_by(User.id).all()
    first = session.query(User).filter_by(id=1).first()
    n = self.session.query(Order).count()
    rows = session.execute(select(User).where(User.id == 1)).scalars().all()
    one = session.scalars(select(User)).first()
    session.execute(insert(User).values(name="a"))
    with engine.connect() as conn:
        conn.execute(text("SELECT id FROM users WHERE name = :name"), {"name": "a"})
    q = session.query(User)
    return active, first, n, rows, one, q

async def in_async(async_session):
    result = await async_session.execute(select(User))
    return result.scalars().all()

def flask_models():
    u = User.query.filter_by(name="x").first()
    all_users = User.query.all()
    return u, all_users
"#,
    );
    assert_eq!(
        api(
            &f,
            "session.query(User).filter(User.active == True).order_by(User.id).all()"
        ),
        "SQLAlchemy Query.all()"
    );
    // The intermediate calls are not database calls.
    assert_eq!(
        db(
            &f,
            "session.query(User).filter(User.active == True).order_by(User.id)"
        ),
        None
    );
    assert_eq!(
        db(&f, "session.query(User).filter_by(id=1).first()"),
        Some(DbCall::Query)
    );
    assert_eq!(
        db(&f, "self.session.query(Order).count()"),
        Some(DbCall::Query)
    );
    assert_eq!(
        api(&f, "session.execute(select(User).where(User.id == 1))"),
        "SQLAlchemy session.execute"
    );
    // `.scalars().all()` on a Result is not another round trip.
    assert_eq!(
        db(
            &f,
            "session.execute(select(User).where(User.id == 1)).scalars().all()"
        ),
        None
    );
    assert_eq!(
        db(
            &f,
            "session.execute(select(User).where(User.id == 1)).scalars()"
        ),
        None
    );
    assert_eq!(
        api(&f, "session.scalars(select(User))"),
        "SQLAlchemy session.scalars"
    );
    assert_eq!(db(&f, "session.scalars(select(User)).first()"), None);
    assert_eq!(
        db(&f, "session.execute(insert(User)"),
        Some(DbCall::Execute)
    );
    let c = find(&f, "conn.execute(text(");
    assert_eq!(c.db_api.as_deref(), Some("SQLAlchemy connection.execute"));
    let s = &f.strings[c.sql_argument.expect("text() SQL")];
    assert_eq!(s.text, "SELECT id FROM users WHERE name = :name");
    // A Query never evaluated is not a database call.
    assert_eq!(db(&f, "session.query(User)"), None);
    let awaited = find(&f, "async_session.execute(");
    assert!(awaited.awaited);
    assert_eq!(awaited.db, Some(DbCall::Query));
    assert_eq!(
        api(&f, "User.query.filter_by(name=\"x\").first()"),
        "Flask-SQLAlchemy Query.first()"
    );
    assert_eq!(db(&f, "User.query.all()"), Some(DbCall::Query));
    // engine.connect() in `with` is a guaranteed-disposed connection.
    assert_eq!(f.connections.len(), 1);
    assert_eq!(f.connections[0].api, "SQLAlchemy engine.connect()");
    assert_eq!(f.connections[0].variable.as_deref(), Some("conn"));
    assert_eq!(
        f.connections[0].disposal,
        Disposal::Guaranteed("with".into())
    );
}

#[test]
fn django_managers_evaluation_and_related_managers() {
    let f = facts(
        r#"
from django.shortcuts import render
from .models import Order, Item

def view(request):
    order = Order.objects.get(pk=1)
    n = Order.objects.filter(paid=True).count()
    lazy = Order.objects.filter(paid=False)
    Item.objects.create(order=order)
    Order.objects.filter(pk=1).update(paid=True)
    for o in Order.objects.select_related("customer").all():
        print(o.customer.name)
        o.items.count()
        o.items.filter(sku="x").first()
        o.save()
    everything = list(Order.objects.all())
    size = len(Order.objects.exclude(paid=True))
    pending = Order.objects.filter(status="pending")
    for p in pending:
        p.items.all()
    names = [i.name for i in Item.objects.filter(order=order)]
    active = Order.active.filter(x=1).count()
    obj = get_object_or_404(Order, pk=2)
    return render(request, "x.html", {"lazy": lazy})
"#,
    );
    assert_eq!(api(&f, "Order.objects.get(pk=1)"), "Django get()");
    assert_eq!(
        db(&f, "Order.objects.filter(paid=True).count()"),
        Some(DbCall::Query)
    );
    assert_eq!(db(&f, "Order.objects.filter(paid=True)"), None);
    // Lazy and never evaluated here.
    assert_eq!(db(&f, "Order.objects.filter(paid=False)"), None);
    assert_eq!(db(&f, "Item.objects.create("), Some(DbCall::Execute));
    assert_eq!(
        db(&f, "Order.objects.filter(pk=1).update("),
        Some(DbCall::Execute)
    );
    // The loop source QuerySet is evaluated by the loop.
    let source = idx(&f, "Order.objects.select_related(\"customer\").all()");
    let lp = f
        .loops
        .iter()
        .find(|l| l.source_call == Some(source))
        .expect("loop over queryset");
    assert_eq!(f.calls[source].db, Some(DbCall::Query));
    assert!(f.calls[source].loops.is_empty());
    assert_eq!(lp.variables, vec!["o".to_string()]);
    // Related managers on the loop variable: the classic N+1.
    assert_eq!(
        api(&f, "o.items.count()"),
        "Django related manager items.count()"
    );
    assert_eq!(
        db(&f, "o.items.filter(sku=\"x\").first()"),
        Some(DbCall::Query)
    );
    assert_eq!(db(&f, "o.items.filter(sku=\"x\")"), None);
    assert_eq!(db(&f, "o.save()"), Some(DbCall::Execute));
    assert_eq!(db(&f, "print(o.customer.name)"), None);
    // Wrappers evaluate: the wrapper is the call.
    assert_eq!(db(&f, "list(Order.objects.all())"), Some(DbCall::Query));
    assert_eq!(db(&f, "Order.objects.all()"), None);
    assert_eq!(db(&f, "len(Order.objects.exclude("), Some(DbCall::Query));
    // A variable iterated later: the assigned call is the query.
    assert_eq!(
        db(&f, "Order.objects.filter(status=\"pending\")"),
        Some(DbCall::Query)
    );
    assert_eq!(db(&f, "p.items.all()"), Some(DbCall::Query));
    let pending_loop = f
        .loops
        .iter()
        .find(|l| l.source_var.as_deref() == Some("pending"))
        .expect("loop over pending");
    assert_eq!(pending_loop.kind, "for");
    // Comprehension source.
    assert_eq!(
        db(&f, "Item.objects.filter(order=order)"),
        Some(DbCall::Query)
    );
    assert_eq!(
        db(&f, "Order.active.filter(x=1).count()"),
        Some(DbCall::Query)
    );
    assert_eq!(api(&f, "get_object_or_404("), "Django get_object_or_404");
    assert_eq!(db(&f, "render("), None);
}

/// Loops over a parameter, as the core reads them from the lowered loops: a `for` over a
/// parameter walks the caller's collection (with its position), a `while` whose condition
/// names a parameter walks nothing, and a nested `def` looping over a parameter of the
/// function around it walks the caller's collection too (no position of its own).
#[test]
fn loops_over_parameters_as_the_core_reads_them() {
    let f = facts(
        r#"
def load_all(ids, repo):
    for i in ids:
        repo.get(i)

def countdown(n):
    while n > 0:
        n = step(n)

def outer(rows):
    def inner():
        for row in rows:
            save(row)
    inner()
"#,
    );
    let walk = |kind: &str, source: &str| {
        let at = f
            .loops
            .iter()
            .position(|l| l.kind == kind && l.source_text.as_deref() == Some(source))
            .unwrap_or_else(|| panic!("no {kind} loop over {source}: {:#?}", f.loops));
        let position = f
            .loop_parameters
            .iter()
            .find(|&&(l, _)| l == at)
            .map(|&(_, p)| p);
        (f.loops[at].source_param, position)
    };
    assert_eq!(walk("for", "ids"), (true, Some(0)));
    assert_eq!(walk("while", "n > 0"), (false, None));
    assert_eq!(walk("for", "rows"), (true, None));
}

/// `x := f()` binds a local typed by its value, like `x = f()`.
#[test]
fn a_walrus_binds_a_typed_local() {
    let f = facts(
        "from app.stores import MailStore\n\ndef run(conn):\n    if (store := MailStore(conn)):\n        store.sender_of(1)\n",
    );
    assert_eq!(
        find(&f, "store.sender_of").receiver_type,
        crate::app::ir::ReceiverType::Class("MailStore".into())
    );
    assert!(f.assignments.iter().any(|a| a.variable == "store"));
}

#[test]
fn loops_sources_and_membership() {
    let f = facts(
        r#"
async def handler(ids, repo):
    for i, row in enumerate(list(repo.fetch_rows())):
        repo.touch(row)
    else:
        repo.done()
    async for item in repo.stream():
        await repo.save(item)
    for k, v in self.cache.items():
        use(k)
    while repo.has_more():
        repo.next_page()
    squares = [repo.get(x) for x in repo.all_ids() if repo.ok(x) for y in repo.children(x)]
    gen = sum(repo.size(x) for x in ids)
    names = list(map(lambda u: repo.name(u), repo.users()))
    for x in ids:
        def inner():
            repo.inside_def()
        cb = lambda: repo.inside_lambda()
        for y in repo.per(x):
            repo.deep(y)
"#,
    );
    let l = |start: &str| f.calls[idx(&f, start)].loops.clone();
    let for1 = f
        .loops
        .iter()
        .position(|x| x.source_call == Some(idx(&f, "repo.fetch_rows()")))
        .expect("for over enumerate(list(...))");
    assert_eq!(f.loops[for1].kind, "for");
    assert_eq!(
        f.loops[for1].variables,
        vec!["i".to_string(), "row".to_string()]
    );
    assert_eq!(
        f.loops[for1].source_text.as_deref(),
        Some("enumerate(list(repo.fetch_rows()))")
    );
    assert!(l("repo.fetch_rows()").is_empty());
    assert_eq!(l("repo.touch(row)"), vec![for1]);
    assert!(l("repo.done()").is_empty(), "for-else runs once");
    let async_for = f.loops.iter().position(|x| x.kind == "async for").unwrap();
    assert_eq!(l("repo.save(item)"), vec![async_for]);
    assert!(find(&f, "repo.save(item)").awaited);
    let items = f
        .loops
        .iter()
        .find(|x| x.source_var.as_deref() == Some("self.cache"))
        .expect("items() unwrapped");
    assert_eq!(items.variables, vec!["k".to_string(), "v".to_string()]);
    let w = f.loops.iter().position(|x| x.kind == "while").unwrap();
    assert_eq!(
        l("repo.has_more()"),
        vec![w],
        "a while condition runs per iteration"
    );
    assert_eq!(l("repo.next_page()"), vec![w]);
    let comp = f
        .loops
        .iter()
        .position(|x| x.kind == "comprehension" && x.source_call == Some(idx(&f, "repo.all_ids()")))
        .unwrap();
    assert!(
        l("repo.all_ids()").is_empty(),
        "the first iterable is evaluated once"
    );
    assert_eq!(l("repo.get(x)"), vec![comp]);
    assert_eq!(l("repo.ok(x)"), vec![comp]);
    assert_eq!(
        l("repo.children(x)"),
        vec![comp],
        "later iterables run per item"
    );
    assert_eq!(
        f.loops[comp].variables,
        vec!["x".to_string(), "y".to_string()]
    );
    let genexp = f
        .loops
        .iter()
        .position(|x| x.source_var.as_deref() == Some("ids") && x.kind == "comprehension")
        .unwrap();
    assert_eq!(l("repo.size(x)"), vec![genexp]);
    let map = f
        .loops
        .iter()
        .position(|x| x.kind == "map callback")
        .unwrap();
    assert_eq!(f.loops[map].source_call, Some(idx(&f, "repo.users()")));
    assert_eq!(f.loops[map].variables, vec!["u".to_string()]);
    assert_eq!(l("repo.name(u)"), vec![map]);
    assert!(l("repo.users()").is_empty());
    let outer = f
        .loops
        .iter()
        .position(|x| x.source_var.as_deref() == Some("ids") && x.kind == "for")
        .unwrap();
    assert!(
        l("repo.inside_def()").is_empty(),
        "a nested def is its own context"
    );
    assert!(
        l("repo.inside_lambda()").is_empty(),
        "a plain lambda is its own context"
    );
    assert_eq!(l("repo.per(x)"), vec![outer]);
    let inner = f
        .loops
        .iter()
        .position(|x| x.source_call == Some(idx(&f, "repo.per(x)")))
        .unwrap();
    assert_eq!(l("repo.deep(y)"), vec![outer, inner]);
    let inner_fn = f.functions.iter().position(|x| x.name == "inner").unwrap();
    assert_eq!(find(&f, "repo.inside_def()").function, Some(inner_fn));
}

#[test]
fn loop_over_query_then_query_per_item() {
    let f = facts(
        r#"
def report(conn):
    cur = conn.cursor()
    cur.execute("SELECT id FROM customers")
    customers = cur.fetchall()
    for (cid,) in customers:
        cur.execute("SELECT total FROM orders WHERE customer_id = %s", (cid,))
        total = cur.fetchone()
"#,
    );
    let lp = f
        .loops
        .iter()
        .find(|l| l.source_var.as_deref() == Some("customers"))
        .expect("loop");
    let li = f
        .loops
        .iter()
        .position(|l| l.source_var.as_deref() == Some("customers"))
        .unwrap();
    let assignment = f
        .assignments
        .iter()
        .find(|a| a.variable == "customers" && a.start < lp.start)
        .expect("assignment");
    assert_eq!(
        f.calls[assignment.call].db_api.as_deref(),
        Some("DB-API fetch")
    );
    assert_eq!(find(&f, "cur.execute(\"SELECT total").loops, vec![li]);
    assert_eq!(find(&f, "cur.fetchone()").loops, vec![li]);
    assert_eq!(
        find(&f, "cur.fetchone()").db_api.as_deref(),
        Some("DB-API fetch")
    );
}

#[test]
fn assignments_take_the_outermost_call() {
    let f = facts(
        r#"
async def a(session):
    users = session.query(User).all()
    row = await conn.fetchrow("SELECT 1 FROM t")
    count: int = repo.count()
    self.items = repo.items()
    if (n := repo.total()) > 1:
        pass
    with pool.acquire() as c:
        pass
    x, y = pair()
    z = 1
"#,
    );
    let var = |v: &str| {
        let a = f
            .assignments
            .iter()
            .find(|a| a.variable == v)
            .unwrap_or_else(|| panic!("no assignment {v}"));
        f.calls[a.call].text.clone()
    };
    assert_eq!(var("users"), "session.query(User).all()");
    assert_eq!(var("row"), "conn.fetchrow(\"SELECT 1 FROM t\")");
    assert_eq!(var("count"), "repo.count()");
    assert_eq!(var("self.items"), "repo.items()");
    assert_eq!(var("n"), "repo.total()");
    assert_eq!(var("c"), "pool.acquire()");
    assert!(f
        .assignments
        .iter()
        .all(|a| a.variable != "x" && a.variable != "z"));
    assert_eq!(
        f.assignments
            .iter()
            .find(|a| a.variable == "users")
            .unwrap()
            .start,
        Pos { line: 3, column: 5 }
    );
    assert_eq!(api(&f, "conn.fetchrow("), "asyncpg connection.fetchrow");
}

/// What `core::resources` decides from the events Python lowers, where it differs from
/// the adapter's own lifetime logic it replaced: a connection that changes owner anywhere
/// is its new owner's to release, a close with nothing before it that can throw releases
/// it on every path; a module-level variable closed in module code is followed like a
/// local (one never released is the module's, `disposal_outcomes`).
#[test]
fn connection_events_are_decided_by_the_core() {
    let f = facts(
        r#"
import psycopg2

def closed_and_returned(flag):
    conn = psycopg2.connect(DSN)
    if flag:
        return conn
    conn.cursor().execute("SELECT 1")
    conn.close()

def closed_at_once():
    conn = psycopg2.connect(DSN)
    conn.close()

def closed_after_work():
    conn = psycopg2.connect(DSN)
    conn.cursor().execute("SELECT 1")
    conn.close()

def handed_on():
    conn = psycopg2.connect(DSN)
    print(conn)
    register(conn)

def looked_at_only():
    conn = psycopg2.connect(DSN)
    print(conn)

conn = psycopg2.connect(DSN)
conn.cursor().execute("SELECT 1")
conn.close()
"#,
    );
    assert!(matches!(
        disposal(&f, "closed_and_returned"),
        Disposal::Escapes(d) if d.contains("returned")
    ));
    assert!(matches!(
        disposal(&f, "closed_at_once"),
        Disposal::Guaranteed(d) if d.contains("right after")
    ));
    assert!(matches!(
        disposal(&f, "closed_after_work"),
        Disposal::NormalPathOnly(d) if d == "closed (`conn.close()`), but not in a finally"
    ));
    assert!(matches!(
        disposal(&f, "handed_on"),
        Disposal::Escapes(d) if d == "passed to register()"
    ));
    assert_eq!(disposal(&f, "looked_at_only"), Disposal::Never);
    let module = f
        .connections
        .iter()
        .find(|c| c.function.is_none())
        .expect("module-level connection");
    assert!(matches!(&module.disposal, Disposal::NormalPathOnly(_)));
}

#[test]
fn disposal_outcomes() {
    let f = facts(
        r#"
import psycopg2
import pyodbc as odbc
from contextlib import closing
from sqlite3 import connect

def with_block():
    with psycopg2.connect(DSN) as conn:
        conn.cursor().execute("SELECT 1 FROM t")

def with_closing():
    with closing(connect("db.sqlite")) as conn:
        pass

def in_finally():
    conn = odbc.connect(CS)
    try:
        conn.cursor().execute("SELECT 1 FROM t")
    finally:
        conn.close()

def normal_path():
    conn = psycopg2.connect(DSN)
    cur = conn.cursor()
    cur.execute("UPDATE payments SET status = %s WHERE id = %s", (s, pid))
    conn.commit()
    conn.close()

def never():
    conn = psycopg2.connect(DSN)
    return conn.cursor().execute("SELECT 1 FROM t")

def returned():
    conn = psycopg2.connect(DSN)
    return conn

def returned_directly():
    return psycopg2.connect(DSN)

def stored(self):
    self.conn = psycopg2.connect(DSN)

def passed():
    conn = psycopg2.connect(DSN)
    return Repository(conn)

def pooled(pool):
    conn = pool.getconn()
    try:
        work(conn)
    finally:
        pool.putconn(conn)

async def pooled_async(pool):
    async with pool.acquire() as conn:
        await conn.fetch("SELECT 1 FROM t")

def later_with():
    conn = psycopg2.connect(DSN)
    with closing(conn):
        pass

@contextmanager
def cm():
    conn = psycopg2.connect(DSN)
    try:
        yield conn
    finally:
        conn.close()

conn = psycopg2.connect(DSN)
"#,
    );
    assert_eq!(
        disposal(&f, "with_block"),
        Disposal::Guaranteed("with".into())
    );
    assert!(
        matches!(disposal(&f, "with_closing"), Disposal::Guaranteed(d) if d.contains("closing"))
    );
    assert!(matches!(disposal(&f, "in_finally"), Disposal::Guaranteed(d) if d.contains("finally")));
    assert!(
        matches!(disposal(&f, "normal_path"), Disposal::NormalPathOnly(d) if d.contains("conn.close()"))
    );
    assert_eq!(disposal(&f, "never"), Disposal::Never);
    assert!(matches!(disposal(&f, "returned"), Disposal::Escapes(d) if d.contains("returned")));
    assert!(
        matches!(disposal(&f, "returned_directly"), Disposal::Escapes(d) if d.contains("returned"))
    );
    assert!(matches!(disposal(&f, "stored"), Disposal::Escapes(d) if d.contains("self.conn")));
    assert!(matches!(disposal(&f, "passed"), Disposal::Escapes(d) if d.contains("Repository")));
    assert!(matches!(disposal(&f, "pooled"), Disposal::Guaranteed(d) if d.contains("putconn")));
    assert_eq!(
        disposal(&f, "pooled_async"),
        Disposal::Guaranteed("with".into())
    );
    assert!(matches!(
        disposal(&f, "later_with"),
        Disposal::Guaranteed(_)
    ));
    assert!(matches!(disposal(&f, "cm"), Disposal::Guaranteed(_)));
    let module = f
        .connections
        .iter()
        .find(|c| c.function.is_none())
        .expect("module-level connection");
    // A module-level variable is the module's for as long as the program runs.
    assert!(matches!(&module.disposal, Disposal::Escapes(_)));
    // Aliased imports resolve: `odbc.connect` is pyodbc, bare `connect` is sqlite3.
    assert!(f.connections.iter().any(|c| c.api == "pyodbc.connect"));
    assert!(f.connections.iter().any(|c| c.api == "sqlite3.connect"));
    let normal = f
        .functions
        .iter()
        .position(|x| x.name == "normal_path")
        .unwrap();
    let site = f
        .connections
        .iter()
        .find(|c| c.function == Some(normal))
        .unwrap();
    assert_eq!(site.variable.as_deref(), Some("conn"));
    assert_eq!(
        site.start,
        Pos {
            line: 23,
            column: 12
        }
    );
    assert_eq!(site.text, "psycopg2.connect(DSN)");
}

#[test]
fn pools_and_engines_per_call() {
    let f = facts(
        r#"
from functools import lru_cache
from sqlalchemy import create_engine
from psycopg2 import pool
import redis

engine = create_engine(URL)

def get_users():
    eng = create_engine(URL)
    Session = sessionmaker(bind=eng)
    return Session().query(User).all()

def handler():
    p = pool.SimpleConnectionPool(1, 5, DSN)
    conn = p.getconn()
    return conn

def create_app():
    app.engine = create_engine(URL)

@lru_cache
def cached_engine():
    return create_engine(URL)

def factory():
    e = create_engine(URL)
    return e

_engine = None
def lazy():
    global _engine
    _engine = create_engine(URL)
    return _engine.connect()

class Repo:
    def __init__(self):
        self.engine = create_engine(URL)

def redis_pool():
    return redis.ConnectionPool()

def other():
    rp = redis.ConnectionPool()
    rp.get_connection("x")
"#,
    );
    let names: Vec<&str> = f
        .per_call_connections
        .iter()
        .map(|p| f.functions[p.function].name.as_str())
        .collect();
    assert_eq!(names, vec!["get_users", "handler"]);
    assert!(f.per_call_connections[0].api.contains("SQLAlchemy engine"));
    assert_eq!(f.per_call_connections[0].text, "create_engine(URL)");
    assert!(f.per_call_connections[1].api.contains("psycopg2"));
    // The pool checkout is a connection site; returned.
    let checkout = f
        .connections
        .iter()
        .find(|c| c.api == "pool.getconn()")
        .expect("getconn site");
    assert!(matches!(checkout.disposal, Disposal::Escapes(_)));
    // Test files are never reported.
    let t = extract(
        "tests/test_repo.py",
        "def test_x():\n    e = create_engine(URL)\n    e.connect()\n",
    );
    assert!(t.per_call_connections.is_empty());
}

#[test]
fn strings_segments_and_sql_arguments() {
    let code = "def q(cur, table, uid, name):\n    cur.execute(f\"SELECT * FROM {table} WHERE id = {uid}\")\n    sql = (\"SELECT a, b \"\n           \"FROM t WHERE x = %s\")\n    cur.execute(sql, (1,))\n    cur.execute(\"SELECT * FROM users WHERE name = '\" + name + \"' AND active = 1\")\n    cur.execute(\"DELETE FROM t WHERE id = %s\" % uid)\n    cur.execute(\"SELECT {} FROM t\".format(col))\n    cur.execute(\"\"\"\n        SELECT id\n        FROM users\n    \"\"\")\n    label = \"Select an option\"\n    key = \"user_id\"\n    \"\"\"SELECT * FROM docstring_like\"\"\"\n";
    let f = facts(code);
    let sql = |start: &str| {
        let c = find(&f, start);
        f.strings[c
            .sql_argument
            .unwrap_or_else(|| panic!("no sql argument on {start}"))]
        .clone()
    };
    let fs = sql("cur.execute(f\"");
    assert_eq!(fs.text, "SELECT * FROM $1 WHERE id = $1");
    assert_eq!(
        fs.start,
        Pos {
            line: 2,
            column: 17
        }
    );
    assert_eq!(
        fs.segments[0],
        (
            0,
            Pos {
                line: 2,
                column: 19
            }
        )
    );
    // " WHERE id = " starts after `{table}`.
    assert_eq!(
        fs.position_of(fs.text.find(" WHERE").unwrap()),
        Pos {
            line: 2,
            column: 40
        }
    );
    let implicit = sql("cur.execute(sql");
    assert_eq!(implicit.text, "SELECT a, b FROM t WHERE x = %s");
    assert!(implicit.at_db_call);
    assert_eq!(
        implicit.position_of(implicit.text.find("FROM").unwrap()),
        Pos {
            line: 4,
            column: 13
        }
    );
    let plus = sql("cur.execute(\"SELECT * FROM users");
    assert_eq!(
        plus.text,
        "SELECT * FROM users WHERE name = '$1' AND active = 1"
    );
    assert_eq!(
        plus.position_of(plus.text.find("' AND").unwrap()),
        Pos {
            line: 6,
            column: 64
        }
    );
    let percent = sql("cur.execute(\"DELETE");
    assert_eq!(percent.text, "DELETE FROM t WHERE id = %s");
    assert_eq!(find(&f, "cur.execute(\"DELETE").db, Some(DbCall::Execute));
    assert_eq!(sql("cur.execute(\"SELECT {}").text, "SELECT {} FROM t");
    let triple = sql("cur.execute(\"\"\"");
    assert_eq!(
        triple.position_of(triple.text.find("FROM").unwrap()),
        Pos {
            line: 11,
            column: 9
        }
    );
    assert!(f
        .strings
        .iter()
        .all(|s| s.text != "user_id" && !s.text.contains("docstring_like")));
    // "Select an option" is neither SQL nor a credential (looks_like_sql wants FROM).
    assert!(f.strings.iter().all(|s| s.text != "Select an option"));
    assert!(f.strings.iter().all(|s| s.function == Some(0)));
}

#[test]
fn credentials_and_sql_looking_literals() {
    let f = facts(
        r#"
DATABASE_URL = "postgresql://app:s3cret@db:5432/app"
SAFE_URL = "postgresql://app@db/app"
REPORT = "SELECT id FROM reports WHERE owner = %s"

def conn():
    return pyodbc.connect("Driver={ODBC Driver 18};Server=db;Database=app;UID=sa;PWD=Hunter2;")
"#,
    );
    let url = f
        .strings
        .iter()
        .find(|s| s.text.starts_with("postgresql://app:"))
        .expect("credential literal");
    assert!(!url.at_db_call);
    assert_eq!(url.function, None);
    assert!(f
        .strings
        .iter()
        .all(|s| s.text != "postgresql://app@db/app"));
    assert!(f
        .strings
        .iter()
        .any(|s| s.text.starts_with("SELECT id FROM reports") && !s.at_db_call));
    assert!(f.strings.iter().any(|s| s.text.contains("PWD=Hunter2")));
}

#[test]
fn functions_classes_and_comments() {
    let code = r#"
# dbaudit:ignore n-plus-one
class UserRepository(Base):
    def get(self, user_id, *args, **kwargs):  # trailing
        return self.session.get(User, user_id)

    @staticmethod
    def build(a, b=1, *, c):
        def helper(x):
            return x
        return helper

async def fetch_all(pool: asyncpg.Pool, limit: int = 10):
    return await pool.fetch("SELECT * FROM t LIMIT $1", limit)
"#;
    let f = facts(code);
    let get = &f.functions[0];
    assert_eq!(
        (get.name.as_str(), get.arity, get.class.as_deref()),
        ("get", 1, Some("UserRepository"))
    );
    let build = f.functions.iter().find(|x| x.name == "build").unwrap();
    assert_eq!(
        (build.arity, build.class.as_deref()),
        (3, Some("UserRepository"))
    );
    let helper = f.functions.iter().find(|x| x.name == "helper").unwrap();
    assert_eq!(helper.class, None);
    let fetch = f.functions.iter().find(|x| x.name == "fetch_all").unwrap();
    assert!(fetch.is_async && fetch.arity == 2 && fetch.class.is_none());
    assert_eq!(fetch.start.line, 13);
    assert!(code[fetch.body.0..fetch.body.1].starts_with("return await pool.fetch("));
    assert_eq!(f.comments.len(), 2);
    assert_eq!(f.comments[0].line, 2);
    assert_eq!(f.comments[0].text, "# dbaudit:ignore n-plus-one");
    assert_eq!(api(&f, "self.session.get("), "SQLAlchemy session.get");
    assert_eq!(api(&f, "pool.fetch("), "asyncpg pool.fetch");
    assert_eq!(
        find(&f, "pool.fetch(").function,
        f.functions.iter().position(|x| x.name == "fetch_all")
    );
    let c = find(&f, "self.session.get(");
    assert_eq!(c.receiver.as_deref(), Some("self.session"));
    assert_eq!(c.receiver_root.as_deref(), Some("self"));
    assert_eq!(c.chain, vec!["self".to_string(), "session".to_string()]);
    assert_eq!(c.arity, 2);
}

#[test]
fn chains_receivers_and_pandas() {
    let f = facts(
        r#"
import pandas as pd

def load(engine, conn):
    df = pd.read_sql("SELECT * FROM sales", conn)
    df.to_sql("sales_copy", engine, if_exists="append")
    x = _context.Users.where(active).to_list()
"#,
    );
    let c = find(&f, "_context.Users.where(active).to_list()");
    assert_eq!(c.callee, "to_list");
    assert_eq!(
        c.chain,
        vec![
            "_context".to_string(),
            "Users".to_string(),
            "where".to_string()
        ]
    );
    assert_eq!(c.receiver.as_deref(), Some("_context.Users.where(active)"));
    assert_eq!(api(&f, "pd.read_sql("), "pandas read_sql");
    assert!(find(&f, "pd.read_sql(").sql_argument.is_some());
    assert_eq!(db(&f, "df.to_sql("), Some(DbCall::Execute));
}

#[test]
fn more_catalogue_cases() {
    let f = facts(
        r#"
from sqlmodel import Session, select
from sqlalchemy import text

def sqlmodel_route(session: Session):
    users = session.exec(select(User)).all()
    session.execute(text("INSERT INTO audit (what) VALUES (:w)"), {"w": "x"})
    session.execute(text("UPDATE t SET a = 1 RETURNING id"))
    return users

def django_session(request):
    request.session.flush()
    s = request.session
    s.flush()

def threads(executor, ids, db_pool):
    results = list(executor.map(lambda i: fetch_one(i), ids))
    rows = yield from db_pool.fetch("SELECT 1 FROM t")
    while (row := cur.fetchone()) is not None:
        handle(row)
"#,
    );
    assert_eq!(
        api(&f, "session.exec(select(User))"),
        "SQLModel session.exec"
    );
    assert_eq!(db(&f, "session.exec(select(User)).all()"), None);
    assert_eq!(
        db(&f, "session.execute(text(\"INSERT"),
        Some(DbCall::Execute)
    );
    assert_eq!(
        db(&f, "session.execute(text(\"UPDATE"),
        Some(DbCall::Query),
        "RETURNING reads rows"
    );
    assert_eq!(db(&f, "request.session.flush()"), None);
    assert_eq!(db(&f, "s.flush()"), None);
    let map = f
        .loops
        .iter()
        .position(|l| l.kind == "map callback")
        .expect("executor.map callback");
    assert_eq!(f.loops[map].source_var.as_deref(), Some("ids"));
    assert_eq!(find(&f, "fetch_one(i)").loops, vec![map]);
    let pooled = find(&f, "db_pool.fetch(");
    assert!(pooled.awaited, "yield from counts as awaited");
    assert_eq!(pooled.db_api.as_deref(), Some("asyncpg pool.fetch"));
    let w = f.loops.iter().find(|l| l.kind == "while").unwrap();
    assert_eq!(
        w.source_text.as_deref(),
        Some("(row := cur.fetchone()) is not None")
    );
    assert_eq!(w.source_call, None);
    assert!(!find(&f, "cur.fetchone()").loops.is_empty());
    // Migrations and other run-once files never report per-call engines.
    let alembic = extract(
            "app/alembic/env.py",
            "def run_online():\n    connectable = engine_from_config(cfg)\n    with connectable.connect() as c:\n        pass\n",
        );
    assert!(alembic.per_call_connections.is_empty());
    assert_eq!(alembic.connections.len(), 1);
    assert_eq!(
        alembic.connections[0].disposal,
        Disposal::Guaranteed("with".into())
    );
}

#[test]
fn positions_and_shortening_match_source() {
    let code = "x = 1\ns = ('é', \"SELECT ü FROM t WHERE a = \" + v)\n\tcur.execute(  'SELECT  *\n   FROM t' )\n";
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(code, None).unwrap();
    let source = Source::new(code);
    let x = Extractor::new(
        &source,
        tree.root_node(),
        Unit::new("x.py", Language::Python),
    );
    for &n in &x.nodes {
        assert_eq!(x.start(n), source.start(n));
        assert_eq!(x.end(n), source.end(n));
        for max in [0, 3, 10, 120] {
            assert_eq!(x.short(n, max), source.short(n, max));
        }
    }
    for byte in 0..=code.len() {
        if code.is_char_boundary(byte) {
            assert_eq!(x.pos_of_byte(byte), source.pos_of_byte(byte), "byte {byte}");
        }
    }
    let f = facts(code);
    let s = f
        .strings
        .iter()
        .find(|s| s.text.starts_with("SELECT ü"))
        .unwrap();
    assert_eq!(s.text, "SELECT ü FROM t WHERE a = $1");
    assert_eq!(
        s.start,
        Pos {
            line: 2,
            column: 11
        }
    );
    assert_eq!(
        s.position_of(s.text.find("FROM").unwrap()),
        Pos {
            line: 2,
            column: 21
        }
    );
}

#[test]
fn class_constants_and_procedure_prose() {
    let f = facts(
        r#"
class History:
    _GET_ALL = "SELECT * FROM records ORDER BY id"

    def all(self):
        return self._connection.execute(self._GET_ALL).fetchall()

    def proc(self, cur):
        cur.execute("CALL refresh_stats()")

HELP = "execute the given command in a shell"
"#,
    );
    let c = find(&f, "self._connection.execute(self._GET_ALL)");
    let s = &f.strings[c.sql_argument.expect("class constant")];
    assert_eq!(s.text, "SELECT * FROM records ORDER BY id");
    assert!(s.at_db_call);
    assert!(f
        .strings
        .iter()
        .any(|s| s.text == "CALL refresh_stats()" && s.at_db_call));
    assert!(f
        .strings
        .iter()
        .all(|s| !s.text.starts_with("execute the given")));
}

#[test]
fn syntax_errors_keep_the_sound_parts() {
    let f = facts(
        r#"
def broken(x):
    x = = 1
    return x +

def fine(cur):
    cur.execute("SELECT id FROM users")
    for r in cur.fetchall():
        print(r)
"#,
    );
    assert!(f.error_share > 0.0);
    assert!(!f.error_regions.is_empty());
    assert_eq!(db(&f, "cur.execute("), Some(DbCall::Query));
    assert!(f
        .loops
        .iter()
        .any(|l| l.source_call == Some(idx(&f, "cur.fetchall()"))));
}

#[test]
fn garbage_and_deep_nesting_do_not_panic() {
    let bytes: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let _ = extract("x.py", &text);
    let _ = extract("x.py", &"(".repeat(5000));
    let _ = extract(
        "x.py",
        &format!("x = {}1{}", "[".repeat(3000), "]".repeat(3000)),
    );
    let long_plus = format!(
        "q = \"SELECT a FROM t WHERE \" {}\n",
        "+ x + \" AND b \" ".repeat(3000)
    );
    let f = extract("x.py", &long_plus);
    assert_eq!(f.strings.len(), 1);
    let _ = extract("x.py", &"f(".repeat(3000));
    // Long chains of calls on calls (receiver analysis recurses on receivers).
    let _ = extract(
        "x.py",
        &format!("def f():\n    x = engine{}\n", ".connect()".repeat(20000)),
    );
    let _ = extract(
        "x.py",
        &format!(
            "def f():\n    x = conn{}\n",
            ".execute('SELECT a FROM t')".repeat(20000)
        ),
    );
    let _ = extract(
        "x.py",
        &format!(
            "def f():\n    x = session{}.all()\n",
            ".query(User)".repeat(20000)
        ),
    );
    let _ = extract(
        "x.py",
        &format!("x = Model.objects{}\n", ".filter(a=1)".repeat(20000)),
    );
    let _ = extract(
        "x.py",
        "def f(:\n  with with as as:\n  for in in:\n\"\"\"unterminated",
    );
    let _ = extract("x.py", "f\"{\" '\\");
    let _ = extract("x.py", "");
    let _ = extract("x.py", "\u{feff}é = 'ü' + \"SELECT ü FROM t\"");
}

#[test]
fn a_loop_over_a_cursor_walks_the_rows_of_its_last_execute() {
    let f = facts(
        r#"
def rooms(conn):
    cur = conn.cursor()
    cur.execute("SELECT id FROM rooms")
    cur.execute("SELECT id, clinic_id FROM rooms")
    for row in cur:
        print(row)
    cur = [1, 2]
    for n in cur:
        print(n)
    for row in cur.fetchall():
        print(row)
"#,
    );
    let rows_of: Vec<Option<&str>> = f
        .loops
        .iter()
        .map(|l| l.rows_of.map(|c| f.calls[c].text.as_str()))
        .collect();
    assert_eq!(
        rows_of,
        vec![
            Some(r#"cur.execute("SELECT id, clinic_id FROM rooms")"#),
            None,
            None
        ]
    );
}
