//! Python strings: SQL and connection-string literals assembled from f-strings, implicit
//! concatenation, `+`, `%` and `.format` (with their segments' positions), docstrings left
//! out, and the SQL argument of each database call followed through variables, module
//! constants, class constants and wrappers (`text(...)`, `sql.SQL(...)`, `dedent(...)`).

use super::*;

impl<'a> Extractor<'a> {
    // ---- strings ----

    /// Flattens a `+` chain into its operands (left to right), iteratively.
    pub(super) fn plus_operands(
        &self,
        node: Node<'a>,
        visited: &mut HashSet<usize>,
    ) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if out.len() > 2000 {
                break;
            }
            let is_plus = n.kind_name() == "binary_operator"
                && Self::field(n, "operator").is_some_and(|o| o.kind_name() == "+");
            if is_plus {
                visited.insert(n.id());
                if let Some(r) = Self::field(n, "right") {
                    stack.push(r);
                }
                if let Some(l) = Self::field(n, "left") {
                    stack.push(l);
                }
            } else {
                out.push(n);
            }
        }
        out
    }

    pub(super) fn is_stringish(
        &self,
        node: Node<'a>,
        depth: usize,
        visited: &mut HashSet<usize>,
    ) -> bool {
        if depth > 40 {
            return false;
        }
        match node.kind_name() {
            "string" | "concatenated_string" => true,
            "parenthesized_expression" => {
                Self::inner(node).is_some_and(|i| self.is_stringish(i, depth + 1, visited))
            }
            "binary_operator" => match Self::field(node, "operator").map(|o| o.kind_name()) {
                Some("+") => self
                    .plus_operands(node, visited)
                    .into_iter()
                    .any(|o| self.is_stringish(o, depth + 1, visited)),
                Some("%") => self.is_percent_format(node, depth, visited),
                _ => false,
            },
            "call" => self
                .format_object(node)
                .is_some_and(|o| self.is_stringish(o, depth + 1, visited)),
            _ => false,
        }
    }

    pub(super) fn is_percent_format(
        &self,
        node: Node<'a>,
        depth: usize,
        visited: &mut HashSet<usize>,
    ) -> bool {
        Self::field(node, "operator").is_some_and(|o| o.kind_name() == "%")
            && Self::field(node, "left").is_some_and(|l| self.is_stringish(l, depth + 1, visited))
    }

    /// `X` of `X.format(...)`.
    pub(super) fn format_object(&self, call: Node<'a>) -> Option<Node<'a>> {
        let f = Self::field(call, "function")?;
        (f.kind_name() == "attribute" && self.field_text(f, "attribute") == "format")
            .then(|| Self::field(f, "object"))
            .flatten()
    }

    /// An f-string interpolation (`start..end`, braces included) that is a plain dotted
    /// name saying blob / binary / bytea (`{db.blob}`): a column type filled in at run time.
    fn names_a_binary_type(&self, start: usize, end: usize) -> bool {
        let Some(inner) = self
            .src
            .text
            .get(start..end)
            .and_then(|t| t.strip_prefix('{'))
            .and_then(|t| t.strip_suffix('}'))
        else {
            return false;
        };
        let lower = inner.to_ascii_lowercase();
        inner.len() <= 40
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            && ["blob", "binary", "bytea"]
                .iter()
                .any(|w| lower.contains(w))
    }

    /// Literal runs (byte ranges) and holes of a string expression, in order.
    pub(super) fn string_parts(
        &self,
        node: Node<'a>,
        depth: usize,
        parts: &mut Vec<Option<(usize, usize)>>,
    ) {
        if depth > 40 {
            parts.push(None);
            return;
        }
        let mut visited = HashSet::new();
        match node.kind_name() {
            "string" => {
                let children = {
                    let mut c = node.walk();
                    node.children(&mut c).collect::<Vec<_>>()
                };
                let start = children
                    .iter()
                    .find(|c| c.kind_name() == "string_start")
                    .map(|c| c.end_byte())
                    .unwrap_or(node.start_byte());
                let end = children
                    .iter()
                    .rev()
                    .find(|c| c.kind_name() == "string_end" && !c.is_missing())
                    .map(|c| c.start_byte())
                    .unwrap_or(node.end_byte())
                    .max(start);
                let mut cur = start;
                for c in children.iter().filter(|c| c.kind_name() == "interpolation") {
                    // `{db.blob}` in a `CREATE TABLE`: kept as written, so that the
                    // embedded-SQL bridge can read the column's type from its name.
                    if self.names_a_binary_type(c.start_byte(), c.end_byte()) {
                        continue;
                    }
                    if c.start_byte() >= cur && c.end_byte() <= end {
                        parts.push(Some((cur, c.start_byte())));
                        parts.push(None);
                        cur = c.end_byte();
                    }
                }
                parts.push(Some((cur, end)));
            }
            "concatenated_string" => {
                for s in Self::named_children(node) {
                    if s.kind_name() == "string" {
                        self.string_parts(s, depth + 1, parts);
                    }
                }
            }
            "parenthesized_expression" => match Self::inner(node) {
                Some(i) if self.is_stringish(i, 0, &mut visited) => {
                    self.string_parts(i, depth + 1, parts)
                }
                _ => parts.push(None),
            },
            "binary_operator" => match Self::field(node, "operator").map(|o| o.kind_name()) {
                Some("+") => {
                    for o in self.plus_operands(node, &mut visited) {
                        if self.is_stringish(o, 0, &mut visited) {
                            self.string_parts(o, depth + 1, parts);
                        } else {
                            parts.push(None);
                        }
                    }
                }
                // `"... %s" % args`: the literal as written, placeholders kept.
                Some("%") => match Self::field(node, "left") {
                    Some(l) => self.string_parts(l, depth + 1, parts),
                    None => parts.push(None),
                },
                _ => parts.push(None),
            },
            "call" => match self.format_object(node) {
                // `"...{}".format(...)`: the literal as written.
                Some(o) => self.string_parts(o, depth + 1, parts),
                None => parts.push(None),
            },
            _ => parts.push(None),
        }
    }

    pub(super) fn is_docstring(&self, i: usize) -> bool {
        self.up(i).is_some_and(|p| {
            self.kind(p) == "expression_statement" && Self::named_children(self.nodes[p]).len() == 1
        })
    }

    pub(super) fn strings(&mut self) {
        let mut consumed_end = 0usize;
        let mut visited: HashSet<usize> = HashSet::new();
        for i in 0..self.nodes.len() {
            if !matches!(
                self.kinds[i],
                "string"
                    | "concatenated_string"
                    | "binary_operator"
                    | "call"
                    | "parenthesized_expression"
            ) {
                continue;
            }
            let node = self.nodes[i];
            if node.start_byte() < consumed_end {
                continue;
            }
            if visited.contains(&node.id()) {
                continue;
            }
            if !self.is_stringish(node, 0, &mut visited) {
                continue;
            }
            consumed_end = node.end_byte();
            if self.is_docstring(i) {
                continue;
            }
            let mut parts = Vec::new();
            self.string_parts(node, 0, &mut parts);
            let mut text = String::new();
            let mut segments = Vec::new();
            let mut last_hole = false;
            for part in parts {
                match part {
                    Some((a, b)) => {
                        let Some(slice) = self.src.text.get(a..b) else {
                            continue;
                        };
                        if slice.is_empty() {
                            continue;
                        }
                        segments.push((text.len(), self.pos_of_byte(a)));
                        text.push_str(slice);
                        last_hole = false;
                    }
                    None => {
                        if !last_hole {
                            text.push_str("$1");
                            last_hole = true;
                        }
                    }
                }
            }
            let ci = self.candidates.len();
            self.cand_of.insert(i, ci);
            // `("..." "...")`: the parenthesised string is the same candidate.
            let inner = Self::unwrap(node);
            if let Some(k) = self.idx(inner) {
                self.cand_of.insert(k, ci);
            }
            self.candidates.push(Candidate {
                text,
                segments,
                start: self.start(node),
                function: self.fn_of[i],
                at_db_call: false,
            });
        }
    }

    // ---- SQL arguments ----

    /// The string candidate holding a call's SQL argument.
    pub(super) fn sql_candidate(
        &self,
        expr: Node<'a>,
        scope: Option<usize>,
        at: usize,
    ) -> Option<usize> {
        let mut e = Self::unwrap(expr);
        for _ in 0..8 {
            if let Some(&c) = self.idx(e).and_then(|i| self.cand_of.get(&i)) {
                return Some(c);
            }
            match e.kind_name() {
                "call" => {
                    let name = self.callee_name(e);
                    if SQL_WRAPPERS.contains(&name.as_str()) {
                        e = Self::unwrap(*Self::positional_args(e).first()?);
                    } else if let Some(obj) = self.format_object(e) {
                        e = Self::unwrap(obj);
                    } else {
                        return None;
                    }
                }
                "identifier" | "attribute" => {
                    let key = self.dotted(e)?;
                    if let Some(BindKind::Str(c)) = self.lookup(&key, scope, at).map(|b| b.kind) {
                        return Some(c);
                    }
                    // `self.SQL` / `cls.SQL`: a constant of the class body.
                    let attr = key
                        .strip_prefix("self.")
                        .or_else(|| key.strip_prefix("cls."))?;
                    return self.class_constant(attr, scope);
                }
                _ => return None,
            }
        }
        None
    }

    /// A string constant assigned in the body of the class of function `scope`.
    pub(super) fn class_constant(&self, name: &str, scope: Option<usize>) -> Option<usize> {
        let f = scope?;
        let mut p = self.up(self.fn_node[f]);
        while let Some(i) = p {
            if self.kinds[i] == "class_definition" {
                break;
            }
            if self.kinds[i] == "function_definition" {
                return None;
            }
            p = self.up(i);
        }
        let class = self.nodes[p?];
        self.bindings_by_key
            .get(name)?
            .iter()
            .map(|&b| &self.bindings[b])
            .filter(|b| {
                b.scope.is_none() && b.pos > class.start_byte() && b.pos <= class.end_byte()
            })
            .find_map(|b| match b.kind {
                BindKind::Str(c) => Some(c),
                _ => None,
            })
    }

    pub(super) fn sql_arguments(&mut self) {
        for ci in 0..self.call_node.len() {
            let i = self.call_node[ci];
            let node = self.nodes[i];
            let is_raw = self.unit.calls[ci].callee == "raw"
                && matches!(&self.chain_class[ci], Some(ChainClass::Lazy("Django")));
            let sql = if is_raw {
                SqlArg::First
            } else if self.db_of(ci).is_some() {
                self.classify_call(ci)
                    .map(|(_, _, s)| s)
                    .unwrap_or(SqlArg::None)
            } else {
                SqlArg::None
            };
            if sql == SqlArg::None {
                continue;
            }
            let arg = Self::positional_args(node)
                .first()
                .copied()
                .or_else(|| self.keyword_arg(node, SQL_KEYWORDS));
            let Some(arg) = arg else {
                continue;
            };
            let cand = self.sql_candidate(arg, self.fn_of[i], node.start_byte());
            if let Some(c) = cand {
                self.candidates[c].at_db_call = true;
                self.sql_cand.insert(ci, c);
            }
            // Query / Execute from the verb.
            let callee = self.unit.calls[ci].callee.clone();
            if VERB_SENSITIVE.contains(&callee.as_str()) && self.db_of(ci).is_some() {
                let verb = match self.sqla_statement_arg(node) {
                    Some((_, Some(db))) => Some(db),
                    _ => cand.and_then(|c| sql_verb_call(&self.candidates[c].text)),
                };
                if let Some(db) = verb {
                    if let Some(CallRole::Database { kind, .. }) =
                        self.unit.calls.get_mut(ci).map(|c| &mut c.role)
                    {
                        *kind = db;
                    }
                }
            }
        }
    }

    pub(super) fn emit_strings(&mut self) {
        let mut string_of: HashMap<usize, usize> = HashMap::new();
        for (c, cand) in self.candidates.iter().enumerate() {
            if cand.at_db_call
                || (looks_like_sql(&cand.text) && !is_procedure_call_prose(&cand.text))
                || masked_credentials(&cand.text).is_some()
            {
                string_of.insert(c, self.unit.strings.len());
                self.unit.strings.push(StringLit {
                    function: cand.function,
                    text: cand.text.clone(),
                    segments: cand.segments.clone(),
                    start: cand.start,
                    at_db_call: cand.at_db_call,
                });
            }
        }
        for (&ci, &c) in &self.sql_cand {
            if let Some(&s) = string_of.get(&c) {
                if let Some(call) = self.unit.calls.get_mut(ci) {
                    call.sql_argument = Some(s);
                }
            }
        }
    }
}
