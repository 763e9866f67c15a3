//! LOC spans that name a sovereign state become STATE; every entity gets a canonical name.
//!
//! The pass also trims titles off person spans ("presidente Xi" -> "Xi"), adds state names and
//! abbreviations the model missed ("EE. UU."), adds first-name-less repeats of a person's name
//! ("Lavrov" after "Sergey Lavrov"), and leaves a flat list sorted by start with no overlaps.
use crate::annotation::{Entity, Label};
use crate::lexicon::{lexicon, phrase_words};
use crate::segment::{tokenize, Segmentation, Token};
use crate::text::OffsetMap;

/// Refines the model's entities of `text` (see the module doc).
pub fn refine(text: &str, segmentation: &Segmentation, entities: Vec<Entity>) -> Vec<Entity> {
    let map = OffsetMap::new(text);
    let mut ents: Vec<Entity> = entities.into_iter().filter_map(|e| clean(text, &map, e)).collect();
    for e in ents.iter_mut() {
        relabel(e);
    }
    let tokens: Vec<Token> = segmentation
        .paragraphs
        .iter()
        .flat_map(|p| tokenize(text, p.byte_start, p.byte_end))
        .collect();
    let mut added = find_state_names(text, &map, &tokens, &ents);
    ents.append(&mut added);
    ents = flatten(ents);
    let mut repeats = find_name_repeats(text, &map, &tokens, &ents);
    ents.append(&mut repeats);
    ents = flatten(ents);
    assign_canonical(&mut ents);
    ents
}

/// Checks offsets, trims spaces, punctuation, leading articles and titles. `None` drops the span.
fn clean(text: &str, map: &OffsetMap, mut e: Entity) -> Option<Entity> {
    let (mut b0, mut b1) = if e.byte_end > e.byte_start && e.byte_end <= text.len() && text.is_char_boundary(e.byte_start) && text.is_char_boundary(e.byte_end) {
        (e.byte_start, e.byte_end)
    } else {
        let b0 = map.byte_of(e.start);
        let b1 = map.byte_of(e.end);
        if b1 <= b0 {
            return None;
        }
        (b0, b1)
    };
    let toks = tokenize(text, b0, b1);
    let mut lo = 0;
    let mut hi = toks.len();
    // Trailing and leading punctuation (but keep the final period of "EE. UU.").
    while hi > lo && !toks[hi - 1].is_word && !(toks[hi - 1].slice(text) == "." && hi >= 2 && toks[hi - 2].slice(text).chars().all(char::is_uppercase)) && !matches!(toks[hi - 1].slice(text), ")") {
        hi -= 1;
    }
    while lo < hi && !toks[lo].is_word {
        lo += 1;
    }
    let lex = lexicon();
    if lo >= hi {
        return None;
    }
    let is_role_word = |w: &str| lex.roles.iter().any(|r| r.words.len() == 1 && (r.words[0] == w || crate::lexicon::plural(&r.words[0]) == w));
    // A title is not a name: "Ministro de Relaciones Exteriores", or its tail after "ministro de".
    if e.label != Label::Per && is_role_word(&toks[lo].slice(text).to_lowercase()) {
        return None;
    }
    let span_text = &text[toks[lo].start..toks[hi - 1].end];
    if e.label != Label::Per && lex.generic_orgs.contains(span_text) {
        return None;
    }
    // "China-Kazajistán" names two states, each of which the state pass tags on its own
    if span_text.contains('-') && span_text.split('-').all(|part| lex.state_by_name(part.trim()).is_some()) {
        return None;
    }
    let acronym = !span_text.chars().any(char::is_lowercase);
    if !acronym {
        let before = preceding_words(text, toks[lo].start, 2);
        if before.len() == 2 && before[0] == "de" && is_role_word(&before[1]) {
            return None;
        }
    }
    // Leading articles and, for persons, titles.
    loop {
        if lo >= hi {
            return None;
        }
        let w = toks[lo].slice(text).to_lowercase();
        let is_det = matches!(w.as_str(), "el" | "la" | "los" | "las");
        let is_title = e.label == Label::Per
            && (lex.roles.iter().any(|r| r.words.len() == 1 && r.words[0] == w)
                || matches!(w.as_str(), "sr" | "sra" | "don" | "doña" | "señor" | "señora" | "dr" | "dra"));
        if (is_det || is_title) && hi - lo > 1 {
            lo += 1;
            while lo < hi && !toks[lo].is_word {
                lo += 1;
            }
        } else {
            break;
        }
    }
    if lo >= hi {
        return None;
    }
    if e.label == Label::Per {
        // what is left of a title ("[Ministro] de Relaciones Exteriores") is no person
        if matches!(toks[lo].slice(text), "de" | "del") {
            return None;
        }
        // "Xi de China", "Felipe VI de España": the person, without the state
        if let Some(k) = (lo + 1..hi.saturating_sub(1)).find(|&k| {
            toks[k].slice(text) == "de" && lex.state_by_name(&text[toks[k + 1].start..toks[hi - 1].end]).is_some()
        }) {
            hi = k;
        }
    }
    b0 = toks[lo].start;
    b1 = toks[hi - 1].end;
    let span = map.span_from_bytes(b0, b1);
    e.start = span.start;
    e.end = span.end;
    e.byte_start = b0;
    e.byte_end = b1;
    e.text = text[b0..b1].to_string();
    Some(e)
}

