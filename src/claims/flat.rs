//! Claims found without a parse (a document made by [`crate::Doc::from_entities`], or a model
//! without syntax heads), from flat token patterns.
//!
//! Cues: verbs of saying in every inflection ("dijo", "ha subrayado", "agregando que", "Al
//! resaltar"), fixed phrases ("hizo hincapié en"), "según X" / "de acuerdo con X", position cues
//! ("se opone a", "está dispuesta a", "coincidieron en que"), and "X: «...»".
//! Speakers: the subject before the cue (skipping noun phrases after prepositions, with number
//! agreement and coordination "China y Rusia"), the subject after it ("..., dijo el canciller
//! ruso"), or, for Spanish zero subjects ("Anotó que ..."), the current speaker. Sentences with no
//! cue that follow a speaker's claim in the same paragraph are continuations.
use super::{is_close_quote, is_open_quote, FoundClaim};
use crate::annotation::{Claim, Mode, Polarity};
use crate::lexicon::{lexicon, CueToken, FormKind, FunctionClass, Number};
use crate::mentions::{compatible, Mention, MentionKind, Mentions, Via, Words};
use crate::segment::Segmentation;
use crate::text::OffsetMap;

/// Kind of a cue found in a sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CueKind {
    /// A verb or phrase of saying; `initial` for a gerund or "Al + infinitive" opening the sentence.
    Reporting { gerund: bool, initial: bool },
    /// "según X", "de acuerdo con X".
    Segun,
    /// A position cue; `with_que` when a "que" clause follows ("coincidieron en que").
    Position { polarity: Option<Polarity>, with_que: bool },
    /// "X: «...»".
    Colon,
}

#[derive(Debug, Clone)]
struct Cue {
    /// Token range [t0, t1).
    t0: usize,
    t1: usize,
    kind: CueKind,
    number: Number,
}

struct Ctx<'a> {
    text: &'a str,
    map: OffsetMap,
    words: Words,
    mentions: &'a Mentions,
    /// Per token: inside a quotation.
    quoted: Vec<bool>,
}

