//! The C# front end and the core on small programs: the facts the rules read.

use super::extract;
use crate::app::ir::typed::{ResourceOrigin, Unit};
use crate::app::ir::*;

fn facts(code: &str) -> AppFile {
    extract("T.cs", code)
}

/// How the connection created in function `name` is released.
fn disposal_in(f: &AppFile, name: &str) -> Disposal {
    let index = f.functions.iter().position(|fun| fun.name == name);
    f.connections
        .iter()
        .find(|c| index.is_some() && c.function == index)
        .map(|c| c.disposal.clone())
        .unwrap_or_else(|| panic!("a connection in {name}"))
}

#[test]
fn catalogue_loops_and_assignments() {
    let f = facts(
        r#"
class Repo {
public List<Appointment> GetForClient(int id) {
    var appointments = _context.Appointments.Where(a => a.ClientId == id).ToList();
    foreach (var a in appointments) {
        var p = _providerRepository.GetProvider(a.ProviderId);
        var n = connection.QueryFirstOrDefault<Note>("SELECT * FROM Notes WHERE Id = @id", new { id = a.Id });
    }
    var names = people.Select(x => x.Name).ToList();
    return appointments;
}
}"#,
    );
    assert_eq!(f.functions.len(), 1);
    assert_eq!(f.functions[0].name, "GetForClient");
    assert_eq!(f.functions[0].arity, 1);
    let to_list = f
        .calls
        .iter()
        .position(|c| c.callee == "ToList" && c.db.is_some())
        .expect("EF ToList");
    assert_eq!(
        f.assignments
            .iter()
            .find(|a| a.variable == "appointments")
            .map(|a| a.call),
        Some(to_list)
    );
    let foreach = f.loops.iter().position(|l| l.kind == "foreach").unwrap();
    assert_eq!(f.loops[foreach].source_var.as_deref(), Some("appointments"));
    let dapper = f
        .calls
        .iter()
        .find(|c| c.callee == "QueryFirstOrDefault")
        .unwrap();
    assert_eq!(dapper.db, Some(DbCall::Query));
    assert_eq!(dapper.loops, vec![foreach]);
    let sql = &f.strings[dapper.sql_argument.unwrap()];
    assert_eq!(sql.text, "SELECT * FROM Notes WHERE Id = @id");
    assert_eq!(sql.position_of(7).line, 7);
    let get = f.calls.iter().find(|c| c.callee == "GetProvider").unwrap();
    assert_eq!(get.db, None);
    assert_eq!(get.loops, vec![foreach]);
    // `people.Select(...)` is an in-memory callback loop; `people.ToList()` is not a db call.
    assert!(f.loops.iter().any(|l| l.kind == "Select callback"));
    assert!(f
        .calls
        .iter()
        .filter(|c| c.callee == "ToList")
        .all(|c| c.receiver_root.as_deref() == Some("_context") || c.db.is_none()));
}

#[test]
fn linq_on_a_context_is_not_a_loop() {
    let f = facts(
        "class R { void M() { var x = _context.Users.Select(u => u.Orders.Count()).ToList(); } }",
    );
    assert!(f.loops.is_empty(), "{:?}", f.loops);
}

#[test]
fn reader_loops_and_ado_net() {
    let f = facts(
        r#"
class R {
void M() {
    using (var connection = new SqlConnection(cs)) {
        var cmd = new SqlCommand("SELECT Id FROM Users", connection);
        connection.Open();
        using (var reader = cmd.ExecuteReader()) {
            while (reader.Read()) {
                Load(reader.GetInt32(0));
            }
        }
    }
}
}"#,
    );
    let exec = f
        .calls
        .iter()
        .position(|c| c.callee == "ExecuteReader")
        .unwrap();
    assert_eq!(f.calls[exec].db, Some(DbCall::Query));
    let w = f.loops.iter().find(|l| l.kind == "while").unwrap();
    assert_eq!(w.source_var.as_deref(), Some("reader"));
    assert!(f
        .assignments
        .iter()
        .any(|a| a.variable == "reader" && a.call == exec));
    assert_eq!(f.connections.len(), 1);
    assert_eq!(
        f.connections[0].disposal,
        Disposal::Guaranteed("using".into())
    );
    assert!(f
        .strings
        .iter()
        .any(|s| s.text == "SELECT Id FROM Users" && s.at_db_call));
}

