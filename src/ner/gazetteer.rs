//! The entity rules after the model: every rule is Spanish orthography or grammar, and each
//! must add F1 to the model's output (`make evaluate` shows the model alone and the whole
//! pipeline side by side on AnCora and CoNLL-2002).
//!
//! - spans are cleaned: punctuation, a lower-case or sentence-initial article that is not part
//!   of the name ("la ONU"; but "El Cairo", "en La Coruña" keep it), titles ("presidente Xi" ->
//!   "Xi"; "Príncipe de Asturias" -> the place), spans that are only a title or a generic noun
//!   ("el Presidente", "los Jefes de Estado", "el Gobierno") go;
//! - spans are repaired: hyphenated names are one name unless they pair states ("Ana
//!   Pérez-Gil", but "China-Perú" is two states), a span that ends in "de"/"y" runs on into the
//!   name it was cut from, an article that belongs to the name is put back, "EE.UU" keeps its
//!   final period. (A split of spans that the parse shows as two coordinated names, "Ana Ruiz y
//!   Luis Sosa", measured +0.02 F1 on AnCora, -0.02 on CoNLL-2002 and 0 on the readouts, so it
//!   went; the rules read the `Doc` and can use its parse where that earns F1.)
//! - labels: LOC spans that name a sovereign state become STATE, regions stay LOC, media and
//!   networks are ORG, a place at the head of a news dateline is a LOC, "Gobierno de Chile"
//!   (and a title's "... de Chile") is the state only, a lone family name of a person in the
//!   text is PER;
//! - state names, media and acronyms like "G20" the model missed are added, with first-name-less
//!   repeats of a person's name ("Lavrov" after "Sergey Lavrov"); the result is a flat list
//!   sorted by start with no overlaps, each entity with its canonical name.
use crate::annotation::{Entity, Label};
use crate::doc::Doc;
use crate::lexicon::{lexicon, phrase_words};
use crate::segment::{tokenize, Token};
use crate::text::OffsetMap;

/// Refines the entities of `text` given without a parse (see [`refine_doc`]).
#[cfg(test)]
pub fn refine(text: &str, _segmentation: &crate::segment::Segmentation, entities: Vec<Entity>) -> Vec<Entity> {
    refine_doc(&Doc::from_entities(text, entities))
}

/// Refines the model's entities of a parsed document (see the module doc).
pub fn refine_doc(doc: &Doc) -> Vec<Entity> {
    let text = doc.text.as_str();
    let map = &doc.offsets;
    let tokens: Vec<Token> = doc.paragraphs.iter().flat_map(|p| tokenize(text, p.byte_start, p.byte_end)).collect();
    let mut ents: Vec<Entity> = doc.entities.iter().cloned().filter_map(|e| clean(text, map, e)).collect();
    family_names_are_persons(&mut ents);
    ents = repair(text, map, ents);
    ents = ents.into_iter().filter_map(|e| cut_portfolio(text, map, e)).collect();
    for e in ents.iter_mut() {
        relabel(e);
        if is_network_x(text, &Token { start: e.byte_start, end: e.byte_end, is_word: true }) {
            e.label = Label::Org;
        }
        // "en Argel": a capital's name after a preposition of place is the place
        if e.label == Label::Per
            && lexicon().state_by_capital(&e.text).map_or(false, |st| !st.capital_ambiguous)
            && preceding_words(text, e.byte_start, 1).first().map_or(false, |w| matches!(w.as_str(), "en" | "desde" | "hacia" | "hasta"))
        {
            e.label = Label::Loc;
        }
        if is_dateline(text, e) {
            e.label = if e.label == Label::State { Label::State } else { Label::Loc };
        }
    }
    ents = ents.into_iter().map(|e| narrow_to_state(text, map, e)).collect();
    let mut added = find_state_names(text, map, &tokens, &ents);
    ents.append(&mut added);
    capitals_of_named_states(&mut ents);
    let mut media = find_media(text, map, &tokens, &ents);
    ents.append(&mut media);
    ents = flatten(ents);
    family_names_are_persons(&mut ents);
    let mut repeats = find_name_repeats(text, map, &ents);
    ents.append(&mut repeats);
    ents = flatten(ents);
    assign_canonical(&mut ents);
    ents
}

/// Byte span of `e` checked against `text` (code points when the bytes do not fit).
fn byte_span(text: &str, map: &OffsetMap, e: &Entity) -> Option<(usize, usize)> {
    if e.byte_end > e.byte_start && e.byte_end <= text.len() && text.is_char_boundary(e.byte_start) && text.is_char_boundary(e.byte_end) {
        Some((e.byte_start, e.byte_end))
    } else {
        let b0 = map.byte_of(e.start);
        let b1 = map.byte_of(e.end);
        (b1 > b0).then_some((b0, b1))
    }
}