/// Finds the claims of a document.
pub fn extract(text: &str, seg: &Segmentation, mentions: &Mentions) -> Vec<FoundClaim> {
    let words = Words::new(text, seg);
    let quoted = quote_mask(text, &words);
    let ctx = Ctx { text, map: OffsetMap::new(text), words, mentions, quoted };
    let mut out: Vec<FoundClaim> = Vec::new();
    let mut current: Option<Vec<String>> = None; // current speaker (zero subjects)
    let mut last_org: Option<Vec<String>> = None; // last organization speaking ("el comunicado")
    let mut prev_para_main: Option<Vec<String>> = None;
    let mut para_main: Option<Vec<String>> = None;
    let mut para_cont_open = false;
    let mut last_para = usize::MAX;

    for (si, sent) in seg.sentences.iter().enumerate() {
        if sent.paragraph != last_para {
            if para_main.is_some() {
                prev_para_main = para_main.take();
            } else if last_para != usize::MAX {
                prev_para_main = None;
            }
            last_para = sent.paragraph;
            para_cont_open = false;
        }
        let t0 = ctx.words.index_at(sent.span.byte_start);
        let t1 = ctx.words.index_at(sent.span.byte_end);
        if t0 >= t1 {
            continue;
        }
        let cues = find_cues(&ctx, t0, t1);
        let mut sent_claims: Vec<FoundClaim> = Vec::new();
        let mut deferred: Vec<usize> = Vec::new();
        for (ci, cue) in cues.iter().enumerate() {
            let next_cue_t = cues.iter().skip(ci + 1).find(|c| !matches!(c.kind, CueKind::Position { with_que: false, .. })).map(|c| c.t0).unwrap_or(t1);
            let (speaker, smention, content) = match cue.kind {
                CueKind::Segun => {
                    let (sp, sm) = segun_speaker(&ctx, cue, t1, current.as_ref());
                    let content = if cue.t0 <= t0 + 2 { after_comma(&ctx, cue.t1, t1) } else { (t0, cue.t0) };
                    (sp, sm, content)
                }
                CueKind::Colon => {
                    let m = mention_ending_at(&ctx, cue.t0);
                    let sp = m.map(|k| ctx.mentions.mentions[k].referents.clone()).unwrap_or_default();
                    (sp, m, (cue.t1, t1))
                }
                CueKind::Position { with_que, .. } => {
                    let found = subject_left(&ctx, cue, t0, true);
                    let content_start = found.as_ref().map(|(k, _)| ctx.words.index_at(ctx.mentions.mentions[*k].span.byte_end)).unwrap_or(cue.t0);
                    let content = if with_que { (skip_que(&ctx, cue.t1, t1), t1) } else { (content_start.max(t0), t1) };
                    match found {
                        Some((k, sp)) => (sp, Some(k), content),
                        None => (Vec::new(), None, content),
                    }
                }
                CueKind::Reporting { gerund, initial } => {
                    if initial {
                        deferred.push(sent_claims.len());
                        (Vec::new(), None, (skip_que(&ctx, cue.t1, next_cue_t), clause_end(&ctx, cue.t1, next_cue_t)))
                    } else if gerund && sent_claims.iter().any(|c| !c.claim.speaker.is_empty() && c.claim.mode != Mode::Position) {
                        let prev = sent_claims.iter().rev().find(|c| !c.claim.speaker.is_empty() && c.claim.mode != Mode::Position).unwrap();
                        (prev.claim.speaker.clone(), prev.speaker_mention, (skip_que(&ctx, cue.t1, t1), next_cue_t.max(cue.t1)))
                    } else if postposed(&ctx, cue, t0) {
                        let content = pre_content(&ctx, t0, cue.t0);
                        match subject_right(&ctx, cue, t1) {
                            Some((k, sp)) => (sp, Some(k), content),
                            None => match (&current, subject_left(&ctx, cue, t0, false)) {
                                (None, Some((k, sp))) => (sp, Some(k), content),
                                _ => (current.clone().unwrap_or_default(), None, content),
                            },
                        }
                    } else {
                        let content = (skip_que(&ctx, cue.t1, next_cue_t), next_cue_t.max(cue.t1));
                        match subject_left(&ctx, cue, t0, false) {
                            Some((k, sp)) => (sp, Some(k), content),
                            None => match subject_right(&ctx, cue, (cue.t1 + 3).min(t1)) {
                                Some((k, sp)) => (sp, Some(k), content),
                                None => (current.clone().unwrap_or_default(), None, content),
                            },
                        }
                    }
                }
            };
            // Position cues in a predicate already claimed for the same subject add nothing.
            if let CueKind::Position { with_que: false, .. } = cue.kind {
                if let Some(k) = smention {
                    if sent_claims.iter().any(|c| c.claim.mode == Mode::Position && c.speaker_mention == Some(k)) {
                        continue;
                    }
                }
                if speaker.is_empty() {
                    continue;
                }
            }
            let mut speaker = speaker;
            // Role phrases and documents the mentions stage left open are resolved from context.
            if speaker.is_empty() {
                if let Some(k) = smention {
                    speaker = resolve_open(&ctx, &ctx.mentions.mentions[k], current.as_ref(), last_org.as_ref());
                }
            }
            let (c0, c1) = content;
            let claim = build_claim(&ctx, cue, speaker, c0.min(t1), c1.min(t1).max(c0.min(t1)));
            sent_claims.push(FoundClaim { claim, sentence: si, speaker_mention: smention, cue_polarity: match cue.kind { CueKind::Position { polarity, .. } => polarity, _ => None }, cue_token: None, via_source: false });
        }
        // Sentence-initial gerunds take the speaker of the main clause.
        for &d in &deferred {
            let sp = sent_claims.iter().skip(d + 1).find(|c| !c.claim.speaker.is_empty()).map(|c| (c.claim.speaker.clone(), c.speaker_mention));
            if let Some((sp, sm)) = sp {
                sent_claims[d].claim.speaker = sp;
                sent_claims[d].speaker_mention = sm;
            } else if let Some(cur) = &current {
                sent_claims[d].claim.speaker = cur.clone();
            }
        }
        sent_claims.retain(|c| !c.claim.speaker.is_empty());

        if sent_claims.is_empty() {
            // Continuation of the paragraph's speaker, or of the previous paragraph's when this
            // one opens with a verb that has no subject ("Además, explorarán ...").
            let first_word = first_content_word(&ctx, t0, t1);
            let contrast = starts_with_contrast(&ctx, t0);
            let speaker = if let Some(m) = &para_main {
                (!contrast).then(|| m.clone())
            } else if (para_cont_open || seg.sentences.get(si.wrapping_sub(1)).map_or(false, |p| p.paragraph != sent.paragraph)) && prev_para_main.is_some() && zero_subject_start(&ctx, first_word, t1) {
                para_cont_open = true;
                prev_para_main.clone()
            } else {
                None
            };
            if let Some(sp) = speaker {
                let (c0, c1) = trim_span(&ctx, t0, t1);
                let b0 = ctx.words.tokens[c0].start;
                let b1 = ctx.words.tokens[c1 - 1].end;
                let span = ctx.map.span_from_bytes(b0, b1);
                out.push(FoundClaim {
                    claim: Claim { speaker: sp, cue: None, cue_start: None, cue_end: None, content: text[b0..b1].to_string(), content_start: span.start, content_end: span.end, mode: Mode::Continuation, stances: Vec::new() },
                    sentence: si,
                    speaker_mention: None,
                    cue_polarity: None,
                    cue_token: None,
                    via_source: false,
                });
            }
            continue;
        }
        para_cont_open = false;
        for c in &sent_claims {
            let reporting = c.claim.mode != Mode::Position;
            let from_source = c.speaker_mention.map_or(false, |k| ctx.mentions.mentions[k].kind == MentionKind::Org);
            if from_source {
                last_org = Some(c.claim.speaker.clone());
            }
            let is_segun = c.claim.cue.as_deref().map_or(false, |q| q.to_lowercase().starts_with("según") || q.to_lowercase().starts_with("de acuerdo"));
            // A past subjunctive ("luego de que X anunciara") sits in a subordinate clause.
            let subjunctive = c.claim.cue.as_deref().map_or(false, |q| q.ends_with("ara") || q.ends_with("iera") || q.ends_with("aran") || q.ends_with("ieran"));
            if reporting && !from_source && !subjunctive && !(is_segun && c.speaker_mention.is_none() && current.is_some()) {
                current = Some(c.claim.speaker.clone());
                if para_main.is_none() && !is_segun {
                    para_main = Some(c.claim.speaker.clone());
                }
            }
        }
        out.extend(sent_claims);
    }
    out
}

