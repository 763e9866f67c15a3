//! Lemmas as edit scripts, so that a classifier can predict a lemma as one of a few thousand
//! labels (the approach of UDPipe 2).
//!
//! A script has two parts separated by `;`:
//!
//! 1. **Casing**, applied to the edited word:
//!    - `k`: keep the case of the form for the characters kept from it; added characters are
//!      written as stored in the script;
//!    - otherwise a comma-separated list of change points `U<i>` / `L<i>`: from character `i` of
//!      the lemma on, write upper case (`U`) or lower case (`L`). `L0` is an all-lowercase lemma,
//!      `U0,L1` a capitalised one, `U0` an all-uppercase one.
//! 2. **Edit**, computed on lowercased characters (not bytes):
//!    - `-<k>+<prefix>|-<m>+<suffix>`: remove `k` characters at the start and `m` at the end,
//!      then add `prefix` before and `suffix` after (in `prefix`, `\` and `|` are escaped
//!      with `\`);
//!    - `=<lemma>`: replace the whole word (used when form and lemma share no stem).
//!
//! Examples: `casas → casa` is `L0;-0+|-1+`, `Habló → hablar` is `L0;-0+|-1+ar`,
//! `fue → ser` is `L0;=ser`, `Madrid → Madrid` is `k;-0+|-0+`.
//!
//! Lowercasing and uppercasing are done one character at a time, and a character whose case
//! mapping is not a single character keeps its case. Whatever the pair, [`script_for`] returns a
//! script that [`apply_script`] turns back into the exact lemma (if nothing simpler works, a
//! literal `k;=<lemma>`).

/// Separates the casing part from the edit part.
const PART_SEPARATOR: char = ';';
/// Separates the prefix edit from the suffix edit.
const EDIT_SEPARATOR: char = '|';
const ESCAPE: char = '\\';
/// Casing part meaning "keep the form's case".
const KEEP_CASE: &str = "k";
/// Shortest common stem worth keeping when neither word is contained in the other.
const MIN_STEM: usize = 2;

/// The script that turns `form` into `lemma`.
pub fn script_for(form: &str, lemma: &str) -> String {
    let form_chars: Vec<char> = form.chars().collect();
    let lemma_chars: Vec<char> = lemma.chars().collect();
    let form_lower: Vec<char> = form_chars.iter().map(|&c| lower_char(c)).collect();
    let lemma_lower: Vec<char> = lemma_chars.iter().map(|&c| lower_char(c)).collect();
    let edit = Edit::between(&form_lower, &lemma_lower);

    let mut candidates = Vec::with_capacity(3);
    if lemma_chars == lemma_lower {
        candidates.push(format!("L0{PART_SEPARATOR}{}", edit.encode(&lemma_lower)));
    }
    candidates.push(format!(
        "{KEEP_CASE}{PART_SEPARATOR}{}",
        edit.encode(&lemma_chars)
    ));
    if let Some(casing) = change_points(&lemma_chars) {
        candidates.push(format!(
            "{casing}{PART_SEPARATOR}{}",
            edit.encode(&lemma_lower)
        ));
    }
    candidates
        .into_iter()
        .find(|script| apply_script(form, script).as_deref() == Some(lemma))
        .unwrap_or_else(|| format!("{KEEP_CASE}{PART_SEPARATOR}={lemma}"))
}

/// The lemma that `script` makes of `form`, or `None` when the script does not apply (it
/// removes more characters than the form has) or is not a valid script.
pub fn apply_script(form: &str, script: &str) -> Option<String> {
    let (casing, edit) = script.split_once(PART_SEPARATOR)?;
    let form_chars: Vec<char> = form.chars().collect();
    let pieces = match parse_edit(edit)? {
        ParsedEdit::Replace(text) => EditedWord {
            prefix: text.chars().collect(),
            kept: &[],
            suffix: Vec::new(),
        },
        ParsedEdit::Affixes {
            remove_start,
            prefix,
            remove_end,
            suffix,
        } => {
            let kept_end = form_chars.len().checked_sub(remove_end)?;
            if remove_start > kept_end {
                return None;
            }
            EditedWord {
                prefix: prefix.chars().collect(),
                kept: &form_chars[remove_start..kept_end],
                suffix: suffix.chars().collect(),
            }
        }
    };
    if casing == KEEP_CASE {
        return Some(
            pieces
                .prefix
                .iter()
                .chain(pieces.kept)
                .chain(&pieces.suffix)
                .collect(),
        );
    }
    let changes = parse_change_points(casing)?;
    let lowered = pieces
        .prefix
        .iter()
        .copied()
        .chain(pieces.kept.iter().map(|&c| lower_char(c)))
        .chain(pieces.suffix);
    let mut upper = false;
    let mut next_change = 0;
    let mut lemma = String::with_capacity(form.len() + 4);
    for (position, c) in lowered.enumerate() {
        while let Some(&(at, to_upper)) = changes.get(next_change) {
            if at > position {
                break;
            }
            upper = to_upper;
            next_change += 1;
        }
        lemma.push(if upper { upper_char(c) } else { c });
    }
    Some(lemma)
}

