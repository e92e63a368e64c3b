//! A parser for GML as written by the Internet Topology Zoo and most graph tools.
//!
//! Hand-written because no maintained crate reads the Zoo dialect (entities in strings, repeated
//! keys, exponents, `#` comments, Latin-1 files) and reports line and column for every error.

use std::fmt;

/// Where something is in the source text (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// A syntax or content error, with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct GmlError {
    pub position: Position,
    pub message: String,
}

impl GmlError {
    pub(crate) fn at(position: Position, message: impl Into<String>) -> Self {
        GmlError { position, message: message.into() }
    }
}

/// A GML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Entry>),
}

/// One `key value` pair, with the position of its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub value: Value,
    pub position: Position,
}

impl Value {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The value as text: strings as they are, numbers as written.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(x) => Some(x.to_string()),
            Value::List(_) => None,
        }
    }
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Parses GML bytes (UTF-8, or Latin-1 when not valid UTF-8) into top-level entries.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, GmlError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    let mut parser = Parser { chars: text.chars().collect(), at: 0, line: 1, column: 1 };
    let entries = parser.entries(0)?;
    parser.skip_blank();
    if let Some(c) = parser.peek() {
        return Err(GmlError::at(
            parser.position(),
            format!("unexpected '{c}' after the end of the document"),
        ));
    }
    Ok(entries)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: usize,
    column: usize,
}

impl Parser {
    fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == '\u{feff}' {
                self.bump();
            } else if c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else {
                break;
            }
        }
    }

    /// Entries until `]` (inside a list) or the end of input (at the top).
    fn entries(&mut self, depth: usize) -> Result<Vec<Entry>, GmlError> {
        let mut out = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None | Some(']') => return Ok(out),
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                    let position = self.position();
                    let key = self.key();
                    let value = self.value(&key, depth)?;
                    out.push(Entry { key, value, position });
                }
                Some(c) => {
                    return Err(GmlError::at(self.position(), format!("expected a key, found '{c}'")));
                }
            }
        }
    }

    fn key(&mut self) -> String {
        let mut key = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
            key.push(c);
            self.bump();
        }
        key
    }

    fn value(&mut self, key: &str, depth: usize) -> Result<Value, GmlError> {
        self.skip_blank();
        let start = self.position();
        match self.peek() {
            None => Err(GmlError::at(start, format!("key '{key}' has no value before the end of the file"))),
            Some('[') => {
                if depth >= MAX_DEPTH {
                    return Err(GmlError::at(start, format!("lists nested deeper than {MAX_DEPTH}")));
                }
                self.bump();
                let entries = self.entries(depth + 1)?;
                if self.bump() != Some(']') {
                    return Err(GmlError::at(start, format!("list '{key}' opened here is never closed")));
                }
                Ok(Value::List(entries))
            }
            Some('"') => self.string(),
            Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => self.number(),
            Some(c) => Err(GmlError::at(start, format!("key '{key}' has no valid value (found '{c}')"))),
        }
    }

    fn string(&mut self) -> Result<Value, GmlError> {
        let start = self.position();
        self.bump();
        let mut raw = String::new();
        loop {
            match self.bump() {
                None => return Err(GmlError::at(start, "string opened here is never closed")),
                Some('"') => return Ok(Value::Str(decode_entities(&raw))),
                Some(c) => raw.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<Value, GmlError> {
        let start = self.position();
        let mut text = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
        {
            text.push(c);
            self.bump();
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        match text.parse::<f64>() {
            Ok(x) if !text.chars().any(|c| c.is_ascii_alphabetic() && !matches!(c, 'e' | 'E')) => {
                Ok(Value::Float(x))
            }
            _ => Err(GmlError::at(start, format!("'{text}' is not a number"))),
        }
    }
}

/// Replaces `&quot;`, `&amp;`, `&lt;`, `&gt;`, `&apos;` and numeric `&#NN;`/`&#xNN;` entities;
/// anything else is kept as written.
fn decode_entities(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = &rest[1..semi];
            let c = match name {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| name.strip_prefix('#').map(|dec| dec.parse::<u32>()))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes a string for a GML quoted value (the inverse of entity decoding).
pub fn encode_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_lists_numbers_and_strings() {
        let doc =
            parse(b"# c\ngraph [ id 3 x -1.5e3 s \"a &quot;b&quot; &amp; &#233;\" n [ k 1 ] ]").unwrap();
        let Value::List(g) = &doc[0].value else { panic!("graph is a list") };
        assert_eq!(g[0].value, Value::Int(3));
        assert_eq!(g[1].value, Value::Float(-1500.0));
        assert_eq!(g[2].value, Value::Str("a \"b\" & é".into()));
        assert_eq!(g[3].position, Position { line: 2, column: 56 });
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = parse(b"graph [\n  node [ id 0\n").unwrap_err();
        assert_eq!(err.position, Position { line: 2, column: 8 });
        let err = parse(b"graph [\n  x 12abc\n]").unwrap_err();
        assert_eq!(err.to_string(), "line 2, column 5: '12abc' is not a number");
        let err = parse(b"graph [ ] ]").unwrap_err();
        assert_eq!(err.position, Position { line: 1, column: 11 });
    }

    #[test]
    fn latin1_bytes_are_read() {
        let doc = parse(b"label \"Z\xfcrich\"").unwrap();
        assert_eq!(doc[0].value, Value::Str("Zürich".into()));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "a [ ".repeat(100);
        assert!(parse(text.as_bytes()).unwrap_err().message.contains("nested deeper"));
    }

    #[test]
    fn strings_round_trip_through_encoding() {
        let s = "a \"q\" & &amp; b";
        let doc = parse(format!("k {}", encode_string(s)).as_bytes()).unwrap();
        assert_eq!(doc[0].value, Value::Str(s.into()));
    }
}
