//! Stage 1: paragraphs and sentences with code point and byte offsets, and the word tokenizer
//! every later stage uses.
//!
//! Sentences end at `.`, `?`, `!` or `…` followed by space and a capital, an opening quote,
//! `¿`, `¡`, a dash or a digit; not after an abbreviation ("Sr.", "EE. UU.", "núm."), an initial
//! ("J. Biden") or inside a number ("3.5"). A quotation of several sentences is split into
//! them, each parsed on its own; the claims stage reads the quotation across them. No sentence
//! is longer than [`MAX_SENTENCE_CHARS`].
use crate::lexicon::lexicon;
pub use crate::text::{tokenize, Token};
use crate::text::{OffsetMap, Span};

/// Longest sentence handed on: longer runs are cut at a `;`, `:` or `,`, or else at a space.
pub const MAX_SENTENCE_CHARS: usize = 600;

/// A sentence and the paragraph (index into [`Segmentation::paragraphs`]) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: Span,
    pub paragraph: usize,
}

/// Paragraphs (separated by newlines) and sentences of a text, in order, covering no whitespace
/// at their edges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segmentation {
    pub paragraphs: Vec<Span>,
    pub sentences: Vec<Sentence>,
}

impl Segmentation {
    /// Index of the sentence containing code point `c`, if any.
    pub fn sentence_at(&self, c: usize) -> Option<usize> {
        self.sentences.iter().position(|s| s.span.start <= c && c < s.span.end)
    }
}

/// Splits `text` into paragraphs and sentences.
pub fn segment(text: &str) -> Segmentation {
    let map = OffsetMap::new(text);
    let mut seg = Segmentation::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            let b0 = offset + lead;
            let b1 = b0 + trimmed.len();
            let para = seg.paragraphs.len();
            seg.paragraphs.push(map.span_from_bytes(b0, b1));
            for (s0, s1) in split_sentences(text, b0, b1) {
                seg.sentences.push(Sentence { span: map.span_from_bytes(s0, s1), paragraph: para });
            }
        }
        offset += line.len();
    }
    seg
}

/// Emoji, pictographs and their modifiers, and invisible characters (U+FEFF, zero-width
/// joiners): they neither end nor start a sentence, and are skipped between two.
fn is_decoration(c: char) -> bool {
    crate::normalize::is_zero_width(c)
        || matches!(c as u32,
            0x1F000..=0x1FAFF // emoji, pictographs, flags (regional indicators), skin tones
            | 0x2300..=0x23FF // technical symbols (watch, hourglass)
            | 0x2600..=0x27BF // miscellaneous symbols, dingbats
            | 0x2B00..=0x2BFF // arrows and stars
            | 0xFE00..=0xFE0F // variation selectors
            | 0x20E3 // combining keycap
            | 0xE0020..=0xE007F // tags (subdivision flags)
        )
}

fn is_opening_quote(c: char) -> bool {
    matches!(c, '«' | '“' | '‘' | '"' | '\'' | '¿' | '¡' | '(' | '—' | '–' | '-')
}

fn is_closing(c: char) -> bool {
    matches!(c, '»' | '”' | '’' | '"' | '\'' | ')')
}