/// Lowercase of one character, or the character itself when that is not one character.
fn lower_char(c: char) -> char {
    single(c.to_lowercase()).unwrap_or(c)
}

/// Uppercase of one character, or the character itself when that is not one character.
fn upper_char(c: char) -> char {
    single(c.to_uppercase()).unwrap_or(c)
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// The edit part of a script, in positions of the lowercased form and lemma.
enum Edit {
    /// Replace the whole word by the lemma.
    Replace,
    /// Keep `form[remove_start..form_len - remove_end]`, which is `lemma[stem_start..stem_end]`.
    Affixes {
        remove_start: usize,
        remove_end: usize,
        stem_start: usize,
        stem_end: usize,
    },
}

impl Edit {
    /// The most general edit: keep the longest common substring (the stem), preferring the
    /// one nearest the start so that changes fall on the suffix; replace the whole word when
    /// the two share no stem of at least [`MIN_STEM`] characters (unless one contains the other).
    fn between(form: &[char], lemma: &[char]) -> Edit {
        let Some((form_start, lemma_start, length)) = longest_common_substring(form, lemma) else {
            return Edit::Replace;
        };
        if length < MIN_STEM && length < form.len().min(lemma.len()) {
            return Edit::Replace;
        }
        Edit::Affixes {
            remove_start: form_start,
            remove_end: form.len() - form_start - length,
            stem_start: lemma_start,
            stem_end: lemma_start + length,
        }
    }

    /// The edit as script text, taking added characters from `lemma` (lowercased or not).
    fn encode(&self, lemma: &[char]) -> String {
        match *self {
            Edit::Replace => std::iter::once('=').chain(lemma.iter().copied()).collect(),
            Edit::Affixes {
                remove_start,
                remove_end,
                stem_start,
                stem_end,
            } => {
                let mut text = format!("-{remove_start}+");
                for &c in &lemma[..stem_start] {
                    if c == ESCAPE || c == EDIT_SEPARATOR {
                        text.push(ESCAPE);
                    }
                    text.push(c);
                }
                text.push(EDIT_SEPARATOR);
                text.push_str(&format!("-{remove_end}+"));
                text.extend(&lemma[stem_end..]);
                text
            }
        }
    }
}

/// Start in `a`, start in `b` and length of the longest common substring, preferring among
/// equally long ones the smallest `start_a + start_b`, then the smallest `start_a`. `None` when
/// there is no common character.
fn longest_common_substring(a: &[char], b: &[char]) -> Option<(usize, usize, usize)> {
    let mut best: Option<(usize, usize, usize)> = None;
    // run[j + 1]: length of the common run ending at a[i] and b[j].
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = if ca == cb { previous[j] + 1 } else { 0 };
            let length = current[j + 1];
            if length == 0 {
                continue;
            }
            let candidate = (i + 1 - length, j + 1 - length, length);
            let better = match best {
                None => true,
                Some((best_a, best_b, best_length)) => {
                    length > best_length
                        || (length == best_length
                            && (candidate.0 + candidate.1, candidate.0) < (best_a + best_b, best_a))
                }
            };
            if better {
                best = Some(candidate);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    best
}

/// Casing change points for `lemma`, or `None` when some character is neither the lowercase
/// nor the uppercase of its own lowercase (titlecase digraphs, for instance).
fn change_points(lemma: &[char]) -> Option<String> {
    let mut points: Vec<(usize, bool)> = Vec::new();
    for (position, &c) in lemma.iter().enumerate() {
        let lower = lower_char(c);
        let is_upper = if c == lower {
            if upper_char(lower) == lower {
                continue; // no case: follows the current state
            }
            false
        } else if upper_char(lower) == c {
            true
        } else {
            return None;
        };
        match points.last() {
            Some(&(_, state)) if state == is_upper => {}
            // The first cased character sets the state from the start of the word.
            None => points.push((0, is_upper)),
            Some(_) => points.push((position, is_upper)),
        }
    }
    if points.is_empty() {
        points.push((0, false));
    }
    let encoded: Vec<String> = points
        .iter()
        .map(|&(position, upper)| format!("{}{position}", if upper { 'U' } else { 'L' }))
        .collect();
    Some(encoded.join(","))
}

fn parse_change_points(casing: &str) -> Option<Vec<(usize, bool)>> {
    let mut points = Vec::new();
    for point in casing.split(',') {
        let upper = match point.chars().next()? {
            'U' => true,
            'L' => false,
            _ => return None,
        };
        let position = point.get(1..)?.parse::<usize>().ok()?;
        points.push((position, upper));
    }
    points.sort_by_key(|&(position, _)| position);
    Some(points)
}

/// A form cut into the parts an edit produces.
struct EditedWord<'a> {
    prefix: Vec<char>,
    kept: &'a [char],
    suffix: Vec<char>,
}

enum ParsedEdit<'a> {
    Replace(&'a str),
    Affixes {
        remove_start: usize,
        prefix: String,
        remove_end: usize,
        suffix: &'a str,
    },
}

fn parse_edit(edit: &str) -> Option<ParsedEdit<'_>> {
    if let Some(text) = edit.strip_prefix('=') {
        return Some(ParsedEdit::Replace(text));
    }
    let (remove_start, rest) = parse_removal(edit)?;
    let mut prefix = String::new();
    let mut chars = rest.char_indices();
    let suffix_part = loop {
        let (index, c) = chars.next()?;
        match c {
            ESCAPE => prefix.push(chars.next()?.1),
            EDIT_SEPARATOR => break &rest[index + c.len_utf8()..],
            _ => prefix.push(c),
        }
    };
    let (remove_end, suffix) = parse_removal(suffix_part)?;
    Some(ParsedEdit::Affixes {
        remove_start,
        prefix,
        remove_end,
        suffix,
    })
}