/// Marks tokens inside quotation marks.
fn quote_mask(text: &str, words: &Words) -> Vec<bool> {
    let mut mask = vec![false; words.tokens.len()];
    let mut depth = 0i32;
    let mut straight = false;
    let mut single = false;
    let mut para = usize::MAX;
    for (i, t) in words.tokens.iter().enumerate() {
        if words.paragraph[i] != para {
            para = words.paragraph[i];
            depth = 0;
            straight = false;
            single = false;
        }
        let s = t.slice(text);
        let prev_space = t.start == 0 || text[..t.start].ends_with(|c: char| c.is_whitespace() || matches!(c, '(' | '—' | ':'));
        match s {
            "«" | "“" => {
                depth += 1;
                continue;
            }
            "»" | "”" => {
                depth = (depth - 1).max(0);
                continue;
            }
            "\"" => {
                straight = if straight { false } else { prev_space || i == 0 };
                if !straight && !prev_space {
                    straight = false;
                }
                continue;
            }
            "‘" => {
                single = true;
                continue;
            }
            "’" => {
                single = false;
                continue;
            }
            "'" => {
                single = if single { false } else { prev_space };
                continue;
            }
            _ => {}
        }
        mask[i] = depth > 0 || straight || single;
    }
    mask
}


fn tok<'a>(ctx: &'a Ctx, i: usize) -> &'a str {
    ctx.words.tokens.get(i).map_or("", |t| t.slice(ctx.text))
}

fn low<'a>(ctx: &'a Ctx, i: usize) -> &'a str {
    ctx.words.lower.get(i).map_or("", String::as_str)
}

fn is_aux(w: &str) -> Option<Number> {
    match w {
        "ha" | "había" | "habría" | "hubiera" | "habrá" => Some(Number::Sg),
        "han" | "habían" | "habrían" | "hubieran" | "habrán" => Some(Number::Pl),
        _ => None,
    }
}

/// Skips adverbs from token `i` (at most two).
fn skip_adverbs(ctx: &Ctx, mut i: usize, end: usize) -> usize {
    let lex = lexicon();
    let mut k = 0;
    while i < end && k < 2 && lex.is_adverb(low(ctx, i)) && low(ctx, i) != "no" {
        i += 1;
        k += 1;
    }
    i
}