/// Byte ranges of the sentences of one paragraph `text[b0..b1]`.
fn split_sentences(text: &str, b0: usize, b1: usize) -> Vec<(usize, usize)> {
    let para = &text[b0..b1];
    let chars: Vec<(usize, char)> = para.char_indices().collect();
    let n = chars.len();
    let mut cuts: Vec<usize> = Vec::new(); // byte offsets (in para) where a new sentence starts
    // A news dateline ("Lima, 3 may (EFE).- La ministra ...") is a sentence of its own, so that
    // the place is never read as the subject of the first verb.
    let mut i = 0;
    if let Some(body) = dateline_end(para) {
        cuts.push(body);
        i = chars.iter().position(|&(b, _)| b >= body).unwrap_or(n);
    }
    while i < n {
        let (_, c) = chars[i];
        if matches!(c, '.' | '?' | '!' | '…') {
            // Extend over repeated terminators and closing quotes / brackets.
            let mut j = i + 1;
            while j < n && matches!(chars[j].1, '.' | '?' | '!' | '…') {
                j += 1;
            }
            let mut k = j;
            while k < n && is_closing(chars[k].1) {
                k += 1;
            }
            // Emoji (or an invisible U+FEFF) right after the terminator stay with its sentence.
            while k < n && is_decoration(chars[k].1) {
                k += 1;
            }
            if k < n && chars[k].1.is_whitespace() {
                let mut m = k;
                while m < n && chars[m].1.is_whitespace() {
                    m += 1;
                }
                // The next sentence starts here; emoji and invisible characters before its
                // first word belong to it, and are skipped to find that word.
                let next_start = m;
                while m < n && (chars[m].1.is_whitespace() || is_decoration(chars[m].1)) {
                    m += 1;
                }
                if m < n && starts_sentence(&chars, m) && !abbreviation_before(para, &chars, i, m) {
                    cuts.push(chars[next_start].0);
                    i = m;
                    continue;
                }
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    for cut in cuts.into_iter().chain(std::iter::once(para.len())) {
        let piece = &para[start..cut];
        let t = piece.trim_end();
        if !t.trim().is_empty() {
            let lead = t.len() - t.trim_start().len();
            push_limited(para, start + lead, start + t.len(), &mut out);
        }
        start = cut;
    }
    out.into_iter().map(|(s, e)| (b0 + s, b0 + e)).collect()
}

/// Whether a lower-case word is a month or its abbreviation ("may", "ago.", "septiembre", "set").
pub fn is_month(word: &str) -> bool {
    ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "set", "oct", "nov", "dic"].iter().any(|m| word.starts_with(m))
}

/// Where the text after a news dateline starts, when `para` opens with one: a place of at most
/// five capitalized words (joined by "de", "del", "la", "el"...), then a date after a comma
/// ("3 may", "15 de abril de 2025", "27 Ago."), a source in parentheses ("(EFE)"), or both,
/// then an optional ".-", dash or colon, and a capitalized word or an opening quote.
pub fn dateline_end(para: &str) -> Option<usize> {
    let words: Vec<(usize, &str)> = para
        .split_inclusive(char::is_whitespace)
        .scan(0, |at, w| {
            let start = *at;
            *at += w.len();
            Some((start, w.trim_end()))
        })
        .filter(|(_, w)| !w.is_empty())
        .take(16)
        .collect();
    let capital = |w: &str| w.chars().next().map_or(false, char::is_uppercase);
    let connector = |w: &str| matches!(w, "de" | "del" | "la" | "el" | "las" | "los");
    // The place: capitalized words up to one ending in "," or followed by "(".
    let mut k = 0;
    let mut place_end = None;
    while k < words.len() && k < 5 {
        let w = words[k].1;
        let bare = w.trim_end_matches(',');
        if !(capital(bare) || k > 0 && connector(bare)) || !bare.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.') {
            break;
        }
        k += 1;
        if w.ends_with(',') || words.get(k).map_or(false, |(_, n)| n.starts_with('(')) {
            place_end = Some(k);
            break;
        }
    }
    let mut k = place_end?;
    let (mut dated, mut sourced) = (false, false);
    if words[k - 1].1.ends_with(',') {
        // The date: a day and a month, a year maybe.
        let mut day = false;
        while k < words.len() {
            let w = words[k].1.trim_end_matches(['.', ',']).trim_end_matches(".-").to_lowercase();
            if w.len() <= 2 && !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
                day = true;
            } else if day && is_month(&w) && w.len() <= 10 {
                dated = true;
            } else if !(w == "de" || dated && w.len() == 4 && w.chars().all(|c| c.is_ascii_digit())) {
                break;
            }
            k += 1;
            if dated && !words[k - 1].1.chars().last().map_or(false, char::is_alphanumeric) {
                break;
            }
        }
    }
    // The source: "(EFE)", "(Prensa Latina)".
    if k < words.len() && words[k].1.starts_with('(') {
        let mut j = k;
        while j < words.len() && j < k + 4 && !words[j].1.contains(')') {
            j += 1;
        }
        let inside: String = para[words[k].0..words.get(j)?.0 + words[j].1.len()].to_string();
        let inside = inside.trim_start_matches('(');
        let inside = &inside[..inside.find(')')?];
        if !inside.split_whitespace().all(capital) {
            return None;
        }
        sourced = true;
        k = j + 1;
    }
    if !(dated || sourced) {
        return None;
    }
    // What closes it: ".-", "-", "—", ":" on the last word or as a word of their own.
    while k < words.len() && words[k].1.chars().all(|c| matches!(c, '.' | '-' | '–' | '—' | ':')) {
        k += 1;
    }
    let (body, first) = *words.get(k)?;
    let opening = first.chars().next().map_or(false, |c| c.is_uppercase() || matches!(c, '«' | '“' | '"'));
    opening.then_some(body)
}