/// `e` moved to bytes `b0..b1` of `text`.
fn set_span(text: &str, map: &OffsetMap, e: &mut Entity, b0: usize, b1: usize) {
    let span = map.span_from_bytes(b0, b1);
    e.start = span.start;
    e.end = span.end;
    e.byte_start = b0;
    e.byte_end = b1;
    e.text = text[b0..b1].to_string();
    e.canonical = e.text.clone();
}

/// Whether `name` names a state and nothing else ("Granada" is a city too).
fn is_state(name: &str) -> bool {
    lexicon().state_by_name(name).map_or(false, |st| !st.ambiguous)
}

fn is_article(w: &str) -> bool {
    matches!(w.to_lowercase().as_str(), "el" | "la" | "los" | "las")
}

fn is_capitalized(w: &str) -> bool {
    w.chars().next().map_or(false, char::is_uppercase)
}

/// Whether `s` is a name whose article belongs to it ("El Cairo", "LA HABANA").
fn starts_with_article_name(s: &str) -> bool {
    let upper = s.to_uppercase();
    lexicon().article_names.iter().any(|n| n.to_uppercase() == upper)
}

/// The title (lower-case words) that the words `words[at..]` start with, longest first.
fn title_at(words: &[String], at: usize) -> Option<&'static crate::lexicon::Title> {
    lexicon().titles.iter().find(|t| words.len() >= at + t.words.len() && t.words.iter().zip(&words[at..]).all(|(a, b)| a == b))
}