fn find_cues(ctx: &Ctx, t0: usize, t1: usize) -> Vec<Cue> {
    let lex = lexicon();
    let mut cues: Vec<Cue> = Vec::new();
    let mut i = t0;
    while i < t1 {
        if ctx.quoted[i] {
            i += 1;
            continue;
        }
        let w = low(ctx, i);
        // "según (informó)", "de acuerdo con", "en palabras de".
        if w == "según" || (w == "de" && low(ctx, i + 1) == "acuerdo" && low(ctx, i + 2) == "con") || (w == "en" && low(ctx, i + 1) == "palabras" && low(ctx, i + 2) == "de") {
            let mut end = if w == "según" { i + 1 } else { i + 3 };
            if w == "según" {
                if let Some(f) = lex.reporting.get(low(ctx, end)) {
                    if f.kind == FormKind::Finite {
                        end += 1;
                    }
                }
            }
            cues.push(Cue { t0: i, t1: end, kind: CueKind::Segun, number: Number::Any });
            i = end;
            continue;
        }
        // "X: «...»" at the start of a sentence.
        if tok(ctx, i) == ":" && i + 1 < t1 && is_open_quote(tok(ctx, i + 1)) && mention_ending_at(ctx, i).is_some() && i <= t0 + 4 {
            cues.push(Cue { t0: i, t1: i + 1, kind: CueKind::Colon, number: Number::Any });
            i += 1;
            continue;
        }
        // Fixed phrases.
        if let Some((words, number)) = lex.reporting_phrases.iter().find(|(p, _)| ctx.words.matches_at(i, p) && i + p.len() <= t1) {
            cues.push(Cue { t0: i, t1: i + words.len(), kind: CueKind::Reporting { gerund: false, initial: false }, number: *number });
            i += words.len();
            continue;
        }
        // Position cues.
        if let Some((end, polarity, number)) = match_position(ctx, i, t1) {
            let start = if low(ctx, i.wrapping_sub(1)) == "no" && i > t0 { i - 1 } else { i };
            let with_que = low(ctx, end) == "que" || (low(ctx, end) == "en" && low(ctx, end + 1) == "que");
            cues.push(Cue { t0: start, t1: end, kind: CueKind::Position { polarity, with_que }, number });
            i = end;
            continue;
        }
        // Verbs of saying.
        if let Some(f) = lex.reporting.get(w) {
            let prev = low(ctx, i.wrapping_sub(1));
            let prev_det = i > t0 && matches!(lex.function_class(prev), Some(FunctionClass::Det));
            let capital_mid = i > t0 && tok(ctx, i).chars().next().map_or(false, char::is_uppercase) && !matches!(tok(ctx, i - 1), "." | "—" | "\"" | "«" | "“" | "(");
            let mut start = i;
            let mut number = f.number;
            let mut ok = match f.kind {
                FormKind::Finite => !prev_det && prev != "se",
                FormKind::Gerund => true,
                FormKind::Participle => {
                    if let Some(n) = is_aux(prev).filter(|_| !(i >= 2 && low(ctx, i - 2) == "se")) {
                        start = i - 1;
                        number = n;
                        true
                    } else {
                        false
                    }
                }
                FormKind::Infinitive => prev == "al" && (i == t0 + 1 || matches!(tok(ctx, i.wrapping_sub(2)), "," | ".")),
            };
            ok &= !capital_mid;
            if ok && !f.strong {
                let after_quote = start >= 2 && tok(ctx, start - 1) == "," && is_close_quote(tok(ctx, start - 2));
                ok = after_quote || (i + 1..(i + 5).min(t1)).any(|k| low(ctx, k) == "que");
            }
            if ok {
                let initial_zone = {
                    // The cue opens the sentence, maybe after a connector and a comma.
                    let mut k = t0;
                    while k < start && (lexicon().is_adverb(low(ctx, k)) || tok(ctx, k) == "," || low(ctx, k) == "al") {
                        k += 1;
                    }
                    k == start
                };
                let gerund = f.kind == FormKind::Gerund;
                let initial = (gerund || f.kind == FormKind::Infinitive) && initial_zone;
                let start = if f.kind == FormKind::Infinitive { i } else { start };
                cues.push(Cue { t0: start, t1: i + 1, kind: CueKind::Reporting { gerund, initial }, number });
            }
        }
        i += 1;
    }
    cues
}

/// Matches a position cue at token `i`: (end token, polarity, number of the verb).
fn match_position(ctx: &Ctx, i: usize, t1: usize) -> Option<(usize, Option<Polarity>, Number)> {
    let lex = lexicon();
    'cue: for cue in &lex.position_cues {
        let mut k = i;
        let mut number = Number::Any;
        for (n, ct) in cue.tokens.iter().enumerate() {
            if n > 0 {
                k = skip_adverbs(ctx, k, t1);
            }
            if k >= t1 {
                continue 'cue;
            }
            match ct {
                CueToken::Word(w) => {
                    if low(ctx, k) != w {
                        continue 'cue;
                    }
                    k += 1;
                }
                CueToken::Adj(forms) => {
                    if !forms.iter().any(|f| f == low(ctx, k)) {
                        continue 'cue;
                    }
                    k += 1;
                }
                CueToken::Verb(lemma) => {
                    let mut w = low(ctx, k);
                    let mut aux_n = None;
                    if let Some(n) = is_aux(w) {
                        aux_n = Some(n);
                        k = skip_adverbs(ctx, k + 1, t1);
                        w = low(ctx, k);
                    }
                    match lex.position_forms.get(w) {
                        Some((l, num, kind)) if l == lemma => {
                            let ok = match (aux_n, kind) {
                                (Some(_), FormKind::Participle) => true,
                                (None, FormKind::Finite) => true,
                                _ => false,
                            };
                            if !ok {
                                continue 'cue;
                            }
                            number = aux_n.unwrap_or(*num);
                        }
                        _ => continue 'cue,
                    }
                    // A determiner before a finite form makes it a noun ("el apoyo").
                    let before = if aux_n.is_some() { i } else { k };
                    if before > 0 && matches!(lex.function_class(low(ctx, before - 1)), Some(FunctionClass::Det)) && n == 0 {
                        continue 'cue;
                    }
                    k += 1;
                }
            }
        }
        // "se han apoyado entre sí": reciprocal or impersonal, not a position.
        let first_is_verb = matches!(cue.tokens.first(), Some(CueToken::Verb(_)));
        if first_is_verb && i > 0 && low(ctx, i - 1) == "se" {
            continue;
        }
        // The verb must be finite in the sentence: not "para apoyar", "de rechazar".
        if i > 0 && matches!(low(ctx, i - 1), "para" | "de" | "a" | "al" | "sin" | "por") {
            continue;
        }
        return Some((k, cue.polarity, number));
    }
    None
}