/// LOC/ORG/MISC spans that are a state's name become STATE (capitals stay LOC).
fn relabel(e: &mut Entity) {
    let lex = lexicon();
    if lex.media.contains(&e.text) {
        e.label = Label::Org;
        return;
    }
    if e.label == Label::Per {
        return;
    }
    if let Some(st) = lex.state_by_name(&e.text) {
        e.label = Label::State;
        e.canonical = st.canonical.clone();
    } else if lex.capitals.contains_key(&e.text) {
        // a capital standing for its government ("Washington respondió") is still a place
        e.label = Label::Loc;
    }
}

/// The last `n` words before byte `b` (lower case, nearest first), within the same line.
fn preceding_words(text: &str, b: usize, n: usize) -> Vec<String> {
    let line = text[..b].rsplit('\n').next().unwrap_or("");
    line.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .rev()
        .take(n)
        .map(str::to_lowercase)
        .collect()
}

/// State names present in the text but not in any entity span.
fn find_state_names(text: &str, map: &OffsetMap, tokens: &[Token], ents: &[Entity]) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    let words: Vec<String> = tokens.iter().map(|t| t.slice(text).to_string()).collect();
    let mut i = 0;
    while i < tokens.len() {
        let mut best: Option<(usize, &str)> = None;
        if tokens[i].is_word && words[i].chars().next().map_or(false, char::is_uppercase) {
            let key = strip_accents(&words[i]).to_uppercase();
            for (nw, canonical) in STATE_NAME_TOKENS.get(&key).map(|v| v.as_slice()).unwrap_or(&[]) {
                let n = nw.len();
                if n == 0 || i + n > tokens.len() || best.map_or(false, |(m, _)| m >= n) {
                    continue;
                }
                let matches = (0..n).all(|k| {
                    let w = &words[i + k];
                    w == &nw[k] || (w.chars().count() > 1 && !w.chars().any(char::is_lowercase) && *w == nw[k].to_uppercase())
                });
                // Tokens of one name must be adjacent or separated by single spaces.
                let tight = (1..n).all(|k| tokens[i + k].start - tokens[i + k - 1].end <= 1);
                if matches && tight {
                    best = Some((n, canonical.as_str()));
                }
            }
        }
        if let Some((n, canonical)) = best {
            let b0 = tokens[i].start;
            let b1 = tokens[i + n - 1].end;
            let overlaps = ents.iter().any(|e| e.byte_start < b1 && b0 < e.byte_end);
            // Not part of a longer capitalized name ("Gran Hotel China") nor of "Estado".
            let prev_cap = i > 0 && tokens[i - 1].is_word && tokens[i].start - tokens[i - 1].end <= 1 && words[i - 1].chars().next().map_or(false, char::is_uppercase) && !is_sentence_initial(text, tokens[i - 1].start);
            let next_cap = i + n < tokens.len() && tokens[i + n].is_word && tokens[i + n].start - tokens[i + n - 1].end <= 1 && words[i + n].chars().next().map_or(false, char::is_uppercase);
            if !overlaps && !prev_cap && !next_cap {
                let span = map.span_from_bytes(b0, b1);
                out.push(Entity {
                    text: text[b0..b1].to_string(),
                    label: Label::State,
                    start: span.start,
                    end: span.end,
                    byte_start: b0,
                    byte_end: b1,
                    score: 1.0,
                    canonical: canonical.to_string(),
                });
            }
            i += n;
        } else {
            i += 1;
        }
    }
    out
}