/// Checks offsets, trims spaces, punctuation, articles that are not part of the name and
/// titles. `None` drops the span.
fn clean(text: &str, map: &OffsetMap, mut e: Entity) -> Option<Entity> {
    let (b0, b1) = byte_span(text, map, &e)?;
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
    if lex.generic_orgs.contains(span_text) {
        return None;
    }
    // "los Ministerios de Defensa": the plural of an institution noun names no one institution
    if e.label != Label::Per && lex.generic_plurals.contains(&toks[lo].slice(text).to_lowercase()) {
        return None;
    }
    // Only a title: "el Presidente", "los Jefes de Estado".
    let words: Vec<String> = toks[lo..hi].iter().filter(|t| t.is_word).map(|t| t.slice(text).to_lowercase()).collect();
    if title_at(&words, 0).map_or(false, |t| t.words.len() == words.len()) {
        return None;
    }
    // "China-Kazajistán" names two states, each of which the state pass tags on its own
    if span_text.contains('-') && span_text.split('-').all(|part| is_state(part.trim())) {
        return None;
    }
    // "ministro de [Relaciones Exteriores de China]": a title's portfolio (the state in it is
    // found on its own)
    if lex.portfolios.contains(toks[lo].slice(text)) {
        let before = preceding_words(text, toks[lo].start, 2);
        if before.len() == 2 && before[0] == "de" && (is_role_word(&before[1]) || title_at(&before[1..2], 0).is_some()) {
            return None;
        }
    }
    // Articles that are not part of the name, and, for persons, titles.
    loop {
        if lo >= hi {
            return None;
        }
        let w = toks[lo].slice(text);
        // An article belongs to the name when it is capitalized inside a sentence ("en El
        // Salvador") or starts a name that has it ("El Cairo"); "la ONU", "La ONU dijo" lose it.
        let strip_article = is_article(w)
            && hi - lo > 1
            && !(is_capitalized(w)
                && (!is_sentence_initial(text, toks[lo].start)
                    || starts_with_article_name(&text[toks[lo].start..toks[hi - 1].end])
                    || dateline_at(text, toks[lo].start, toks[hi - 1].end)));
        let mut title_len = 0;
        if e.label == Label::Per && !strip_article {
            let rest: Vec<String> = toks[lo..hi].iter().filter(|t| t.is_word).map(|t| t.slice(text).to_lowercase()).collect();
            if let Some(t) = title_at(&rest, 0) {
                // "Príncipe de Asturias": the title's place
                if t.noble && rest.get(t.words.len()).map_or(false, |w| w == "de") && rest.len() > t.words.len() + 1 {
                    let words: Vec<usize> = (lo..hi).filter(|&k| toks[k].is_word).collect();
                    let first = words[t.words.len() + 1];
                    if is_capitalized(toks[first].slice(text)) {
                        e.label = Label::Loc;
                        lo = first;
                        continue;
                    }
                }
                if t.words.len() < rest.len() {
                    title_len = t.words.len();
                }
            } else if matches!(rest[0].as_str(), "sr" | "sra" | "dr" | "dra") && rest.len() > 1 {
                title_len = 1;
            }
        }
        if strip_article || title_len > 0 {
            let mut n = if strip_article { 1 } else { title_len };
            while n > 0 && lo < hi {
                if toks[lo].is_word {
                    n -= 1;
                }
                lo += 1;
            }
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
        // what is left of a title ("[Alto Representante] para la Política Exterior") is no person
        if matches!(toks[lo].slice(text), "de" | "del" | "para" | "en") {
            return None;
        }
        // "Xi de China", "Felipe VI de España": the person, without the state
        if let Some(k) = (lo + 1..hi.saturating_sub(1)).find(|&k| {
            toks[k].slice(text) == "de" && lex.state_by_name(&text[toks[k + 1].start..toks[hi - 1].end]).map_or(false, |st| !st.ambiguous)
        }) {
            hi = k;
        }
    }
    // Dangling words at the start ("y Cooperación", "de Estado", "de la")
    while lo < hi && (is_dangling(toks[lo].slice(text)) || !toks[lo].is_word) {
        lo += 1;
        while lo < hi && !toks[lo].is_word {
            lo += 1;
        }
    }
    if lo >= hi {
        return None;
    }
    set_span(text, map, &mut e, toks[lo].start, toks[hi - 1].end);
    Some(e)
}

/// Words that cannot end (or, lower-case, start) a name: a span ending in one was cut from a
/// longer name. Case matters: "E." and "A." are initials.
fn is_dangling(w: &str) -> bool {
    matches!(w, "de" | "del" | "y" | "e" | "la" | "el" | "los" | "las" | "para" | "en" | "o" | "a" | "por" | "con" | "sobre" | "contra")
}

/// Repairs span boundaries: hyphenated names, spans cut after "de"/"y", articles that belong
/// to the name, the final period of "EE.UU.".
fn repair(text: &str, map: &OffsetMap, mut ents: Vec<Entity>) -> Vec<Entity> {
    let lex = lexicon();
    ents.sort_by_key(|e| (e.byte_start, std::cmp::Reverse(e.byte_end)));
    let mut out: Vec<Entity> = Vec::new();
    let mut i = 0;
    while i < ents.len() {
        let mut e = ents[i].clone();
        i += 1;
        // Skip spans inside the one before.
        if out.last().map_or(false, |p| e.byte_start < p.byte_end) {
            continue;
        }
        // Hyphen before: "Pérez-" + "Gil", "El-" + "Amin".
        loop {
            let before = &text[..e.byte_start];
            let Some(stem) = before.strip_suffix('-') else { break };
            let word_start = stem.char_indices().rev().take_while(|(_, c)| c.is_alphanumeric()).last().map(|(k, _)| k);
            let Some(ws) = word_start else { break };
            let word = &stem[ws..];
            if !is_capitalized(word) || is_state(word) || is_state(&e.text) {
                break;
            }
            // the word belongs to the entity before: that one takes this one
            if let Some(p) = out.last_mut() {
                if p.byte_end == ws + word.len() && p.byte_start <= ws {
                    let p0 = p.byte_start;
                    set_span(text, map, p, p0, e.byte_end);
                    e = out.pop().unwrap_or(e);
                    break;
                }
            }
            let e1 = e.byte_end;
            set_span(text, map, &mut e, ws, e1);
        }
        loop {
            // Hyphen after: "Johnson" + "-Sirleaf".
            let after = &text[e.byte_end..];
            let hyphen = after.starts_with('-') && after[1..].chars().next().map_or(false, char::is_uppercase);
            if hyphen {
                let rest = &after[1..];
                let len = rest.char_indices().take_while(|(_, c)| c.is_alphanumeric()).last().map_or(0, |(k, c)| k + c.len_utf8());
                let word = &rest[..len];
                let pair = is_state(&e.text) || is_state(word) || {
                    // "China-Asia Central": a state and a name after it
                    let next_name: String = rest.split(|c: char| c == ',' || c == '.' || c == ';').next().unwrap_or("").to_string();
                    is_state(next_name.trim()) || lex.regions.contains(next_name.trim())
                };
                if !pair && len > 0 {
                    let ws = e.byte_end + 1;
                    let mut end = ws + len;
                    while i < ents.len() && ents[i].byte_start < end + 1 && ents[i].byte_start >= ws {
                        end = end.max(ents[i].byte_end);
                        i += 1;
                    }
                    let e0 = e.byte_start;
                    set_span(text, map, &mut e, e0, end);
                    continue;
                }
            }
            // A span that ends in "de", "y", "la" was cut: it runs on into the next name.
            let last = tokenize(text, e.byte_start, e.byte_end).last().map(|t| t.slice(text).to_string()).unwrap_or_default();
            if is_dangling(&last) {
                let gap = text[e.byte_end..].chars().take_while(|c| *c == ' ').count();
                // a person's name runs on only into a person's name, a place's into a place's, an
                // organization's "de" into an organization; a work, and an organization's "y",
                // take any name but a person's ("Comunidad de Estados Latinoamericanos y" +
                // "Caribeños")
                let coordination = matches!(last.as_str(), "y" | "e" | "o");
                let fits = match e.label {
                    Label::Misc => ents.get(i).map_or(false, |n| n.label != Label::Per),
                    Label::Org if coordination => ents.get(i).map_or(false, |n| n.label != Label::Per),
                    _ => ents.get(i).map_or(false, |n| n.label == e.label),
                };
                if gap == 1 && i < ents.len() && ents[i].byte_start == e.byte_end + 1 && fits {
                    let (e0, end) = (e.byte_start, ents[i].byte_end);
                    set_span(text, map, &mut e, e0, end);
                    i += 1;
                    continue;
                }
                // no name follows: drop the dangling words
                let toks = tokenize(text, e.byte_start, e.byte_end);
                let mut hi = toks.len();
                while hi > 0 && (!toks[hi - 1].is_word || is_dangling(toks[hi - 1].slice(text))) {
                    hi -= 1;
                }
                if hi == 0 {
                    e.byte_end = e.byte_start;
                } else {
                    let e0 = e.byte_start;
                    set_span(text, map, &mut e, e0, toks[hi - 1].end);
                }
            }
            break;
        }
        if e.byte_end <= e.byte_start {
            continue;
        }
        // An article that belongs to the name: "en El Salvador" (capitalized inside a
        // sentence), "El Cairo, 3 may".
        let before = &text[..e.byte_start];
        if let Some(stem) = before.strip_suffix(' ') {
            let ws = stem.char_indices().rev().take_while(|(_, c)| c.is_alphanumeric()).last().map(|(k, _)| k);
            if let Some(ws) = ws {
                let art = &stem[ws..];
                let joined = &text[ws..e.byte_end];
                let taken = out.last().map_or(false, |p| p.byte_end > ws);
                if !taken && is_article(art) && is_capitalized(art) && (starts_with_article_name(joined) || (!is_sentence_initial(text, ws) && e.label != Label::Per)) {
                    let e1 = e.byte_end;
                    set_span(text, map, &mut e, ws, e1);
                }
            }
        }
        // "EE.UU" + ".", "George W" + "."; then "George W." + "Bush" is one name.
        let last_word = e.text.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
        let initial = e.label == Label::Per && last_word.chars().count() == 1 && is_capitalized(last_word);
        if text[e.byte_end..].starts_with('.') && (initial || (e.text.contains('.') && e.text.chars().last().map_or(false, char::is_uppercase))) {
            let (e0, e1) = (e.byte_start, e.byte_end + 1);
            set_span(text, map, &mut e, e0, e1);
            if initial && e.label == Label::Per && i < ents.len() && ents[i].byte_start == e.byte_end + 1 && ents[i].label == Label::Per {
                let end = ents[i].byte_end;
                set_span(text, map, &mut e, e0, end);
                i += 1;
            }
        }
        out.push(e);
    }
    out
}

/// Inside a title, the portfolio that follows a name is the title's, not the name's:
/// "ministra de Asuntos Exteriores, [Unión Europea] y Cooperación", "Alta Representante de la
/// [Unión] para Asuntos Exteriores"; a span that is only a portfolio there goes.
fn cut_portfolio(text: &str, map: &OffsetMap, mut e: Entity) -> Option<Entity> {
    if !matches!(e.label, Label::Org | Label::Loc | Label::Misc) || !in_title(text, e.byte_start) {
        return Some(e);
    }
    let lex = lexicon();
    let toks = tokenize(text, e.byte_start, e.byte_end);
    let ends_in_state = (0..toks.len()).any(|k| matches!(toks[k].slice(text), "de" | "del") && k + 1 < toks.len() && lex.state_by_name(&text[toks[k + 1].start..e.byte_end]).is_some());
    if ends_in_state {
        return Some(e); // "Comercio y Turismo de Perú": the state (see narrow_to_state)
    }
    if toks.first().map_or(false, |t| lex.portfolios.contains(t.slice(text))) && lex.state_by_name(&e.text).is_none() {
        return None;
    }
    let cut = (1..toks.len().saturating_sub(1)).find(|&k| matches!(toks[k].slice(text), "y" | "e" | "para") && lex.portfolios.contains(toks[k + 1].slice(text)));
    let Some(k) = cut else { return Some(e) };
    let mut hi = k;
    while hi > 0 && !toks[hi - 1].is_word && toks[hi - 1].slice(text) != ")" {
        hi -= 1;
    }
    if hi == 0 {
        return None;
    }
    let b0 = e.byte_start;
    set_span(text, map, &mut e, b0, toks[hi - 1].end);
    Some(e)
}

/// A person's span that is the place at the head of a news dateline ("TOLEDO, 3 may (EFE)",
/// "Lima (Reuters) -"): the paragraph's first words, then a comma, a parenthesis or a dash,
/// then a date or a source.
fn is_dateline(text: &str, e: &Entity) -> bool {
    e.label == Label::Per && dateline_at(text, e.byte_start, e.byte_end)
}

/// Whether bytes `b0..b1` open their paragraph and a dateline follows them (see [`is_dateline`]).
fn dateline_at(text: &str, b0: usize, b1: usize) -> bool {
    if lexicon().media.contains(&text[b0..b1]) {
        return false;
    }
    let name = &text[b0..b1];
    let line_start = text[..b0].rfind('\n').map_or(0, |k| k + 1);
    if !text[line_start..b0].trim().is_empty() {
        return false;
    }
    let after = text[b1..].trim_start();
    let Some(sep) = after.chars().next() else { return false };
    if !matches!(sep, ',' | '(' | '-' | '–' | '—') {
        return false;
    }
    let tail: String = after.chars().skip(1).take(24).collect();
    let tail = tail.trim_start();
    let upper = !name.chars().any(char::is_lowercase) && name.chars().filter(|c| c.is_alphabetic()).count() > 4;
    // a date: "3 may", "27 Ago.", "15 de abril"
    let mut words = tail.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    let day = words.next().map_or(false, |w| w.len() <= 2 && w.chars().all(|c| c.is_ascii_digit()));
    let month = words.find(|w| *w != "de").map_or(false, |w| {
        let w = w.to_lowercase();
        crate::segment::is_month(&w)
    });
    upper || (day && month) || (sep != ',' && tail.chars().next().map_or(false, char::is_uppercase) && tail.split(|c: char| !c.is_alphanumeric()).next().map_or(false, |w| lexicon().media.contains(w)))
}

/// "Gobierno de Chile" and, inside a title ("ministro de Minas y Energía de Colombia"), "...
/// de Colombia" name the state: the span becomes the state's name.
fn narrow_to_state(text: &str, map: &OffsetMap, mut e: Entity) -> Entity {
    if !matches!(e.label, Label::Org | Label::Loc | Label::Misc) {
        return e;
    }
    let lex = lexicon();
    let toks = tokenize(text, e.byte_start, e.byte_end);
    let Some(k) = toks.iter().position(|t| matches!(t.slice(text), "de" | "del")) else { return e };
    let mut rest = k + 1;
    while rest < toks.len() && is_article(toks[rest].slice(text)) && toks[rest].slice(text).chars().all(char::is_lowercase) {
        rest += 1;
    }
    if rest >= toks.len() {
        return e;
    }
    let state = &text[toks[rest].start..e.byte_end];
    if lex.state_by_name(state).is_none() {
        return e;
    }
    let head = text[e.byte_start..toks[k].start].trim();
    let head = ["El ", "La ", "Los ", "Las "].iter().find_map(|a| head.strip_prefix(a)).unwrap_or(head);
    let generic = lex.generic_orgs.contains(head);
    let portfolio = head.split_whitespace().next().map_or(false, |w| lex.portfolios.contains(w));
    if generic || (portfolio && in_title(text, e.byte_start)) {
        let b1 = e.byte_end;
        set_span(text, map, &mut e, toks[rest].start, b1);
        e.label = Label::State;
    }
    e
}

/// Whether byte `b` lies in the portfolio of a title: going back over capitalized words, "de",
/// "y", commas and parentheses, a title word comes first ("ministro de Minas y |Energía").
fn in_title(text: &str, b: usize) -> bool {
    let line_start = text[..b].rfind('\n').map_or(0, |k| k + 1);
    let toks = tokenize(text, line_start, b);
    for t in toks.iter().rev().take(14) {
        let w = t.slice(text);
        let lower = w.to_lowercase();
        if title_at(&[lower.clone()], 0).is_some() || lexicon().roles.iter().any(|r| r.words.len() == 1 && r.words[0] == lower) {
            return true;
        }
        let ok = matches!(w, "de" | "del" | "la" | "y" | "e" | "para" | "," | "(" | ")") || (t.is_word && is_capitalized(w));
        if !ok {
            return false;
        }
    }
    false
}

/// A lone word labelled ORG, LOC or MISC that is a family name of a person named in the text
/// is that person.
fn family_names_are_persons(ents: &mut [Entity]) {
    let lex = lexicon();
    let family: Vec<String> = ents
        .iter()
        .filter(|e| e.label == Label::Per)
        .flat_map(|e| {
            // the last word; of three or more, the second too ("Ana Paz Rey": "Rey", "Paz")
            let t: Vec<&str> = e.text.split_whitespace().collect();
            let mut f: Vec<String> = Vec::new();
            if t.len() >= 2 {
                f.extend(t.last().map(|w| w.to_string()));
            }
            if t.len() >= 3 {
                f.push(t[1].to_string());
            }
            f
        })
        .collect();
    for e in ents.iter_mut() {
        if matches!(e.label, Label::Org | Label::Loc | Label::Misc)
            && family.contains(&e.text)
            && lex.state_by_name(&e.text).is_none()
            && lex.state_by_capital(&e.text).is_none()
            && !lex.media.contains(&e.text)
        {
            e.label = Label::Per;
        }
    }
}

/// The letter X naming the social network: "la red social X", "en su cuenta de X", "un
/// mensaje en X", "X (antes Twitter)".
fn is_network_x(text: &str, t: &Token) -> bool {
    if t.slice(text) != "X" {
        return false;
    }
    let before = preceding_words(text, t.start, 2);
    let b: Vec<&str> = before.iter().map(String::as_str).collect();
    let after = text[t.end..].trim_start_matches(['”', '"', '»', ' ']);
    matches!(b.as_slice(), ["social", ..] | ["plataforma", ..] | ["en" | "de", "cuenta" | "mensaje" | "mensajes" | "publicación" | "publicado" | "publicada" | "perfil" | "escribió" | "publicó"])
        || after.starts_with("(antes Twitter")
}

/// Media and networks ("Reuters", "Twitter"), "la red social X", and groups of states named
/// "G" and a number ("G20", "G-7"), where no entity covers them.
fn find_media(text: &str, map: &OffsetMap, tokens: &[Token], ents: &[Entity]) -> Vec<Entity> {
    let lex = lexicon();
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_word {
            continue;
        }
        let w = t.slice(text);
        let mut end = t.end;
        let g_number = w.len() >= 2 && w.starts_with('G') && w[1..].chars().all(|c| c.is_ascii_digit());
        let g_dash = w == "G" && text[t.end..].starts_with('-') && tokens.get(k + 2).map_or(false, |n| n.start == t.end + 1 && n.slice(text).chars().all(|c| c.is_ascii_digit()));
        if g_dash {
            end = tokens[k + 2].end;
        }
        let network = is_network_x(text, t);
        let medium = w.chars().count() >= 3 && lex.media.contains(w);
        if !(g_number || g_dash || network || medium) {
            continue;
        }
        if ents.iter().any(|e| e.byte_start < end && t.start < e.byte_end) {
            continue;
        }
        let mut e = Entity { text: String::new(), label: Label::Org, start: 0, end: 0, byte_start: 0, byte_end: 0, score: 1.0, canonical: String::new() };
        set_span(text, map, &mut e, t.start, end);
        out.push(e);
    }
    out
}