#[test]
fn disposal_outcomes() {
    let f = facts(
        r#"
class R {
SqlConnection _shared;
void UsingVar() { using var c = new SqlConnection(cs); c.Open(); }
void Finally() { var c = new SqlConnection(cs); try { c.Open(); } finally { c.Close(); } }
void NormalOnly() { var c = new SqlConnection(cs); c.Open(); Work(c); c.Close(); }
void Never() { var c = new NpgsqlConnection(cs); c.Open(); }
SqlConnection Returned() { var c = new SqlConnection(cs); c.Open(); return c; }
void Field() { _shared = new SqlConnection(cs); }
void Reader() { var c = new SqlConnection(cs); c.Open(); var cmd = new SqlCommand("x", c); var r = cmd.ExecuteReader(CommandBehavior.CloseConnection); }
}"#,
    );
    let by_function = |name: &str| disposal_in(&f, name);
    assert!(matches!(by_function("UsingVar"), Disposal::Guaranteed(_)));
    assert!(matches!(by_function("Finally"), Disposal::Guaranteed(_)));
    assert!(matches!(
        by_function("NormalOnly"),
        Disposal::NormalPathOnly(_)
    ));
    assert_eq!(by_function("Never"), Disposal::Never);
    assert!(matches!(by_function("Returned"), Disposal::Escapes(_)));
    assert!(matches!(by_function("Field"), Disposal::Escapes(_)));
    assert!(matches!(by_function("Reader"), Disposal::Escapes(_)));
}

#[test]
fn returned_through_wrappers_and_self_opening_calls() {
    let f = facts(
        r#"
class R {
async Task<SqliteConnection> Coalesced() { SqliteConnection? c = null; try { c = new SqliteConnection(); } catch { await Drop(c); throw; } return c ?? throw new InvalidOperationException("none"); }
SqlConnection Forgiven() { SqlConnection? c = null; c = new SqlConnection(cs); return (c!); }
SqlConnection Other() { var c = new SqlConnection(cs); c.Open(); return d ?? c; }
async Task<int> DapperOnly() { var c = new SqlConnection(cs); var rows = await c.QueryAsync<int>("SELECT 1"); await c.ExecuteAsync("UPDATE T SET A = 1"); return rows.Count(); }
int DapperDisposed() { var c = new SqlConnection(cs); var n = c.ExecuteScalar<int>("SELECT 1"); c.Dispose(); return n; }
async Task<int> DapperOpened() { var c = new SqlConnection(cs); await c.OpenAsync(); return await c.ExecuteAsync("UPDATE T SET A = 1"); }
void DapperAndCommand() { var c = new SqlConnection(cs); c.Execute("UPDATE T SET A = 1"); var cmd = new SqlCommand("SELECT 1", c); }
void Unbuffered() { var c = new SqlConnection(cs); var rows = c.Query<int>("SELECT 1", buffered: false); }
void Grid() { var c = new SqlConnection(cs); var grid = c.QueryMultiple("SELECT 1; SELECT 2"); }
}"#,
    );
    let by_function = |name: &str| disposal_in(&f, name);
    assert_eq!(
        by_function("Coalesced"),
        Disposal::Escapes("returned to the caller".into())
    );
    assert_eq!(
        by_function("Forgiven"),
        Disposal::Escapes("returned to the caller".into())
    );
    // `d ?? c` returns `c` only when `d` is null: not taken as handing it back.
    assert_eq!(by_function("Other"), Disposal::Never);
    assert!(
        matches!(by_function("DapperOnly"), Disposal::Guaranteed(d) if d.contains("`QueryAsync`") && d.contains("only Dispose is skipped"))
    );
    assert!(
        matches!(by_function("DapperDisposed"), Disposal::Guaranteed(d) if d.contains("`ExecuteScalar`"))
    );
    assert_eq!(by_function("DapperOpened"), Disposal::Never);
    assert_eq!(by_function("DapperAndCommand"), Disposal::Never);
    assert_eq!(by_function("Unbuffered"), Disposal::Never);
    assert_eq!(by_function("Grid"), Disposal::Never);
}