/// Tokens of every unambiguous state name, by the first token (upper case, no accents).
static STATE_NAME_TOKENS: once_cell::sync::Lazy<std::collections::HashMap<String, Vec<(Vec<String>, String)>>> = once_cell::sync::Lazy::new(|| {
    let mut m: std::collections::HashMap<String, Vec<(Vec<String>, String)>> = std::collections::HashMap::new();
    for st in lexicon().states.iter().filter(|s| !s.ambiguous) {
        for name in &st.names {
            let toks = name_tokens(name);
            if let Some(first) = toks.first() {
                m.entry(strip_accents(first).to_uppercase()).or_default().push((toks.clone(), st.canonical.clone()));
            }
        }
    }
    m
});

fn is_sentence_initial(text: &str, b: usize) -> bool {
    let before = text[..b].trim_end();
    before.is_empty() || before.ends_with(['.', '\n', '?', '!', '»', '"', ':'])
}

fn name_tokens(name: &str) -> Vec<String> {
    tokenize(name, 0, name.len()).iter().map(|t| t.slice(name).to_string()).collect()
}

/// Standalone repeats of a person's family name ("Lavrov" after "Sergey Lavrov", "Wang" after "Wang Yi").
fn find_name_repeats(text: &str, map: &OffsetMap, tokens: &[Token], ents: &[Entity]) -> Vec<Entity> {
    let lex = lexicon();
    let mut family: Vec<String> = Vec::new();
    for e in ents.iter().filter(|e| e.label == Label::Per) {
        let toks = name_tokens(&e.text);
        if toks.len() < 2 {
            continue;
        }
        let last = toks.last().cloned().unwrap_or_default();
        if last.chars().count() >= 3 && !phrase_words(&last).iter().any(|w| lex.function_class(w).is_some()) {
            family.push(last);
        }
        if lex.surname_first.contains(&toks[0]) {
            family.push(toks[0].clone());
        }
    }
    family.sort();
    family.dedup();
    let mut out = Vec::new();
    for t in tokens.iter().filter(|t| t.is_word) {
        let w = t.slice(text);
        if !family.iter().any(|f| f == w) {
            continue;
        }
        if ents.iter().any(|e| e.byte_start < t.end && t.start < e.byte_end) {
            continue;
        }
        // Not followed by another capitalized word (a different full name).
        let after = text[t.end..].chars().take_while(|c| *c == ' ').count();
        let next_cap = after == 1 && text[t.end + 1..].chars().next().map_or(false, char::is_uppercase);
        if next_cap || lex.state_by_name(w).is_some() {
            continue;
        }
        let span = map.span_from_bytes(t.start, t.end);
        out.push(Entity {
            text: w.to_string(),
            label: Label::Per,
            start: span.start,
            end: span.end,
            byte_start: t.start,
            byte_end: t.end,
            score: 1.0,
            canonical: w.to_string(),
        });
    }
    out
}

/// Sorted by start; of overlapping spans the longer (then the earlier) one stays.
fn flatten(mut ents: Vec<Entity>) -> Vec<Entity> {
    ents.sort_by(|a, b| (b.byte_end - b.byte_start).cmp(&(a.byte_end - a.byte_start)).then(a.byte_start.cmp(&b.byte_start)));
    let mut kept: Vec<Entity> = Vec::new();
    for e in ents {
        if !kept.iter().any(|k| k.byte_start < e.byte_end && e.byte_start < k.byte_end) {
            kept.push(e);
        }
    }
    kept.sort_by_key(|e| (e.byte_start, e.byte_end));
    kept
}

/// Persons: the fullest name in the document that contains this one; states: the short name.
fn assign_canonical(ents: &mut [Entity]) {
    let persons: Vec<Vec<String>> = ents.iter().filter(|e| e.label == Label::Per).map(|e| name_tokens(&e.text)).collect();
    let lex = lexicon();
    for e in ents.iter_mut() {
        match e.label {
            Label::State => {
                if let Some(st) = lex.state_by_name(&e.text) {
                    e.canonical = st.canonical.clone();
                } else {
                    e.canonical = e.text.clone();
                }
            }
            Label::Per => e.canonical = fullest_name(&e.text, &persons),
            _ => e.canonical = e.text.clone(),
        }
    }
}

