//! The Java front end's unit tests, on the facts `extract` gives (lowered, then analysed by
//! the core).
//!
//! Length (about 1,080 lines): one test per behaviour, each with its Java source inline;
//! to be split by the front end's files (types, roles, loops, strings, resources) when
//! its connections move onto the IR (issue #17).

use super::*;
use crate::app::ir::{Call, Disposal, Pos, ReceiverType};

fn x(src: &str) -> AppFile {
    extract("Test.java", src)
}

fn call<'f>(f: &'f AppFile, callee: &str) -> &'f Call {
    f.calls
        .iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| panic!("no call {callee}"))
}

fn db_calls(f: &AppFile) -> Vec<(&str, DbCall)> {
    f.calls
        .iter()
        .filter_map(|c| c.db.map(|d| (c.callee.as_str(), d)))
        .collect()
}

#[test]
fn jdbc_statements_by_type_origin_and_name() {
    let f = x(r#"
class Dao {
    void a(Connection conn, Executor executor) throws SQLException {
        PreparedStatement p = conn.prepareStatement("SELECT id FROM users WHERE id = ?");
        ResultSet rs = p.executeQuery();
        var st = conn.createStatement();
        st.executeUpdate("UPDATE users SET active = 0");
        stmt.executeBatch();
        executor.execute(() -> {});
        CallableStatement c = conn.prepareCall("{call refresh()}");
        c.execute();
    }
}
"#);
    let q = call(&f, "executeQuery");
    assert_eq!(q.db, Some(DbCall::Query));
    assert_eq!(q.db_api.as_deref(), Some("JDBC executeQuery"));
    let sql = &f.strings[q.sql_argument.expect("prepared sql linked")];
    assert_eq!(sql.text, "SELECT id FROM users WHERE id = ?");
    assert!(sql.at_db_call);
    let u = call(&f, "executeUpdate");
    assert_eq!(u.db, Some(DbCall::Execute));
    assert_eq!(
        f.strings[u.sql_argument.unwrap()].text,
        "UPDATE users SET active = 0"
    );
    assert_eq!(call(&f, "executeBatch").db, Some(DbCall::Execute));
    // `executor.execute` is no db call; `c.execute()` on a CallableStatement is.
    let executes: Vec<_> = f.calls.iter().filter(|c| c.callee == "execute").collect();
    assert_eq!(executes.len(), 2);
    assert_eq!(executes[0].db, None);
    assert_eq!(executes[1].db, Some(DbCall::Execute));
    assert_eq!(
        f.strings[executes[1].sql_argument.unwrap()].text,
        "{call refresh()}"
    );
    // assignment of the chained call
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "rs" && f.calls[a.call].callee == "executeQuery"));
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "st" && f.calls[a.call].callee == "createStatement"));
}

