//! A strict, bounded, non-recursive JSON reader (RFC 8259) for headers, claim sets and keys.
//!
//! `serde-json-core` 0.7 returns escaped strings raw, rejects surrogate pairs and non-integer
//! numbers, has no nesting limit and recurses on nested values, so every document passes
//! through this reader first. It validates the whole document (UTF-8, no byte order mark, no raw
//! control characters in strings, no trailing bytes, nesting at most
//! [`MAX_JSON_DEPTH`](crate::limits::MAX_JSON_DEPTH)) and then hands out the members of the
//! top-level object as raw slices. Nesting is tracked in a bit stack, never on the call stack.

use alloc::borrow::Cow;
use alloc::string::String;

use crate::error::JsonProblem;
use crate::limits::MAX_JSON_DEPTH;

// The container stack is one bit per level in a `u64`.
const _: () = assert!(MAX_JSON_DEPTH <= 64);

/// The JSON type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// A validated value: its type and its exact bytes in the document.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Value<'a> {
    pub(crate) kind: Kind,
    pub(crate) raw: &'a [u8],
}

/// Validates `doc` as one JSON value whose top level is an object.
pub(crate) fn validate_object(doc: &[u8]) -> Result<(), JsonProblem> {
    if doc.starts_with(b"\xEF\xBB\xBF") {
        return Err(JsonProblem::ByteOrderMark);
    }
    core::str::from_utf8(doc).map_err(|_| JsonProblem::InvalidUtf8)?;
    let mut scanner = Scanner { bytes: doc, pos: 0 };
    scanner.skip_whitespace();
    let value = scanner.value()?;
    scanner.skip_whitespace();
    if scanner.pos != doc.len() {
        return Err(JsonProblem::Syntax {
            offset: scanner.pos,
        });
    }
    if value.kind != Kind::Object {
        return Err(JsonProblem::NotAnObject);
    }
    Ok(())
}

/// Iterates over the members of a validated object or the elements of a validated array.
///
/// For an array, the yielded name is empty.
pub(crate) struct Members<'a> {
    scanner: Scanner<'a>,
    is_object: bool,
    done: bool,
}

impl<'a> Members<'a> {
    /// Starts iterating over `value`, which must be an object or an array.
    pub(crate) fn new(value: Value<'a>) -> Self {
        let is_object = value.kind == Kind::Object;
        let done = !matches!(value.kind, Kind::Object | Kind::Array);
        // Skip the opening bracket.
        let scanner = Scanner {
            bytes: value.raw,
            pos: 1,
        };
        Self {
            scanner,
            is_object,
            done,
        }
    }

    /// Starts iterating over the members of the top-level object of a validated document.
    pub(crate) fn of_document(doc: &'a [u8]) -> Result<Self, JsonProblem> {
        let mut scanner = Scanner { bytes: doc, pos: 0 };
        scanner.skip_whitespace();
        let value = scanner.value()?;
        Ok(Self::new(value))
    }
}

impl<'a> Iterator for Members<'a> {
    /// The raw (still escaped) member name without quotes, and the value.
    type Item = Result<(&'a [u8], Value<'a>), JsonProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let s = &mut self.scanner;
        s.skip_whitespace();
        match s.peek() {
            Some(b'}' | b']') => {
                self.done = true;
                return None;
            }
            Some(b',') => {
                s.pos += 1;
                s.skip_whitespace();
            }
            _ => {}
        }
        let item = (|| {
            let name = if self.is_object {
                let start = s.pos;
                s.string()?;
                let name = &s.bytes[start + 1..s.pos - 1];
                s.skip_whitespace();
                s.expect(b':')?;
                s.skip_whitespace();
                name
            } else {
                &[][..]
            };
            let value = s.value()?;
            Ok((name, value))
        })();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// Returns `true` when the raw member name equals `expected` after unescaping.
pub(crate) fn name_is(raw: &[u8], expected: &str) -> bool {
    string_equals(raw, expected)
}

/// Returns the unescaped text of a string value.
pub(crate) fn string_value<'a>(value: &Value<'a>) -> Option<Result<Cow<'a, str>, JsonProblem>> {
    if value.kind != Kind::String {
        return None;
    }
    Some(unescape(&value.raw[1..value.raw.len() - 1]))
}