/// The longest name among `names` whose tokens contain the tokens of `name` in a row.
pub fn fullest_name(name: &str, names: &[Vec<String>]) -> String {
    let toks = name_tokens(name);
    if toks.is_empty() {
        return name.to_string();
    }
    let mut best: Option<&Vec<String>> = None;
    for cand in names {
        if cand.len() <= toks.len() {
            continue;
        }
        let contains = cand.windows(toks.len()).any(|w| w.iter().zip(&toks).all(|(a, b)| a == b || strip_accents(a) == strip_accents(b)));
        if contains && best.map_or(true, |b| cand.len() > b.len()) {
            best = Some(cand);
        }
    }
    match best {
        Some(b) => b.join(" "),
        None => toks.join(" "),
    }
}

fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' => 'U',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::segment;

    fn ent(text: &str, needle: &str, label: Label) -> Entity {
        let b = text.find(needle).unwrap();
        let map = OffsetMap::new(text);
        let s = map.span_from_bytes(b, b + needle.len());
        Entity { text: needle.into(), label, start: s.start, end: s.end, byte_start: b, byte_end: b + needle.len(), score: 0.9, canonical: needle.into() }
    }

    #[test]
    fn loc_state_relabel_and_canonical() {
        let t = "La canciller de Perú, Ana Gómez, llegó a Lima desde los EE. UU. y habló con Rusia. Gómez sonrió.";
        let ents = vec![ent(t, "Perú", Label::Loc), ent(t, "Ana Gómez", Label::Per), ent(t, "Lima", Label::Loc), ent(t, "Rusia", Label::Loc)];
        let out = refine(t, &segment(t), ents);
        let got: Vec<(&str, Label, &str)> = out.iter().map(|e| (e.text.as_str(), e.label, e.canonical.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("Perú", Label::State, "Perú"),
                ("Ana Gómez", Label::Per, "Ana Gómez"),
                ("Lima", Label::Loc, "Lima"),
                ("EE. UU.", Label::State, "Estados Unidos"),
                ("Rusia", Label::State, "Rusia"),
                ("Gómez", Label::Per, "Ana Gómez"),
            ]
        );
        for e in &out {
            assert_eq!(t.chars().skip(e.start).take(e.end - e.start).collect::<String>(), e.text);
        }
    }

    #[test]
    fn titles_trimmed_and_state_inside_org_not_added() {
        let t = "El presidente Lula visitó el Partido Comunista de Cuba.";
        let ents = vec![ent(t, "presidente Lula", Label::Per), ent(t, "Partido Comunista de Cuba", Label::Org)];
        let out = refine(t, &segment(t), ents);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, "Lula");
        assert_eq!(out[1].label, Label::Org);
    }

    #[test]
    fn titles_are_not_names_and_capitals_stay_places() {
        let text = "El Consejero de Estado y Ministro de Relaciones Exteriores de Perú habló con Xi de China. El Ministro de Defensa llegó a Lima; Xinhua lo confirmó. El Gobierno habló de las relaciones Chile-Bolivia.";
        let seg = crate::segment::segment(text);
        let ents = refine(
            text,
            &seg,
            vec![
                ent(text, "Estado", Label::Org),
                ent(text, "Relaciones Exteriores de Perú", Label::Org),
                ent(text, "Ministro de Defensa", Label::Org),
                ent(text, "Xi de China", Label::Per),
                ent(text, "Lima", Label::Org),
                ent(text, "Gobierno", Label::Org),
                ent(text, "Chile-Bolivia", Label::Org),
                ent(text, "Xinhua", Label::Loc),
            ],
        );
        let got: Vec<(&str, Label)> = ents.iter().map(|e| (e.text.as_str(), e.label)).collect();
        assert_eq!(
            got,
            vec![("Perú", Label::State), ("Xi", Label::Per), ("China", Label::State), ("Lima", Label::Loc), ("Xinhua", Label::Org), ("Chile", Label::State), ("Bolivia", Label::State)]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        let t = "ÉÉ\u{301}";
        let bad = Entity { text: "x".into(), label: Label::Loc, start: 5, end: 2, byte_start: 9, byte_end: 1, score: 0.1, canonical: "x".into() };
        let _ = refine(t, &segment(t), vec![bad]);
        let _ = refine("", &segment(""), vec![]);
    }
}