/// The mention that ends right before token `i`.
fn mention_ending_at(ctx: &Ctx, i: usize) -> Option<usize> {
    let b = ctx.words.tokens.get(i.checked_sub(1)?)?.end;
    ctx.mentions.mentions.iter().position(|m| m.span.byte_end == b && m.can_speak())
}

/// Mention indices overlapping tokens [a, b).
fn mentions_in(ctx: &Ctx, a: usize, b: usize) -> Vec<usize> {
    if a >= b || b > ctx.words.tokens.len() {
        return Vec::new();
    }
    let b0 = ctx.words.tokens[a].start;
    let b1 = ctx.words.tokens[b - 1].end;
    ctx.mentions.mentions.iter().enumerate().filter(|(_, m)| m.span.byte_start >= b0 && m.span.byte_end <= b1).map(|(k, _)| k).collect()
}

fn mention_number(m: &Mention) -> Number {
    if m.kind == MentionKind::Group {
        Number::Pl
    } else {
        m.number
    }
}

fn preceded_by_prep(ctx: &Ctx, first_tok: usize) -> bool {
    let lex = lexicon();
    let mut k = first_tok;
    // A determiner between the preposition and the noun phrase.
    if k > 0 && matches!(lex.function_class(low(ctx, k - 1)), Some(FunctionClass::Det)) {
        k -= 1;
    }
    k > 0 && matches!(lex.function_class(low(ctx, k - 1)), Some(FunctionClass::Prep))
}

/// The subject left of a cue: the nearest mention that can speak, is not after a preposition,
/// and agrees in number (coordinated mentions count as plural).
fn subject_left(ctx: &Ctx, cue: &Cue, t0: usize, stop_at_clause: bool) -> Option<(usize, Vec<String>)> {
    let cands = mentions_in(ctx, t0, cue.t0);
    let mut idx = cands.len();
    while idx > 0 {
        idx -= 1;
        let k = cands[idx];
        let m = &ctx.mentions.mentions[k];
        let mt0 = ctx.words.index_at(m.span.byte_start);
        let mt1 = ctx.words.index_at(m.span.byte_end);
        if stop_at_clause && (mt1..cue.t0).any(|j| matches!(low(ctx, j), "que" | ";" | ":" | "quien")) {
            return None;
        }
        if ctx.quoted.get(mt0).copied().unwrap_or(false) || !(m.can_speak() || m.kind == MentionKind::Source) {
            continue;
        }
        // Coordination: "China y Rusia".
        let mut referents = m.referents.clone();
        let mut number = mention_number(m);
        let mut first = mt0;
        if idx > 0 && mt0 >= 2 && matches!(low(ctx, mt0 - 1), "y" | "e") {
            let pk = cands[idx - 1];
            let pm = &ctx.mentions.mentions[pk];
            if ctx.words.index_at(pm.span.byte_end) == mt0 - 1 && pm.can_speak() && pm.kind == m.kind {
                let mut r = pm.referents.clone();
                r.extend(referents.iter().cloned());
                referents = r;
                number = Number::Pl;
                first = ctx.words.index_at(pm.span.byte_start);
            }
        }
        // Apposition "con el ministro chino, Wang Yi,": the role phrase decides.
        if first >= 1 && tok(ctx, first - 1) == "," {
            if let Some(pk) = mention_ending_at(ctx, first - 1) {
                let pm = &ctx.mentions.mentions[pk];
                if pm.via == Via::Role && pm.referents == m.referents {
                    first = ctx.words.index_at(pm.span.byte_start);
                }
            }
        }
        if preceded_by_prep(ctx, first) {
            continue;
        }
        // Inside the content of a "que" clause whose verb is the subject's own: fine; but a
        // mention that is the object of a previous verb in the same clause is rare enough.
        if !cue.number.agrees(number) {
            continue;
        }
        return Some((k, referents));
    }
    None
}

/// The subject right after a cue ("..., dijo el canciller ruso", "según informó el Departamento").
fn subject_right(ctx: &Ctx, cue: &Cue, t1: usize) -> Option<(usize, Vec<String>)> {
    let limit = (cue.t1 + 8).min(t1);
    let mut stop = limit;
    for j in cue.t1..limit {
        if matches!(tok(ctx, j), "," | "." | ";" | ":") || low(ctx, j) == "que" || is_open_quote(tok(ctx, j)) {
            stop = j;
            break;
        }
    }
    for k in mentions_in(ctx, cue.t1, stop) {
        let m = &ctx.mentions.mentions[k];
        let mt0 = ctx.words.index_at(m.span.byte_start);
        if (m.can_speak() || m.kind == MentionKind::Source) && !preceded_by_prep(ctx, mt0) {
            return Some((k, m.referents.clone()));
        }
    }
    None
}

