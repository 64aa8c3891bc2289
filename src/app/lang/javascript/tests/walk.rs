//! The JavaScript / TypeScript adapter's tests of the walk: loops and iteration callbacks,
//! connection lifetimes, functions, TypeScript / TSX syntax, comments and strings, broken
//! input.

use super::*;
use crate::app::ir::{Disposal, Pos};

#[test]
fn loops_and_sources() {
    let f = js(r#"
const db = require('./db');
async function f(ids) {
  const users = await db.query('SELECT * FROM users');
  for (const u of users.rows) {
    await db.query('SELECT * FROM orders WHERE user_id = $1', [u.id]);
  }
  for (const [k, v] of Object.entries(await getMap())) { g(k); }
  for (let i = 0; i < ids.length; i++) { await h(ids[i]); }
  for (const key in this.cache) {}
  while (await cursor.next()) { await w(); }
  do { await d(); } while (more);
  for await (const row of stream()) { await s(row); }
}
"#);
    let kinds: Vec<&str> = f.loops.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "for...of",
            "for...of",
            "for",
            "for...in",
            "while",
            "do...while",
            "for await...of"
        ]
    );
    assert_eq!(f.loops[0].source_var.as_deref(), Some("users"));
    assert_eq!(f.loops[0].source_text.as_deref(), Some("users.rows"));
    assert_eq!(f.loops[0].variables, vec!["u"]);
    let inner = f.calls.iter().filter(|c| c.db.is_some()).nth(1).unwrap();
    assert_eq!(inner.loops, vec![0]);
    let outer = f.calls.iter().find(|c| c.db.is_some()).unwrap();
    assert!(outer.loops.is_empty());
    // Source call recorded outside its loop.
    let src = f.loops[1].source_call.unwrap();
    assert_eq!(f.calls[src].callee, "getMap");
    assert!(f.calls[src].loops.is_empty());
    assert_eq!(f.loops[1].variables, vec!["k", "v"]);
    assert_eq!(f.loops[2].variables, vec!["i"]);
    assert_eq!(call(&f, "h").loops, vec![2]);
    assert_eq!(f.loops[3].source_var.as_deref(), Some("this.cache"));
    assert_eq!(
        call(&f, "next").loops,
        vec![4],
        "while conditions run per iteration"
    );
    assert_eq!(call(&f, "d").loops, vec![5]);
    let st = f.loops[6].source_call.unwrap();
    assert_eq!(f.calls[st].callee, "stream");
    assert_eq!(call(&f, "s").loops, vec![6]);
}

#[test]
fn callbacks_are_loops() {
    let f = js(r#"
const db = require('./db');
async function f(users) {
  users.forEach(async (u) => { await db.query('SELECT 1 FROM t WHERE id = $1', [u.id]); });
  const rows = await Promise.all(getIds().map(async id => db.query('SELECT * FROM t WHERE id = $1', [id])));
  const total = users.reduce((acc, u) => acc + count(u), 0);
  setTimeout(() => { db.query('SELECT 2 FROM t'); }, 10);
  users.filter(u => check(u));
  await Promise.map(users, async (user) => save(user), { concurrency: 2 });
  for (const u of users) {
    u.items.map(i => price(i));
    run(() => inner());
  }
}
"#);
    let kinds: Vec<&str> = f.loops.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "forEach callback",
            "Promise.all(map) callback",
            "reduce callback",
            "Promise.map callback",
            "for...of",
            "map callback"
        ]
    );
    assert_eq!(f.loops[0].source_var.as_deref(), Some("users"));
    assert_eq!(f.loops[0].variables, vec!["u"]);
    assert_eq!(f.loops[0].function, Some(0));
    let src = f.loops[1].source_call.unwrap();
    assert_eq!(f.calls[src].callee, "getIds");
    assert!(f.calls[src].loops.is_empty());
    assert_eq!(f.loops[2].variables, vec!["u"]);
    assert_eq!(f.loops[3].source_var.as_deref(), Some("users"));
    let queries: Vec<&Call> = f.calls.iter().filter(|c| c.db.is_some()).collect();
    assert_eq!(queries.len(), 3);
    assert_eq!(queries[0].loops, vec![0]);
    assert_eq!(
        queries[0].function,
        Some(0),
        "loop callbacks stay in the function"
    );
    assert_eq!(queries[1].loops, vec![1]);
    // setTimeout's callback is a new function, not a loop.
    assert!(queries[2].loops.is_empty());
    assert_ne!(queries[2].function, Some(0));
    assert!(
        call(&f, "check").loops.is_empty(),
        "filter is not a loop callback"
    );
    assert_eq!(call(&f, "count").loops, vec![2]);
    assert_eq!(call(&f, "save").loops, vec![3]);
    assert_eq!(call(&f, "price").loops, vec![4, 5]);
    assert!(
        call(&f, "inner").loops.is_empty(),
        "a non-loop lambda starts a new context"
    );
    assert_eq!(f.loops.iter().filter(|l| l.function == Some(0)).count(), 6);
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "rows" && f.calls[a.call].callee == "all"));
}

