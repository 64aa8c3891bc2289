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

    /// 1-based (line, character column) of a byte offset (clamped to a char boundary).
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let column = text[self.starts[line_index]..offset].chars().count() + 1;
        (line_index as u32 + 1, column as u32)
    }
}

/// The file position of a byte offset into a text assembled from runs of a file (a string
/// literal's parts, a literal's content with its doubled quotes undone): `runs` holds
/// where each run starts, as (offset in `text`, 1-based (line, character column) in the
/// file), in increasing offsets; `start` is the text's position when `runs` is empty.
/// Inside a run the text is the file's own, so lines and columns are counted on it.
pub fn position_in_runs(
    text: &str,
    runs: &[(usize, (u32, u32))],
    start: (u32, u32),
    offset: usize,
) -> (u32, u32) {
    let at = runs.partition_point(|(run_start, _)| *run_start <= offset);
    let (run_start, (line, column)) = at
        .checked_sub(1)
        .and_then(|i| runs.get(i))
        .copied()
        .unwrap_or((0, start));
    let mut end = offset.min(text.len()).max(run_start.min(text.len()));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut begin = run_start.min(end);
    while !text.is_char_boundary(begin) {
        begin -= 1;
    }
    let within = &text[begin..end];
    match within.rfind('\n') {
        None => (line, column + within.chars().count() as u32),
        Some(last) => (
            line + within.matches('\n').count() as u32,
            within[last + 1..].chars().count() as u32 + 1,
        ),
    }
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
