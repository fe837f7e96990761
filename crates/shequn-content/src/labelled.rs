//! Reading the labelled spam/ham sets of `../shared/corpus` (training and
//! evaluation data). This is the only module that touches files; the analyses
//! never call it.

use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

/// The layouts of the labelled sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelledFormat {
    /// cn-sms-spam: CSV `label,content` (1 = ad), quoted fields may span lines.
    CnSms,
    /// cn-tg-spam-markivory: CSV `target,input` (1 = spam).
    CnTg,
    /// tg-spam: one message a line; a folder holding `spam-samples.txt` and
    /// `ham-samples.txt`, or one file whose name says `spam` or `ham`.
    TgSpam,
    /// UCI SMS Spam Collection: `ham|spam<TAB>text`.
    Uci,
    /// fbs-sms-cn: a folder of pre-segmented spam-only files, placeholders for contacts.
    Fbs,
}

impl LabelledFormat {
    pub fn parse(s: &str) -> Option<LabelledFormat> {
        Some(match s {
            "cn-sms" => LabelledFormat::CnSms,
            "cn-tg" => LabelledFormat::CnTg,
            "tg-spam" => LabelledFormat::TgSpam,
            "uci" => LabelledFormat::Uci,
            "fbs" => LabelledFormat::Fbs,
            _ => return None,
        })
    }
}

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub text: String,
    pub spam: bool,
}

/// The deterministic held-out fifth: rows whose text hashes (xxh3-64 of the
/// UTF-8 text as read) to 0 mod 5. Equal texts always fall on the same side.
pub fn in_held_out_fifth(text: &str) -> bool {
    xxh3_64(text.as_bytes()).is_multiple_of(5)
}

/// Reads a labelled set. Errors name the file and line.
pub fn read(path: &Path, format: LabelledFormat) -> Result<Vec<Labelled>, String> {
    match format {
        LabelledFormat::CnSms | LabelledFormat::CnTg => read_csv(path),
        LabelledFormat::Uci => read_uci(path),
        LabelledFormat::TgSpam => read_tg_spam(path),
        LabelledFormat::Fbs => read_fbs(path),
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// CSV with a header and `label,text` rows; RFC 4180 quoting.
fn read_csv(path: &Path) -> Result<Vec<Labelled>, String> {
    let data = read_text(path)?;
    let data = data.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut row_line = 1usize;
    let mut chars = data.chars().peekable();
    let mut end_row = |fields: &mut Vec<String>, row_line: usize| -> Result<(), String> {
        if fields.len() == 1 && fields[0].is_empty() {
            fields.clear();
            return Ok(());
        }
        if fields.len() < 2 {
            return Err(format!("{}:{row_line}: expected `label,text`; check --format", path.display()));
        }
        let label = fields[0].trim().trim_start_matches('\u{feff}');
        let text = fields[1..].join(",");
        match label {
            "1" => rows.push(Labelled { text, spam: true }),
            "0" => rows.push(Labelled { text, spam: false }),
            "label" | "target" => {}
            other => return Err(format!("{}:{row_line}: label `{other}` is neither 0 nor 1", path.display())),
        }
        fields.clear();
        Ok(())
    };
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                end_row(&mut fields, row_line)?;
                row_line = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        end_row(&mut fields, row_line)?;
    }
    Ok(rows)
}

fn read_uci(path: &Path) -> Result<Vec<Labelled>, String> {
    let data = read_text(path)?;
    let mut rows = Vec::new();
    for (i, line) in data.lines().enumerate() {
        let Some((label, text)) = line.split_once('\t') else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(format!("{}:{}: expected `ham|spam<TAB>text`; check --format", path.display(), i + 1));
        };
        match label {
            "spam" => rows.push(Labelled { text: text.to_string(), spam: true }),
            "ham" => rows.push(Labelled { text: text.to_string(), spam: false }),
            "Label" if i == 0 => {}
            other => return Err(format!("{}:{}: label `{other}` is neither ham nor spam", path.display(), i + 1)),
        }
    }
    Ok(rows)
}

fn read_lines(path: &Path, spam: bool) -> Result<Vec<Labelled>, String> {
    Ok(read_text(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| Labelled { text: l.to_string(), spam })
        .collect())
}

fn read_tg_spam(path: &Path) -> Result<Vec<Labelled>, String> {
    if path.is_dir() {
        let mut rows = read_lines(&path.join("spam-samples.txt"), true)?;
        rows.extend(read_lines(&path.join("ham-samples.txt"), false)?);
        return Ok(rows);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.contains("spam") {
        read_lines(path, true)
    } else if name.contains("ham") {
        read_lines(path, false)
    } else {
        Err(format!(
            "{}: for --format tg-spam give the folder with spam-samples.txt and ham-samples.txt, or a file named *spam* or *ham*",
            path.display()
        ))
    }
}

/// fbs-sms-cn: undo the segmentation spaces between Han characters and turn
/// the anonymisation placeholders back into text of the same shape.
fn read_fbs(path: &Path) -> Result<Vec<Labelled>, String> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: cannot list: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".md"))
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut rows = Vec::new();
    for f in files {
        for l in read_lines(&f, true)? {
            rows.push(Labelled { text: unsegment_fbs(&l.text), spam: true });
        }
    }
    Ok(rows)
}

fn unsegment_fbs(s: &str) -> String {
    let mut out = String::new();
    for tok in s.split_whitespace() {
        let tok = if tok.starts_with("URL") {
            "http://t.cn/x"
        } else {
            match tok {
                "CELLPHONE" => "13912345678",
                "PHONE" | "TELEPHONE" => "010-12345678",
                "DIGIT" => "8",
                "PLACE" | "NAME" => "",
                t => t,
            }
        };
        let prev_ascii = out.chars().last().is_some_and(|c: char| c.is_ascii_alphanumeric());
        let next_ascii = tok.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if prev_ascii && next_ascii {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_multiline_csv() {
        let dir = std::env::temp_dir().join(format!("shequn-content-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.csv");
        std::fs::write(&p, "label,content\n0,\"two\nlines, \"\"q\"\"\"\n1,加微信\n").unwrap();
        let rows = read(&p, LabelledFormat::CnSms).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "two\nlines, \"q\"");
        assert!(!rows[0].spam && rows[1].spam);
        std::fs::write(&p, "label,content\n7,x\n").unwrap();
        let err = read(&p, LabelledFormat::CnSms).unwrap_err();
        assert!(err.contains("a.csv:2"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unsegments_fbs() {
        assert_eq!(unsegment_fbs("贷款 DIGIT 万 详询 CELLPHONE"), "贷款8万详询13912345678");
    }
}
