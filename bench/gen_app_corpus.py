#!/usr/bin/env python3
"""Generates a mixed application-source corpus (C#, JavaScript, TypeScript, Python, Java)
with database calls, loops, connections and embedded SQL, for dbaudit's scan benchmark.

Usage: gen_app_corpus.py OUT_DIR [TOTAL_MB] [FILE_KB]   (deterministic)
"""
import os
import random
import sys

CS = """public class Service{n} {{
    private readonly PsyterContext _context;
    private readonly IDbConnection _db;
    public List<AppointmentDto> Get{n}(int clientId) {{
        var appointments = _context.Appointments.Where(a => a.ClientId == clientId).ToList();
        var result = new List<AppointmentDto>();
        foreach (var a in appointments) {{
            var p = _db.QueryFirstOrDefault<Provider>("SELECT ProviderId, Name FROM ServiceProviders WHERE ProviderId = @id", new {{ id = a.ProviderId }});
            result.Add(new AppointmentDto(a, p));
        }}
        using (var connection = new SqlConnection(_cs)) {{
            connection.Open();
            var cmd = new SqlCommand("SELECT * FROM Payments WHERE YEAR(CreatedDate) = 2024", connection);
            using (var reader = cmd.ExecuteReader()) {{ while (reader.Read()) {{ result.Add(Map(reader)); }} }}
        }}
        return result;
    }}
}}
"""
JS = """async function handler{n}(req, res) {{
  const {{ rows }} = await pool.query('SELECT id, client_id FROM appointments WHERE provider_id = $1', [req.params.id]);
  for (const row of rows) {{
    const provider = await pool.query(`SELECT * FROM providers WHERE id = ${{row.provider_id}}`);
    res.write(JSON.stringify(provider.rows));
  }}
  const client = await pool.connect();
  try {{ await client.query('UPDATE appointments SET status = 2 WHERE id = $1', [req.params.id]); }} finally {{ client.release(); }}
  await Promise.all(rows.map(async (r) => prisma.payment.findMany({{ where: {{ appointmentId: r.id }} }})));
}}
"""
TS = """export async function load{n}(repo: Repository<Appointment>, ids: number[]): Promise<Appointment[]> {{
  const result: Appointment[] = [];
  for (const id of ids) {{
    const a = await repo.findOneBy({{ id }});
    if (a) result.push(a);
  }}
  return result;
}}
"""
PY = """def report_{n}(conn, provider_id):
    cur = conn.cursor()
    cur.execute("SELECT id, client_id FROM appointments WHERE provider_id = %s", (provider_id,))
    for row in cur.fetchall():
        cur2 = conn.cursor()
        cur2.execute("SELECT * FROM payments WHERE appointment_id = %s", (row[0],))
        print(cur2.fetchone())
    users = [User.objects.get(pk=p) for p in range(10)]
    return users

"""
JAVA = """public class Dao{n} {{
    private JdbcTemplate jdbcTemplate;
    public List<Appointment> find{n}(int clientId) throws SQLException {{
        List<Appointment> list = jdbcTemplate.query("SELECT id, provider_id FROM appointments WHERE client_id = ?", mapper, clientId);
        for (Appointment a : list) {{
            a.setProvider(jdbcTemplate.queryForObject("SELECT * FROM providers WHERE id = ?", providerMapper, a.getProviderId()));
        }}
        try (Connection conn = dataSource.getConnection()) {{
            PreparedStatement ps = conn.prepareStatement("UPDATE appointments SET status = 2 WHERE id = ?");
            ps.executeUpdate();
        }}
        return list;
    }}
}}
"""

# Ordinary code around the data access: most of a real code base has no finding.
CS_CLEAN = """public class Model{n} {{
    public int Id {{ get; set; }}
    public string Name {{ get; set; }}
    public decimal Total(IEnumerable<decimal> amounts) {{
        decimal sum = 0;
        foreach (var a in amounts) {{ sum += Math.Round(a, 2); }}
        return sum > 1000 ? sum * 0.95m : sum;
    }}
    public override string ToString() => $"{{Id}}: {{Name}}";
}}
"""
JS_CLEAN = """export function format{n}(items, locale) {{
  const lines = items.filter((i) => i.visible).map((i) => `${{i.name}}: ${{i.price.toFixed(2)}}`);
  if (lines.length === 0) {{ return 'empty'; }}
  return lines.join('\\n') + ` (${{locale}})`;
}}
"""
PY_CLEAN = """def summarise_{n}(values, threshold=10):
    total = sum(v for v in values if v > threshold)
    labels = [str(v).rjust(5) for v in values]
    return {{"total": total, "labels": labels, "count": len(values)}}

"""
JAVA_CLEAN = """public class Money{n} {{
    private final long cents;
    public Money{n}(long cents) {{ this.cents = cents; }}
    public Money{n} add(Money{n} other) {{ return new Money{n}(cents + other.cents); }}
    public String format() {{ return String.format("%d.%02d", cents / 100, cents % 100); }}
}}
"""

LANGS = [(".cs", CS, CS_CLEAN), (".js", JS, JS_CLEAN), (".ts", TS, JS_CLEAN), (".py", PY, PY_CLEAN), (".java", JAVA, JAVA_CLEAN)]


def main():
    out = sys.argv[1]
    total_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 50
    file_kb = float(sys.argv[3]) if len(sys.argv) > 3 else 100
    os.makedirs(out, exist_ok=True)
    random.seed(7)
    written, index, n = 0, 0, 0
    while written < total_mb * 1024 * 1024:
        ext, template, clean = LANGS[index % len(LANGS)]
        parts, size = [], 0
        while size < file_kb * 1024:
            # One unit in six has the data-access problems; the rest is ordinary code.
            text = (template if n % 6 == 0 else clean).format(n=n)
            parts.append(text)
            size += len(text)
            n += 1
        with open(os.path.join(out, f"src_{index:05d}{ext}"), "w", encoding="utf-8") as f:
            f.write("".join(parts))
        written += size
        index += 1
    print(f"{index} files, {written / 1024 / 1024:.1f} MB, {n} units in {out}")


if __name__ == "__main__":
    main()
