//! Syntactic words of Spanish tokens, as UD Spanish treebanks split them.
//!
//! Two kinds of tokens are several syntactic words:
//! - the contractions `del` (de + el) and `al` (a + el);
//! - a verb in the infinitive or gerund followed by one or two clitic pronouns:
//!   `dárselo` → `dar se lo`, `diciéndole` → `diciendo le`, `reunirse` → `reunir se`.
//!
//! A clitic is split off only when what remains ends like an infinitive (-ar, -er, -ir) or a
//! gerund (-ando, -iendo, -yendo), accented or not, and is at least three letters long (or a
//! listed short stem such as `ir`); the written accent the clitics forced on the verb is removed
//! (`dár` → `dar`). Words that merely look like verb + clitic (`parte`, `Carlos`) are listed as
//! exceptions. All the language data (contractions, clitics, verb endings, exceptions) lives in
//! `split.tsv`.
//!
//! This is a heuristic without a lexicon: an unlisted noun or adjective of the shape
//! infinitive + clitic (`-arte`, `-erla`, …) is split wrongly.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::OnceLock;

const DATA: &str = include_str!("split.tsv");
/// Fewest letters the verb must keep once its clitics are removed (unless listed as short).
const MIN_STEM_CHARS: usize = 3;

/// The syntactic words of `token`, or `None` when the token is a single word.
///
/// Case is kept: `Del` → `De el`, `HACERLO` → `HACER LO`.
pub fn syntactic_words(token: &str) -> Option<Vec<String>> {
    syntactic_words_with_spans(token)
        .map(|pieces| pieces.into_iter().map(|(word, _)| word).collect())
}

/// The syntactic words of `token` with the byte range of `token` each comes from, or `None`
/// when the token is a single word.
///
/// For a verb with clitics the ranges are exact and cover the token (`dárselo`: `dar` 0..4,
/// `se` 4..6, `lo` 6..8). A contraction's words are not substrings of it: the first word gets
/// the whole token's range and the others an empty range at its end (`del`: `de` 0..3,
/// `el` 3..3).
pub fn syntactic_words_with_spans(token: &str) -> Option<Vec<(String, Range<usize>)>> {
    let data = split_data();
    split_contraction(token, data).or_else(|| split_clitics(token, data))
}

/// The contents of `split.tsv`.
struct SplitData {
    contractions: HashMap<String, Vec<String>>,
    /// Clitic, rank, whether it may end a word on its own; longest first.
    clitics: Vec<Clitic>,
    /// Written ending -> ending without the clitics' accent; longest first.
    stem_endings: Vec<(Vec<char>, Vec<char>)>,
    not_stem_endings: Vec<Vec<char>>,
    short_stems: HashSet<String>,
    exceptions: HashSet<String>,
    /// Lines that could not be understood (checked by a test).
    bad_lines: Vec<String>,
}

struct Clitic {
    form: Vec<char>,
    rank: u8,
    may_stand_alone: bool,
}

fn split_data() -> &'static SplitData {
    static DATA_CELL: OnceLock<SplitData> = OnceLock::new();
    DATA_CELL.get_or_init(|| parse_data(DATA))
}

fn parse_data(text: &str) -> SplitData {
    let mut data = SplitData {
        contractions: HashMap::new(),
        clitics: Vec::new(),
        stem_endings: Vec::new(),
        not_stem_endings: Vec::new(),
        short_stems: HashSet::new(),
        exceptions: HashSet::new(),
        bad_lines: Vec::new(),
    };
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let understood = match fields.as_slice() {
            ["contraction", token, words] => {
                let words: Vec<String> = words.split_whitespace().map(str::to_string).collect();
                let ok = words.len() >= 2;
                data.contractions.insert(token.to_string(), words);
                ok
            }
            ["clitic", form, rank, alone] => match (rank.parse::<u8>(), *alone) {
                (Ok(rank), "yes" | "no") => {
                    data.clitics.push(Clitic {
                        form: form.chars().collect(),
                        rank,
                        may_stand_alone: *alone == "yes",
                    });
                    true
                }
                _ => false,
            },
            ["stem_ending", written, restored] => {
                data.stem_endings
                    .push((written.chars().collect(), restored.chars().collect()));
                true
            }
            ["not_stem_ending", ending] => {
                data.not_stem_endings.push(ending.chars().collect());
                true
            }
            ["short_stem", stem] => {
                data.short_stems.insert(stem.to_string());
                true
            }
            ["keep", words @ ..] if !words.is_empty() => {
                data.exceptions.extend(
                    words
                        .iter()
                        .filter(|word| !word.is_empty())
                        .map(|word| word.to_string()),
                );
                true
            }
            _ => false,
        };
        if !understood {
            data.bad_lines.push(line.to_string());
        }
    }
    data.clitics
        .sort_by_key(|clitic| std::cmp::Reverse(clitic.form.len()));
    data.stem_endings
        .sort_by_key(|(written, _)| std::cmp::Reverse(written.len()));
    data
}

