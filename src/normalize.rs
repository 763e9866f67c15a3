//! The normalized view of a text that every stage matches on, with the way back to the
//! original text's offsets.
//!
//! Text from the web comes in more than one spelling of the same letters: "Gutiérrez" with a
//! precomposed "á" (NFC) or with "a" and a combining acute accent (NFD, as macOS file names
//! and some PDF extractors give it); names with zero-width joiners or soft hyphens inside.
//! Lexicons, names and cues are written once, precomposed, so the pipeline runs on a
//! [`NormalizedText`]: the text in NFC with zero-width characters removed, and a byte map
//! back to the original. Output offsets are mapped back ([`NormalizedText::original_range`])
//! and every output string is sliced again from the original text, so the output always
//! describes the text the user gave.
//!
//! Composition is done for each base character with the combining marks that follow it
//! (every accent, tilde and diaeresis of Latin scripts); the rare compositions of two base
//! characters (Hangul jamo, a few Indic vowel signs) are left as they are.
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Characters that are invisible and only join or break words for display: removed from
/// the normalized view (zero width space, non-joiner, joiner, word joiner, byte order mark /
/// zero width no-break space, soft hyphen).
pub fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}')
}

/// A text in NFC without zero-width characters, with a byte map back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedText {
    /// The normalized text.
    pub text: String,
    /// `None` when the normalized text is the original (nothing to map); else, for every byte
    /// offset `b` of `text` (and `text.len()`): `starts[b]`, the original byte where the
    /// character starting at `b` begins, and `ends[b]`, the original byte where the character
    /// ending at `b` ends.
    map: Option<ByteMap>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ByteMap {
    starts: Vec<usize>,
    ends: Vec<usize>,
    original_len: usize,
}

impl NormalizedText {
    /// The normalized view of `original`.
    pub fn new(original: &str) -> NormalizedText {
        if !needs_work(original) {
            return NormalizedText { text: original.to_string(), map: None };
        }
        let mut text = String::with_capacity(original.len());
        // One entry per byte of `text`, and one more for its end.
        let (mut starts, mut ends) = (Vec::with_capacity(original.len() + 1), Vec::with_capacity(original.len() + 1));
        ends.push(0);
        let mut run = String::new();
        let mut chars = original.char_indices().peekable();
        while let Some((run_start, c)) = chars.next() {
            if is_zero_width(c) {
                continue;
            }
            // A base character and the combining marks after it (zero-width ones dropped).
            run.clear();
            run.push(c);
            let mut run_end = run_start + c.len_utf8();
            while let Some(&(b, next)) = chars.peek() {
                if is_zero_width(next) {
                    chars.next();
                    continue;
                }
                if canonical_combining_class(next) == 0 {
                    break;
                }
                run.push(next);
                run_end = b + next.len_utf8();
                chars.next();
            }
            let before = text.len();
            text.extend(run.nfc());
            for _ in before..text.len() {
                starts.push(run_start);
                ends.push(run_end);
            }
            // Inside a run, every offset maps to the whole run: a span never splits it.
        }
        starts.push(original.len());
        // `ends[b]` for a byte inside a run (not a character boundary) is never asked for by
        // a caller with character-boundary offsets; for safety it holds the run's end too.
        if text == original {
            return NormalizedText { text, map: None };
        }
        NormalizedText { text, map: Some(ByteMap { starts, ends, original_len: original.len() }) }
    }

    /// Whether the normalized text differs from the original.
    pub fn changed(&self) -> bool {
        self.map.is_some()
    }

    /// The original byte range of the normalized byte range `start..end` (offsets on
    /// character boundaries of the normalized text; larger ones are clamped to its end). A
    /// range never splits a base character from its marks; zero-width characters at its edges
    /// are left out, those inside kept.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let Some(map) = &self.map else {
            let len = self.text.len();
            return (start.min(len), end.min(len));
        };
        let last = map.starts.len() - 1;
        let (start, end) = (start.min(last), end.min(last));
        let original_start = map.starts[start];
        let original_end = if end <= start { original_start } else { map.ends[end].max(original_start) };
        (original_start.min(map.original_len), original_end.min(map.original_len))
    }
}

