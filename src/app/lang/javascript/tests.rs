//! The JavaScript / TypeScript adapter's tests: the catalogue (which calls reach the
//! database, and which do not) and SQL strings. The walk's tests are in `walk`.

use super::*;
use crate::app::ir::{Call, Disposal, Pos};

mod walk;

fn js(text: &str) -> AppFile {
    checked(extract("app.js", text, Language::JavaScript))
}

fn ts(text: &str) -> AppFile {
    checked(extract("app.ts", text, Language::TypeScript))
}

/// The facts' cross references hold (every test's file goes through this).
fn checked(f: AppFile) -> AppFile {
    for c in &f.calls {
        assert!(c.function.is_none_or(|x| x < f.functions.len()));
        for &l in &c.loops {
            let lp = &f.loops[l];
            assert_eq!(
                lp.function, c.function,
                "loop of another function: {}",
                c.text
            );
            assert!(lp.span.0 <= c.start_byte && c.end_byte <= lp.span.1);
        }
        assert!(
            c.loops
                .windows(2)
                .all(|w| f.loops[w[0]].span.0 <= f.loops[w[1]].span.0),
            "outermost first"
        );
        if let Some(s) = c.sql_argument {
            assert!(f.strings[s].at_db_call);
        }
    }
    for (i, lp) in f.loops.iter().enumerate() {
        if let Some(sc) = lp.source_call {
            assert!(!f.calls[sc].loops.contains(&i));
            assert_eq!(f.calls[sc].function, lp.function);
        }
    }
    for a in &f.assignments {
        assert!(a.call < f.calls.len());
    }
    for s in &f.strings {
        assert!(s.segments.windows(2).all(|w| w[0].0 < w[1].0));
        for (offset, pos) in &s.segments {
            assert!(*offset <= s.text.len() && s.text.is_char_boundary(*offset));
            assert!(pos.line >= s.start.line);
        }
    }
    for p in &f.per_call_connections {
        assert!(p.function < f.functions.len());
    }
    assert!(f.comments.windows(2).all(|w| w[0].line <= w[1].line));
    f
}

fn db_calls(file: &AppFile) -> Vec<(String, DbCall, String)> {
    file.calls
        .iter()
        .filter_map(|c| {
            c.db.map(|d| (c.callee.clone(), d, c.db_api.clone().unwrap_or_default()))
        })
        .collect()
}

fn call<'a>(file: &'a AppFile, callee: &str) -> &'a Call {
    file.calls
        .iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| {
            panic!(
                "no call {callee}: {:?}",
                file.calls.iter().map(|c| &c.callee).collect::<Vec<_>>()
            )
        })
}

#[test]
fn words_split() {
    assert_eq!(words("DBPool"), vec!["db", "pool"]);
    assert_eq!(words("apolloClient"), vec!["apollo", "client"]);
    assert_eq!(words("user_repo2"), vec!["user", "repo2"]);
    assert_eq!(words("#pool"), vec!["pool"]);
}

#[test]
fn pg_pool_and_client_queries() {
    let f = js(r#"
const { Pool } = require('pg');
const pool = new Pool();
async function getUser(id) {
  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}
async function rename(id, name) {
  const client = await pool.connect();
  try {
    await client.query("UPDATE users SET name = $2 WHERE id = $1", [id, name]);
  } finally {
    client.release();
  }
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], ("query".into(), DbCall::Query, "pg query".into()));
    assert_eq!(calls[1].1, DbCall::Execute);
    let q = call(&f, "query");
    assert!(q.awaited);
    assert_eq!(q.receiver_root.as_deref(), Some("pool"));
    assert_eq!(q.function, Some(0));
    let s = &f.strings[q.sql_argument.unwrap()];
    assert_eq!(s.text, "SELECT * FROM users WHERE id = $1");
    assert!(s.at_db_call);
    assert_eq!(
        s.segments,
        vec![(
            0,
            Pos {
                line: 5,
                column: 38
            }
        )]
    );
    // Destructured assignment binds `rows` to the query.
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "rows" && f.calls[a.call].callee == "query"));
    // The checkout, released in finally.
    assert_eq!(f.connections.len(), 1);
    let c = &f.connections[0];
    assert_eq!(c.api, "pool.connect()");
    assert_eq!(c.variable.as_deref(), Some("client"));
    assert_eq!(
        c.disposal,
        Disposal::Guaranteed("closed in finally (`client.release()`)".into())
    );
    assert_eq!(c.function, Some(1));
    // Module-level pool: no per-call connection.
    assert!(f.per_call_connections.is_empty());
}