fn split_contraction(token: &str, data: &SplitData) -> Option<Vec<(String, Range<usize>)>> {
    let words = data.contractions.get(&token.to_lowercase())?;
    let mut letters = token.chars().filter(|c| c.is_alphabetic());
    let first_upper = letters.next().is_some_and(char::is_uppercase);
    let all_upper = first_upper && token.chars().count() > 1 && letters.all(char::is_uppercase);
    let end = token.len();
    let pieces = words
        .iter()
        .enumerate()
        .map(|(index, word)| {
            let text = if all_upper {
                word.to_uppercase()
            } else if first_upper && index == 0 {
                capitalized(word)
            } else {
                word.clone()
            };
            let range = if index == 0 { 0..end } else { end..end };
            (text, range)
        })
        .collect();
    Some(pieces)
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn split_clitics(token: &str, data: &SplitData) -> Option<Vec<(String, Range<usize>)>> {
    if token.is_empty() || !token.chars().all(char::is_alphabetic) {
        return None;
    }
    let lower: Vec<char> = token.chars().map(lower_char).collect();
    if data.exceptions.contains(&lower.iter().collect::<String>()) {
        return None;
    }
    // Byte offset of every character boundary, including the end.
    let boundaries: Vec<usize> = token
        .char_indices()
        .map(|(offset, _)| offset)
        .chain(std::iter::once(token.len()))
        .collect();
    let (stem_end, clitic_ends, ending) = find_split(&lower, data)?;

    let mut pieces = Vec::with_capacity(3);
    let stem_bytes = 0..boundaries[stem_end];
    pieces.push((restore_stem(&token[stem_bytes.clone()], ending), stem_bytes));
    let mut start = stem_end;
    for end in clitic_ends {
        let bytes = boundaries[start]..boundaries[end];
        pieces.push((token[bytes.clone()].to_string(), bytes));
        start = end;
    }
    Some(pieces)
}

/// Where to cut a lowercased word: the end of the verb stem (in characters), the end of each
/// clitic, and the stem ending (written, restored) that made the stem a verb. Two clitics are
/// tried before one.
type Split<'a> = (usize, Vec<usize>, &'a (Vec<char>, Vec<char>));

fn find_split<'a>(lower: &[char], data: &'a SplitData) -> Option<Split<'a>> {
    let length = lower.len();
    for last in &data.clitics {
        let Some(last_start) = length.checked_sub(last.form.len()) else {
            continue;
        };
        if !lower.ends_with(&last.form) {
            continue;
        }
        for first in data.clitics.iter().filter(|first| first.rank < last.rank) {
            let before = &lower[..last_start];
            if before.ends_with(&first.form) {
                let stem_end = last_start - first.form.len();
                if let Some(ending) = verb_stem_ending(&lower[..stem_end], data) {
                    return Some((stem_end, vec![last_start, length], ending));
                }
            }
        }
    }
    for last in data.clitics.iter().filter(|clitic| clitic.may_stand_alone) {
        let Some(stem_end) = length.checked_sub(last.form.len()) else {
            continue;
        };
        if lower.ends_with(&last.form) {
            if let Some(ending) = verb_stem_ending(&lower[..stem_end], data) {
                return Some((stem_end, vec![length], ending));
            }
        }
    }
    None
}

/// The infinitive or gerund ending of `stem` (lowercased), if it can be a verb that takes
/// clitics.
fn verb_stem_ending<'a>(stem: &[char], data: &'a SplitData) -> Option<&'a (Vec<char>, Vec<char>)> {
    let long_enough =
        stem.len() >= MIN_STEM_CHARS || data.short_stems.contains(&stem.iter().collect::<String>());
    if !long_enough
        || data
            .not_stem_endings
            .iter()
            .any(|ending| stem.ends_with(ending))
    {
        return None;
    }
    data.stem_endings
        .iter()
        .find(|(written, _)| stem.ends_with(written))
}

/// The stem with its written ending replaced by the restored one, keeping each letter's case.
fn restore_stem(stem: &str, (written, restored): &(Vec<char>, Vec<char>)) -> String {
    let chars: Vec<char> = stem.chars().collect();
    let kept = chars.len().saturating_sub(written.len());
    let mut result: String = chars[..kept].iter().collect();
    for (index, &c) in restored.iter().enumerate() {
        let was_upper = chars
            .get(kept + index)
            .is_some_and(|original| original.is_uppercase());
        if was_upper {
            result.extend(c.to_uppercase());
        } else {
            result.push(c);
        }
    }
    result
}

