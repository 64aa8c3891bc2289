//! The PL/pgSQL block parser over a body's tokens: blocks, branches, loops, cursors.

use super::header::parameter_names;
use super::kind_of_first;
use crate::sql::lex::{Tok, TokKind};
use crate::sql::unit::{LoopInfo, LoopKind, Stmt, StmtKind};

/// The PL/pgSQL block parser over a body's tokens.
pub(super) struct PlParser<'a> {
    pub(super) toks: &'a [Tok],
    pub(super) pos: usize,
    pub(super) end: usize,
    pub(super) object: usize,
    pub(super) loop_stack: Vec<usize>,
    pub(super) statements: Vec<Stmt>,
    pub(super) loops: Vec<LoopInfo>,
    pub(super) variables: Vec<String>,
    pub(super) problems: Vec<(usize, String)>,
    /// Loops already in the unit (loop indices are unit-wide).
    pub(super) loop_base: usize,
    /// Statements already in the unit (statement indices are unit-wide).
    pub(super) stmt_base: usize,
    /// Lower-cased cursor name -> unit-wide index of the statement holding its query.
    pub(super) cursors: Vec<(String, usize)>,
    pub(super) depth: usize,
    /// Token ranges of `IF <debug flag> THEN ...` branches (`SqlUnit::debug_only`).
    pub(super) debug_only: Vec<std::ops::Range<usize>>,
}

const BLOCK_ENDS: &[&str] = &["END", "ELSE", "ELSIF", "ELSEIF", "WHEN", "EXCEPTION"];

