//! The flat XML WeCom sends (`<xml><Field>value</Field>...</xml>`): the root's children by
//! name, and lists such as `<MemChangeList><Item>…</Item></MemChangeList>`. Nothing deeper
//! is needed, and no DTD or entity beyond XML's five is expanded.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The root element's children.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields {
    /// Text (and CDATA) of each child, by name; the first occurrence wins.
    pub text: HashMap<String, String>,
    /// The `<Item>` texts inside each child, by the child's name.
    pub items: HashMap<String, Vec<String>>,
}

impl Fields {
    /// A child's text, trimmed; None when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.text.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// A list child: its `<Item>`s, or (as some senders write it) one comma-separated text.
    pub fn list(&self, name: &str) -> Vec<String> {
        let from_items: Vec<String> = self
            .items
            .get(name)
            .into_iter()
            .flatten()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if !from_items.is_empty() {
            return from_items;
        }
        self.get(name)
            .map(|t| t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// Reads one document; any well-formedness error is an error naming where.
pub fn parse(text: &str) -> Result<Fields, String> {
    let mut reader = Reader::from_str(text);
    let mut fields = Fields::default();
    // Open element names, root first.
    let mut stack: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut seen_root = false;
    let err =
        |r: &Reader<&[u8]>, e: &dyn std::fmt::Display| format!("malformed XML at byte {}: {e}", r.buffer_position());
    loop {
        let ev = reader.read_event().map_err(|e| err(&reader, &e))?;
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if stack.is_empty() {
                    if seen_root {
                        return Err("malformed XML: more than one root element".into());
                    }
                    seen_root = true;
                }
                if stack.len() == 1 {
                    buf.clear();
                }
                stack.push(name);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match stack.len() {
                    0 if seen_root => return Err("malformed XML: more than one root element".into()),
                    0 => seen_root = true,
                    1 => {
                        fields.text.entry(name).or_default();
                    }
                    2 if name == "Item" => fields.items.entry(stack[1].clone()).or_default().push(String::new()),
                    _ => {}
                }
            }
            Event::End(_) => {
                // quick-xml has already checked that the name matches the open element.
                let name = stack.pop().unwrap_or_default();
                match stack.len() {
                    1 => {
                        fields.text.entry(name).or_insert_with(|| buf.clone());
                        buf.clear();
                    }
                    2 if name == "Item" => {
                        fields.items.entry(stack[1].clone()).or_default().push(std::mem::take(&mut buf));
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| err(&reader, &e))?;
                if stack.is_empty() {
                    if !s.trim().is_empty() {
                        return Err("malformed XML: text outside the root element".into());
                    }
                } else if stack.len() <= 3 {
                    buf.push_str(&s);
                }
            }
            Event::CData(c) => {
                if stack.is_empty() {
                    return Err("malformed XML: CDATA outside the root element".into());
                }
                let bytes = c.into_inner();
                let s = std::str::from_utf8(&bytes).map_err(|e| format!("malformed XML: CDATA is not UTF-8: {e}"))?;
                if stack.len() <= 3 {
                    buf.push_str(s);
                }
            }
            Event::DocType(_) => return Err("malformed XML: a DOCTYPE is not accepted".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(format!("malformed XML: <{}> is never closed", stack.last().map(String::as_str).unwrap_or("")));
    }
    if !seen_root {
        return Err("malformed XML: no root element".into());
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_lists_and_cdata() {
        let f = parse(
            "<?xml version=\"1.0\"?><xml><A><![CDATA[x &amp; y]]></A><B> 1 &amp; 2 </B><E/>\
             <L><Item>a</Item><Item><![CDATA[b]]></Item></L><C>a,b</C></xml>",
        )
        .unwrap();
        assert_eq!(f.get("A"), Some("x &amp; y"));
        assert_eq!(f.get("B"), Some("1 & 2"));
        assert_eq!(f.get("E"), None);
        assert!(f.text.contains_key("E"));
        assert_eq!(f.list("L"), vec!["a", "b"]);
        assert_eq!(f.list("C"), vec!["a", "b"]);
        assert!(f.list("Missing").is_empty());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "",
            "<xml>",
            "<xml><A>1</B></xml>",
            "<xml></xml><xml></xml>",
            "text<xml/>",
            "<!DOCTYPE x [<!ENTITY e \"boom\">]><xml><A>&e;</A></xml>",
            "<xml><A>&unknown;</A></xml>",
            "<xml><A>1</A>",
            "<xml><A><![CDATA[x]]</A></xml>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