/// The source of a "según": the first mention after it, or the current speaker for
/// "según indicó" and "de acuerdo con sus palabras".
fn segun_speaker(ctx: &Ctx, cue: &Cue, t1: usize, current: Option<&Vec<String>>) -> (Vec<String>, Option<usize>) {
    let mut stop = t1;
    for j in cue.t1..t1 {
        if matches!(tok(ctx, j), "," | "." | ";" | "—" | ")") {
            stop = j;
            break;
        }
    }
    if cue.t1 < t1 && matches!(low(ctx, cue.t1), "sus" | "su") {
        return (current.cloned().unwrap_or_default(), None);
    }
    for k in mentions_in(ctx, cue.t1, stop) {
        let m = &ctx.mentions.mentions[k];
        if m.can_speak() || m.kind == MentionKind::Source {
            return (m.referents.clone(), Some(k));
        }
    }
    if cue.t1 - cue.t0 >= 2 && stop == cue.t1 {
        // "según indicó" with nothing after it.
        return (current.cloned().unwrap_or_default(), None);
    }
    (Vec::new(), None)
}

/// Resolves a role phrase or a document left open by the mentions stage.
pub(super) fn resolve_open_role(mentions: &Mentions, m: &Mention, current: Option<&Vec<String>>, last_org: Option<&Vec<String>>) -> Vec<String> {
    resolve_open_in(mentions, m, current, last_org)
}

fn resolve_open(ctx: &Ctx, m: &Mention, current: Option<&Vec<String>>, last_org: Option<&Vec<String>>) -> Vec<String> {
    resolve_open_in(ctx.mentions, m, current, last_org)
}