#[test]
fn blocking_on_database_tasks() {
    let f = facts("class R { void M() { var a = cmd.ExecuteReaderAsync().Result; _context.Users.ToListAsync().Wait(); var b = conn.QueryAsync<int>(\"SELECT 1 FROM T\").GetAwaiter().GetResult(); } }");
    let blocked: Vec<_> = f
        .calls
        .iter()
        .filter_map(|c| c.blocked_by.clone().map(|b| (c.callee.clone(), b)))
        .collect();
    assert!(
        blocked.contains(&("ExecuteReaderAsync".into(), ".Result".into())),
        "{blocked:?}"
    );
    assert!(blocked.contains(&("ToListAsync".into(), ".Wait()".into())));
    assert!(blocked.contains(&("QueryAsync".into(), ".GetAwaiter().GetResult()".into())));
}

#[test]
fn concatenation_and_verbatim_strings() {
    let f = facts("class R { void M(int id) {\n var sql = \"SELECT * FROM Users \" +\n   \"WHERE Id = \" + id;\n var v = @\"SELECT Name\nFROM Providers\"; } }");
    let concat = f
        .strings
        .iter()
        .find(|s| s.text.starts_with("SELECT * FROM Users"))
        .unwrap();
    assert_eq!(concat.text, "SELECT * FROM Users WHERE Id = @p");
    assert_eq!(concat.position_of(20).line, 3);
    let verbatim = f
        .strings
        .iter()
        .find(|s| s.text.starts_with("SELECT Name"))
        .unwrap();
    assert_eq!(verbatim.position_of(12).line, 5);
}