#[test]
fn disposal_outcomes() {
    let f = js(r#"
const { Pool, Client } = require('pg');
const pool = new Pool();
async function guaranteed() {
  const client = new Client();
  await client.connect();
  try { await client.query('SELECT 1 FROM t'); } finally { await client.end(); }
}
async function normal() {
  const client = await pool.connect();
  await client.query('SELECT 1 FROM t');
  client.release();
}
async function returned() {
  const client = await pool.connect();
  return client;
}
async function stored() {
  this.client = await pool.connect();
}
async function passed() {
  const client = await pool.connect();
  await work(client);
}
async function never() {
  const client = await pool.connect();
  await client.query('SELECT 1 FROM t');
}
function callbackStyle() {
  pool.connect((err, client, done) => {
    client.query('SELECT 1 FROM t', () => done());
  });
}
function thenStyle() {
  return pool.connect().then(client => client.query('SELECT 1 FROM t').finally(() => client.release()));
}
async function module() {
  globalClient = await pool.connect();
}
async function tryCatch() {
  const client = await pool.connect();
  try { await client.query('SELECT 1 FROM t'); client.release(); } catch (e) { client.release(); throw e; }
}
const moduleClient = new Client();
"#);
    let d: Vec<(Option<&str>, &Disposal)> = f
        .connections
        .iter()
        .map(|c| (c.variable.as_deref(), &c.disposal))
        .collect();
    assert_eq!(d.len(), 11, "{d:?}");
    assert_eq!(
        d[0],
        (
            Some("client"),
            &Disposal::Guaranteed("closed in finally (`client.end()`)".into())
        )
    );
    assert_eq!(f.connections[0].api, "new Client (pg)");
    assert_eq!(
        d[1],
        (
            Some("client"),
            &Disposal::NormalPathOnly("closed (`client.release()`), but not in a finally".into())
        )
    );
    assert_eq!(
        d[2],
        (
            Some("client"),
            &Disposal::Escapes("returned to the caller".into())
        )
    );
    assert_eq!(
        d[3],
        (
            Some("this.client"),
            &Disposal::Escapes("stored in a field".into())
        )
    );
    assert_eq!(
        d[4],
        (
            Some("client"),
            &Disposal::Escapes("passed to work()".into())
        )
    );
    assert_eq!(d[5], (Some("client"), &Disposal::Never));
    assert_eq!(
        d[6],
        (
            Some("client"),
            &Disposal::NormalPathOnly("closed (`done()`), but not in a finally".into())
        )
    );
    assert_eq!(
        d[7],
        (
            Some("client"),
            &Disposal::Guaranteed("closed in finally (`client.release()`)".into())
        )
    );
    assert_eq!(
        d[8],
        (
            Some("globalClient"),
            &Disposal::Escapes(
                "stored in globalClient, a variable that outlives the function".into()
            )
        )
    );
    assert_eq!(
        d[9],
        (
            Some("client"),
            &Disposal::Guaranteed(
                "closed in a try block and in the catch after it, which takes every exception"
                    .into()
            )
        )
    );
    assert_eq!(
        d[10],
        (
            Some("moduleClient"),
            &Disposal::Escapes(
                "stored in moduleClient, a variable that outlives the function".into()
            )
        )
    );
    assert!(f.per_call_connections.is_empty());
}

#[test]
fn a_catch_pairs_only_with_the_try_block_it_guards() {
    let f = js(r#"
const { Pool } = require('pg');
const pool = new Pool();
async function separate() {
  const client = await pool.connect();
  try { await client.query('SELECT 1 FROM t'); } catch (e) { client.release(); throw e; }
  try { await client.query('SELECT 2 FROM t'); client.release(); } finally { log(); }
}
async function nested() {
  const client = await pool.connect();
  try {
    try { await client.query('SELECT 1 FROM t'); } catch (inner) { log(inner); }
    await client.query('SELECT 2 FROM t');
    client.release();
  } catch (e) { client.release(); throw e; }
}
"#);
    let d: Vec<&Disposal> = f.connections.iter().map(|c| &c.disposal).collect();
    // The release in the first catch guards a block that releases nothing; the second
    // block's release has no catch: the normal path only.
    assert!(matches!(d[0], Disposal::NormalPathOnly(_)), "{d:?}");
    // The outer catch guards the outer block, which releases (an inner try sits in it).
    assert!(matches!(d[1], Disposal::Guaranteed(_)), "{d:?}");
}

#[test]
fn per_call_pools() {
    let f = js(r#"
const pg = require('pg');
const mysql = require('mysql2/promise');
app.get('/users', async (req, res) => {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
  const r = await pool.query('SELECT * FROM users');
  await pool.end();
  res.json(r.rows);
});
async function m() {
  const p = mysql.createPool(cfg);
  const conn = await mysql.createConnection(cfg);
  await conn.end();
  const c2 = await p.getConnection();
  try { await c2.query('SELECT 1 FROM t'); } finally { c2.release(); }
}
function factory() { return new pg.Pool(); }
let lazy;
function getLazy() { lazy = lazy || new pg.Pool(); lazy ??= new pg.Pool(); return lazy; }
class Repo { constructor() { this.pool = new pg.Pool(); } }
const shared = new pg.Pool();
"#);
    let apis: Vec<(&str, usize)> = f
        .per_call_connections
        .iter()
        .map(|p| (p.api.as_str(), p.function))
        .collect();
    assert_eq!(apis, vec![("new Pool (pg)", 0), ("mysql.createPool", 1)]);
    assert_eq!(f.functions[0].name, "<app.get('/users') callback>");
    let sites: Vec<(&str, &Disposal)> = f
        .connections
        .iter()
        .map(|c| (c.api.as_str(), &c.disposal))
        .collect();
    assert_eq!(sites.len(), 2, "{sites:?}");
    assert_eq!(
        sites[0],
        (
            "mysql.createConnection",
            // Nothing between the connect and the close can throw (the core's rule).
            &Disposal::Guaranteed(
                "closed right after it is opened, with nothing in between that can throw".into()
            )
        )
    );
    assert_eq!(
        sites[1],
        (
            "pool.getConnection()",
            &Disposal::Guaranteed("closed in finally (`c2.release()`)".into())
        )
    );
}

#[test]
fn tedious_connection() {
    let f = js(r#"
const { Connection, Request } = require('tedious');
function run(config) {
  const connection = new Connection(config);
  connection.on('connect', () => connection.execSql(new Request('SELECT 1 FROM t', () => connection.close())));
  connection.connect();
}
"#);
    assert_eq!(f.connections.len(), 1);
    assert_eq!(f.connections[0].api, "new Connection (tedious)");
    assert!(matches!(
        f.connections[0].disposal,
        Disposal::NormalPathOnly(_)
    ));
    assert_eq!(f.per_call_connections.len(), 1);
    assert_eq!(
        call(&f, "execSql").db_api.as_deref(),
        Some("tedious execSql")
    );
    // `new Connection` without tedious is not a connection.
    let g = js("function f() { const c = new Connection(x); }");
    assert!(g.connections.is_empty() && g.per_call_connections.is_empty());
}

#[test]
fn using_declaration_is_guaranteed() {
    let f = js("const { Client } = require('pg');\nasync function f() {\n  await using client = new Client();\n}\n");
    assert_eq!(f.connections.len(), 1);
    assert!(
        matches!(f.connections[0].disposal, Disposal::Guaranteed(_)),
        "{:?}",
        f.connections[0].disposal
    );
}

#[test]
fn functions_names_and_arity() {
    let f = js(r#"
export default function () {}
const o = { async m(a, b) {}, k: function () {}, 'x': (c) => c };
module.exports.getUser = async (id) => id;
const K = class { #p = 1; static s = () => 2; get g() {} };
const handler = asyncHandler(async (req, res) => {});
function* gen(a, ...rest) {}
"#);
    let names: Vec<(&str, usize, Option<&str>)> = f
        .functions
        .iter()
        .map(|x| (x.name.as_str(), x.arity, x.class.as_deref()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("default", 0, None),
            ("m", 2, Some("o")),
            ("k", 0, Some("o")),
            ("x", 1, Some("o")),
            ("getUser", 1, None),
            ("s", 0, Some("K")),
            ("g", 0, Some("K")),
            ("handler", 2, None),
            ("gen", 2, None),
        ]
    );
    assert!(f.functions[1].is_async);
}

#[test]
fn tsx_component() {
    let src = r#"
import { sql } from '@vercel/postgres';
export default async function Page({ params }: { params: { id: string } }) {
  const { rows } = await sql`SELECT * FROM posts WHERE id = ${params.id}`;
  const items = await getItems<Item>();
  return <ul>{rows.map((r: Row) => <li key={r.id}>{r.title}</li>)}{/* dbaudit:ignore n-plus-one */}</ul>;
}
"#;
    let f = checked(extract("page.tsx", src, Language::TypeScript));
    assert!(f.error_share < 0.01, "{}", f.error_share);
    let q = call(&f, "sql");
    assert_eq!(q.db, Some(DbCall::Query));
    assert_eq!(
        f.strings[q.sql_argument.unwrap()].text,
        "SELECT * FROM posts WHERE id = $1"
    );
    assert_eq!(f.loops.len(), 1);
    assert_eq!(f.loops[0].kind, "map callback");
    assert_eq!(f.loops[0].source_var.as_deref(), Some("rows"));
    assert!(call(&f, "getItems").awaited);
    assert!(f
        .comments
        .iter()
        .any(|c| c.text.contains("dbaudit:ignore") && c.line == 6));
    assert_eq!(f.functions[0].name, "Page");
}

#[test]
fn typescript_syntax() {
    let f = ts(r#"
import { Pool, PoolClient } from 'pg';
interface Row { id: number }
type Id = number;
enum E { A }
export abstract class Base<T extends Row> {
  private pool!: Pool;
  protected abstract name(): string;
  async load(client: PoolClient, ids: readonly Id[]): Promise<T[]> {
    const out: T[] = [];
    for (const id of ids as Id[]) {
      const res = await client.query<T>(`SELECT * FROM ${this.name()} WHERE id = $1`, [id]);
      out.push(...res.rows);
    }
    const r2 = await (this.pool as Pool).query('SELECT 1 FROM t');
    return out satisfies T[];
  }
}
"#);
    assert!(f.error_share < 0.01, "{}", f.error_share);
    let q: Vec<&Call> = f.calls.iter().filter(|c| c.db.is_some()).collect();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].loops, vec![0]);
    assert!(q[0].awaited);
    assert_eq!(
        f.strings[q[0].sql_argument.unwrap()].text,
        "SELECT * FROM $1 WHERE id = $1"
    );
    assert_eq!(q[1].receiver_root.as_deref(), Some("pool"));
    assert_eq!(f.loops[0].source_var.as_deref(), Some("ids"));
    assert_eq!(
        f.functions
            .iter()
            .find(|x| x.name == "load")
            .map(|x| (x.arity, x.class.clone())),
        Some((2, Some("Base".into())))
    );
    assert!(f.assignments.iter().any(|a| a.variable == "res"));
}

#[test]
fn credentials_and_sql_looking_strings() {
    let f = js(r#"
const url = "postgres://app:s3cret@db:5432/app";
const notSql = "Select an option from the list";
function f() { const q = "DELETE FROM sessions WHERE expires < now()"; return q; }
"#);
    assert_eq!(f.strings.len(), 2);
    assert!(!f.strings[0].at_db_call);
    assert_eq!(
        f.strings[0].segments,
        vec![(
            0,
            Pos {
                line: 2,
                column: 14
            }
        )]
    );
    assert_eq!(f.strings[1].function, Some(0));
}

#[test]
fn comments_are_recorded() {
    let f = js("// dbaudit:ignore n-plus-one\nconst a = 1; /* block\n comment */\n");
    assert_eq!(f.comments.len(), 2);
    assert_eq!(f.comments[0].line, 1);
    assert_eq!(f.comments[0].text, "// dbaudit:ignore n-plus-one");
    assert_eq!(f.comments[1].line, 2);
}

#[test]
fn syntax_errors_keep_sound_parts() {
    let f = js(r#"
const db = require('./db');
async function ok(ids) {
  for (const id of ids) {
    await db.query('SELECT * FROM t WHERE id = $1', [id]);
  }
}
function broken( {
  let x = = 3;
"#);
    assert!(f.error_share > 0.0);
    assert!(!f.error_regions.is_empty());
    let q = f
        .calls
        .iter()
        .find(|c| c.db.is_some())
        .expect("db call from the sound part");
    assert_eq!(q.loops.len(), 1);
}

#[test]
fn garbage_does_not_panic() {
    let inputs = [
        String::new(),
        "\u{0}\u{1}\u{fffd}ÿþ garbage {{{{ ((( `${ '".to_string(),
        "(".repeat(5000),
        "a.".repeat(3000) + "query('SELECT 1 FROM t')",
        "x = ".to_string() + &"'a' + ".repeat(3000) + "'b';",
        "[".repeat(3000) + &"]".repeat(3000),
        "f(() => ".repeat(1500) + &")".repeat(1500),
        "`${`${`${".repeat(500),
        (0u8..=255).map(|b| b as char).collect::<String>(),
    ];
    for input in &inputs {
        for path in ["x.js", "x.ts", "x.tsx", "x.jsx"] {
            let lang = if path.contains(".ts") {
                Language::TypeScript
            } else {
                Language::JavaScript
            };
            let f = checked(extract(path, input, lang));
            assert!(f.error_share >= 0.0 && f.error_share <= 1.0);
        }
    }
}

#[test]
fn fragment_combinations_hold_invariants() {
    let fragments = [
        "const { Pool } = require('pg'); const pool = new Pool();",
        "async function f(ids) {",
        "for (const id of await repo.find()) {",
        "ids.forEach(async (id) => {",
        "await Promise.all(ids.map(async id => {",
        "const client = await pool.connect(); try {",
        "} finally { client.release(); }",
        "await pool.query(`SELECT * FROM t WHERE id = ${id}`);",
        "await knex('t').where({ id }).first();",
        "prisma.user.findMany({ where: { id } })",
        "const s = 'SELECT a FROM b WHERE c = ' + d + ' AND e';",
        "}));",
        "});",
        "}",
        "while (x) { db.query(s); }",
        "`${`",
        "'unterminated",
        "/* comment",
        "class A { async m() { return this.repo.save(x); } }",
        "<div>{xs.map(x => <b>{x}</b>)}</div>",
    ];
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..300 {
        let mut text = String::new();
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(fragments[(seed % fragments.len() as u64) as usize]);
            text.push('\n');
        }
        let _ = js(&text);
        let _ = ts(&text);
    }
}

#[test]
fn deep_nesting_within_stack() {
    // Deep trees are cut at MAX_DEPTH without overflowing the stack, even when the caller
    // runs on a thread with 1 MiB (half of Rust's and rayon's default), in a debug build;
    // and the fallback depth fits in that too.
    let run = || {
        let src = "function f(){".repeat(2000) + &"}".repeat(2000);
        let f = js(&src);
        assert!(!f.functions.is_empty());
        let src = "if (a) {".repeat(3000) + "db.query('SELECT 1 FROM t')" + &"}".repeat(3000);
        let _ = js(&src);
        let src = "f(async () => db.query(`SELECT ${".repeat(1000) + "x" + &"}`))".repeat(1000);
        let _ = ts(&src);
        let src = "x = a".to_string() + &".b(c => c".repeat(2000) + &")".repeat(2000);
        let _ = js(&src);
    };
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    let fallback = || {
        let src = "f(async () => db.query(`SELECT ${".repeat(1000) + "x" + &"}`))".repeat(1000);
        let f = extract_with_depth("x.ts", &src, Language::TypeScript, FALLBACK_DEPTH);
        assert!(!f.functions.is_empty());
    };
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(fallback)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_loop_over_a_then_callbacks_parameter_walks_the_promises_rows() {
    let f = js(r#"
const getPosts = () => pool.query('SELECT id FROM posts');
function a() { return getPosts().then((res) => res.rows.forEach((p) => show(p))); }
function b() { return getPosts().then(({ rows }) => Promise.all(rows.map((r) => show(r)))); }
function c() { return getPosts().then((res, extra) => extra.forEach((p) => show(p))); }
function d() { return getPosts().catch((err) => err.list.forEach((p) => show(p))); }
function e() { return ready.then((res) => res.forEach((p) => show(p))); }
"#);
    let rows_of: Vec<Option<&str>> = f
        .loops
        .iter()
        .map(|l| l.rows_of.map(|c| f.calls[c].text.as_str()))
        .collect();
    assert_eq!(
        rows_of,
        vec![Some("getPosts()"), Some("getPosts()"), None, None, None]
    );
}

#[test]
fn the_unit_holds_callbacks_parameters_and_scopes() {
    use crate::app::ir::typed::{
        CallRole, FunctionKind, IterSource, LambdaBinding, LoopKind, ScopeKind,
    };
    let src = r#"
const { Pool } = require('pg');
const pool = new Pool();
async function load({ ids, user }, extra) {
  ids.forEach((id) => pool.query('SELECT 1 FROM t WHERE id = $1', [id]));
  for (const k in extra) {}
  try { await pool.query('SELECT 1 FROM t'); } catch (e) {} finally { log(); }
  return fetchAll().finally(() => done());
}
"#;
    let front_end = crate::app::front_end(Language::JavaScript).expect("lowered to the IR");
    assert_eq!(front_end.language(), Language::JavaScript);
    assert!(!front_end.types_receivers());
    assert!(front_end.extensions().contains(&"mjs"));
    let unit = front_end.lower("load.js", src);
    let load = unit
        .functions
        .iter()
        .position(|f| f.name == "load")
        .expect("load is lowered");
    let params = &unit.functions[load].params;
    assert_eq!(params.len(), 2);
    assert_eq!(params[0].name, "ids");
    assert_eq!(params[0].destructured, vec!["ids", "user"]);
    assert!(params[1].destructured.is_empty());
    // The forEach callback: a lambda written in `load`, bound per element to the forEach call.
    let (lambda, callback) = unit
        .functions
        .iter()
        .enumerate()
        .find(|(_, f)| f.kind == FunctionKind::Lambda)
        .expect("the callback is a lambda");
    assert_eq!(callback.parent, Some(load));
    match &callback.binding {
        Some(LambdaBinding::Argument {
            call: Some(call),
            method,
            per_element: true,
        }) => {
            assert_eq!(method, "forEach");
            assert_eq!(unit.calls[*call].callee, "forEach");
        }
        other => panic!("bound per element to forEach, not {other:?}"),
    }
    let kinds: Vec<LoopKind> = unit.loops.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, vec![LoopKind::Callback, LoopKind::Keys]);
    assert_eq!(unit.loops[0].source, IterSource::Name("ids".into()));
    // The query in the callback is the lambda's, inside the callback loop, a database call.
    let query = unit
        .calls
        .iter()
        .find(|c| c.callee == "query" && c.function == Some(lambda))
        .expect("the callback's query");
    assert_eq!(query.loops, vec![0]);
    assert!(matches!(query.role, CallRole::Database { .. }));
    let mut scopes: Vec<ScopeKind> = unit.scopes.iter().map(|s| s.kind).collect();
    scopes.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        scopes,
        vec![
            ScopeKind::CatchAll,
            ScopeKind::Finally,
            ScopeKind::Finally,
            ScopeKind::Try
        ]
    );
    // In the facts the callback's query is `load`'s, untyped, and each loop walks a
    // parameter of `load` at its position (`ids` 0, `extra` 1).
    let file = js(src);
    let fact = file
        .calls
        .iter()
        .find(|c| c.callee == "query" && !c.loops.is_empty())
        .expect("the query");
    assert_eq!(
        fact.function.map(|f| file.functions[f].name.as_str()),
        Some("load")
    );
    assert_eq!(fact.receiver_type, crate::app::ir::ReceiverType::Untyped);
    assert!(file.loops[0].source_param);
    assert_eq!(file.loop_parameters, vec![(0, 0), (1, 1)]);
    assert!(file.classes.is_empty());
}