/// Adds a sentence, cutting it into pieces of at most [`MAX_SENTENCE_CHARS`].
fn push_limited(para: &str, mut s: usize, e: usize, out: &mut Vec<(usize, usize)>) {
    loop {
        let piece = &para[s..e];
        if piece.chars().count() <= MAX_SENTENCE_CHARS {
            out.push((s, e));
            return;
        }
        let limit = piece.char_indices().nth(MAX_SENTENCE_CHARS).map(|(b, _)| b).unwrap_or(piece.len());
        let head = &piece[..limit];
        let cut = [';', ':', ',']
            .iter()
            .find_map(|p| head.rfind(*p).filter(|&b| b > limit / 3).map(|b| b + 1))
            .or_else(|| head.rfind(char::is_whitespace).filter(|&b| b > 0))
            .unwrap_or(limit);
        let first = piece[..cut].trim_end();
        out.push((s, s + first.len()));
        let rest = &piece[cut..];
        let lead = rest.len() - rest.trim_start().len();
        s += cut + lead;
        if s >= e {
            return;
        }
    }
}

fn starts_sentence(chars: &[(usize, char)], m: usize) -> bool {
    let c = chars[m].1;
    if c.is_uppercase() || c.is_numeric() {
        return true;
    }
    if is_opening_quote(c) {
        // An opening quote or dash followed by a capital (or another opener).
        return chars.get(m + 1).map_or(false, |&(_, d)| d.is_uppercase() || d.is_numeric() || is_opening_quote(d));
    }
    false
}