/// Unescapes the contents of a validated string (without its quotes).
pub(crate) fn unescape(raw: &[u8]) -> Result<Cow<'_, str>, JsonProblem> {
    if !raw.contains(&b'\\') {
        let text = core::str::from_utf8(raw).map_err(|_| JsonProblem::InvalidUtf8)?;
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let start = i;
        while i < raw.len() && raw[i] != b'\\' {
            i += 1;
        }
        let text = core::str::from_utf8(&raw[start..i]).map_err(|_| JsonProblem::InvalidUtf8)?;
        out.push_str(text);
        if i == raw.len() {
            break;
        }
        let (ch, used) = decode_escape(raw, i)?;
        out.push(ch);
        i += used;
    }
    Ok(Cow::Owned(out))
}

/// Decodes the escape sequence at `raw[at]` (a backslash) and returns the character and the
/// number of bytes consumed. Surrogate pairs must be complete; lone surrogates are rejected.
fn decode_escape(raw: &[u8], at: usize) -> Result<(char, usize), JsonProblem> {
    let bad = JsonProblem::InvalidEscape { offset: at };
    let ch = match raw.get(at + 1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let high = hex4(raw, at + 2).ok_or(bad)?;
            if (0xDC00..0xE000).contains(&high) {
                return Err(bad);
            }
            if !(0xD800..0xDC00).contains(&high) {
                let ch = char::from_u32(u32::from(high)).ok_or(bad)?;
                return Ok((ch, 6));
            }
            if raw.get(at + 6) != Some(&b'\\') || raw.get(at + 7) != Some(&b'u') {
                return Err(bad);
            }
            let low = hex4(raw, at + 8).ok_or(bad)?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(bad);
            }
            let code = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
            let ch = char::from_u32(code).ok_or(bad)?;
            return Ok((ch, 12));
        }
        _ => return Err(bad),
    };
    Ok((ch, 2))
}

fn hex4(raw: &[u8], at: usize) -> Option<u16> {
    let digits = raw.get(at..at + 4)?;
    let mut value = 0u16;
    for &d in digits {
        let nibble = (d as char).to_digit(16)?;
        value = (value << 4) | nibble as u16;
    }
    Some(value)
}

/// Reads a validated number as a NumericDate (RFC 7519 §2): Unix seconds, fractions rounded
/// up, values beyond `u64::MAX` saturated. Returns `None` for negative numbers.
///
/// Rounding up keeps every comparison against an integer `now` exact: `now < exp` holds for
/// a fractional `exp` exactly when it holds for `ceil(exp)`, and likewise for `nbf` and `iat`.
pub(crate) fn numeric_date(raw: &[u8]) -> Option<u64> {
    if raw.first() == Some(&b'-') {
        return None;
    }
    // Split the validated number into its integer digits, fraction digits and exponent.
    let integer_end = raw
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(raw.len());
    let integer = &raw[..integer_end];
    let mut rest = &raw[integer_end..];
    let mut fraction: &[u8] = &[];
    if let Some(after_point) = rest.strip_prefix(b".") {
        let end = after_point
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(after_point.len());
        fraction = &after_point[..end];
        rest = &after_point[end..];
    }
    let mut exponent: i64 = 0;
    if let Some(after_e) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let (negative, digits) = match after_e.first() {
            Some(b'-') => (true, &after_e[1..]),
            Some(b'+') => (false, &after_e[1..]),
            _ => (false, after_e),
        };
        for &digit in digits {
            // Saturate far beyond any meaningful exponent.
            exponent = (exponent * 10 + i64::from(digit - b'0')).min(1 << 40);
        }
        if negative {
            exponent = -exponent;
        }
    }

    // value = digits × 10^scale, where digits are the integer and fraction digits in order.
    let digit_count = (integer.len() + fraction.len()) as i64;
    let scale = exponent.saturating_sub(fraction.len() as i64);
    let integer_len = digit_count.saturating_add(scale.min(0));
    let mut value: u64 = 0;
    let mut has_remainder = false;
    for (index, &digit) in integer.iter().chain(fraction).enumerate() {
        if (index as i64) < integer_len {
            value = value
                .saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'));
        } else if digit != b'0' {
            has_remainder = true;
        }
    }
    if scale > 0 && value != 0 {
        for _ in 0..scale.min(20) {
            value = value.saturating_mul(10);
        }
    }
    if has_remainder {
        value = value.saturating_add(1);
    }
    Some(value)
}