/// Parses `-<count>+` at the start of `text`; returns the count and the rest.
fn parse_removal(text: &str) -> Option<(usize, &str)> {
    let (count, rest) = text.strip_prefix('-')?.split_once('+')?;
    Some((count.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(form: &str, lemma: &str) -> String {
        let script = script_for(form, lemma);
        assert_eq!(
            apply_script(form, &script).as_deref(),
            Some(lemma),
            "{form} -> {lemma} via {script}"
        );
        script
    }

    #[test]
    fn regular_inflection_is_a_suffix_edit() {
        assert_eq!(round_trip("casas", "casa"), "L0;-0+|-1+");
        assert_eq!(round_trip("Habló", "hablar"), "L0;-0+|-1+ar");
        assert_eq!(round_trip("canciones", "canción"), "L0;-0+|-4+ón");
        assert_eq!(round_trip("felices", "feliz"), "L0;-0+|-3+z");
        assert_eq!(round_trip("compraríamos", "comprar"), "L0;-0+|-5+");
        assert_eq!(round_trip("estaba", "estar"), "L0;-0+|-2+r");
    }

    #[test]
    fn scripts_generalise_across_words() {
        let plural = script_for("mesas", "mesa");
        assert_eq!(apply_script("sillas", &plural).as_deref(), Some("silla"));
        let past = script_for("Habló", "hablar");
        assert_eq!(apply_script("Trabajó", &past).as_deref(), Some("trabajar"));
        assert_eq!(apply_script("CAMINÓ", &past).as_deref(), Some("caminar"));
        let capital = script_for("Madrid", "Madrid");
        assert_eq!(capital, "k;-0+|-0+");
        assert_eq!(apply_script("Lima", &capital).as_deref(), Some("Lima"));
    }

    #[test]
    fn irregular_verbs() {
        assert_eq!(round_trip("dijo", "decir"), "L0;=decir");
        assert_eq!(round_trip("fue", "ser"), "L0;=ser");
        assert_eq!(round_trip("fue", "ir"), "L0;=ir");
        assert_eq!(round_trip("propuso", "proponer"), "L0;-0+|-3+oner");
        assert_eq!(round_trip("sostuvo", "sostener"), "L0;-0+|-3+ener");
        assert_eq!(round_trip("advirtió", "advertir"), "L0;-0+|-5+ertir");
        round_trip("Dijeron", "decir");
        round_trip("hubo", "haber");
        round_trip("vuelve", "volver");
    }

    #[test]
    fn casing() {
        assert_eq!(round_trip("MADRID", "Madrid"), "U0,L1;-0+|-0+");
        assert_eq!(round_trip("onu", "ONU"), "U0;-0+|-0+");
        assert_eq!(round_trip("Los", "el"), "L0;=el");
        round_trip("EEUU", "EEUU");
        round_trip("iPhone", "iPhone");
        round_trip("ÁFRICA", "África");
        round_trip("Ǆemal", "ǅemal");
        round_trip("İzmir", "izmir");
        round_trip("STRASSE", "straße");
    }

    #[test]
    fn numbers_punctuation_and_empty_strings() {
        assert_eq!(round_trip("1990", "1990"), "L0;-0+|-0+");
        assert_eq!(round_trip(",", ","), "L0;-0+|-0+");
        assert_eq!(round_trip("a", "a"), "L0;-0+|-0+");
        round_trip("¿", "¿");
        round_trip("", "");
        round_trip("", "algo");
        round_trip("algo", "");
        round_trip("3,5", "3,5");
        round_trip("a|b", "x|b\\");
        round_trip("|\\", "\\|");
        round_trip("tab\tx", "tab\t");
    }

    #[test]
    fn scripts_that_do_not_apply() {
        let script = script_for("caminaremos", "caminar");
        assert_eq!(apply_script("ir", &script), None);
        assert_eq!(apply_script("casa", "nonsense"), None);
        assert_eq!(apply_script("casa", "L0;-x+|-0+"), None);
        assert_eq!(apply_script("casa", "X0;-0+|-0+"), None);
        assert_eq!(apply_script("casa", "L0;-0+"), None);
        assert_eq!(apply_script("casa", "L0;-0+ab\\"), None);
        assert_eq!(apply_script("casa", ""), None);
        assert_eq!(apply_script("casa", "L0;-3+|-3+"), None);
        // A change point beyond the word is harmless.
        assert_eq!(
            apply_script("casa", "L0,U9;-0+|-0+").as_deref(),
            Some("casa")
        );
    }

    #[test]
    fn every_invented_pair_round_trips() {
        let pairs = [
            ("niños", "niño"),
            ("Niñas", "niña"),
            ("árboles", "árbol"),
            ("luces", "luz"),
            ("pidió", "pedir"),
            ("pudieron", "poder"),
            ("quiso", "querer"),
            ("tuvo", "tener"),
            ("hizo", "hacer"),
            ("puso", "poner"),
            ("vino", "venir"),
            ("supo", "saber"),
            ("era", "ser"),
            ("iban", "ir"),
            ("somos", "ser"),
            ("va", "ir"),
            ("he", "haber"),
            ("Dámelo", "dar"),
            ("diciéndole", "decir"),
            ("reunirse", "reunir"),
            ("al", "a"),
            ("del", "de"),
            ("las", "el"),
            ("mí", "yo"),
            ("conmigo", "yo"),
            ("nos", "yo"),
            ("mejores", "mejor"),
            ("grandísima", "grande"),
            ("rapidísimo", "rápido"),
            ("ONU", "ONU"),
            ("EE.UU.", "EE.UU."),
            ("Unión", "Unión"),
            ("PSOE", "PSOE"),
            ("1º", "1º"),
            ("25%", "25%"),
            ("«", "«"),
            ("...", "..."),
            ("—", "—"),
            ("Ésta", "este"),
            ("AQUÉLLOS", "aquel"),
            ("Cuál", "cuál"),
            ("PÚBLICAS", "público"),
            ("x", "equis"),
            ("km", "kilómetro"),
            ("Sr.", "señor"),
            ("Dña.", "doña"),
            ("pingüinos", "pingüino"),
            ("Ñandúes", "ñandú"),
            ("çà", "ça"),
            ("ΑΘΗΝΑ", "Αθήνα"),
            ("straße", "STRASSE"),
            ("McDonald's", "McDonald's"),
            ("deSa", "DEsa"),
            ("aBcD", "AbCd"),
        ];
        for (form, lemma) in pairs {
            round_trip(form, lemma);
            round_trip(lemma, form);
            round_trip(&form.to_uppercase(), lemma);
            round_trip(form, &lemma.to_uppercase());
        }
    }

    #[test]
    fn generated_pairs_round_trip() {
        let alphabet: Vec<char> = "aábcdeéfiíñoóuúüyACÁÉÑÜ|\\;-+=,01 ".chars().collect();
        let mut state: u64 = 0x1234_5678_9abc_def1;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..3000 {
            let form_len = next(8);
            let form: String = (0..form_len)
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let lemma_len = next(8);
            let lemma: String = (0..lemma_len)
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            round_trip(&form, &lemma);
            // Also lemmas that share a stem with the form.
            let cut = next(form.chars().count() + 1);
            let stem: String = form.chars().take(cut).collect();
            round_trip(&form, &format!("{stem}{lemma}"));
            round_trip(&form, &format!("{lemma}{stem}"));
        }
    }
}