/// A one-word "person" that is the capital of a state the document names, and the word of no
/// longer person's name there, is that capital ("El Gobierno de Chile ... Santiago considera
/// que ..."; a first name alone is not how news names a person twice).
fn capitals_of_named_states(ents: &mut [Entity]) {
    let lex = lexicon();
    let states: Vec<String> = ents.iter().filter(|e| e.label == Label::State).map(|e| e.canonical.clone()).collect();
    let person_words: Vec<String> = ents.iter().filter(|e| e.label == Label::Per && e.text.split_whitespace().count() > 1).flat_map(|e| e.text.split_whitespace().map(str::to_string).collect::<Vec<_>>()).collect();
    for e in ents.iter_mut().filter(|e| e.label == Label::Per && !e.text.contains(char::is_whitespace)) {
        if lex.state_by_capital(&e.text).map_or(false, |st| states.contains(&st.canonical)) && !person_words.contains(&e.text) {
            e.label = Label::Loc;
        }
    }
}

/// LOC/ORG/MISC spans that are a state's name become STATE unless the name is also a common
/// place or word ("Granada"; capitals stay LOC); regions and names with their article are
/// places, media are ORG; a person's span that is only a region's name or an article-initial
/// place name is that place.
fn relabel(e: &mut Entity) {
    let lex = lexicon();
    if lex.media.contains(&e.text) || (e.text.starts_with('G') && e.text.len() >= 2 && e.text[1..].trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) && e.text.len() > 1 && e.text[1..].chars().any(|c| c.is_ascii_digit())) {
        e.label = Label::Org;
        return;
    }
    if e.label == Label::Per {
        // (a state's or a capital's name may be a person's too: "Rosa Luxemburgo", "Sofía")
        if lex.regions.contains(&e.text) || (lex.article_names.contains(&e.text) && lex.state_by_name(&e.text).is_none()) {
            e.label = Label::Loc;
        }
        return;
    }
    if let Some(st) = lex.state_by_name(&e.text).filter(|st| !st.ambiguous) {
        e.label = Label::State;
        e.canonical = st.canonical.clone();
    } else if lex.capitals.contains_key(&e.text) || lex.regions.contains(&e.text) || lex.article_names.contains(&e.text) {
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
            // "China-Kazajistán", "Relaciones Exteriores China-Rusia": a pair of states by hyphen
            let pair = text[b1..].starts_with('-') || text[..b0].ends_with('-');
            if !overlaps && (pair || (!prev_cap && !next_cap)) {
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
    before.is_empty() || before.ends_with(['.', '\n', '?', '!', '»', '"', ':', '«', '“', '(', '-', '–', '—', '¿', '¡'])
}

fn name_tokens(name: &str) -> Vec<String> {
    tokenize(name, 0, name.len()).iter().map(|t| t.slice(name).to_string()).collect()
}

/// Standalone repeats of a person's family name ("Lavrov" after "Sergey Lavrov", "Wang" after "Wang Yi").
fn find_name_repeats(text: &str, map: &OffsetMap, ents: &[Entity]) -> Vec<Entity> {
    let lex = lexicon();
    let mut family: Vec<String> = Vec::new();
    for e in ents.iter().filter(|e| e.label == Label::Per) {
        let toks = name_tokens(&e.text);
        if toks.len() < 2 {
            continue;
        }
        // the last word as written ("Abu-Nasser")
        let last = e.text.split_whitespace().last().unwrap_or_default().to_string();
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
    let name_char = |c: char| c.is_alphanumeric() || c == '-';
    let mut found: Vec<Token> = family
        .iter()
        .flat_map(|f| text.match_indices(f.as_str()).map(|(b, f)| Token { start: b, end: b + f.len(), is_word: true }))
        .filter(|t| !text[..t.start].chars().next_back().map_or(false, name_char) && !text[t.end..].chars().next().map_or(false, name_char))
        .collect();
    found.sort_by_key(|t| t.start);
    for t in found.iter() {
        let w = t.slice(text);
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

/// Persons: the fullest name in the document that contains this one; states: the short name;
/// organizations: the name in full when named again without their state.
fn assign_canonical(ents: &mut [Entity]) {
    // names as written, spaces made single ("Abdel-Fattah", "Ana M. Pérez" keep their hyphen and period)
    let written: Vec<String> = ents.iter().filter(|e| e.label == Label::Per).map(|e| e.text.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let persons: Vec<Vec<String>> = written.iter().map(|w| name_tokens(w)).collect();
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
            Label::Per => {
                let fullest = fullest_name(&e.text, &persons);
                e.canonical = written.iter().zip(&persons).find(|(_, t)| t.join(" ") == fullest).map_or(fullest, |(w, _)| w.clone());
            }
            _ => e.canonical = e.text.clone(),
        }
    }
    // An organization named again without the state it belongs to ("el Departamento de
    // Estado" after "el Departamento de Estado de Estados Unidos") is the one named in full,
    // when only one such name is in the document.
    let orgs: Vec<String> = ents.iter().filter(|e| e.label == Label::Org).map(|e| e.text.clone()).collect();
    for e in ents.iter_mut().filter(|e| e.label == Label::Org) {
        let mut fuller: Vec<&String> = orgs
            .iter()
            .filter(|full| {
                let rest = full.strip_prefix(e.text.as_str()).and_then(|r| r.strip_prefix(" de ").or_else(|| r.strip_prefix(" del ")));
                rest.map_or(false, |r| lex.state_by_name(r).is_some() || lex.state_by_name(r.trim_start_matches("la ").trim_start_matches("los ")).is_some())
            })
            .collect();
        fuller.sort();
        fuller.dedup();
        if let [full] = fuller.as_slice() {
            e.canonical = (*full).clone();
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

    fn labels(text: &str, ents: Vec<Entity>) -> Vec<(String, Label)> {
        refine(text, &segment(text), ents).into_iter().map(|e| (e.text, e.label)).collect()
    }

    fn own(v: &[(&str, Label)]) -> Vec<(String, Label)> {
        v.iter().map(|(t, l)| (t.to_string(), *l)).collect()
    }

    #[test]
    fn articles_that_belong_to_the_name_stay() {
        let t = "La delegación viajó a El Cairo y a La Paz. La ONU lo confirmó en Cairo.";
        let got = labels(t, vec![ent(t, "Cairo", Label::Loc), ent(t, "La Paz", Label::Loc), ent(t, "La ONU", Label::Org)]);
        assert_eq!(got, own(&[("El Cairo", Label::Loc), ("La Paz", Label::Loc), ("ONU", Label::Org)]));
        // a sentence-initial article that is no part of the name goes; one that is, stays
        let t = "El Cairo, 3 may (EFE). La Haya acoge hoy a los jueces.";
        let got = labels(t, vec![ent(t, "El Cairo", Label::Loc), ent(t, "La Haya", Label::Loc)]);
        assert_eq!(got, own(&[("El Cairo", Label::Loc), ("EFE", Label::Org), ("La Haya", Label::Loc)]));
    }

    #[test]
    fn hyphenated_persons_join_and_state_pairs_split() {
        let t = "La jueza Marta Ruiz-Olmedo habló de las relaciones Perú-Chile y de la cumbre Perú-Asia Central.";
        let got = labels(t, vec![ent(t, "Marta Ruiz", Label::Per), ent(t, "Olmedo", Label::Org)]);
        assert_eq!(
            got,
            own(&[("Marta Ruiz-Olmedo", Label::Per), ("Perú", Label::State), ("Chile", Label::State), ("Perú", Label::State)])
        );
        let t = "Lo dijo Said El-Masri.";
        assert_eq!(labels(t, vec![ent(t, "Masri", Label::Per)]), own(&[("El-Masri", Label::Per)]));
    }

    #[test]
    fn a_span_cut_after_y_or_de_runs_on_into_the_next_name() {
        let t = "Firmó la Liga de Municipios Rurales y Costeros con la Oficina Central del Banco Agrario.";
        let got = labels(
            t,
            vec![ent(t, "Liga de Municipios Rurales y", Label::Org), ent(t, "Costeros", Label::Loc), ent(t, "Oficina Central del", Label::Org), ent(t, "Banco Agrario", Label::Org)],
        );
        assert_eq!(got, own(&[("Liga de Municipios Rurales y Costeros", Label::Org), ("Oficina Central del Banco Agrario", Label::Org)]));
    }

    #[test]
    fn titles_are_no_names_and_are_cut_off_names() {
        let t = "El Presidente recibió a los Jefes de Estado. El Papa Lucio saludó a la Duquesa de Olivenza.";
        let got = labels(
            t,
            vec![ent(t, "Presidente", Label::Per), ent(t, "Jefes de Estado", Label::Per), ent(t, "Papa Lucio", Label::Per), ent(t, "Duquesa de Olivenza", Label::Per)],
        );
        assert_eq!(got, own(&[("Lucio", Label::Per), ("Olivenza", Label::Loc)]));
        let t = "El Alto Comisionado para los Refugiados habló.";
        assert_eq!(labels(t, vec![ent(t, "Alto Comisionado para los Refugiados", Label::Per)]), own(&[]));
    }

    #[test]
    fn the_government_of_a_state_and_a_titles_portfolio_name_the_state() {
        let t = "«El Gobierno de Chile lo lamenta», dijo la ministra de Industria, Comercio y Turismo de Perú.";
        let got = labels(t, vec![ent(t, "El Gobierno de Chile", Label::Org), ent(t, "Comercio y Turismo de Perú", Label::Org)]);
        assert_eq!(got, own(&[("Chile", Label::State), ("Perú", Label::State)]));
        let t = "Habló el ministro de Economía, Mercado Común y Turismo, Luis Sosa.";
        let got = labels(t, vec![ent(t, "Mercado Común y Turismo", Label::Org), ent(t, "Luis Sosa", Label::Per)]);
        assert_eq!(got, own(&[("Mercado Común", Label::Org), ("Luis Sosa", Label::Per)]));
    }

    #[test]
    fn datelines_regions_networks_and_family_names() {
        let t = "TORREVIEJA, 3 may (EFE). Rita Olmos viajó al Asia Meridional con el G20.\nOlmos lo contó en su cuenta de X. También en Twitter.";
        let got = labels(
            t,
            vec![ent(t, "TORREVIEJA", Label::Per), ent(t, "Rita Olmos", Label::Per), ent(t, "Asia Meridional", Label::Org), ent(t, "Olmos", Label::Org)],
        );
        assert_eq!(
            got,
            own(&[
                ("TORREVIEJA", Label::Loc),
                ("EFE", Label::Org),
                ("Rita Olmos", Label::Per),
                ("Asia Meridional", Label::Loc),
                ("G20", Label::Org),
                ("Olmos", Label::Per),
                ("X", Label::Org),
                ("Twitter", Label::Org),
            ])
        );
    }

    #[test]
    fn initials_and_abbreviations_keep_their_period() {
        let t = "Ana M. Pérez llegó de EE.UU. ayer.";
        let got = labels(t, vec![ent(t, "Ana M", Label::Per), ent(t, "Pérez", Label::Per), ent(t, "EE.UU", Label::Loc)]);
        assert_eq!(got, own(&[("Ana M. Pérez", Label::Per), ("EE.UU.", Label::State)]));
    }

    #[test]
    fn persons_keep_their_written_name_and_a_first_surname_is_the_person() {
        let t = "Habló Said Abu-Nasser. Abu-Nasser sonrió. Luego Ana Paz Rey dijo que Paz volvería.";
        let mut paz = ent(t, "Paz", Label::Loc);
        let b = t.rfind("Paz").unwrap();
        (paz.byte_start, paz.byte_end) = (b, b + 3);
        (paz.start, paz.end) = (t[..b].chars().count(), t[..b].chars().count() + 3);
        let ents = vec![ent(t, "Said Abu-Nasser", Label::Per), ent(t, "Ana Paz Rey", Label::Per), paz];
        let out = refine(t, &segment(t), ents);
        let got: Vec<(&str, Label, &str)> = out.iter().map(|e| (e.text.as_str(), e.label, e.canonical.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("Said Abu-Nasser", Label::Per, "Said Abu-Nasser"),
                ("Abu-Nasser", Label::Per, "Said Abu-Nasser"),
                ("Ana Paz Rey", Label::Per, "Ana Paz Rey"),
                ("Paz", Label::Per, "Ana Paz Rey"),
            ]
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