fn resolve_open_in(mentions: &Mentions, m: &Mention, current: Option<&Vec<String>>, last_org: Option<&Vec<String>>) -> Vec<String> {
    match m.via {
        Via::Source => last_org.cloned().unwrap_or_default(),
        Via::Role => {
            let role = match &m.role {
                Some(r) => r,
                None => return current.cloned().unwrap_or_default(),
            };
            if let Some(cur) = current {
                if cur.len() == 1 {
                    if let Some(p) = mentions.person(&cur[0]) {
                        let state_ok = role.state.is_none() || p.state.is_none() || p.state == role.state;
                        let role_ok = p.roles.is_empty() || p.roles.iter().any(|&r| compatible(r, role.class));
                        if state_ok && role_ok {
                            return cur.clone();
                        }
                    }
                }
            }
            // The most recent person before the phrase with a compatible role.
            let before = mentions.mentions.iter().filter(|x| x.span.byte_end <= m.span.byte_start && x.kind == MentionKind::Person && x.referents.len() == 1);
            let mut best: Option<String> = None;
            for x in before {
                if let Some(p) = mentions.person(&x.referents[0]) {
                    let state_ok = role.state.is_none() || p.state.is_none() || p.state == role.state;
                    if state_ok && p.roles.iter().any(|&r| compatible(r, role.class)) {
                        best = Some(p.canonical.clone());
                    }
                }
            }
            // Or the one person named so far, when nothing told of a role or state that
            // conflicts ("X llegó a Lisboa. El canciller portugués afirmó ...").
            let named_before: Vec<&crate::mentions::Person> = mentions.persons.iter().filter(|p| p.first < m.span.start).collect();
            let only = match named_before.as_slice() {
                [p] if p.roles.is_empty() && (role.state.is_none() || p.state.is_none() || p.state == role.state) => Some(p.canonical.clone()),
                _ => None,
            };
            // Or else, for an official never named, the state the role serves ("el portavoz
            // islandés afirmó").
            best.or(only).map(|b| vec![b]).or_else(|| current.cloned()).or_else(|| role.state.clone().map(|s| vec![s])).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// Whether the cue follows its content: it comes after a comma, a closing quote or a dash.
fn postposed(ctx: &Ctx, cue: &Cue, t0: usize) -> bool {
    if cue.t0 <= t0 {
        return false;
    }
    let p = tok(ctx, cue.t0 - 1);
    let p_ok = matches!(p, "," | "—" | "–") || is_close_quote(p);
    // "..., y dijo que" is a coordinated verb, not a postposed one.
    if !p_ok || (cue.t1 < ctx.words.tokens.len() && low(ctx, cue.t1) == "que") {
        return false;
    }
    // "El ministro ruso, Serguéi Lavrov, anunció": the comma closes an apposition.
    if p == "," {
        if let Some(k) = mention_ending_at(ctx, cue.t0 - 1) {
            let m = &ctx.mentions.mentions[k];
            let mt0 = ctx.words.index_at(m.span.byte_start);
            if m.kind == MentionKind::Person && mt0 > t0 && tok(ctx, mt0 - 1) == "," {
                return false;
            }
        }
    }
    true
}

/// Content before a postposed cue: the quotation if the sentence opens with one, else the words
/// from the sentence start to the comma.
fn pre_content(ctx: &Ctx, t0: usize, cue_t0: usize) -> (usize, usize) {
    let mut a = t0;
    let mut b = cue_t0;
    while b > a && matches!(tok(ctx, b - 1), "," | "—" | "–") {
        b -= 1;
    }
    if is_open_quote(tok(ctx, a)) && b > a + 1 && is_close_quote(tok(ctx, b - 1)) {
        a += 1;
        b -= 1;
    }
    (a, b.max(a))
}

/// Skips "que", "en que", ":" and a "de que" after a cue.
fn skip_que(ctx: &Ctx, mut i: usize, end: usize) -> usize {
    while i < end && matches!(low(ctx, i), "que" | "en" | ":" | ",") && i < end {
        if low(ctx, i) == "en" && low(ctx, i + 1) != "que" {
            break;
        }
        i += 1;
    }
    i
}

/// End of a clause opened at `i`: the next comma, or `end`.
fn clause_end(ctx: &Ctx, i: usize, end: usize) -> usize {
    (i..end).find(|&j| tok(ctx, j) == ",").unwrap_or(end)
}

/// Content after the comma that closes a "según X," phrase.
fn after_comma(ctx: &Ctx, i: usize, end: usize) -> (usize, usize) {
    let c = (i..end).find(|&j| tok(ctx, j) == ",").map(|j| j + 1).unwrap_or(i);
    (c, end)
}

/// Trims punctuation at the ends of tokens [a, b).
fn trim_span(ctx: &Ctx, mut a: usize, mut b: usize) -> (usize, usize) {
    while b > a + 1 && matches!(tok(ctx, b - 1), "." | "," | ";" | ":" | "—" | "–") {
        b -= 1;
    }
    while a + 1 < b && matches!(tok(ctx, a), "," | "—" | "–" | ":") {
        a += 1;
    }
    (a, b)
}

fn build_claim(ctx: &Ctx, cue: &Cue, speaker: Vec<String>, c0: usize, c1: usize) -> Claim {
    let text = ctx.text;
    let cb0 = ctx.words.tokens[cue.t0].start;
    let cb1 = ctx.words.tokens[cue.t1 - 1].end;
    let cue_span = ctx.map.span_from_bytes(cb0, cb1);
    let (a, b) = if c1 > c0 { trim_span(ctx, c0, c1) } else { (c0, c1) };
    let (content, cs, ce) = if b > a && b <= ctx.words.tokens.len() {
        let b0 = ctx.words.tokens[a].start;
        let b1 = ctx.words.tokens[b - 1].end;
        let s = ctx.map.span_from_bytes(b0, b1);
        (text[b0..b1].to_string(), s.start, s.end)
    } else {
        (String::new(), cue_span.end, cue_span.end)
    };
    let quoted_any = (a..b).any(|k| ctx.quoted.get(k).copied().unwrap_or(false));
    let quoted_all = b > a && (a..b).all(|k| ctx.quoted.get(k).copied().unwrap_or(false) || is_close_quote(tok(ctx, k)) || is_open_quote(tok(ctx, k)));
    let mode = match cue.kind {
        CueKind::Position { with_que: false, .. } => Mode::Position,
        CueKind::Colon => Mode::Direct,
        _ if quoted_all => Mode::Direct,
        _ if quoted_any => Mode::Mixed,
        _ => Mode::Indirect,
    };
    Claim {
        speaker,
        cue: Some(text[cb0..cb1].to_string()),
        cue_start: Some(cue_span.start),
        cue_end: Some(cue_span.end),
        content,
        content_start: cs,
        content_end: ce,
        mode,
        stances: Vec::new(),
    }
}

/// First token after an opening connector ("Además,", "También", "Asimismo,").
fn first_content_word(ctx: &Ctx, t0: usize, t1: usize) -> usize {
    let lex = lexicon();
    let mut k = t0;
    while k < t1 && (lex.is_adverb(low(ctx, k)) || tok(ctx, k) == ",") && low(ctx, k) != "no" {
        k += 1;
    }
    k
}

/// Whether a sentence opens, after a connector, with a verb and no subject ("Además, explorarán").
fn zero_subject_start(ctx: &Ctx, k: usize, t1: usize) -> bool {
    if k >= t1 || k == 0 {
        return false;
    }
    let w = tok(ctx, k);
    let lw = low(ctx, k);
    let after_connector = k > 0 && ctx.words.paragraph.get(k - 1) == ctx.words.paragraph.get(k);
    let lower_start = w.chars().next().map_or(false, char::is_lowercase);
    let verbish = lw.ends_with("rán") || lw.ends_with("án") || lw.ends_with("en") || lw.ends_with("ó") || lw.ends_with("aron") || lw.ends_with("ieron");
    after_connector && lower_start && verbish && lexicon().function_class(lw).is_none()
}

fn starts_with_contrast(ctx: &Ctx, t0: usize) -> bool {
    let a = low(ctx, t0);
    let b = low(ctx, t0 + 1);
    matches!((a, b), ("sin", "embargo") | ("no", "obstante") | ("mientras", "tanto") | ("por", "otro") | ("por", "otra") | ("en", "cambio") | ("entretanto", _))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::annotation::{Entity, Label};
    use crate::segment::segment;

    /// Every occurrence of each name as an entity with the model's kind of label.
    pub(crate) fn entities_at(text: &str, ents: &[(&str, Label)]) -> Vec<Entity> {
        let map = OffsetMap::new(text);
        let mut entities = Vec::new();
        for &(s, l) in ents {
            for (b, _) in text.match_indices(s) {
                let sp = map.span_from_bytes(b, b + s.len());
                entities.push(Entity { text: s.into(), label: l, start: sp.start, end: sp.end, byte_start: b, byte_end: b + s.len(), score: 1.0, canonical: s.into() });
            }
        }
        entities
    }

    pub(crate) fn run(text: &str, ents: &[(&str, Label)]) -> Vec<Claim> {
        let entities = entities_at(text, ents);
        let seg = segment(text);
        let ents = crate::ner::gazetteer::refine(text, &seg, entities);
        let m = crate::mentions::find(text, &seg, &ents);
        extract(text, &seg, &m).into_iter().map(|c| c.claim).collect()
    }

    fn cue_speaker(c: &[Claim]) -> Vec<(String, String)> {
        c.iter().map(|c| (c.cue.clone().unwrap_or_default(), c.speaker.join("+"))).collect()
    }

    #[test]
    fn indirect_with_zero_subject_and_continuation() {
        let t = "La ministra de Exteriores chilena, Ana Pérez, dijo que el acuerdo es bueno. El comercio crecerá. Subrayó que Chile no cederá.";
        let c = run(t, &[("Ana Pérez", Label::Per), ("Chile", Label::Loc)]);
        assert_eq!(cue_speaker(&c), vec![("dijo".into(), "Ana Pérez".into()), ("".into(), "Ana Pérez".into()), ("Subrayó".into(), "Ana Pérez".into())]);
        assert_eq!(c[0].content, "el acuerdo es bueno");
        assert_eq!(c[1].mode, Mode::Continuation);
    }

    #[test]
    fn postposed_speaker_and_direct_quote() {
        let t = "«Seguiremos adelante», afirmó Luis Gómez. Perú apoyará el plan, agregó el canciller.";
        let c = run(t, &[("Luis Gómez", Label::Per), ("Perú", Label::Loc)]);
        assert_eq!(c[0].speaker, vec!["Luis Gómez"]);
        assert_eq!(c[0].mode, Mode::Direct);
        assert_eq!(c[0].content, "Seguiremos adelante");
        let agrego = c.iter().find(|x| x.cue.as_deref() == Some("agregó")).unwrap();
        assert_eq!(agrego.speaker, vec!["Luis Gómez"]);
        let apoya = c.iter().find(|x| x.cue.as_deref() == Some("apoyará")).unwrap();
        assert_eq!(apoya.speaker, vec!["Perú"]);
        assert_eq!(apoya.mode, Mode::Position);
    }

    #[test]
    fn segun_and_party_positions() {
        let t = "Según el Ministerio de Defensa, la frontera está tranquila. La parte turca se opone a las sanciones y está dispuesta a dialogar.";
        let c = run(t, &[("Ministerio de Defensa", Label::Org)]);
        assert_eq!(cue_speaker(&c), vec![("Según".into(), "Ministerio de Defensa".into()), ("se opone".into(), "Turquía".into())]);
    }

    #[test]
    fn joint_positions_and_gerunds() {
        let t = "El canciller de Italia, Marco Bini, se reunió con la canciller de Japón, Aiko Mori.\nAmbas partes coincidieron en que el diálogo es clave. Bini subrayó la amistad, agregando que Italia y Japón cooperarán.";
        let c = run(t, &[("Marco Bini", Label::Per), ("Italia", Label::Loc), ("Japón", Label::Loc), ("Aiko Mori", Label::Per)]);
        assert_eq!(
            cue_speaker(&c),
            vec![("coincidieron".into(), "Marco Bini+Aiko Mori".into()), ("subrayó".into(), "Marco Bini".into()), ("agregando".into(), "Marco Bini".into())]
        );
    }

    #[test]
    fn no_claim_for_narrator_facts() {
        let t = "El ministro Juan Ruiz viajó a Lima el martes y se reunió con empresarios.";
        assert!(run(t, &[("Juan Ruiz", Label::Per), ("Lima", Label::Loc)]).is_empty());
        assert!(run("", &[]).is_empty());
        assert!(run("«»\n, dijo.", &[]).len() <= 1);
    }
}