/// Whether `text` has anything to normalize: a zero-width character, or text not in NFC.
fn needs_work(text: &str) -> bool {
    text.chars().any(is_zero_width) || !unicode_normalization::is_nfc(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original text of the normalized range `start..end`.
    fn back<'a>(n: &NormalizedText, original: &'a str, start: usize, end: usize) -> &'a str {
        let (a, b) = n.original_range(start, end);
        &original[a..b]
    }

    #[test]
    fn precomposed_ascii_and_latin_text_is_left_alone() {
        let text = "«Así», dijo Peñalosa en Moscú.";
        let n = NormalizedText::new(text);
        assert!(!n.changed());
        assert_eq!(n.text, text);
        assert_eq!(n.original_range(3, 7), (3, 7));
    }

    #[test]
    fn combining_accents_are_composed_and_map_back() {
        let original = "Gutie\u{301}rrez afirmo\u{301} que";
        let n = NormalizedText::new(original);
        assert_eq!(n.text, "Gutiérrez afirmó que");
        let b = n.text.find("afirmó").unwrap();
        assert_eq!(back(&n, original, b, b + "afirmó".len()), "afirmo\u{301}");
        assert_eq!(back(&n, original, 0, "Gutiérrez".len()), "Gutie\u{301}rrez");
        // An offset inside "é"'s run never splits it from its accent.
        assert_eq!(back(&n, original, 4, 6), "e\u{301}");
    }

    #[test]
    fn zero_width_characters_are_removed_and_skipped_at_the_edges() {
        let original = "\u{FEFF}Lin\u{200D} Hao dijo\u{200B}. Mar\u{AD}ín";
        let n = NormalizedText::new(original);
        assert_eq!(n.text, "Lin Hao dijo. Marín");
        assert_eq!(back(&n, original, 0, "Lin Hao".len()), "Lin\u{200D} Hao");
        let b = n.text.find("dijo").unwrap();
        assert_eq!(back(&n, original, b, b + 4), "dijo", "the zero-width space after it is left out");
        let b = n.text.find("Marín").unwrap();
        assert_eq!(back(&n, original, b, b + 6), "Mar\u{AD}ín", "the soft hyphen inside is kept");
        assert_eq!(n.original_range(n.text.len(), n.text.len()), (original.len(), original.len()));
        assert_eq!(n.original_range(0, 0), (3, 3), "an empty range at the start maps after the BOM");
    }

    #[test]
    fn every_range_maps_to_character_boundaries_in_order() {
        let original = "e\u{301}\u{200D}\u{327}x 👨\u{200D}👩 a\u{308}\u{FEFF} 한\u{1100}\u{1161} \u{301}z";
        let n = NormalizedText::new(original);
        let bounds: Vec<usize> = n.text.char_indices().map(|(b, _)| b).chain([n.text.len()]).collect();
        for &s in &bounds {
            for &e in bounds.iter().filter(|&&e| e >= s) {
                let (a, b) = n.original_range(s, e);
                assert!(a <= b && original.is_char_boundary(a) && original.is_char_boundary(b), "{s}..{e} -> {a}..{b}");
            }
        }
        assert!(n.text.starts_with("ȩ\u{301}x") || n.text.starts_with("\u{229}\u{301}x"), "{:?}", n.text);
    }

    #[test]
    fn empty_and_out_of_range() {
        let n = NormalizedText::new("");
        assert_eq!(n.text, "");
        assert_eq!(n.original_range(0, 5), (0, 0));
        let n = NormalizedText::new("\u{200B}");
        assert_eq!(n.text, "");
        assert_eq!(n.original_range(0, 9), (3, 3));
    }
}