/// Returns `true` when the contents of a validated string (without its quotes) equal
/// `expected` after unescaping. Compares without allocating.
pub(crate) fn string_equals(raw: &[u8], expected: &str) -> bool {
    if !raw.contains(&b'\\') {
        return raw == expected.as_bytes();
    }
    let mut expected = expected.chars();
    let mut i = 0;
    while i < raw.len() {
        let ch = if raw[i] == b'\\' {
            match decode_escape(raw, i) {
                Ok((ch, used)) => {
                    i += used;
                    ch
                }
                Err(_) => return false,
            }
        } else {
            // Decode one UTF-8 character; the document was validated as UTF-8.
            let width = utf8_width(raw[i]);
            let Some(text) = raw
                .get(i..i + width)
                .and_then(|b| core::str::from_utf8(b).ok())
            else {
                return false;
            };
            i += width;
            match text.chars().next() {
                Some(ch) => ch,
                None => return false,
            }
        };
        if expected.next() != Some(ch) {
            return false;
        }
    }
    expected.next().is_none()
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// A cursor over a document. Every method leaves `pos` just past what it consumed.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn syntax(&self) -> JsonProblem {
        JsonProblem::Syntax { offset: self.pos }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonProblem> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonProblem> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    /// Scans one string, validating its escapes, and stops past the closing quote.
    fn string(&mut self) -> Result<(), JsonProblem> {
        self.expect(b'"')?;
        loop {
            match self.peek() {
                None => return Err(self.syntax()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    let (_, used) = decode_escape(self.bytes, self.pos)?;
                    self.pos += used;
                }
                Some(byte) if byte < 0x20 => return Err(self.syntax()),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<(), JsonProblem> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax());
            }
        }
        Ok(())
    }

    /// Scans one complete value of any type without recursion.
    fn value(&mut self) -> Result<Value<'a>, JsonProblem> {
        let start = self.pos;
        let kind = match self.peek() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => {
                self.string()?;
                return Ok(self.finish(Kind::String, start));
            }
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                return Ok(self.finish(Kind::Number, start));
            }
            Some(b't') => {
                self.literal(b"true")?;
                return Ok(self.finish(Kind::Bool, start));
            }
            Some(b'f') => {
                self.literal(b"false")?;
                return Ok(self.finish(Kind::Bool, start));
            }
            Some(b'n') => {
                self.literal(b"null")?;
                return Ok(self.finish(Kind::Null, start));
            }
            _ => return Err(self.syntax()),
        };
        self.container()?;
        Ok(self.finish(kind, start))
    }

    fn finish(&self, kind: Kind, start: usize) -> Value<'a> {
        Value {
            kind,
            raw: &self.bytes[start..self.pos],
        }
    }

    /// Scans a whole object or array without recursion. `stack` holds one bit per open
    /// container (1 for an object), so the call stack does not grow with nesting.
    fn container(&mut self) -> Result<(), JsonProblem> {
        let mut stack: u64 = 0;
        let mut depth: usize = 0;
        self.open(&mut stack, &mut depth)?;
        // `true` right after an opening bracket, where a closing bracket may follow at once
        // and no separator is expected before the first item.
        let mut first = true;
        loop {
            self.skip_whitespace();
            let in_object = stack & 1 == 1;
            let close = if in_object { b'}' } else { b']' };
            if self.peek() == Some(close) {
                self.pos += 1;
                depth -= 1;
                stack >>= 1;
                if depth == 0 {
                    return Ok(());
                }
                first = false;
                continue;
            }
            if !first {
                self.expect(b',')?;
                self.skip_whitespace();
            }
            if in_object {
                self.string()?;
                self.skip_whitespace();
                self.expect(b':')?;
                self.skip_whitespace();
            }
            if matches!(self.peek(), Some(b'{' | b'[')) {
                self.open(&mut stack, &mut depth)?;
                first = true;
                continue;
            }
            // A scalar: `value` does not reach `container` for these.
            self.value()?;
            first = false;
        }
    }

    fn open(&mut self, stack: &mut u64, depth: &mut usize) -> Result<(), JsonProblem> {
        if *depth == MAX_JSON_DEPTH {
            return Err(JsonProblem::TooDeep);
        }
        let is_object = self.peek() == Some(b'{');
        *stack = (*stack << 1) | u64::from(is_object);
        *depth += 1;
        self.pos += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn nested(depth: usize) -> String {
        let mut doc = String::from("{\"a\":");
        for _ in 1..depth {
            doc.push('[');
        }
        doc.push('1');
        for _ in 1..depth {
            doc.push(']');
        }
        doc.push('}');
        doc
    }

    #[test]
    fn accepts_valid_documents() {
        for doc in [
            r#"{}"#,
            r#" { "a" : [ ] , "b" : { } } "#,
            r#"{"a":[1,-2.5e+3,true,false,null,"x",{"b":[[]]}]}"#,
            r#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
            r#"{"n":0,"m":-0.0,"e":1E9}"#,
        ] {
            assert_eq!(validate_object(doc.as_bytes()), Ok(()), "{doc}");
        }
    }

    #[test]
    fn rejects_invalid_documents() {
        for doc in [
            &b""[..],
            b"[]",
            b"\"a\"",
            b"{",
            b"{\"a\":1,}",
            b"{\"a\":[1,]}",
            b"{\"a\" 1}",
            b"{\"a\":01}",
            b"{\"a\":1.}",
            b"{\"a\":.5}",
            b"{\"a\":+1}",
            b"{\"a\":1e}",
            b"{\"a\":tru}",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\t\"}",
            b"{\"a\":1} x",
            b"{\"a\":1}{}",
            b"{a:1}",
            b"{\"a\":'x'}",
            b"{\"a\":\"\\x\"}",
            b"{\"a\":\"\\u12\"}",
            b"{\"a\":\"\\ud800\"}",
            b"{\"a\":\"\\udc00\"}",
            b"{\"a\":\"\\ud800\\u0041\"}",
            b"{\"a\":NaN}",
            b"{\"a\":[}",
            b"{\"a\":]}",
        ] {
            assert!(
                validate_object(doc).is_err(),
                "{:?}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn rejects_bom_and_invalid_utf8() {
        assert_eq!(
            validate_object(b"\xEF\xBB\xBF{}"),
            Err(JsonProblem::ByteOrderMark)
        );
        assert_eq!(
            validate_object(b"{\"a\":\"\xff\"}"),
            Err(JsonProblem::InvalidUtf8)
        );
    }

    #[test]
    fn depth_limit_is_exact() {
        assert_eq!(validate_object(nested(MAX_JSON_DEPTH).as_bytes()), Ok(()));
        assert_eq!(
            validate_object(nested(MAX_JSON_DEPTH + 1).as_bytes()),
            Err(JsonProblem::TooDeep)
        );
    }

    #[test]
    fn deep_nesting_does_not_grow_the_stack() {
        // 5 000 levels on a 64 KiB stack: a recursive reader would overflow long before the
        // depth limit is reached in the input.
        let doc = nested(5_000);
        let handle = std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || validate_object(doc.as_bytes()))
            .expect("thread spawns");
        assert_eq!(
            handle.join().expect("no overflow"),
            Err(JsonProblem::TooDeep)
        );
    }

    #[test]
    fn members_yield_raw_names_and_values() {
        let doc = br#"{"a":1, "b\/c" : [2,{"x":3}], "d":"e"}"#;
        validate_object(doc).expect("valid");
        let members: Vec<(String, String)> = Members::of_document(doc)
            .expect("object")
            .map(|member| {
                let (name, value) = member.expect("valid member");
                (
                    String::from_utf8_lossy(name).to_string(),
                    String::from_utf8_lossy(value.raw).to_string(),
                )
            })
            .collect();
        assert_eq!(
            members,
            [
                ("a".to_string(), "1".to_string()),
                ("b\\/c".to_string(), "[2,{\"x\":3}]".to_string()),
                ("d".to_string(), "\"e\"".to_string()),
            ]
        );
        assert!(name_is(b"b\\/c", "b/c"));
    }

    #[test]
    fn compares_escaped_strings_without_unescaping() {
        assert!(string_equals(b"abc", "abc"));
        assert!(string_equals(br"a\/b", "a/b"));
        assert!(string_equals(br"\u00e9t\u00E9", "été"));
        assert!(string_equals("été".as_bytes(), "été"));
        assert!(string_equals(br"\ud83d\ude00!", "\u{1F600}!"));
        assert!(!string_equals(br"a\/b", "a/bc"));
        assert!(!string_equals(br"a\/bc", "a/b"));
        assert!(!string_equals(br"\ud83d", "\u{1F600}"));
        assert!(!string_equals(b"abc", "abd"));
    }

    #[test]
    fn unescapes_surrogate_pairs() {
        assert_eq!(unescape(br"\ud83d\ude00").expect("valid"), "\u{1F600}");
        assert_eq!(unescape(br"a\u0000b").expect("valid"), "a\0b");
        assert!(unescape(br"\ude00\ud83d").is_err());
    }
}
