//! Java strings: SQL assembled from literals, text blocks, concatenations,
//! `String.format` / `MessageFormat` and `StringBuilder` chains, with each part's position in
//! the file, linked to the database call or SQL carrier it is passed to (directly or through
//! a variable).

use super::catalogue::*;
use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn literal_piece(&self, node: Node<'a>) -> Piece {
        let (s, e) = (node.start_byte(), node.end_byte());
        let raw = self.src.text.get(s..e).unwrap_or("");
        let (open, close) = if raw.starts_with("\"\"\"") {
            (
                3,
                if raw.len() >= 6 && raw.ends_with("\"\"\"") {
                    3
                } else {
                    0
                },
            )
        } else {
            (
                raw.len().min(1),
                if raw.len() >= 2 && raw.ends_with('"') {
                    1
                } else {
                    0
                },
            )
        };
        let start = s + open;
        Piece::Lit {
            start,
            end: (e - close).max(start),
        }
    }

    /// The pieces of a string literal or a `+` concatenation holding one, and the nodes
    /// that are part of it.
    pub(super) fn string_pieces(&self, node: Node<'a>) -> Option<(Vec<Piece>, Vec<usize>)> {
        match node.kind_name() {
            "string_literal" => Some((vec![self.literal_piece(node)], vec![node.id()])),
            "binary_expression" if is_plus(node) => {
                let mut operands = Vec::new();
                let mut ids = Vec::new();
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    if is_plus(n) {
                        ids.push(n.id());
                        if let Some(r) = n.field("right") {
                            stack.push(r);
                        }
                        if let Some(l) = n.field("left") {
                            stack.push(l);
                        }
                    } else {
                        operands.push(n);
                    }
                }
                if !operands.iter().any(|o| o.kind_name() == "string_literal") {
                    return None;
                }
                let mut pieces = Vec::new();
                for o in operands {
                    if o.kind_name() == "string_literal" {
                        ids.push(o.id());
                        pieces.push(self.literal_piece(o));
                    } else if !matches!(pieces.last(), Some(Piece::Hole)) {
                        pieces.push(Piece::Hole);
                    }
                }
                Some((pieces, ids))
            }
            _ => None,
        }
    }

    /// `%s` / `%d` / `%1$s` → placeholder, `%%` → `%`, `%n` → a space.
    pub(super) fn printf_pieces(&self, pieces: Vec<Piece>) -> Vec<Piece> {
        let mut out = Vec::new();
        for p in pieces {
            let Piece::Lit { start, end } = p else {
                out.push(p);
                continue;
            };
            let raw = self.src.text.get(start..end).unwrap_or("");
            let b = raw.as_bytes();
            let (mut i, mut run) = (0, 0);
            while i < b.len() {
                if b[i] != b'%' {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'$') {
                    j += 1;
                }
                while j < b.len() && b"-#+ 0,(<".contains(&b[j]) {
                    j += 1;
                }
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                if j < b.len() && b[j] == b'.' {
                    j += 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
                if j >= b.len() || !(b[j].is_ascii_alphabetic() || b[j] == b'%') {
                    i += 1;
                    continue;
                }
                let conv = b[j];
                let mut spec_end = if conv == b't' || conv == b'T' {
                    (j + 2).min(b.len())
                } else {
                    j + 1
                };
                while spec_end < b.len() && !raw.is_char_boundary(spec_end) {
                    spec_end += 1;
                }
                out.push(Piece::Lit {
                    start: start + run,
                    end: start + i,
                });
                match conv {
                    b'%' => out.push(Piece::Lit {
                        start: start + i,
                        end: start + i + 1,
                    }),
                    b'n' => out.push(Piece::Synth {
                        text: " ",
                        at: start + i,
                    }),
                    _ => out.push(Piece::Hole),
                }
                i = spec_end;
                run = spec_end;
            }
            out.push(Piece::Lit {
                start: start + run,
                end,
            });
        }
        out
    }

    /// `{0}` / `{1,number}` → placeholder.
    pub(super) fn message_format_pieces(&self, pieces: Vec<Piece>) -> Vec<Piece> {
        let mut out = Vec::new();
        for p in pieces {
            let Piece::Lit { start, end } = p else {
                out.push(p);
                continue;
            };
            let raw = self.src.text.get(start..end).unwrap_or("");
            let b = raw.as_bytes();
            let (mut i, mut run) = (0, 0);
            while i < b.len() {
                if b[i] == b'{' && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
                    if let Some(close) = raw[i..].find('}') {
                        out.push(Piece::Lit {
                            start: start + run,
                            end: start + i,
                        });
                        out.push(Piece::Hole);
                        i += close + 1;
                        run = i;
                        continue;
                    }
                }
                i += 1;
            }
            out.push(Piece::Lit {
                start: start + run,
                end,
            });
        }
        out
    }

    pub(super) fn make_string(
        &self,
        expr: Node<'a>,
        pieces: &[Piece],
        function: Option<usize>,
    ) -> StringLit {
        let mut text = String::new();
        let mut segments = Vec::new();
        for p in pieces {
            match *p {
                Piece::Lit { start, end } => {
                    if end > start {
                        if let Some(s) = self.src.text.get(start..end) {
                            segments.push((text.len(), self.src.pos_of_byte(start)));
                            text.push_str(s);
                        }
                    }
                }
                Piece::Synth { text: t, at } => {
                    segments.push((text.len(), self.src.pos_of_byte(at)));
                    text.push_str(t);
                }
                Piece::Hole => text.push_str(PLACEHOLDER),
            }
        }
        StringLit {
            function,
            text,
            segments,
            start: self.src.start(expr),
            at_db_call: false,
        }
    }

    pub(super) fn string_root(&mut self, node: Node<'a>, ctx: &Ctx<'a>) {
        if let Some((pieces, ids)) = self.string_pieces(node) {
            self.consumed.extend(ids);
            self.consider_string(node, &pieces, ctx);
        }
    }

    /// `String.format(fmt, ..)`, `fmt.formatted(..)`, `MessageFormat.format(fmt, ..)`.
    pub(super) fn format_call(
        &mut self,
        node: Node<'a>,
        name: &str,
        object: Option<Node<'a>>,
        args: &[Node<'a>],
        ctx: &Ctx<'a>,
    ) {
        let Some(object) = object else {
            return;
        };
        let otext = self.t(object);
        let (fmt, printf) = if name == "format" && matches!(otext, "String" | "java.lang.String") {
            match args
                .iter()
                .take(2)
                .copied()
                .find(|a| self.string_pieces(*a).is_some())
            {
                Some(a) => (a, true),
                None => return,
            }
        } else if name == "formatted" && self.string_pieces(object).is_some() {
            (object, true)
        } else if name == "format"
            && (otext == "MessageFormat" || otext.ends_with(".MessageFormat"))
        {
            match args.first() {
                Some(a) => (*a, false),
                None => return,
            }
        } else {
            return;
        };
        let Some((pieces, ids)) = self.string_pieces(fmt) else {
            return;
        };
        self.consumed.extend(ids);
        let pieces = if printf {
            self.printf_pieces(pieces)
        } else {
            self.message_format_pieces(pieces)
        };
        self.consider_string(node, &pieces, ctx);
    }

    pub(super) fn consider_string(&mut self, expr: Node<'a>, pieces: &[Piece], ctx: &Ctx<'a>) {
        let mut lit = self.make_string(expr, pieces, ctx.function);
        let at_db = self.is_sql_arg(expr);
        lit.at_db_call = at_db;
        let interesting =
            at_db || looks_like_sql(&lit.text) || masked_credentials(&lit.text).is_some();
        let var = self.assigned_var(expr);
        if interesting {
            let idx = self.unit.strings.len();
            self.unit.strings.push(lit);
            self.str_by_node.insert(expr.id(), idx);
            if let Some(v) = var {
                self.string_vars
                    .insert((ctx.function, v), StrRef::Recorded(idx));
            }
        } else if let Some(v) = var {
            self.string_vars
                .insert((ctx.function, v), StrRef::Pending(Box::new(lit)));
        }
    }

    /// The variable a string expression is assigned to (`String sql = ..`, `sql = ..`,
    /// `this.sql = ..`).
    pub(super) fn assigned_var(&self, expr: Node<'a>) -> Option<String> {
        let cur = climb(expr);
        let p = cur.parent()?;
        match p.kind_name() {
            "variable_declarator" if p.field("value").is_some_and(|v| v.id() == cur.id()) => {
                Some(self.t(p.field("name")?).to_string())
            }
            "assignment_expression" if p.field("right").is_some_and(|v| v.id() == cur.id()) => {
                if p.field("operator")?.kind_name() != "=" {
                    return None;
                }
                let l = p.field("left")?;
                match l.kind_name() {
                    "identifier" => Some(self.t(l).to_string()),
                    "field_access" if l.field("object")?.kind_name() == "this" => {
                        Some(self.t(l.field("field")?).to_string())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `expr` is the first argument of a call taking SQL first.
    pub(super) fn is_sql_arg(&self, expr: Node<'a>) -> bool {
        let mut cur = expr;
        while let Some(p) = cur.parent() {
            if matches!(
                p.kind_name(),
                "parenthesized_expression" | "cast_expression"
            ) {
                cur = p;
            } else {
                break;
            }
        }
        let Some(list) = cur.parent().filter(|p| p.kind_name() == "argument_list") else {
            return false;
        };
        if named_children(list).first().map(|f| f.id()) != Some(cur.id()) {
            return false;
        }
        list.parent()
            .is_some_and(|call| self.sql_arg_calls.contains(&call.id()))
    }

    /// The recorded string passed as the first argument of `call` (directly, or through a
    /// variable / constant holding it).
    pub(super) fn first_arg_string(&mut self, call: Node<'a>, ctx: &Ctx<'a>) -> Option<usize> {
        let arg = unwrap_expr(*args_of(call).first()?);
        if let Some(&i) = self.str_by_node.get(&arg.id()) {
            return Some(i);
        }
        let name = match arg.kind_name() {
            "identifier" => self.t(arg),
            "field_access" if arg.field("object")?.kind_name() == "this" => {
                self.t(arg.field("field")?)
            }
            _ => return None,
        };
        for key in [(ctx.function, name.to_string()), (None, name.to_string())] {
            let Some(entry) = self.string_vars.get_mut(&key) else {
                continue;
            };
            match entry {
                StrRef::Recorded(i) => return Some(*i),
                StrRef::Pending(_) => {
                    let idx = self.unit.strings.len();
                    let lit = std::mem::replace(entry, StrRef::Recorded(idx));
                    if let StrRef::Pending(lit) = lit {
                        self.unit.strings.push(*lit);
                    }
                    return Some(idx);
                }
            }
        }
        None
    }

    /// SQL given to an earlier carrier along the receiver (`em.createQuery(q).getResultList()`,
    /// `ps = conn.prepareStatement(q); ps.executeQuery()`).
    pub(super) fn carrier_string(&self, start: Node<'a>) -> Option<usize> {
        let mut cur = Some(start);
        let mut hops = 0;
        while let Some(n) = cur {
            hops += 1;
            if hops > 64 {
                return None;
            }
            cur = match n.kind_name() {
                "method_invocation" => {
                    if let Some(&s) = self.carrier_str.get(&n.id()) {
                        return Some(s);
                    }
                    n.field("object")
                }
                "identifier" => self.lookup(self.t(n)).and_then(|i| i.value),
                "field_access" if n.field("object").is_some_and(|o| o.kind_name() == "this") => {
                    let field = self.t(n.field("field")?);
                    self.lookup_field(field).and_then(|i| i.value)
                }
                "parenthesized_expression" | "cast_expression" => {
                    Some(unwrap_expr(n)).filter(|u| u.id() != n.id())
                }
                _ => None,
            };
        }
        None
    }

    pub(super) fn link_sql(
        &mut self,
        node: Node<'a>,
        idx: usize,
        entry: &'static DbMethod,
        object: Option<Node<'a>>,
        ctx: &Ctx<'a>,
    ) {
        let mut s = None;
        if entry.sql_arg {
            s = self.first_arg_string(node, ctx);
        }
        if s.is_none() {
            s = object.and_then(|o| self.carrier_string(o));
        }
        let Some(s) = s else {
            return;
        };
        let Some(lit) = self.unit.strings.get_mut(s) else {
            return;
        };
        lit.at_db_call = true;
        let reads = {
            let t = lit.text.trim_start().trim_start_matches('(').trim_start();
            let head: String = t.chars().take(6).collect::<String>().to_ascii_uppercase();
            head.starts_with("SELECT") || head.starts_with("WITH ")
        };
        if let Some(call) = self.unit.calls.get_mut(idx) {
            call.sql_argument = Some(s);
            if entry.method == "execute"
                && matches!(entry.kind, Kind::Statement | Kind::JdbcTemplate)
                && reads
            {
                if let CallRole::Database { kind, .. } = &mut call.role {
                    *kind = DbCall::Query;
                }
            }
        }
    }
}