#[test]
fn typed_unrelated_receiver_is_not_db() {
    let f = x(r#"
class A {
    private final Runner stmt;
    void a() { stmt.executeQuery("SELECT a FROM b"); }
}
"#);
    assert!(db_calls(&f).is_empty());
}

#[test]
fn statement_execute_refined_by_sql() {
    let f = x(r#"
class A {
    void a(Statement s) {
        s.execute("SELECT * FROM t");
        s.execute("DELETE FROM t");
    }
}
"#);
    assert_eq!(
        db_calls(&f),
        vec![("execute", DbCall::Query), ("execute", DbCall::Execute)]
    );
}

#[test]
fn jdbc_template_fields_and_constants() {
    let f = x(r#"
@Repository
public class UserDao {
    public List<User> all() {
        return jdbcTemplate.query(FIND_ALL, (rs, n) -> map(rs));
    }
    public int rename(long id, String name) {
        return named.update("UPDATE users SET name = :name WHERE id = :id", params);
    }
    public void other() {
        restTemplate.query("x");
        this.jdbc.queryForObject("SELECT count(*) FROM users", Integer.class);
        getJdbcTemplate().batchUpdate("INSERT INTO t (a) VALUES (?)", rows);
    }
    private static final String FIND_ALL = "SELECT id, name FROM users";
    private final JdbcTemplate jdbcTemplate;
    private final NamedParameterJdbcTemplate named;
    private final RestTemplate restTemplate;
    private JdbcOperations jdbc;
}
"#);
    let q = call(&f, "query");
    assert_eq!(q.db, Some(DbCall::Query));
    assert_eq!(q.db_api.as_deref(), Some("JdbcTemplate query"));
    assert_eq!(
        f.strings[q.sql_argument.unwrap()].text,
        "SELECT id, name FROM users"
    );
    assert!(f.strings[q.sql_argument.unwrap()].at_db_call);
    assert_eq!(call(&f, "update").db, Some(DbCall::Execute));
    assert_eq!(call(&f, "queryForObject").db, Some(DbCall::Query));
    assert_eq!(
        call(&f, "queryForObject").receiver_root.as_deref(),
        Some("jdbc")
    );
    assert_eq!(call(&f, "batchUpdate").db, Some(DbCall::Execute));
    let rest = f
        .calls
        .iter()
        .filter(|c| c.callee == "query")
        .nth(1)
        .unwrap();
    assert_eq!(rest.receiver_root.as_deref(), Some("restTemplate"));
    assert_eq!(rest.db, None);
}

#[test]
fn jpa_chains_and_query_variables() {
    let f = x(r#"
class Repo {
    @PersistenceContext private EntityManager em;
    List<User> active() {
        return em.createQuery("SELECT u FROM User u WHERE u.active = true", User.class)
            .setParameter("x", 1)
            .getResultList();
    }
    void write(User u) {
        em.persist(u);
        User found = entityManager.find(User.class, 1L);
        Query q = em.createNativeQuery("DELETE FROM users WHERE id = ?");
        q.setParameter(1, 2);
        q.executeUpdate();
        em.createQuery("x").setMaxResults(3);
    }
}
"#);
    let list = call(&f, "getResultList");
    assert_eq!(list.db, Some(DbCall::Query));
    assert_eq!(list.chain, vec!["em", "createQuery", "setParameter"]);
    assert_eq!(list.receiver_root.as_deref(), Some("em"));
    assert_eq!(
        f.strings[list.sql_argument.unwrap()].text,
        "SELECT u FROM User u WHERE u.active = true"
    );
    assert_eq!(call(&f, "persist").db, Some(DbCall::Execute));
    assert_eq!(call(&f, "find").db, Some(DbCall::Query));
    let upd = call(&f, "executeUpdate");
    assert_eq!(upd.db, Some(DbCall::Execute));
    assert_eq!(
        f.strings[upd.sql_argument.unwrap()].text,
        "DELETE FROM users WHERE id = ?"
    );
    // createQuery / setParameter / setMaxResults are not db calls themselves
    for c in [
        "createQuery",
        "setParameter",
        "setMaxResults",
        "createNativeQuery",
    ] {
        assert!(
            f.calls
                .iter()
                .filter(|k| k.callee == c)
                .all(|k| k.db.is_none()),
            "{c}"
        );
    }
}

#[test]
fn hibernate_session_needs_evidence() {
    let with = x(r#"
import org.hibernate.Session;
class A {
    void a(Session session) { session.save(x); session.get(User.class, 1); currentSession().createQuery("from User").list(); }
}
"#);
    assert_eq!(
        db_calls(&with),
        vec![
            ("save", DbCall::Execute),
            ("get", DbCall::Query),
            ("list", DbCall::Query)
        ]
    );
    let without = x(r#"
class A {
    void a(HttpSession session) { session.get("x"); }
    void b() { session.get("user"); session.save(x); session.createQuery("from User").list(); }
}
"#);
    assert_eq!(db_calls(&without), vec![("list", DbCall::Query)]);
}

#[test]
fn spring_data_repositories() {
    let f = x(r#"
@Service
class UserService {
    private final UserRepository users;
    private final OrderRepo orderRepo;
    private final UserMapper mapper;
    void run(CrudRepository<Order, Long> orders) {
        users.findByEmail("a@b.c");
        orderRepo.save(o);
        orders.deleteById(1L);
        userRepository.existsById(2L);
        users.getClass();
        mapper.findSomething();
        users.findAll().forEach(u -> auditRepository.save(u));
    }
}
"#);
    let dbs = db_calls(&f);
    assert!(dbs.contains(&("findByEmail", DbCall::Query)));
    assert!(dbs.contains(&("save", DbCall::Execute)));
    assert!(dbs.contains(&("deleteById", DbCall::Execute)));
    assert!(dbs.contains(&("existsById", DbCall::Query)));
    assert!(dbs.contains(&("findAll", DbCall::Query)));
    assert!(!dbs
        .iter()
        .any(|(c, _)| *c == "getClass" || *c == "findSomething"));
    // a repository call never takes a SQL argument
    assert_eq!(call(&f, "findByEmail").sql_argument, None);
    assert!(f.strings.is_empty());
    // forEach over findAll: a loop whose source is the findAll call
    let save = f
        .calls
        .iter()
        .filter(|c| c.callee == "save")
        .nth(1)
        .unwrap();
    assert_eq!(save.loops.len(), 1);
    let l = &f.loops[save.loops[0]];
    assert_eq!(l.kind, "forEach callback");
    assert_eq!(f.calls[l.source_call.unwrap()].callee, "findAll");
    assert_eq!(l.variables, vec!["u"]);
}

#[test]
fn jdbc_client_and_jooq() {
    let f = x(r#"
class A {
    private final JdbcClient jdbcClient;
    private final DSLContext dsl;
    void a() {
        jdbcClient.sql("SELECT * FROM users WHERE id = :id").param("id", 1).query(User.class).single();
        jdbcClient.sql("DELETE FROM users").update();
        dsl.selectFrom(USERS).where(USERS.ID.eq(1)).fetchOne();
        dsl.fetch("SELECT 1 FROM dual");
    }
}
"#);
    assert_eq!(
        db_calls(&f),
        vec![
            ("single", DbCall::Query),
            ("update", DbCall::Execute),
            ("fetchOne", DbCall::Query),
            ("fetch", DbCall::Query)
        ]
    );
    assert_eq!(
        f.strings[call(&f, "single").sql_argument.unwrap()].text,
        "SELECT * FROM users WHERE id = :id"
    );
    assert_eq!(
        f.strings[call(&f, "fetch").sql_argument.unwrap()].text,
        "SELECT 1 FROM dual"
    );
}

#[test]
fn loops_and_sources() {
    let f = x(r#"
class A {
    void a(List<Long> ids, Map<String, User> byName) {
        for (User u : userRepository.findAll()) { userRepository.save(u); }
        for (Long id : ids) { repo.findById(id); }
        for (var e : byName.entrySet()) { repo.count(); }
        for (User u : this.cache) { }
        for (int i = 0; i < ids.size(); i++) { repo.findById(ids.get(i)); }
        while (rs.next()) { repo.count(); }
        do { repo.count(); } while (more());
        ids.stream().filter(i -> i > 0).map(id -> repo.findById(id)).collect(toList());
        IntStream.range(0, 10).forEach(i -> repo.count());
        repo.findById(1L).map(u -> repo.save(u));
    }
}
"#);
    let kinds: Vec<&str> = f.loops.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "foreach",
            "foreach",
            "foreach",
            "foreach",
            "for",
            "while",
            "do",
            "map callback",
            "forEach callback"
        ]
    );
    assert_eq!(f.calls[f.loops[0].source_call.unwrap()].callee, "findAll");
    assert!(f.calls[f.loops[0].source_call.unwrap()].loops.is_empty());
    assert_eq!(f.loops[0].variables, vec!["u"]);
    assert_eq!(f.loops[1].source_var.as_deref(), Some("ids"));
    assert_eq!(f.loops[2].source_var.as_deref(), Some("byName"));
    assert_eq!(f.loops[3].source_var.as_deref(), Some("cache"));
    assert_eq!(f.loops[4].source_var.as_deref(), Some("ids"));
    assert_eq!(f.loops[4].variables, vec!["i"]);
    assert_eq!(f.loops[5].source_var.as_deref(), Some("rs"));
    assert_eq!(f.loops[7].source_var.as_deref(), Some("ids"));
    assert_eq!(f.loops[7].variables, vec!["id"]);
    assert_eq!(f.calls[f.loops[8].source_call.unwrap()].callee, "range");
    // the save inside the first loop
    let save = call(&f, "save");
    assert_eq!(save.loops, vec![0]);
    assert_eq!(save.function, Some(0));
    // The filter lambda is not a loop; Optional.map is not a loop.
    let finds: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "findById").collect();
    assert_eq!(finds[2].loops, vec![7]);
    let last_save = f.calls.iter().rfind(|c| c.callee == "save").unwrap();
    assert!(last_save.loops.is_empty());
    let counts: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "count").collect();
    assert_eq!(counts[0].loops, vec![2]);
    assert_eq!(counts[1].loops, vec![5]);
    assert_eq!(counts[2].loops, vec![6]);
    assert_eq!(counts[3].loops, vec![8]);
}

#[test]
fn nested_lambdas_and_callbacks() {
    let f = x(r#"
class A {
    void a(List<Long> ids) {
        for (Long id : ids) {
            executor.submit(() -> repo.deleteById(id));
            repo.findById(id).ifPresent(u -> repo.save(u));
            ids.forEach(repo::deleteById);
            new Thread(new Runnable() { public void run() { repo.count(); } }).start();
        }
        jdbcTemplate.query("SELECT id FROM t", (rs, n) -> repo.findById(rs.getLong(1)));
    }
}
"#);
    let deletes: Vec<&Call> = f
        .calls
        .iter()
        .filter(|c| c.callee == "deleteById")
        .collect();
    assert!(deletes[0].loops.is_empty(), "plain lambda: new context");
    assert_eq!(
        deletes[1].loops.len(),
        2,
        "method reference in forEach inside for"
    );
    assert_eq!(deletes[1].db, Some(DbCall::Execute));
    assert_eq!(f.loops[deletes[1].loops[1]].kind, "forEach callback");
    assert_eq!(
        call(&f, "save").loops,
        vec![0],
        "ifPresent runs in the loop"
    );
    let count = call(&f, "count");
    assert!(count.loops.is_empty());
    assert_eq!(f.functions[count.function.unwrap()].name, "run");
    assert_eq!(
        f.functions[count.function.unwrap()].class.as_deref(),
        Some("A")
    );
    // RowMapper lambda: a row loop fed by the query itself
    let finds: Vec<&Call> = f.calls.iter().filter(|c| c.callee == "findById").collect();
    let row_loop = &f.loops[*finds[1].loops.last().unwrap()];
    assert_eq!(row_loop.kind, "row callback");
    assert_eq!(f.calls[row_loop.source_call.unwrap()].callee, "query");
    assert_eq!(row_loop.variables, vec!["rs", "n"]);
}

#[test]
fn functions_and_comments() {
    let f = x(r#"
// header
class A {
    A(int a) { }
    @Async
    public void run(String a, int... rest) { /* dbaudit:ignore n-plus-one */ }
    abstract void none();
    CompletableFuture<User> load() { return null; }
    static class B { void inner() {} }
}
"#);
    let names: Vec<(&str, usize, Option<&str>, bool)> = f
        .functions
        .iter()
        .map(|g| (g.name.as_str(), g.arity, g.class.as_deref(), g.is_async))
        .collect();
    assert_eq!(
        names,
        vec![
            ("A", 1, Some("A"), false),
            ("run", 2, Some("A"), true),
            ("load", 0, Some("A"), true),
            ("inner", 0, Some("B"), false)
        ]
    );
    assert_eq!(f.comments.len(), 2);
    assert_eq!(f.comments[0].line, 2);
    assert_eq!(f.comments[1].text, "/* dbaudit:ignore n-plus-one */");
    assert_eq!(f.comments[1].line, 6);
    let run = &f.functions[1];
    assert!(run.body.0 < run.body.1);
}

/// Each connection's variable and how it is released, in the order they are created.
fn disposals(f: &AppFile) -> Vec<(Option<&str>, &Disposal)> {
    f.connections
        .iter()
        .map(|c| (c.variable.as_deref(), &c.disposal))
        .collect()
}

#[test]
fn disposal_outcomes() {
    let f = x(r#"
class A {
    void twr() throws Exception {
        try (Connection c = dataSource.getConnection()) { c.createStatement(); }
    }
    void fin() throws Exception {
        Connection c = null;
        try { c = ds.getConnection(); work(c); } finally { if (c != null) c.close(); }
    }
    void normal() throws Exception {
        Connection c = DriverManager.getConnection(URL);
        c.createStatement().executeUpdate("DELETE FROM t");
        c.close();
    }
    Connection ret() throws Exception {
        Connection c = ds.getConnection();
        return c;
    }
    void field() throws Exception { this.conn = ds.getConnection(); }
    void passed() throws Exception { Connection c = ds.getConnection(); helper(c); }
    void never() throws Exception { Connection c = ds.getConnection(); c.prepareStatement("SELECT a FROM b"); }
    void chained() throws Exception { ds.getConnection().createStatement(); }
    void release() throws Exception {
        Connection c = DataSourceUtils.getConnection(ds);
        try { } finally { DataSourceUtils.releaseConnection(c, ds); }
    }
    void java9() throws Exception { Connection c = ds.getConnection(); try (c) { } }
    void ctor() throws Exception { Connection c = ds.getConnection(); new Wrapper(c); }
    void other(Executor ex) { ex.getConnection(); }
}
"#);
    let d = disposals(&f);
    assert_eq!(d.len(), 11, "{d:?}");
    assert!(matches!(d[0], (Some("c"), Disposal::Guaranteed(s)) if s == "try-with-resources"));
    assert!(matches!(d[1], (Some("c"), Disposal::Guaranteed(s)) if s.contains("finally")));
    assert!(matches!(d[2], (Some("c"), Disposal::NormalPathOnly(_))));
    assert!(matches!(d[3], (Some("c"), Disposal::Escapes(s)) if s == "returned"));
    assert!(matches!(d[4], (Some("conn"), Disposal::Escapes(s)) if s.contains("field")));
    assert!(matches!(d[5], (Some("c"), Disposal::Escapes(s)) if s.contains("helper")));
    assert!(matches!(d[6], (Some("c"), Disposal::Never)));
    assert!(matches!(d[7], (None, Disposal::Never)));
    assert!(matches!(d[8], (Some("c"), Disposal::Guaranteed(_))));
    assert_eq!(f.connections[8].api, "DataSourceUtils.getConnection");
    assert!(matches!(d[9], (Some("c"), Disposal::Guaranteed(_))));
    assert!(matches!(d[10], (Some("c"), Disposal::Escapes(s)) if s.contains("new Wrapper")));
    assert_eq!(f.connections[2].api, "DriverManager.getConnection");
    assert_eq!(f.connections[0].api, "DataSource.getConnection");
    assert_eq!(
        f.connections[0].start,
        Pos {
            line: 4,
            column: 29
        }
    );
}

/// How the core ranks what is done to a Java connection: a method argument or an alias
/// ranks below a close, a container store or a constructor above it, and a `throw` between
/// the open and the close means the close is not right after the open.
#[test]
fn weak_and_strong_escapes_rank_around_a_close() {
    let f = x(r#"
class A {
    void passedThenClosed() throws Exception {
        Connection c = ds.getConnection();
        log(c);
        c.close();
    }
    void passedOnly() throws Exception { Connection c = ds.getConnection(); log(c); }
    void aliased() throws Exception { Connection c = ds.getConnection(); Connection d = c; }
    void stored(List<Connection> all) throws Exception {
        Connection c = ds.getConnection();
        all.add(c);
        c.close();
    }
    void throwBetween(boolean b) throws Exception {
        Connection c = DriverManager.getConnection(URL);
        if (b) throw e;
        c.close();
    }
    void quietly() throws Exception {
        Connection c = ds.getConnection();
        c.createStatement();
        DbUtils.closeQuietly(c);
    }
}
"#);
    let d = disposals(&f);
    assert_eq!(d.len(), 6, "{d:?}");
    assert!(
        matches!(d[0].1, Disposal::NormalPathOnly(s) if s.contains("c.close()")),
        "{d:?}"
    );
    assert!(
        matches!(d[1].1, Disposal::Escapes(s) if s == "passed to `log`"),
        "{d:?}"
    );
    assert!(
        matches!(d[2].1, Disposal::Escapes(s) if s == "aliased to `d`"),
        "{d:?}"
    );
    assert!(
        matches!(d[3].1, Disposal::Escapes(s) if s.contains("container")),
        "{d:?}"
    );
    assert!(matches!(d[4].1, Disposal::NormalPathOnly(_)), "{d:?}");
    assert!(
        matches!(d[5].1, Disposal::NormalPathOnly(s) if s.contains("closeQuietly")),
        "{d:?}"
    );
}

#[test]
fn per_call_connections() {
    let f = x(r#"
class A {
    private final HikariDataSource pool = new HikariDataSource(config);
    static { DataSource s = new BasicDataSource(); }
    @Bean
    public DataSource ds() { return new HikariDataSource(cfg); }
    public DataSource createReportingDataSource() { return new ComboPooledDataSource(); }
    public List<User> users() throws Exception {
        HikariDataSource ds = new HikariDataSource(cfg);
        try (Connection c = DriverManager.getConnection(URL, USER, PASS)) { }
        DataSource built = DataSourceBuilder.create().url(u).build();
        return null;
    }
    private DataSource lazy() { if (cached == null) { cached = new HikariDataSource(cfg); } return cached; }
    public static void main(String[] args) throws Exception { DriverManager.getConnection(URL); }
}
"#);
    let apis: Vec<(&str, &str)> = f
        .per_call_connections
        .iter()
        .map(|p| (f.functions[p.function].name.as_str(), p.api.as_str()))
        .collect();
    assert_eq!(
        apis,
        vec![
            ("users", "new HikariDataSource"),
            ("users", "DriverManager.getConnection"),
            ("users", "DataSourceBuilder.build")
        ]
    );
    // pools are connection sites too
    let field = &f.connections[0];
    assert_eq!(field.api, "new HikariDataSource");
    assert_eq!(field.function, None);
    assert!(matches!(&field.disposal, Disposal::Escapes(s) if s.contains("pool")));
    assert!(f.connections.iter().any(|c| c.api == "new HikariDataSource"
        && c.variable.as_deref() == Some("ds")
        && c.disposal == Disposal::Never));
}

#[test]
fn strings_concat_format_and_positions() {
    let src = "class A {\n    void a(String name, long id) {\n        jdbc.query(\"SELECT * FROM users WHERE name = '\" + name + \"' AND id = \" + id, m);\n        String q = String.format(\"SELECT %s FROM orders WHERE id = %d%%\", cols, id);\n        String t = \"\"\"\n            SELECT a\n            FROM b\n            \"\"\";\n        String url = \"jdbc:postgresql://app:s3cret@db:5432/app\";\n        log.info(\"hello \" + name);\n    }\n}\n";
    let f = x(src);
    assert_eq!(
        f.strings.len(),
        4,
        "{:?}",
        f.strings.iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    let s = &f.strings[0];
    assert_eq!(s.text, "SELECT * FROM users WHERE name = '?' AND id = ?");
    assert!(s.at_db_call);
    assert_eq!(call(&f, "query").sql_argument, Some(0));
    assert_eq!(
        s.start,
        Pos {
            line: 3,
            column: 20
        }
    );
    assert_eq!(
        s.segments[0],
        (
            0,
            Pos {
                line: 3,
                column: 21
            }
        )
    );
    // `AND` in the second literal maps back to its column
    let at = s.text.find("AND").unwrap();
    let line3 = src.lines().nth(2).unwrap();
    assert_eq!(
        s.position_of(at),
        Pos {
            line: 3,
            column: line3.find("AND").unwrap() as u32 + 1
        }
    );
    let fmt = &f.strings[1];
    assert_eq!(fmt.text, "SELECT ? FROM orders WHERE id = ?%");
    assert!(!fmt.at_db_call);
    let line4 = src.lines().nth(3).unwrap();
    let from = fmt.text.find("FROM").unwrap();
    assert_eq!(
        fmt.position_of(from),
        Pos {
            line: 4,
            column: line4.find("FROM").unwrap() as u32 + 1
        }
    );
    let tb = &f.strings[2];
    assert!(tb.text.contains("SELECT a"));
    let from = tb.text.find("FROM").unwrap();
    assert_eq!(
        tb.position_of(from),
        Pos {
            line: 7,
            column: 13
        }
    );
    assert_eq!(
        f.strings[3].text,
        "jdbc:postgresql://app:s3cret@db:5432/app"
    );
    assert!(!f.strings[3].at_db_call);
}

#[test]
fn string_variables_linked_lazily() {
    let f = x(r#"
class A {
    void a(Connection conn) throws Exception {
        String sql = "{call sync_users(?)}";
        try (CallableStatement cs = conn.prepareCall(sql)) { cs.execute(); }
        String plain = "hello";
        String more = "SELECT a FROM b";
        jdbcTemplate.update(more);
    }
}
"#);
    assert_eq!(f.strings.len(), 2);
    let ex = call(&f, "execute");
    let s = &f.strings[ex.sql_argument.unwrap()];
    assert_eq!(s.text, "{call sync_users(?)}");
    assert!(s.at_db_call);
    assert_eq!(
        s.segments[0].1,
        Pos {
            line: 4,
            column: 23
        }
    );
    let up = call(&f, "update");
    assert_eq!(f.strings[up.sql_argument.unwrap()].text, "SELECT a FROM b");
}

#[test]
fn annotation_sql_is_recorded() {
    let f = x(r#"
public interface UserRepository extends JpaRepository<User, Long> {
    @Query(value = "SELECT * FROM users WHERE email = ?1", nativeQuery = true)
    User byEmail(String email);
}
"#);
    assert_eq!(f.strings.len(), 1);
    assert_eq!(f.strings[0].function, None);
    assert!(f.functions.is_empty());
}

#[test]
fn syntax_errors_keep_sound_parts() {
    let f = x(r#"
class A {
    void ok() { userRepository.findAll(); }
    void broken( { int = ; }
    void alsoOk(List<X> xs) { for (X a : xs) { em.persist(a); } }
}
"#);
    assert!(f.error_share > 0.0);
    assert!(!f.error_regions.is_empty());
    let dbs = db_calls(&f);
    assert!(dbs.contains(&("findAll", DbCall::Query)));
    assert!(dbs.contains(&("persist", DbCall::Execute)));
}

#[test]
fn helpers_simple_jdbc_and_sync_callbacks() {
    let f = x(r#"
import java.sql.Connection;
class LegacyDao extends BaseDao {
    private final SimpleJdbcInsert insertOrder;
    private final TransactionTemplate transactionTemplate;
    List<Row> rows() throws Exception {
        Connection con = null;
        try {
            con = getConnection();
            PreparedStatement ps = con.prepareStatement("SELECT id FROM a");
            ResultSet rs = ps.executeQuery();
            while (rs.next()) {
                Statement inner = con.createStatement();
                inner.executeQuery("SELECT x FROM b WHERE a_id = " + rs.getLong(1));
            }
        } finally {
            freeConnection(con);
        }
        Connection other = DBConnection.getConnection();
        other.setAutoCommit(false);
        other.close();
        String name = helper.getConnection();
        @Cleanup Connection lombok = dataSource.getConnection();
        return null;
    }
    void save(List<Long> ids) {
        transactionTemplate.execute(status -> {
            for (Long id : ids) { insertOrder.execute(Map.of("id", id)); }
            return null;
        });
    }
}
"#);
    let conns: Vec<(&str, Option<&str>, &Disposal)> = f
        .connections
        .iter()
        .map(|c| (c.api.as_str(), c.variable.as_deref(), &c.disposal))
        .collect();
    assert_eq!(conns.len(), 3, "{conns:?}");
    assert!(
        matches!(conns[0], ("getConnection", Some("con"), Disposal::Guaranteed(d)) if d.contains("freeConnection"))
    );
    assert!(matches!(
        conns[1],
        (
            "DBConnection.getConnection",
            Some("other"),
            Disposal::NormalPathOnly(_)
        )
    ));
    assert!(
        matches!(conns[2], ("DataSource.getConnection", Some("lombok"), Disposal::Guaranteed(d)) if d == "@Cleanup")
    );
    assert!(f.per_call_connections.is_empty());
    let queries: Vec<&Call> = f
        .calls
        .iter()
        .filter(|c| c.callee == "executeQuery")
        .collect();
    assert!(queries[0].loops.is_empty());
    assert_eq!(queries[1].loops, vec![0]);
    assert_eq!(f.loops[0].source_var.as_deref(), Some("rs"));
    assert!(f.assignments.iter().any(|a| a.variable == "rs"
        && a.call
            == f.calls
                .iter()
                .position(|c| c.callee == "executeQuery")
                .unwrap()));
    assert_eq!(
        f.strings[queries[1].sql_argument.unwrap()].text,
        "SELECT x FROM b WHERE a_id = ?"
    );
    let insert = f
        .calls
        .iter()
        .find(|c| c.callee == "execute" && c.receiver.as_deref() == Some("insertOrder"))
        .unwrap();
    assert_eq!(insert.db, Some(DbCall::Execute));
    assert_eq!(
        insert.loops.len(),
        1,
        "TransactionTemplate callback keeps the for loop"
    );
    let tx = f
        .calls
        .iter()
        .find(|c| c.receiver.as_deref() == Some("transactionTemplate"))
        .unwrap();
    assert_eq!(tx.db, None);
}

#[test]
fn connection_type_needs_java_sql() {
    let xmpp = r#"
class Router {
    void route(Session session, Packet p) {
        Connection connection = session.getConnection();
        connection.deliver(p);
    }
}
"#;
    assert!(x(xmpp).connections.is_empty());
    let jdbc = format!("import java.sql.*;\n{xmpp}");
    let f = x(&jdbc);
    assert_eq!(f.connections.len(), 1);
    assert!(matches!(
        &f.connections[0].disposal,
        Disposal::Borrowed(helper) if helper == "session.getConnection()"
    ));
}

#[test]
fn helper_connections_are_borrowed_and_pools_are_not() {
    let f = x(r#"
import java.sql.Connection;
import javax.sql.DataSource;
class Dao {
    private DataSource dataSource;
    void a() throws Exception {
        Connection c = ContextHolder.getConnection();
        c.prepareStatement("DELETE FROM t").executeUpdate();
    }
    void b() throws Exception {
        Connection c = dataSource.getConnection();
        c.prepareStatement("DELETE FROM t").executeUpdate();
    }
    void c() throws Exception {
        Connection c = Pool.getConnection();
        if (c != null) {
            Pool.releaseConnection(c);
        }
    }
}
"#);
    let disposals: Vec<&Disposal> = f.connections.iter().map(|c| &c.disposal).collect();
    assert_eq!(disposals.len(), 3, "{disposals:?}");
    assert!(matches!(disposals[0], Disposal::Borrowed(h) if h == "ContextHolder.getConnection()"));
    assert_eq!(disposals[1], &Disposal::Never);
    assert!(
        matches!(disposals[2], Disposal::Guaranteed(d) if d.contains("right after it is opened"))
    );
}

#[test]
fn receivers_typed_from_declarations() {
    let f = x(r#"
class MailService extends BaseService implements Notifier, Audited<Mail> {
    private MailDao mailDao;
    void send(List<Mail> outbox, T item) {
        List<Mail> sent = new ArrayList<>();
        for (Mail m : outbox) {
            sent.add(m);
            (m.isDraft() ? sent : outbox).add(m);
            mailDao.add(m);
            item.add(m);
            MailCache.add(m);
            unknown.add(m);
            this.add(m);
            super.add(m);
            add(m);
        }
    }
}
interface MailDao extends Dao<Mail> {}
"#);
    let types: Vec<&ReceiverType> = f
        .calls
        .iter()
        .filter(|c| c.callee == "add")
        .map(|c| &c.receiver_type)
        .collect();
    assert_eq!(
        types,
        vec![
            &ReceiverType::Library,
            &ReceiverType::Library,
            &ReceiverType::Class("MailDao".into()),
            &ReceiverType::Unknown,
            &ReceiverType::Class("MailCache".into()),
            &ReceiverType::Unknown,
            &ReceiverType::Class("MailService".into()),
            // `super.add(m)`: the method as a base class defines it.
            &ReceiverType::Base("MailService".into()),
            &ReceiverType::Untyped,
        ]
    );
    let classes: Vec<(&str, Vec<&str>)> = f
        .classes
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.bases.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        vec![
            ("MailService", vec!["BaseService", "Notifier", "Audited"]),
            ("MailDao", vec!["Dao"]),
        ]
    );
}

#[test]
fn static_calls_on_a_class_are_not_spring_data() {
    let f = x(r#"
class Moderation {
    private TopicRepository topicRepository;
    void approve(long id) {
        ForumRepository.getForum(id);
        topicRepository.findById(id);
    }
}
"#);
    assert_eq!(db_calls(&f), vec![("findById", DbCall::Query)]);
}

#[test]
fn garbage_does_not_panic() {
    let inputs = [
            String::new(),
            "\u{0}\u{1}\u{fffd}ÿþ class { \" \"\"\" ( ) -> :: ".to_string(),
            "class A { void a() { x(\"".to_string(),
            "class A { String s = \"\"\"".to_string(),
            format!("class A {{ void a() {{ int x = {}1{}; }} }}", "(".repeat(5000), ")".repeat(5000)),
            format!("class A {{ void a() {{ s{}; }} }}", ".append(\"SELECT a FROM b\")".repeat(3000)),
            format!("class A {{ String s = {}\"x\"; }}", "\"a\" + ".repeat(5000)),
            format!("class A {{ void a() {{ {} }} }}", "for (X x : xs) { ".repeat(800)),
            "class A { void a() { String.format(\"%\"); String.format(\"%1$\"); \"%tY\".formatted(x); MessageFormat.format(\"{0\"); } }".to_string(),
            "é".repeat(100) + "class Ä { void ö() { jdbc.query(\"SELECT ü FROM ß\" + x); } }",
        ];
    for input in &inputs {
        let handle = {
            let input = input.clone();
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || extract("G.java", &input))
                .unwrap()
        };
        let f = handle.join().expect("no panic");
        assert!(f.error_share >= 0.0);
    }
}

#[test]
fn call_results_typed_by_the_chain_of_declared_return_types() {
    let f = x(r#"
abstract class Stores {
    static Stores instance() { return null; }
    abstract Ledger ledger();
    abstract void reset();
    abstract <T> T any();
    abstract int count();
    abstract List<Ledger> ledgers();
    void run(Ledger given, Map<String, Ledger> byName) {
        Stores.instance().ledger().balance(1);
        this.ledger().balance(2);
        ledger().balance(3);
        given.owner().balance(4);
        byName.get("a").balance(5);
        unknown.ledger().balance(6);
    }
}
"#);
    let types: Vec<&ReceiverType> = f
        .calls
        .iter()
        .filter(|c| c.callee == "balance")
        .map(|c| &c.receiver_type)
        .collect();
    let returned = |class: &str, methods: &[&str]| ReceiverType::Returned {
        class: class.into(),
        methods: methods.iter().map(|m| m.to_string()).collect(),
    };
    assert_eq!(
        types,
        vec![
            &returned("Stores", &["instance", "ledger"]),
            &returned("Stores", &["ledger"]),
            &returned("Stores", &["ledger"]),
            &returned("Ledger", &["owner"]),
            // A library type's methods return what the source does not say.
            &ReceiverType::Unknown,
            &ReceiverType::Unknown,
        ]
    );
    // Only class types are recorded: not `void`, a primitive or a type parameter;
    // `List<Ledger>` is its raw type.
    let returns: Vec<(&str, &str, &str)> = f
        .method_returns
        .iter()
        .map(|r| (r.class.as_str(), r.method.as_str(), r.returns.as_str()))
        .collect();
    assert_eq!(
        returns,
        vec![
            ("Stores", "instance", "Stores"),
            ("Stores", "ledger", "Ledger"),
            ("Stores", "ledgers", "List"),
        ]
    );
}

/// Cache reads: a lookup in a `Cache` field, in a map the class also fills, through a
/// project class the class looks up and fills, and a `@Cacheable` method; not a map only
/// read, a local of a map type, or a project class only read.
#[test]
fn cache_reads_by_field_type_fill_and_annotation() {
    let f = x(r#"
class Quotes {
    private Cache<String, Quote> recent;
    private final Map<String, Quote> memo = new HashMap<>();
    private final Map<String, String> symbols = new HashMap<>();
    private QuoteShelf shelf;
    private QuoteBook book;
    Quote a(String k) { return recent.getIfPresent(k); }
    Quote b(String k) { Quote q = memo.get(k); if (q == null) { memo.put(k, q = load(k)); } return q; }
    String c(String k) { return symbols.get(k); }
    Quote d(String k) { Quote q = this.shelf.get(k); shelf.add(q); return q; }
    Quote e(String k) { return book.get(k); }
    Quote g(Map<String, Quote> memo, String k) { return memo.get(k); }
    @Cacheable("quotes") Quote h(String k) { return load(k); }
}
"#);
    let mut reads: Vec<String> = f
        .cache_reads
        .iter()
        .map(|r| {
            let through = r
                .through
                .as_ref()
                .map(|(c, m, a)| format!(" through {c}.{m}/{a}"))
                .unwrap_or_default();
            format!("{} {}{through}", f.functions[r.function].name, r.field)
        })
        .collect();
    reads.sort();
    assert_eq!(
        reads,
        vec![
            "a recent",
            "b memo",
            "d shelf through QuoteShelf.get/1",
            "h @Cacheable",
        ]
    );
}

/// Receivers typed by the one core from what the lowering states: a call in a field's
/// initializer sees the class's fields; a method of an inner or anonymous class sees the
/// fields of the classes around it and the locals of the method an anonymous class is
/// written in; a name means the declaration in effect where the call stands (two blocks
/// may declare it with two types), and `this.x = x.m()` leaves the parameter `x` its type.
#[test]
fn receivers_typed_by_the_core_from_scope_and_position() {
    let f = x(r#"
class Outer {
    private MailDao mailDao;
    private final Mail first = mailDao.load(0);
    private String schema;
    Outer(SchemaEnum schema) {
        this.schema = schema.label();
        schema.check();
    }
    class Inner {
        void run() { mailDao.load(1); }
    }
    void send(final Ledger ledger) {
        { Order o = next(); o.close(); }
        { Invoice o = bill(); o.close(); }
        Runnable r = new Runnable() {
            public void run() { ledger.balance(2); mailDao.load(3); }
        };
    }
}
"#);
    let types = |callee: &str| -> Vec<ReceiverType> {
        f.calls
            .iter()
            .filter(|c| c.callee == callee)
            .map(|c| c.receiver_type.clone())
            .collect()
    };
    let class = |name: &str| ReceiverType::Class(name.into());
    assert_eq!(
        types("load"),
        vec![class("MailDao"), class("MailDao"), class("MailDao")]
    );
    assert_eq!(types("label"), vec![class("SchemaEnum")]);
    assert_eq!(types("check"), vec![class("SchemaEnum")]);
    assert_eq!(types("close"), vec![class("Order"), class("Invoice")]);
    assert_eq!(types("balance"), vec![class("Ledger")]);
    // The anonymous class is no class of the hierarchy; its method is Outer's.
    assert!(f.classes.iter().all(|c| !c.name.is_empty()));
    assert_eq!(f.classes.len(), 2);
    let run = f.functions.iter().filter(|g| g.name == "run");
    assert!(run.clone().count() == 2 && run.clone().any(|g| g.class.as_deref() == Some("Outer")));
}