/// Whether the period at char `i` closes an abbreviation or an initial rather than a sentence.
fn abbreviation_before(para: &str, chars: &[(usize, char)], i: usize, next: usize) -> bool {
    if chars[i].1 != '.' {
        return false;
    }
    // The word right before the period.
    let mut w0 = i;
    while w0 > 0 && chars[w0 - 1].1.is_alphanumeric() {
        w0 -= 1;
    }
    if w0 == i {
        return false;
    }
    let word = &para[chars[w0].0..chars[i].0];
    let next_word: String = chars[next..].iter().map(|&(_, c)| c).take_while(|c| c.is_alphanumeric()).collect();
    // a word that opens sentences, never a surname: a function word or an adverb ("Además")
    let next_lower = next_word.to_lowercase();
    let next_is_function = lexicon().function_class(&next_lower).is_some() || lexicon().is_adverb(&next_lower);
    // An initial: one capital letter ("J. Biden").
    if word.chars().count() == 1 && word.chars().all(char::is_uppercase) {
        return !next_is_function;
    }
    let lex = lexicon();
    if lex.abbreviations.contains(word) {
        // "EE. UU. El ministro ..." still ends a sentence before a capitalized function word.
        let title = word.chars().next().map_or(false, char::is_uppercase) && word.chars().count() <= 5 && !word.chars().all(char::is_uppercase);
        return title || !next_is_function;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentence_texts(text: &str) -> Vec<&str> {
        segment(text).sentences.iter().map(|s| s.span.slice(text)).collect()
    }

    #[test]
    fn sentences_split_after_emoji_and_byte_order_marks() {
        assert_eq!(
            sentence_texts("Rusia apoya el diálogo. 👍 Marín dijo que sí."),
            ["Rusia apoya el diálogo.", "👍 Marín dijo que sí."]
        );
        assert_eq!(
            sentence_texts("¡Gracias!🇷🇺🤝 El ministro habló. \u{FEFF}Lin Hao respondió."),
            ["¡Gracias!🇷🇺🤝", "El ministro habló.", "\u{FEFF}Lin Hao respondió."]
        );
        assert_eq!(sentence_texts("Se reunió con 👨\u{200D}👩 Marín en Moscú."), ["Se reunió con 👨\u{200D}👩 Marín en Moscú."]);
    }

    fn sentences(text: &str) -> Vec<&str> {
        segment(text).sentences.iter().map(|s| s.span.slice(text)).collect()
    }

    #[test]
    fn spanish_abbreviations_do_not_end_sentences() {
        let t = "El Sr. Pérez viajó a EE. UU. con el núm. 3 de la lista. La ministra habló después.";
        assert_eq!(sentences(t), vec!["El Sr. Pérez viajó a EE. UU. con el núm. 3 de la lista.", "La ministra habló después."]);
    }

    #[test]
    fn abbreviation_can_close_a_sentence() {
        let t = "La delegación viajó a EE. UU. La reunión fue breve.";
        assert_eq!(sentences(t), vec!["La delegación viajó a EE. UU.", "La reunión fue breve."]);
    }

    #[test]
    fn initials_and_decimals() {
        let t = "Según J. R. Gómez, la economía creció un 3.5 por ciento. ¿Será suficiente? ¡Sí!";
        assert_eq!(sentences(t), vec!["Según J. R. Gómez, la economía creció un 3.5 por ciento.", "¿Será suficiente?", "¡Sí!"]);
        // a one-letter name at the end of a sentence, before an adverb that opens the next
        let t = "Lo firmó el anexo B. Además, pidió calma.";
        assert_eq!(sentences(t), vec!["Lo firmó el anexo B.", "Además, pidió calma."]);
    }

    #[test]
    fn a_news_dateline_is_a_sentence_of_its_own() {
        assert_eq!(
            sentences("Valparaíso, 4 mar (Agencia Andina).- La ministra firmó el decreto."),
            vec!["Valparaíso, 4 mar (Agencia Andina).-", "La ministra firmó el decreto."]
        );
        assert_eq!(
            sentences("San Juan de Dios, 12 de octubre de 2024 (EFE) El alcalde habló."),
            vec!["San Juan de Dios, 12 de octubre de 2024 (EFE)", "El alcalde habló."]
        );
        assert_eq!(sentences("Quito (Reuters) - «Todo sigue igual», dijo."), vec!["Quito (Reuters) -", "«Todo sigue igual», dijo."]);
        assert_eq!(sentences("Oruro, 9 ago.- Los mineros marcharon."), vec!["Oruro, 9 ago.-", "Los mineros marcharon."]);
        // not datelines: an opening phrase, a name with its party, an age, a date in the text
        for text in [
            "Sin embargo, el plan sigue en pie.",
            "Ana Ruiz (PP) dijo que votará en contra.",
            "Pedro, 25 años, llegó ayer.",
            "Ayer, 3 de mayo, el presidente viajó.",
            "Lima, la capital, amaneció nublada.",
        ] {
            assert_eq!(sentences(text), vec![text], "{text}");
        }
    }

    #[test]
    fn a_quotation_of_several_sentences_is_split_into_them() {
        let t = "«Queremos paz. Y la tendremos», afirmó la portavoz. Luego se fue.";
        assert_eq!(sentences(t), vec!["«Queremos paz.", "Y la tendremos», afirmó la portavoz.", "Luego se fue."]);
        let t2 = "\"No cederemos. Nunca\", dijo Pérez. “Es todo.” Fin.";
        assert_eq!(sentences(t2), vec!["\"No cederemos.", "Nunca\", dijo Pérez.", "“Es todo.”", "Fin."]);
    }

    #[test]
    fn paragraphs_and_offsets() {
        let t = "Título sin punto\n\n  Primera frase. Segunda frase con acentos: Moscú.\n";
        let seg = segment(t);
        assert_eq!(seg.paragraphs.len(), 2);
        assert_eq!(seg.sentences.len(), 3);
        assert_eq!(seg.sentences[2].paragraph, 1);
        let s = &seg.sentences[2].span;
        let chars: Vec<char> = t.chars().collect();
        assert_eq!(chars[s.start..s.end].iter().collect::<String>(), "Segunda frase con acentos: Moscú.");
    }

    #[test]
    fn no_panic_and_bounded_length() {
        for t in ["", "\n\n", ".", "«", "»»» ...", "a.b.c. D", "\u{200b}\u{feff}. É"] {
            let _ = segment(t);
        }
        let long = "palabra ".repeat(2000);
        let seg = segment(&long);
        assert!(seg.sentences.len() > 1);
        assert!(seg.sentences.iter().all(|s| s.span.end - s.span.start <= MAX_SENTENCE_CHARS));
    }

    #[test]
    fn tokens() {
        let t = "EE.UU. y China-Kazajistán";
        let toks: Vec<&str> = tokenize(t, 0, t.len()).iter().map(|k| k.slice(t)).collect();
        assert_eq!(toks, vec!["EE", ".", "UU", ".", "y", "China", "-", "Kazajistán"]);
    }
}