#[test]
fn graphql_client_file_needs_driver_handles() {
    let f = checked(extract(
        "users.tsx",
        r#"
import { useApolloClient } from '@apollo/client';
export function Users({ ids }: { ids: number[] }) {
  const client = useApolloClient();
  useEffect(() => {
    ids.forEach(async (id) => {
      const { data } = await client.query({ query: GET_USER, variables: { id } });
      const r = await client.query(GET_USER_DOC);
    });
  }, [ids]);
  return <div>{users.map((u) => <span key={u.id}>{u.name}</span>)}</div>;
}
"#,
        Language::TypeScript,
    ));
    assert!(db_calls(&f).is_empty());
    assert_eq!(f.loops.len(), 2);
    assert_eq!(
        f.loops[0].function,
        Some(1),
        "the forEach callback is a loop of the useEffect callback"
    );
}

#[test]
fn not_db_calls() {
    let f = js(r#"
import { ApolloClient } from '@apollo/client';
const client = new ApolloClient({});
async function a() {
  await client.query({ query: GET_DOGS });
  await apolloClient.query(GET_DOGS);
  await docClient.query({ TableName: 't' });
  await router.query('x');
  await query('SELECT * FROM t');
  await request(app).get('/').query({ a: 1 });
  await db.query(gql`{ a }`);
  Object.create(null);
  Math.max(1, 2);
  StyleSheet.create({});
  const x = items.count();
  await knex('users').whereIn('id', knex('b').select('a_id')).del();
}
"#);
    let calls = db_calls(&f);
    assert_eq!(
        calls,
        vec![("del".into(), DbCall::Execute, "knex del".into())]
    );
}

#[test]
fn query_config_object_and_concatenation() {
    let f = js(r#"
const db = require('./db');
function find(name) {
  return db.query({ text: "SELECT id FROM users WHERE name = '" + name + "' AND active", values: [] });
}
"#);
    let q = call(&f, "query");
    assert_eq!(q.db, Some(DbCall::Query));
    assert_eq!(q.db_api.as_deref(), Some("sql driver query"));
    let s = &f.strings[q.sql_argument.unwrap()];
    assert_eq!(s.text, "SELECT id FROM users WHERE name = '$1' AND active");
    assert_eq!(s.segments.len(), 2);
    assert_eq!(
        s.segments[0],
        (
            0,
            Pos {
                line: 4,
                column: 28
            }
        )
    );
    // The second literal run starts after `" + name + "`.
    assert_eq!(
        s.segments[1].0,
        "SELECT id FROM users WHERE name = '$1".len()
    );
    assert_eq!(
        s.segments[1].1,
        Pos {
            line: 4,
            column: 75
        }
    );
    assert_eq!(
        s.position_of(s.text.find("AND").unwrap()),
        Pos {
            line: 4,
            column: 77
        }
    );
}

#[test]
fn template_literal_segments_map_back() {
    let src = "const db = require('./db');\nasync function f(t, id) {\n  await db.query(`SELECT *\n    FROM ${t}\n   WHERE id = ${id} AND x`);\n}\n";
    let f = js(src);
    let q = call(&f, "query");
    let s = &f.strings[q.sql_argument.unwrap()];
    assert_eq!(s.text, "SELECT *\n    FROM $1\n   WHERE id = $1 AND x");
    assert_eq!(
        s.segments[0],
        (
            0,
            Pos {
                line: 3,
                column: 19
            }
        )
    );
    assert_eq!(
        s.position_of(s.text.find("FROM").unwrap()),
        Pos { line: 4, column: 5 }
    );
    assert_eq!(
        s.position_of(s.text.find("WHERE").unwrap()),
        Pos { line: 5, column: 4 }
    );
    assert_eq!(
        s.position_of(s.text.find("AND").unwrap()),
        Pos {
            line: 5,
            column: 21
        }
    );
    // Each literal run's position is the file position of its first character.
    for (offset, pos) in &s.segments {
        let line = src.lines().nth(pos.line as usize - 1).unwrap();
        let expected: String = s.text[*offset..]
            .chars()
            .take_while(|c| *c != '\n')
            .take(3)
            .collect();
        let at: String = line
            .chars()
            .skip(pos.column as usize - 1)
            .take(expected.chars().count())
            .collect();
        assert_eq!(at, expected);
    }
}

#[test]
fn sql_variable_resolves_to_declared_string() {
    let f = js(r#"
const mysql = require('mysql2/promise');
const INSERT = 'INSERT INTO logs (msg) VALUES (?)';
async function log(conn, msg) {
  const sql = `SELECT * FROM logs WHERE msg = ?`;
  await conn.execute(sql, [msg]);
  await conn.query(INSERT, [msg]);
}
"#);
    let calls: Vec<&Call> = f.calls.iter().filter(|c| c.db.is_some()).collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].db_api.as_deref(), Some("mysql2 execute"));
    assert_eq!(calls[0].db, Some(DbCall::Query));
    assert_eq!(calls[1].db, Some(DbCall::Execute));
    let s0 = &f.strings[calls[0].sql_argument.unwrap()];
    assert_eq!(s0.text, "SELECT * FROM logs WHERE msg = ?");
    assert!(s0.at_db_call);
    assert_eq!(s0.function, Some(0));
    let s1 = &f.strings[calls[1].sql_argument.unwrap()];
    assert!(s1.text.starts_with("INSERT INTO logs"));
    assert_eq!(s1.function, None);
    assert!(s1.at_db_call);
    // Recorded once each.
    assert_eq!(f.strings.len(), 2);
}

#[test]
fn mssql_requests() {
    let f = js(r#"
const sql = require('mssql');
async function get(pool, id) {
  const result = await pool.request().input('id', sql.Int, id).query('SELECT * FROM Users WHERE Id = @id');
  const request = new sql.Request(pool);
  await request.execute('dbo.usp_Refresh');
  const r2 = pool.request();
  await r2.query`UPDATE t SET a = ${id}`;
  await sql.query`SELECT * FROM t WHERE id = ${id}`;
  const p = await sql.connect(config);
  return result.recordset;
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[0].2, "mssql request.query");
    assert_eq!(calls[1].2, "mssql request.execute");
    assert_eq!(calls[2].1, DbCall::Execute);
    assert_eq!(calls[3].2, "mssql sql.query");
    let tagged = f.calls.iter().filter(|c| c.db.is_some()).nth(3).unwrap();
    assert_eq!(
        f.strings[tagged.sql_argument.unwrap()].text,
        "SELECT * FROM t WHERE id = $1"
    );
    // sql.connect reuses the global pool: no connection site, no per-call connection.
    assert!(f.connections.is_empty());
    assert!(f.per_call_connections.is_empty());
}

#[test]
fn mssql_per_call_pool() {
    let f = js(r#"
const sql = require('mssql');
async function handler(req, res) {
  const pool = await new sql.ConnectionPool(config).connect();
  const r = await pool.request().query('SELECT 1 AS x FROM t');
  res.json(r.recordset);
}
let shared;
async function getPool() {
  if (!shared) shared = await new sql.ConnectionPool(config).connect();
  return shared;
}
"#);
    assert_eq!(f.per_call_connections.len(), 1);
    assert_eq!(f.per_call_connections[0].function, 0);
    assert_eq!(
        f.per_call_connections[0].api,
        "new sql.ConnectionPool (mssql)"
    );
    assert_eq!(f.connections.len(), 2);
    assert_eq!(f.connections[0].variable.as_deref(), Some("pool"));
    assert_eq!(f.connections[0].disposal, Disposal::Never);
    assert!(
        matches!(f.connections[1].disposal, Disposal::Escapes(_)),
        "{:?}",
        f.connections[1].disposal
    );
}

#[test]
fn knex_chains() {
    let f = js(r#"
const knex = require('knex')(config);
async function f(id) {
  const user = await knex('users').where({ id }).first();
  const q = knex('users').where({ id });
  const n = knex('orders').where('user_id', id).count('id');
  await knex.raw('SELECT 1 FROM dual');
  await trx('users').insert({ id });
  await knex.select('id').from('users').where('a', 1);
  await db('users').where({ id }).update({ a: 1 });
  return knex('users').where({ id }).then(rows => rows);
}
"#);
    let calls = db_calls(&f);
    let names: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        vec!["first", "count", "raw", "insert", "where", "update", "then"],
        "{calls:?}"
    );
    assert_eq!(calls[0].1, DbCall::Query);
    assert_eq!(calls[3].1, DbCall::Execute);
    assert_eq!(calls[5].1, DbCall::Execute);
    let raw = call(&f, "raw");
    assert_eq!(
        f.strings[raw.sql_argument.unwrap()].text,
        "SELECT 1 FROM dual"
    );
    // Only the outermost call of a chain: where / knex('users') are not marked.
    assert_eq!(
        f.calls
            .iter()
            .filter(|c| c.callee == "knex" && c.db.is_some())
            .count(),
        0
    );
    let first = call(&f, "first");
    assert_eq!(first.chain, vec!["knex", "where"]);
    assert_eq!(first.receiver_root.as_deref(), Some("knex"));
}

#[test]
fn query_builders_drizzle_dexie_and_returned_chains() {
    let f = ts(r#"
import { drizzle } from 'drizzle-orm/node-postgres';
import { eq } from 'drizzle-orm';
const db = drizzle(pool);
export async function get(id: number) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  await db.insert(users).values({ id });
  const all = await knex('users');
  return knex('users').where({ id });
}
export async function dexie() {
  return await dexieDb.table('friends').where('age').above(25).toArray();
}
"#);
    let calls = db_calls(&f);
    assert_eq!(
        calls,
        vec![
            ("where".into(), DbCall::Query, "drizzle where".into()),
            ("values".into(), DbCall::Execute, "drizzle values".into()),
            ("knex".into(), DbCall::Query, "drizzle knex".into()),
        ]
    );
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "user" && f.calls[a.call].callee == "where"));
    // Dexie (IndexedDB): `db.table(...)` is not a knex root on a plain `db`.
    let g = js("import Dexie from 'dexie';\nconst db = new Dexie('x');\nasync function f() { await db.table('friends').toArray(); }\n");
    assert!(db_calls(&g).is_empty());
}

#[test]
fn pg_promise_and_postgres_js() {
    let f = js(r#"
const pgp = require('pg-promise')();
const db = pgp(process.env.DATABASE_URL);
async function a(ids) {
  await db.tx(async t => {
    for (const id of ids) {
      await t.none('UPDATE t SET x = 1 WHERE id = $1', [id]);
    }
    return t.any('SELECT * FROM t');
  });
}
"#);
    assert_eq!(
        db_calls(&f),
        vec![
            ("none".into(), DbCall::Execute, "pg-promise none".into()),
            ("any".into(), DbCall::Query, "pg-promise any".into())
        ]
    );
    assert_eq!(call(&f, "none").loops.len(), 1);
    let g = js(r#"
import postgres from 'postgres';
const sql = postgres(process.env.DATABASE_URL);
export async function users(ids) {
  const rows = await sql`SELECT * FROM users WHERE id = ANY(${ids})`;
  await sql.unsafe('DELETE FROM sessions');
  const frag = css`color: red`;
  return rows;
}
"#);
    assert_eq!(
        db_calls(&g),
        vec![
            ("sql".into(), DbCall::Query, "postgres.js sql``".into()),
            (
                "unsafe".into(),
                DbCall::Execute,
                "postgres.js sql.unsafe".into()
            )
        ]
    );
}

#[test]
fn sql_declared_after_use_and_shared() {
    let f = js(r#"
const db = require('./db');
async function a(id) { return db.query(BY_ID, [id]); }
async function b(id) { return db.query(BY_ID, [id]); }
const BY_ID = 'SELECT * FROM users WHERE id = $1';
"#);
    let q: Vec<&Call> = f.calls.iter().filter(|c| c.db.is_some()).collect();
    assert_eq!(q.len(), 2);
    assert_eq!(q[0].sql_argument, Some(0));
    assert_eq!(q[1].sql_argument, Some(0));
    assert_eq!(f.strings.len(), 1);
    assert_eq!(f.strings[0].function, None);
    assert_eq!(
        f.strings[0].segments,
        vec![(
            0,
            Pos {
                line: 5,
                column: 16
            }
        )]
    );
}

#[test]
fn mysql_callbacks_and_chained_assignment() {
    let f = js(r#"
const mysql = require('mysql');
const connection = mysql.createConnection(cfg);
function list(req, res) {
  connection.query('SELECT * FROM x WHERE id = ' + req.params.id, function (err, rows) {
    rows.forEach(function (row) {
      connection.query('UPDATE x SET seen = 1 WHERE id = ?', [row.id]);
    });
  });
}
async function names(repo) {
  const active = (await repo.find()).filter(u => u.active).map(u => u.name);
  return active;
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls[0],
        ("query".into(), DbCall::Query, "mysql query".into())
    );
    assert_eq!(calls[1].1, DbCall::Execute);
    assert_eq!(
        calls[2],
        ("find".into(), DbCall::Query, "repository find".into())
    );
    let outer = f.calls.iter().find(|c| c.db.is_some()).unwrap();
    let s = &f.strings[outer.sql_argument.unwrap()];
    assert_eq!(s.text, "SELECT * FROM x WHERE id = $1");
    // The forEach inside the driver callback: a loop of the callback function.
    assert_eq!(f.loops.len(), 2);
    assert_eq!(f.loops[0].kind, "forEach callback");
    assert_eq!(f.loops[0].function, Some(1));
    let inner = f.calls.iter().filter(|c| c.db.is_some()).nth(1).unwrap();
    assert_eq!(inner.loops, vec![0]);
    assert_eq!(inner.function, Some(1));
    // Chained calls: the assignment is to the outermost call.
    let a = f
        .assignments
        .iter()
        .find(|a| a.variable == "active")
        .unwrap();
    assert_eq!(f.calls[a.call].callee, "map");
    let map = &f.calls[a.call];
    assert_eq!(map.chain, vec!["repo", "find", "filter"]);
    assert_eq!(map.receiver_root.as_deref(), Some("repo"));
    // Module-level connection lives on.
    assert_eq!(f.connections.len(), 1);
    assert!(matches!(f.connections[0].disposal, Disposal::Escapes(_)));
}

#[test]
fn precision_guards() {
    let f = js(r#"
const { Client: Elastic } = require('@elastic/elasticsearch');
const { Pool } = require('pg');
const { Op } = require('sequelize');
const { User } = db;
async function f(id) {
  const es = new Elastic({ node: 'http://localhost:9200' });
  const repo = this.repositoryList.find(r => r.id === id);
  const u = users.find(x => x.id === id);
  Helper.update(id);
  await User.create({ id });
  await testRunner.execute('SELECT 1 FROM t');
}
"#);
    assert_eq!(
        db_calls(&f),
        vec![("create".into(), DbCall::Execute, "Sequelize create".into())]
    );
    assert!(f.connections.is_empty());
}

#[test]
fn sequelize_models() {
    let f = js(r#"
const { User, Order } = require('../models');
const db = require('../models');
class Svc {
  async run(id) {
    const users = await User.findAll({ where: { active: true } });
    await Order.create({ userId: id });
    await db.Order.destroy({ where: { id } });
    await this.userModel.findOne({ where: { id } });
    await sequelize.query('SELECT 1 FROM t', { type: QueryTypes.SELECT });
    Promise.all([]);
    return Object.keys(users).count;
  }
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert_eq!(
        calls[0],
        ("findAll".into(), DbCall::Query, "ORM model findAll".into())
    );
    assert_eq!(calls[1].1, DbCall::Execute);
    assert_eq!(calls[2].0, "destroy");
    assert_eq!(calls[3].0, "findOne");
    assert_eq!(calls[4].2, "Sequelize query");
    assert_eq!(f.functions[0].class.as_deref(), Some("Svc"));
    assert_eq!(f.functions[0].name, "run");
}

#[test]
fn sequelize_create_needs_model_evidence() {
    let f = js(
        "import Store from 'some-store';\nStore.create({});\nStore.update({});\nFoo.findAll();\n",
    );
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "findAll");
}

#[test]
fn prisma_calls() {
    let f = ts(r#"
import { PrismaClient } from '@prisma/client';
const prisma = new PrismaClient();
export class UserService {
  constructor(private readonly prismaService: PrismaService) {}
  async list(ids: number[]): Promise<User[]> {
    const users = await prisma.user.findMany<User>({ where: { id: { in: ids } } });
    await this.prismaService.post.deleteMany({});
    await prisma.$queryRaw`SELECT * FROM "User" WHERE id = ${ids[0]}`;
    await prisma.$executeRawUnsafe('DELETE FROM logs');
    await prisma.$transaction(async (tx) => { await tx.user.update({ where: { id: 1 }, data: {} }); });
    return users;
  }
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert_eq!(
        calls[0],
        ("findMany".into(), DbCall::Query, "Prisma findMany".into())
    );
    assert_eq!(calls[1].1, DbCall::Execute);
    assert_eq!(calls[2].0, "$queryRaw");
    assert_eq!(calls[4].0, "update");
    let fm = call(&f, "findMany");
    assert!(
        fm.awaited,
        "await f<T>() is awaited despite the TypeScript misparse"
    );
    assert_eq!(fm.chain, vec!["prisma", "user"]);
    let raw = call(&f, "$queryRaw");
    assert_eq!(
        f.strings[raw.sql_argument.unwrap()].text,
        "SELECT * FROM \"User\" WHERE id = $1"
    );
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "users" && f.calls[a.call].callee == "findMany"));
    let list = f.functions.iter().find(|x| x.name == "list").unwrap();
    assert_eq!(list.arity, 1);
    assert!(list.is_async);
    assert_eq!(list.class.as_deref(), Some("UserService"));
    // The transaction callback is its own function; its call is not in a loop.
    assert_eq!(call(&f, "update").function, Some(f.functions.len() - 1));
}

#[test]
fn typeorm_calls() {
    let f = ts(r#"
import { Repository, getRepository, DataSource } from 'typeorm';
@Injectable()
export class S {
  constructor(@InjectRepository(User) private users: Repository<User>, private dataSource: DataSource) {}
  async go(id: number) {
    await this.users.findOneBy({ id });
    await this.userRepository.save(u);
    await getRepository(User).find();
    await this.dataSource.getRepository(Photo).delete(id);
    await this.dataSource.manager.findOne(User, { where: { id } });
    await this.dataSource.query('SELECT 1 FROM t');
    const rows = await this.dataSource.createQueryBuilder(User, 'u').where('u.id = :id', { id }).getMany();
    await this.dataSource.createQueryBuilder().update(User).set({ a: 1 }).execute();
    this.cacheManager.get('x');
  }
}
"#);
    let calls = db_calls(&f);
    assert_eq!(calls.len(), 8, "{calls:?}");
    assert_eq!(
        calls[0],
        (
            "findOneBy".into(),
            DbCall::Query,
            "TypeORM repository findOneBy".into()
        )
    );
    assert_eq!(calls[1].1, DbCall::Execute);
    assert_eq!(calls[2].0, "find");
    assert_eq!(
        calls[3],
        (
            "delete".into(),
            DbCall::Execute,
            "TypeORM repository delete".into()
        )
    );
    assert_eq!(calls[4].2, "TypeORM manager findOne");
    assert_eq!(calls[5].2, "TypeORM query");
    assert_eq!(
        calls[6],
        (
            "getMany".into(),
            DbCall::Query,
            "TypeORM QueryBuilder getMany".into()
        )
    );
    assert_eq!(calls[7].1, DbCall::Execute);
}