#[test]
fn broken_code_and_garbage_do_not_panic() {
    let f = facts("class R { void M() { foreach (var x in repo.GetAll() { x.Save(); } ");
    assert!(f.error_share > 0.0);
    let _ = facts("\u{0}\u{1}}}}{{{((((;;;\"\"\"@@@");
    let deep = format!(
        "class R {{ void M() {{ var x = {}1{}; }} }}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let _ = facts(&deep);
}

fn lowered(code: &str) -> Unit {
    super::lower::lower("T.cs", code)
}

fn receiver_type(f: &AppFile, callee: &str) -> ReceiverType {
    f.calls
        .iter()
        .find(|c| c.callee == callee)
        .map(|c| c.receiver_type.clone())
        .unwrap_or_else(|| panic!("a call of {callee}"))
}

#[test]
fn receiver_types_from_declarations_constructions_fields_and_parameters() {
    let f = facts(
        r#"
class MailService : IMailService {
    private readonly MailRepository _repository;
    private IOrderRepository Orders { get; }
    void Send(List<Mail> mails, AuditLog log) {
        List<string> names = new List<string>();
        var builder = new StringBuilder();
        var repo = new MailRepository();
        var found = Factory.Instance().NewDao();
        foreach (var m in mails) {
            names.Add(m.Name);
            builder.Append(m.Name);
            repo.Save(m);
            _repository.Load(m.Id);
            this._repository.Count(1);
            Orders.Total(m);
            log.Write(m);
            found.Get(m);
            Helper(m);
            MailRepository.Static(m);
            Console.WriteLine(m);
            _context.Mails.Find(m);
        }
    }
}"#,
    );
    let class = |name: &str| ReceiverType::Class(name.to_string());
    assert_eq!(receiver_type(&f, "Add"), ReceiverType::Library);
    assert_eq!(receiver_type(&f, "Append"), ReceiverType::Library);
    assert_eq!(receiver_type(&f, "Save"), class("MailRepository"));
    assert_eq!(receiver_type(&f, "Load"), class("MailRepository"));
    assert_eq!(receiver_type(&f, "Count"), class("MailRepository"));
    assert_eq!(receiver_type(&f, "Total"), class("IOrderRepository"));
    assert_eq!(receiver_type(&f, "Write"), class("AuditLog"));
    assert_eq!(receiver_type(&f, "Get"), ReceiverType::Unknown);
    assert_eq!(receiver_type(&f, "Helper"), class("MailService"));
    assert_eq!(receiver_type(&f, "Static"), class("MailRepository"));
    assert_eq!(receiver_type(&f, "WriteLine"), ReceiverType::Library);
    assert_eq!(receiver_type(&f, "Find"), ReceiverType::Unknown);
    assert_eq!(f.classes.len(), 1);
    assert_eq!(f.classes[0].bases, vec!["IMailService".to_string()]);
}

#[test]
fn lambdas_are_functions_of_the_ir_and_their_calls_belong_to_the_method() {
    let unit = lowered(
        "class R { void M(List<int> ids) { ids.ForEach(id => Load(id)); Action a = () => Save(); } void Load(int id) {} void Save() {} }",
    );
    let lambdas = unit
        .functions
        .iter()
        .filter(|f| f.kind == crate::app::ir::typed::FunctionKind::Lambda)
        .count();
    assert_eq!(lambdas, 2);
    let bindings: Vec<_> = unit
        .functions
        .iter()
        .filter_map(|f| f.binding.clone())
        .collect();
    let for_each = unit.calls.iter().position(|c| c.callee == "ForEach");
    assert_eq!(
        bindings,
        vec![
            crate::app::ir::typed::LambdaBinding::Argument {
                call: for_each,
                method: "ForEach".into(),
                per_element: true
            },
            crate::app::ir::typed::LambdaBinding::Assigned("a".into()),
        ]
    );
    let f = facts(
        "class R { void M(List<int> ids) { ids.ForEach(id => Load(id)); Action a = () => Save(); } void Load(int id) {} void Save() {} }",
    );
    assert_eq!(
        f.functions.len(),
        3,
        "lambdas are not functions of the index"
    );
    let load = f.calls.iter().find(|c| c.callee == "Load").unwrap();
    assert_eq!(load.function, Some(0));
    assert_eq!(load.loops.len(), 1, "ForEach runs its lambda per element");
    let save = f.calls.iter().find(|c| c.callee == "Save").unwrap();
    assert_eq!(save.function, Some(0));
    assert!(save.loops.is_empty());
}

#[test]
fn ownership_never_opened_and_close_right_after_open() {
    let f = facts(
        r#"
class R {
    string Source() { var c = new SqlConnection(cs); return c.DataSource; }
    bool CanConnect() { var c = new SqlConnection(cs); c.Open(); c.Close(); return true; }
    void Between() { var c = new SqlConnection(cs); c.Open(); Work(); c.Close(); }
    void Owner() { var c = new SqlConnection(cs); var w = new Worker(c); w.Run(); }
    void Command() { var c = new SqlConnection(cs); var cmd = new SqlCommand("SELECT 1", c); c.Open(); cmd.ExecuteScalar(); }
}"#,
    );
    let by_function = |name: &str| disposal_in(&f, name);
    assert_eq!(by_function("Source"), Disposal::NeverOpened);
    assert!(matches!(by_function("CanConnect"), Disposal::Guaranteed(_)));
    assert!(matches!(
        by_function("Between"),
        Disposal::NormalPathOnly(_)
    ));
    assert_eq!(
        by_function("Owner"),
        Disposal::Escapes("handed to new Worker".into())
    );
    assert_eq!(by_function("Command"), Disposal::Never);
    let unit = lowered("class R { void M() { Use(new SqlConnection(cs)); } }");
    assert_eq!(
        unit.resources[0].origin,
        ResourceOrigin::Argument {
            owner: None,
            owning: false
        }
    );
}

#[test]
fn type_names_as_written() {
    let t = |s: &str| super::lower::type_name(s).map(|t| (t.name, t.arguments));
    assert_eq!(
        t("System.Collections.Generic.List<Mail>"),
        Some(("List".into(), vec!["Mail".into()]))
    );
    assert_eq!(
        t("Dictionary<int, List<Mail>>"),
        Some(("Dictionary".into(), vec!["int".into(), "List<Mail>".into()]))
    );
    assert_eq!(t("Mail[]"), Some(("Array".into(), vec!["Mail".into()])));
    assert_eq!(t("int?"), Some(("int".into(), vec![])));
    assert_eq!(t("  "), None);
}

#[test]
fn the_front_end_is_the_one_the_scan_takes_for_its_extensions() {
    let front_end = crate::app::front_end(Language::CSharp).expect("C# is lowered to the IR");
    assert_eq!(front_end.language(), Language::CSharp);
    for extension in front_end.extensions() {
        let path = format!("Orders.{extension}");
        assert_eq!(
            Language::of_path(std::path::Path::new(&path)),
            Some(Language::CSharp)
        );
    }
    assert!(front_end.grammar().node_kind_count() > 100);
    assert!(front_end.is_test_file("Orders.UnitTests/OrderTests.cs"));
    assert!(!front_end.is_test_file("Orders/OrderService.cs"));
    assert!(front_end.is_library_type("List") && !front_end.is_library_type("MailRepository"));
    assert!(front_end.is_untyped("var"));
    let unit = front_end.lower("Broken.cs", "class { void ( { ");
    assert!(unit.error_share > 0.0);
}

#[test]
fn a_connection_returned_inside_a_command_is_the_callers_and_param_closes_are_recorded() {
    let code = r#"
static class Sql {
    static SqlCommand Direct(string cs, string sql) {
        var connection = new SqlConnection(cs);
        connection.Open();
        return new SqlCommand(sql, connection);
    }
    static SqlCommand ThroughLocal(string cs, string sql) {
        var connection = new SqlConnection(cs);
        var command = new SqlCommand(sql, connection);
        connection.Open();
        return command;
    }
    static void CloseReader(SqlDataReader reader, SqlCommand command) { command.Connection.Close(); }
    static void CloseConnection(SqlConnection connection) { connection.Dispose(); }
    static void NotAClose(SqlCommand command) { command.Dispose(); }
}"#;
    let f = facts(code);
    assert_eq!(f.connections.len(), 2);
    for site in &f.connections {
        assert!(
            matches!(&site.disposal, Disposal::Escapes(why) if why.starts_with("returned to the caller inside")),
            "{:?}",
            site.disposal
        );
    }
    let unit = lowered(code);
    let closes: Vec<(String, usize)> = unit
        .param_closes
        .iter()
        .map(|&(f, p)| (unit.functions[f].name.clone(), p))
        .collect();
    assert_eq!(
        closes,
        vec![
            ("CloseReader".to_string(), 1),
            ("CloseConnection".to_string(), 0)
        ]
    );
}

#[test]
fn a_call_of_a_delegate_bound_to_a_method_is_a_call_of_that_method() {
    let f = facts(
        r#"
class Report {
    private readonly Repo _repo;
    private readonly Func<int, Item> _load;
    private string _title;
    Report(Repo repo, Options options) { _repo = repo; _load = repo.Get; _title = options.Title; }
    void Local() { Func<int, Item> find = _repo.Find; find(1); }
    void Field() { _load(2); this._load(3); }
    void NotBound() { var title = _title; Render(title); }
}"#,
    );
    let class = |name: &str| ReceiverType::Class(name.to_string());
    let callees: Vec<&str> = f.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(callees, vec!["Find", "Get", "Get", "Render"]);
    assert_eq!(receiver_type(&f, "Find"), class("Repo"));
    assert_eq!(receiver_type(&f, "Get"), class("Repo"));
    assert_eq!(receiver_type(&f, "Render"), class("Report"));
}
