//! Offsets shared by every stage: a text is sliced in UTF-8 bytes in Rust, but reported in
//! Unicode code points (as Python and spaCy count them).

/// A half-open span of a text, in code points and in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

impl Span {
    /// The text this span covers.
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        &text[self.byte_start..self.byte_end]
    }
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }
}

/// Converts between byte offsets and code point offsets of one text.
#[derive(Debug, Clone)]
pub struct OffsetMap {
    /// `char_starts[i]` is the byte offset of code point `i`; one extra entry holds `text.len()`.
    char_starts: Vec<usize>,
}

impl OffsetMap {
    pub fn new(text: &str) -> Self {
        let mut char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        char_starts.push(text.len());
        OffsetMap { char_starts }
    }

    /// Number of code points in the text.
    pub fn char_len(&self) -> usize {
        self.char_starts.len() - 1
    }

    /// Byte offset of code point `c` (clamped to the text's end).
    pub fn byte_of(&self, c: usize) -> usize {
        self.char_starts[c.min(self.char_len())]
    }

    /// Code point offset of byte `b`; a byte inside a character maps to that character.
    pub fn char_of(&self, b: usize) -> usize {
        match self.char_starts.binary_search(&b) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// A span from byte offsets.
    pub fn span_from_bytes(&self, byte_start: usize, byte_end: usize) -> Span {
        Span { start: self.char_of(byte_start), end: self.char_of(byte_end), byte_start, byte_end }
    }

    /// A span from code point offsets.
    pub fn span_from_chars(&self, start: usize, end: usize) -> Span {
        Span { start, end, byte_start: self.byte_of(start), byte_end: self.byte_of(end) }
    }
}

/// A word or punctuation token: byte offsets into the text it was cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    /// A run of letters and digits (as opposed to one punctuation character).
    pub is_word: bool,
}

impl Token {
    pub fn slice<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

/// Tokens of `text[b0..b1]`: runs of letters/digits, and single other non-space characters.
/// Offsets are bytes into `text`.
pub fn tokenize(text: &str, b0: usize, b1: usize) -> Vec<Token> {
    let b1 = b1.min(text.len());
    if b0 >= b1 || !text.is_char_boundary(b0) || !text.is_char_boundary(b1) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut word_start: Option<usize> = None;
    for (off, c) in text[b0..b1].char_indices() {
        let b = b0 + off;
        if c.is_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(b);
            }
            continue;
        }
        if let Some(ws) = word_start.take() {
            out.push(Token { start: ws, end: b, is_word: true });
        }
        if !c.is_whitespace() {
            out.push(Token { start: b, end: b + c.len_utf8(), is_word: false });
        }
    }
    if let Some(ws) = word_start {
        out.push(Token { start: ws, end: b1, is_word: true });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_with_accents_and_guillemets() {
        let text = "«Así», dijo Peñalosa en Moscú.";
        let map = OffsetMap::new(text);
        let b = text.find("Peñalosa").unwrap();
        let span = map.span_from_bytes(b, b + "Peñalosa".len());
        assert_eq!(span.slice(text), "Peñalosa");
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[span.start..span.end].iter().collect::<String>(), "Peñalosa");
        assert_eq!(span.start, 12);
        assert_eq!(map.span_from_chars(span.start, span.end), span);
        assert_eq!(map.char_len(), text.chars().count());
    }
}