/// Lowercase of one character, or the character itself when that is not one character.
fn lower_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(token: &str) -> Option<Vec<String>> {
        syntactic_words(token)
    }

    fn expected(pieces: &[&str]) -> Option<Vec<String>> {
        Some(pieces.iter().map(|piece| piece.to_string()).collect())
    }

    #[test]
    fn data_file_is_fully_understood() {
        let data = split_data();
        assert!(data.bad_lines.is_empty(), "{:?}", data.bad_lines);
        assert_eq!(data.contractions.len(), 2);
        assert_eq!(data.clitics.len(), 11);
    }

    #[test]
    fn contractions() {
        assert_eq!(words("del"), expected(&["de", "el"]));
        assert_eq!(words("al"), expected(&["a", "el"]));
        assert_eq!(words("Del"), expected(&["De", "el"]));
        assert_eq!(words("Al"), expected(&["A", "el"]));
        assert_eq!(words("DEL"), expected(&["DE", "EL"]));
        assert_eq!(
            syntactic_words_with_spans("del"),
            Some(vec![("de".to_string(), 0..3), ("el".to_string(), 3..3)])
        );
    }

    #[test]
    fn verbs_with_clitics() {
        assert_eq!(words("dárselo"), expected(&["dar", "se", "lo"]));
        assert_eq!(words("hacerlo"), expected(&["hacer", "lo"]));
        assert_eq!(words("diciéndole"), expected(&["diciendo", "le"]));
        assert_eq!(words("reunirse"), expected(&["reunir", "se"]));
        assert_eq!(
            words("comprometiéndose"),
            expected(&["comprometiendo", "se"])
        );
        assert_eq!(words("hablarse"), expected(&["hablar", "se"]));
        assert_eq!(words("explicárnoslo"), expected(&["explicar", "nos", "lo"]));
        assert_eq!(words("construyéndolas"), expected(&["construyendo", "las"]));
        assert_eq!(words("vernos"), expected(&["ver", "nos"]));
        assert_eq!(words("decírtela"), expected(&["decir", "te", "la"]));
        assert_eq!(words("pidiéndoles"), expected(&["pidiendo", "les"]));
        assert_eq!(words("irse"), expected(&["ir", "se"]));
        assert_eq!(words("írsele"), expected(&["ir", "se", "le"]));
        assert_eq!(words("darnos"), expected(&["dar", "nos"]));
        assert_eq!(words("preguntaros"), None, "'os' alone is not split");
        assert_eq!(words("dároslo"), expected(&["dar", "os", "lo"]));
    }

    #[test]
    fn inherent_accents_stay() {
        assert_eq!(words("reírse"), expected(&["reír", "se"]));
        assert_eq!(words("oírlo"), expected(&["oír", "lo"]));
        assert_eq!(words("sonreírle"), expected(&["sonreír", "le"]));
    }

    #[test]
    fn case_is_kept() {
        assert_eq!(words("Hacerlo"), expected(&["Hacer", "lo"]));
        assert_eq!(words("HACERLO"), expected(&["HACER", "LO"]));
        assert_eq!(words("DÁRSELO"), expected(&["DAR", "SE", "LO"]));
        assert_eq!(words("Diciéndole"), expected(&["Diciendo", "le"]));
    }

    #[test]
    fn spans_cover_the_token() {
        let token = "dárselo";
        let pieces = syntactic_words_with_spans(token).expect("splits");
        assert_eq!(
            pieces
                .iter()
                .map(|(_, range)| range.clone())
                .collect::<Vec<_>>(),
            vec![0..4, 4..6, 6..8]
        );
        assert_eq!(&token[pieces[0].1.clone()], "dár");
        let token = "comprometiéndose";
        let pieces = syntactic_words_with_spans(token).expect("splits");
        assert_eq!(&token[pieces[1].1.clone()], "se");
        assert_eq!(pieces[0].1.end, pieces[1].1.start);
        assert_eq!(pieces[1].1.end, token.len());
    }

    #[test]
    fn ordinary_words_stay_whole() {
        for token in [
            "escuela",
            "pelo",
            "clase",
            "base",
            "mujer",
            "casa",
            "parte",
            "muerte",
            "suerte",
            "fuerte",
            "advierte",
            "duerme",
            "firme",
            "Carlos",
            "primeros",
            "claros",
            "modernos",
            "gobiernos",
            "perla",
            "hablar",
            "hablando",
            "la",
            "se",
            "lo",
            "nos",
            "arte",
            "irte2",
            "",
            "de",
            "el",
            "a",
            "Madrid",
            "ese",
            "este",
            "mientras",
            "dólares",
            "puerta",
            "hermanos",
            "ser",
            "arle",
            "árboles",
            "hacer-lo",
            "12",
            "dárselo.",
        ] {
            assert_eq!(syntactic_words(token), None, "{token}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for token in [
            "İrse",
            "ǅarlo",
            "\u{301}se",
            "lo\u{0}",
            "ßerse",
            "ÁRSELO",
            "  ",
            "\t",
            "ÿyendolo",
        ] {
            let _ = syntactic_words_with_spans(token);
        }
        assert_eq!(words("ÿyendolo"), expected(&["ÿyendo", "lo"]));
    }
}
