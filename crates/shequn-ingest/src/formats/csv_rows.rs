//! A small RFC 4180 CSV reader (quoted fields with `""`, newlines inside quotes)
//! that keeps each row's starting line number for error messages.

/// One CSV row and the 1-based line it starts on.
pub struct CsvRow {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Splits CSV text into rows; ragged rows are kept as they are.
pub fn rows(text: &str) -> Vec<CsvRow> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    let mut row_started = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                row_started = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                row_started = true;
            }
            '\r' => {}
            '\n' => {
                if row_started || !field.is_empty() {
                    fields.push(std::mem::take(&mut field));
                    out.push(CsvRow { line: row_line, fields: std::mem::take(&mut fields) });
                }
                row_started = false;
                line += 1;
                row_line = line;
            }
            _ => {
                field.push(c);
                row_started = true;
            }
        }
    }
    if row_started || !field.is_empty() {
        fields.push(field);
        out.push(CsvRow { line: row_line, fields });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_newlines() {
        let r = rows("a,b\r\n1,\"x\"\"y\nz\"\r\n\r\n2,\r\n");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].fields, vec!["1", "x\"y\nz"]);
        assert_eq!((r[2].line, r[2].fields.clone()), (5, vec!["2".to_string(), String::new()]));
    }
}
