//! Plain-text tables that line up Chinese (double-width) text.

use unicode_width::UnicodeWidthStr;

/// Text from an export made safe for a terminal: a member named `ESC]0;…BEL` or a message
/// with `ESC[2J` must not retitle or clear the operator's terminal, and a bidi override must
/// not reverse what follows it. Control characters become their visible Unicode pictures
/// (␛ for ESC), bidi embedding/override/isolate marks are dropped; line breaks and tabs
/// stay when `keep_lines`.
pub fn terminal_safe(s: &str, keep_lines: bool) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\t' if keep_lines => Some(c),
            '\n' | '\t' | '\r' => Some(' '),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            '\u{7f}' => Some('\u{2421}'),
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32),
            c if c.is_control() => Some('\u{fffd}'),
            c => Some(c),
        })
        .collect()
}

/// Renders rows under a header, each column padded to its widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| terminal_safe(c, false)).collect()).collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i] - cell.width()));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// Cuts text to at most `max` display columns, marking the cut with "…".
pub fn truncate(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for ch in text.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) + 1 > max {
            break;
        }
        out.push(ch);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_cells_line_up() {
        let t = render(&["name", "n"], &[vec!["读书会".into(), "1".into()], vec!["ab".into(), "22".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[1], "读书会  1");
        assert_eq!(lines[2], "ab      22");
    }

    #[test]
    fn truncate_counts_wide_characters() {
        assert_eq!(truncate("好运2017大家加油", 8), "好运201…");
        assert_eq!(truncate("好运2017大家加油", 7), "好运20…");
    }
}