impl PlParser<'_> {
    fn tok(&self, i: usize) -> Option<&Tok> {
        if i < self.end {
            self.toks.get(i)
        } else {
            None
        }
    }

    fn at_kw(&self, keyword: &str) -> bool {
        self.tok(self.pos).is_some_and(|t| t.is_kw(keyword))
    }

    pub(super) fn block_or_statements(&mut self) {
        while self.pos < self.end {
            let before = self.pos;
            self.statement();
            if self.pos == before {
                // A stray END / ELSE at the top: report and move on.
                self.problems.push((
                    self.pos,
                    format!("unexpected `{}` in PL/pgSQL body", self.toks[self.pos].text),
                ));
                self.pos += 1;
            }
        }
    }

    fn skip_label(&mut self) {
        if self.tok(self.pos).is_some_and(|t| t.is_punct("<<")) {
            self.pos = (self.pos + 3).min(self.end);
        }
    }

    /// Statements until a block-ending keyword (END, ELSE, ELSIF, WHEN, EXCEPTION).
    fn statements_until_end(&mut self) {
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_any_kw(BLOCK_ENDS) {
                return;
            }
            let before = self.pos;
            self.statement();
            if self.pos == before {
                self.pos += 1;
            }
        }
    }

    /// Consumes `END [IF|LOOP|CASE] [label] ;`.
    fn end_of(&mut self, what: Option<&str>) {
        if self.at_kw("END") {
            self.pos += 1;
            if let Some(word) = what {
                if self.at_kw(word) {
                    self.pos += 1;
                }
            }
            while let Some(t) = self.tok(self.pos) {
                if t.is_punct(";") {
                    self.pos += 1;
                    break;
                }
                if t.is_identifier_like() && !t.is_any_kw(BLOCK_ENDS) {
                    self.pos += 1;
                    continue;
                }
                break;
            }
        } else if self.pos < self.end {
            let message = format!(
                "expected END{} here",
                what.map(|w| format!(" {w}")).unwrap_or_default()
            );
            self.problems.push((self.pos, message));
        } else {
            self.problems.push((
                self.end.saturating_sub(1),
                "body ends before its END".to_string(),
            ));
        }
    }

    fn statement(&mut self) {
        self.skip_label();
        let Some(tok) = self.tok(self.pos) else {
            return;
        };
        if tok.is_punct(";") {
            self.pos += 1;
            return;
        }
        if tok.kind != TokKind::Word {
            self.simple();
            return;
        }
        let word = tok.text.to_ascii_uppercase();
        let nests = matches!(
            word.as_str(),
            "DECLARE" | "BEGIN" | "IF" | "CASE" | "LOOP" | "WHILE" | "FOR" | "FOREACH"
        );
        if nests {
            if self.depth >= crate::sql::tsql::MAX_NESTING {
                self.problems.push((
                    self.pos,
                    format!("blocks nested deeper than {} levels: the rest of this body was not analysed", crate::sql::tsql::MAX_NESTING),
                ));
                self.pos = self.end;
                return;
            }
            self.depth += 1;
            self.nested_statement(&word);
            self.depth -= 1;
            return;
        }
        if BLOCK_ENDS.contains(&word.as_str()) {
            return;
        }
        self.simple();
    }

    fn nested_statement(&mut self, word: &str) {
        match word {
            "DECLARE" => {
                self.pos += 1;
                self.declarations();
                if self.at_kw("BEGIN") {
                    self.block();
                }
            }
            "BEGIN" => self.block(),
            "IF" => self.if_statement(),
            "CASE" => self.case_statement(),
            "LOOP" => self.loop_statement(LoopKind::Loop, self.pos, None, None),
            "WHILE" => {
                let at = self.pos;
                self.pos += 1;
                let start = self.pos;
                let end = self.until_keyword_here("LOOP");
                self.push_condition(start..end);
                self.loop_statement(LoopKind::While, at, None, None);
            }
            "FOR" => self.for_statement(),
            "FOREACH" => {
                let at = self.pos;
                if let Some(var) = self.tok(self.pos + 1).filter(|t| t.is_identifier_like()) {
                    self.variables.push(var.text.to_ascii_lowercase());
                }
                self.until_keyword_here("LOOP");
                self.loop_statement(LoopKind::ForEach, at, None, None);
            }
            _ => self.simple(),
        }
    }

    fn declarations(&mut self) {
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_kw("BEGIN") {
                return;
            }
            let start = self.pos;
            let end = self.until_semicolon();
            if let Some(name) = self.toks.get(start).filter(|t| t.is_identifier_like()) {
                let name = name.text.to_ascii_lowercase();
                self.variables.push(name.clone());
                // name [NO] [SCROLL] CURSOR [(args)] FOR|IS query
                let decl = &self.toks[start..end];
                if let Some(cursor_at) = decl.iter().take(4).position(|t| t.is_kw("CURSOR")) {
                    if decl.get(cursor_at + 1).is_some_and(|t| t.is_punct("(")) {
                        let params = parameter_names(&self.toks[..end], start + cursor_at + 1);
                        self.variables.extend(params);
                    }
                    if let Some(for_at) = decl.iter().position(|t| t.is_any_kw(&["FOR", "IS"])) {
                        let index =
                            self.push_stmt(start + for_at + 1..end, StmtKind::DeclareCursor);
                        self.cursors.push((name, index));
                    }
                }
            }
            if self.pos == start {
                self.pos += 1;
            }
        }
    }

    fn block(&mut self) {
        self.pos += 1; // BEGIN
        self.statements_until_end();
        if self.at_kw("EXCEPTION") {
            self.pos += 1;
            while self.at_kw("WHEN") {
                self.until_keyword("THEN");
                self.statements_until_end();
            }
        }
        self.end_of(None);
    }

    fn if_statement(&mut self) {
        self.pos += 1;
        let cond = self.until_keyword("THEN");
        let debug = crate::sql::unit::tests_debug_flag(&self.toks[cond.clone()]);
        self.push_condition(cond);
        let body_start = self.pos;
        self.statements_until_end();
        if debug {
            self.debug_only.push(body_start..self.pos);
        }
        loop {
            if self.at_kw("ELSIF") || self.at_kw("ELSEIF") {
                self.pos += 1;
                let cond = self.until_keyword("THEN");
                self.push_condition(cond);
                self.statements_until_end();
            } else if self.at_kw("ELSE") {
                self.pos += 1;
                self.statements_until_end();
            } else {
                break;
            }
        }
        self.end_of(Some("IF"));
    }

    fn case_statement(&mut self) {
        self.pos += 1;
        self.until_keyword_here("WHEN");
        while self.at_kw("WHEN") {
            self.pos += 1;
            let cond = self.until_keyword("THEN");
            self.push_condition(cond);
            self.statements_until_end();
        }
        if self.at_kw("ELSE") {
            self.pos += 1;
            self.statements_until_end();
        }
        self.end_of(Some("CASE"));
    }

    fn for_statement(&mut self) {
        let at = self.pos;
        let var = self
            .tok(self.pos + 1)
            .filter(|t| t.is_identifier_like())
            .map(|t| t.text.to_ascii_lowercase());
        if let Some(var) = var {
            self.variables.push(var);
        }
        // FOR target [, target] IN
        let in_at = (self.pos..self.end).find(|&k| self.toks[k].is_kw("IN"));
        let Some(in_at) = in_at else {
            self.problems.push((at, "FOR without IN".to_string()));
            self.simple();
            return;
        };
        self.pos = in_at + 1;
        if self.at_kw("REVERSE") {
            self.pos += 1;
        }
        let header_start = self.pos;
        let header = header_start..self.until_keyword_here("LOOP");
        let head = &self.toks[header.clone()];
        // `1..10` lexes as `1.` `.10` (or `..` between names): a range, not a query.
        let is_range = head.iter().any(|t| {
            t.is_punct("..")
                || (t.kind == TokKind::Number && (t.text.ends_with('.') || t.text.starts_with('.')))
        }) || head
            .windows(2)
            .any(|w| w[0].is_punct(".") && w[1].is_punct("."));
        let first = head.first();
        let (kind, source, cursor) = if first.is_some_and(|t| t.is_kw("EXECUTE")) {
            let stmt = self.push_stmt(header.clone(), StmtKind::Exec);
            (LoopKind::ForQuery, Some(stmt), None)
        } else if is_range {
            (LoopKind::ForRange, None, None)
        } else if first
            .is_some_and(|t| t.is_any_kw(&["SELECT", "WITH", "VALUES", "TABLE"]) || t.is_punct("("))
        {
            let stmt = self.push_stmt(header.clone(), StmtKind::LoopSource);
            (LoopKind::ForQuery, Some(stmt), None)
        } else {
            let name = self.toks.get(header_start).map(|t| t.text.clone());
            let source = name.as_ref().and_then(|n| self.cursor_source(n));
            (LoopKind::ForCursor, source, name)
        };
        self.loop_statement(kind, at, source, cursor);
    }

    fn cursor_source(&self, name: &str) -> Option<usize> {
        self.cursors
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, index)| *index)
    }

    /// At the loop keyword: reads `LOOP body END LOOP`.
    fn loop_statement(
        &mut self,
        kind: LoopKind,
        at: usize,
        source: Option<usize>,
        cursor: Option<String>,
    ) {
        // The caller stops at the LOOP keyword.
        let tok = &self.toks[at];
        let index = self.loop_base + self.loops.len();
        self.loops.push(LoopInfo {
            kind,
            start: at,
            header_end: self.pos.max(at + 1),
            line: tok.line,
            col: tok.col,
            object: Some(self.object),
            cursor,
            source,
        });
        if self.at_kw("LOOP") {
            self.pos += 1;
        }
        self.loop_stack.push(index);
        self.statements_until_end();
        self.loop_stack.pop();
        self.end_of(Some("LOOP"));
        // A bare LOOP that FETCHes walks a cursor: name it.
        let local = index - self.loop_base;
        if self.loops[local].cursor.is_none() {
            let fetched = self
                .statements
                .iter()
                .filter(|s| s.kind == StmtKind::Fetch && s.loops.last() == Some(&index))
                .find_map(|s| crate::sql::tsql::fetch_cursor_name(&self.toks[s.range.clone()]));
            if let Some(name) = fetched {
                self.loops[local].source = self.cursor_source(&name);
                self.loops[local].cursor = Some(name);
            }
        }
    }

    /// Tokens up to (not including) `keyword` at depth 0; moves past the keyword.
    fn until_keyword(&mut self, keyword: &str) -> std::ops::Range<usize> {
        let start = self.pos;
        let end = self.until_keyword_here(keyword);
        if self.at_kw(keyword) {
            self.pos += 1;
        }
        start..end
    }

    fn until_keyword_here(&mut self, keyword: &str) -> usize {
        let mut depth = 0usize;
        let mut case_depth = 0usize;
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_punct("(") || tok.is_punct("[") {
                depth += 1;
            } else if tok.is_punct(")") || tok.is_punct("]") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_kw("CASE") {
                case_depth += 1;
            } else if depth == 0 && case_depth > 0 && tok.is_kw("END") {
                case_depth -= 1;
            } else if depth == 0 && case_depth == 0 && (tok.is_kw(keyword) || tok.is_punct(";")) {
                break;
            }
            self.pos += 1;
        }
        self.pos
    }

    fn until_semicolon(&mut self) -> usize {
        let mut depth = 0usize;
        while let Some(tok) = self.tok(self.pos) {
            if tok.is_punct("(") || tok.is_punct("[") {
                depth += 1;
            } else if tok.is_punct(")") || tok.is_punct("]") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 && tok.is_punct(";") {
                let end = self.pos;
                self.pos += 1;
                return end;
            }
            self.pos += 1;
        }
        self.pos
    }

    fn push_stmt(&mut self, range: std::ops::Range<usize>, kind: StmtKind) -> usize {
        self.statements.push(Stmt {
            range,
            kind,
            object: Some(self.object),
            loops: self.loop_stack.clone(),
        });
        self.stmt_base + self.statements.len() - 1
    }

    fn push_condition(&mut self, range: std::ops::Range<usize>) {
        if !range.is_empty() {
            self.push_stmt(range, StmtKind::Condition);
        }
    }

    fn simple(&mut self) {
        let start = self.pos;
        let end = self.until_semicolon();
        if end <= start {
            return;
        }
        let first = &self.toks[start];
        let mut kind = kind_of_first(first);
        let mut range = start..end;
        if first.is_kw("RETURN") && self.toks.get(start + 1).is_some_and(|t| t.is_kw("QUERY")) {
            // RETURN QUERY <query> | RETURN QUERY EXECUTE ...
            range = start + 2..end;
            kind = if self.toks.get(start + 2).is_some_and(|t| t.is_kw("EXECUTE")) {
                StmtKind::Exec
            } else {
                StmtKind::Select
            };
        } else if first.is_kw("OPEN") {
            if let Some(for_at) = self.toks[start..end].iter().position(|t| t.is_kw("FOR")) {
                let query_start = start + for_at + 1;
                if self
                    .toks
                    .get(query_start)
                    .is_some_and(|t| t.is_kw("EXECUTE"))
                {
                    kind = StmtKind::Exec;
                } else {
                    kind = StmtKind::DeclareCursor;
                }
                range = query_start..end;
            }
        } else if kind == StmtKind::Other
            && self
                .toks
                .get(start + 1)
                .is_some_and(|t| t.is_punct(":=") || t.is_punct("="))
        {
            kind = StmtKind::Set;
        }
        if !range.is_empty() {
            self.push_stmt(range, kind);
        }
    }
}
