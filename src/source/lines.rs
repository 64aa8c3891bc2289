//! Mapping between (line, character column) positions and byte offsets of a text.

/// Byte offsets of line starts, for turning tokenizer positions (1-based line, 1-based
/// character column) into byte offsets and back.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset of the start of a 1-based line (the end of the text past the last).
    pub fn line_start(&self, text: &str, line: u32) -> usize {
        let index = (line.max(1) - 1) as usize;
        self.starts.get(index).copied().unwrap_or(text.len())
    }

    /// Byte offset of a 1-based (line, character column) position, clamped to the text.
    pub fn offset(&self, text: &str, line: u32, column: u32) -> usize {
        let start = self.line_start(text, line);
        let rest = &text[start..];
        let chars = column.max(1) as usize - 1;
        match rest.char_indices().nth(chars) {
            Some((i, _)) => start + i,
            None => text.len(),
        }
    }

    /// 0-based index of the line holding a byte offset.
    fn line_index_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based (line, character column) of a byte offset (clamped to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = self.line_index_of(offset);
        let column = text[self.starts[line_index]..offset].chars().count() + 1;
        (line_index as u32 + 1, column as u32)
    }
}

/// The file position of a byte offset into a text assembled from runs of a file (a string
/// literal's parts, a literal's content with its doubled quotes undone): `runs` holds
/// where each run starts, as (offset in `text`, 1-based (line, character column) in the
/// file), in increasing offsets; `start` is the text's position when `runs` is empty.
/// Inside a run the text is the file's own, so lines and columns are counted on it.
/// For many offsets into one text, build a `RunMap` once.
pub fn position_in_runs(
    text: &str,
    runs: &[(usize, (u32, u32))],
    start: (u32, u32),
    offset: usize,
) -> (u32, u32) {
    RunMap::new(text, runs, start).position(offset)
}

/// `position_in_runs` for many offsets: with the text's line starts, each position costs a
/// binary search and at most one line's characters, not the run's (a literal that is a
/// whole procedure is often one run).
pub struct RunMap<'a> {
    text: &'a str,
    runs: &'a [(usize, (u32, u32))],
    start: (u32, u32),
    lines: LineIndex,
}

impl<'a> RunMap<'a> {
    pub fn new(text: &'a str, runs: &'a [(usize, (u32, u32))], start: (u32, u32)) -> Self {
        RunMap {
            text,
            runs,
            start,
            lines: LineIndex::new(text),
        }
    }

    /// The text's own line index (positions in the assembled text, not in the file).
    pub fn text_lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn position(&self, offset: usize) -> (u32, u32) {
        let text = self.text;
        let at = self
            .runs
            .partition_point(|(run_start, _)| *run_start <= offset);
        let (run_start, (line, column)) = at
            .checked_sub(1)
            .and_then(|i| self.runs.get(i))
            .copied()
            .unwrap_or((0, self.start));
        let end = floor_char_boundary(text, offset);
        let begin = floor_char_boundary(text, run_start).min(end);
        let end_line = self.lines.line_index_of(end);
        let begin_line = self.lines.line_index_of(begin);
        if end_line == begin_line {
            (line, column + text[begin..end].chars().count() as u32)
        } else {
            let line_start = self.lines.starts[end_line];
            (
                line + (end_line - begin_line) as u32,
                text[line_start..end].chars().count() as u32 + 1,
            )
        }
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_positions() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let off = index.offset(text, 2, 2);
        assert_eq!(&text[off..off + 1], "d");
        assert_eq!(index.position(text, off), (2, 2));
        assert_eq!(index.position(text, text.len()), (4, 2));
        assert_eq!(index.offset(text, 9, 1), text.len());
    }

    #[test]
    fn positions_follow_the_runs() {
        // "it's\nok" assembled from `it''s` + newline + `ok` at (3, 10) in a file.
        let text = "it's\nok";
        let runs = [(0, (3, 10)), (3, (3, 14))];
        assert_eq!(position_in_runs(text, &runs, (3, 10), 0), (3, 10));
        assert_eq!(position_in_runs(text, &runs, (3, 10), 2), (3, 12));
        assert_eq!(position_in_runs(text, &runs, (3, 10), 3), (3, 14));
        assert_eq!(position_in_runs(text, &runs, (3, 10), 6), (4, 2));
        assert_eq!(position_in_runs(text, &[], (1, 1), 99), (2, 3));
    }
}
