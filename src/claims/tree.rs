//! Claims on the dependency parse.
//!
//! - Cue: a word whose lemma is in `cue_lemmas.tsv` (any tense, person or form), with what its
//!   class needs: a clause ("que", "de que"), an infinitive, a quotation, a direct object; or
//!   "según X" / "de acuerdo con X", or "X: «...»".
//! - Speaker: the cue's subject wherever it stands; a relative pronoun's antecedent ("X, quien
//!   dijo"); the subject a gerund, infinitive, participle or coordinated verb takes from the
//!   clause it depends on; a passive agent; coordinated subjects as joint speakers; a role noun's
//!   apposition ("el ministro, X,"); a state body's state ("el Gobierno de X"); else, for a Spanish
//!   zero subject, the discourse's current speaker (all participants for a plural verb).
//! - Content: the cue's clause, the quotation it introduces or follows, or its object.
//! - Words inside a quotation are never cues: they belong to the quoted speaker.
use super::flat::resolve_open_role;
use super::{is_close_quote, is_open_quote, FoundClaim};
use crate::annotation::{Claim, Mode};
use crate::doc::{Doc, Token};
use crate::lexicon::{lexicon, CueClass, CueLemma, Number};
use crate::mentions::{MentionKind, Mentions, Via};

fn debug() -> bool {
    static ON: once_cell::sync::Lazy<bool> = once_cell::sync::Lazy::new(|| std::env::var_os("PORTAVOZ_DEBUG_CLAIMS").is_some());
    *ON
}

/// One sentence with the structure the rules read.
struct Sent<'a> {
    doc: &'a Doc,
    /// Global index of the first word.
    first: usize,
    toks: &'a [Token],
    /// Children of each word (local indices, in order).
    children: Vec<Vec<usize>>,
    /// Per word: inside a quotation.
    quoted: Vec<bool>,
    /// Per word: index of the mention covering it.
    mention: Vec<Option<usize>>,
    /// The sentence goes on with a quotation an earlier one opened.
    starts_quoted: bool,
    /// The mark of a quotation the sentence leaves open.
    open_at_end: Option<&'static str>,
}

impl<'a> Sent<'a> {
    fn new(doc: &'a Doc, si: usize, mentions: &Mentions, carried: Option<&'static str>) -> Sent<'a> {
        let s = &doc.sentences[si];
        let toks = doc.sentence_tokens(si);
        let first = s.first_token;
        let children = doc.sentence_children(si);
        let (quoted, open_at_end) = quote_mask(toks, carried);
        let mention = toks
            .iter()
            .map(|t| {
                let k = mentions.mentions.partition_point(|m| m.span.end <= t.start);
                mentions.mentions.get(k).filter(|m| m.span.start <= t.start && t.end <= m.span.end && t.start < t.end).map(|_| k)
            })
            .collect();
        Sent { doc, first, toks, children, quoted, mention, starts_quoted: carried.is_some(), open_at_end }
    }

    fn head(&self, i: usize) -> Option<usize> {
        self.toks[i].head.and_then(|h| h.checked_sub(self.first)).filter(|&h| h < self.toks.len() && h != i)
    }

    fn rel(&self, i: usize) -> &str {
        &self.toks[i].deprel
    }

    fn base_rel(&self, i: usize) -> &str {
        self.toks[i].deprel.split(':').next().unwrap_or("")
    }

    fn lemma(&self, i: usize) -> &str {
        &self.toks[i].lemma
    }

    fn lower(&self, i: usize) -> String {
        self.toks[i].form.to_lowercase()
    }

    fn feat(&self, i: usize, name: &str) -> Option<&str> {
        self.toks[i].feat(name)
    }

    fn child_with<'s>(&'s self, i: usize, rels: &'s [&str]) -> impl Iterator<Item = usize> + 's {
        self.children[i].iter().copied().filter(move |&c| rels.contains(&self.rel(c)))
    }

    /// The leftmost and rightmost words of the subtree of `i`, leaving out the subtrees of `skip`.
    fn extent(&self, i: usize, skip: &[usize]) -> (usize, usize) {
        let mut lo = i;
        let mut hi = i;
        let mut stack = vec![i];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > self.toks.len() {
                break; // a malformed tree must not loop
            }
            lo = lo.min(n);
            hi = hi.max(n);
            for &c in &self.children[n] {
                if !skip.contains(&c) {
                    stack.push(c);
                }
            }
        }
        (lo, hi + 1)
    }

    fn is_punct(&self, i: usize) -> bool {
        self.toks[i].upos == "PUNCT" || self.toks[i].form.chars().all(|c| !c.is_alphanumeric())
    }

    /// Whether the clause headed by `c` opens with "que" ("que ...", "de que ...", "en que ...").
    fn has_que(&self, c: usize) -> bool {
        self.children[c].iter().any(|&m| self.rel(m) == "mark" && self.lower(m) == "que" && m < c)
    }
}


/// Whether `f` closes a quotation opened by `mark`.
fn closes_quote(mark: &str, f: &str) -> bool {
    match mark {
        "«" => f == "»",
        "“" => f == "”" || f == "\"",
        "‘" => f == "’",
        _ => f == mark,
    }
}

/// Marks the words inside quotation marks (the marks excluded). `carried` is the mark of a
/// quotation a previous sentence of the paragraph left open; the mark left open at the end
/// is returned with the mask.
fn quote_mask(toks: &[Token], carried: Option<&'static str>) -> (Vec<bool>, Option<&'static str>) {
    let mut mask = vec![false; toks.len()];
    // (the word before the quotation's first, as a signed index: -1 when carried in); a
    // sentence that starts with a quotation mark opens a new one, the carried one was left
    // unclosed
    let opens_anew = toks.first().map_or(false, |t| matches!(t.form.as_str(), "«" | "“" | "\""));
    let mut open: Option<(isize, &'static str)> = carried.filter(|_| !opens_anew).map(|m| (-1, m));
    for (i, t) in toks.iter().enumerate() {
        let f = t.form.as_str();
        match open {
            Some((o, mark)) => {
                if closes_quote(mark, f) {
                    for m in mask.iter_mut().take(i).skip((o + 1) as usize) {
                        *m = true;
                    }
                    open = None;
                } else if f == "«" || f == "“" {
                    open = Some((i as isize, if f == "«" { "«" } else { "“" }));
                }
            }
            None => {
                open = match f {
                    "«" => Some((i as isize, "«")),
                    "“" => Some((i as isize, "“")),
                    "‘" => Some((i as isize, "‘")),
                    "\"" => Some((i as isize, "\"")),
                    _ => None,
                }
            }
        }
    }
    // An unclosed quotation runs to the end of the sentence, and on into the next.
    if let Some((o, _)) = open {
        for m in mask.iter_mut().skip((o + 1) as usize) {
            *m = true;
        }
    }
    (mask, open.map(|(_, mark)| mark))
}

/// A cue found in a sentence.
#[derive(Debug, Clone)]
struct Cue {
    /// The cue's head word (local index).
    word: usize,
    /// Word range of the cue phrase (local, end exclusive).
    span: (usize, usize),
    kind: CueKind,
}

#[derive(Debug, Clone, PartialEq)]
enum CueKind {
    Verb(CueLemma),
    /// "según X", "de acuerdo con X": the source noun (local index).
    Segun(usize),
    /// "X: «...»": the speaker's word.
    Colon(usize),
}

/// The discourse state the zero subjects read.
#[derive(Default)]
struct Discourse {
    current: Option<Vec<String>>,
    /// Persons and states that spoke alone, the latest last (for agreement with a zero subject).
    singles: Vec<String>,
    last_org: Option<Vec<String>>,
    /// The last speakers that spoke jointly (a plural zero subject goes on with them).
    joint: Option<Vec<String>>,
    /// The first speaker of the current paragraph (continuations go on with it).
    para_main: Option<Vec<String>>,
    /// The person a narrated sentence since the last claim was about (its main verb's
    /// subject): a Spanish zero subject continues the topic ("X habló con Y. Negó que ...").
    topic: Option<String>,
    /// An organization that spoke in its own words last, with the sentence it did in: a
    /// quotation with a zero subject right after ("«...», agregó.") is its.
    org_spoke: Option<(usize, Vec<String>)>,
    /// The sentence being read.
    sentence: usize,
}

/// Finds the claims of a parsed document.
pub fn extract(doc: &Doc, mentions: &Mentions) -> Vec<FoundClaim> {
    let mut out = Vec::new();
    let mut d = Discourse::default();
    let mut last_para = usize::MAX;
    let mut carried: Option<&'static str> = None;
    // per paragraph, the last closing quotation mark's word: a quotation is carried on only
    // when one follows
    let mut last_close: Vec<Option<usize>> = vec![None; doc.sentences.last().map_or(0, |x| x.paragraph + 1)];
    for (i, t) in doc.tokens.iter().enumerate() {
        if let Some(x) = doc.sentences.get(t.sentence).filter(|_| is_close_quote(&t.form)) {
            if let Some(slot) = last_close.get_mut(x.paragraph) {
                *slot = Some(i);
            }
        }
    }
    for si in 0..doc.sentences.len() {
        let para = doc.sentences[si].paragraph;
        if para != last_para {
            d.para_main = None;
            last_para = para;
            carried = None;
        }
        let s = Sent::new(doc, si, mentions, carried);
        // carried on only when a closing mark follows in the paragraph: an unclosed mark (a
        // typo) must not silence the paragraph's cues
        let after = doc.sentences[si].first_token + s.toks.len();
        carried = s.open_at_end.filter(|_| last_close.get(para).copied().flatten().map_or(false, |k| k >= after));
        if s.toks.is_empty() {
            continue;
        }
        d.sentence = si;
        let mut found: Vec<FoundClaim> = Vec::new();
        for cue in find_cues(&s, mentions) {
            let fc = claim_for(&s, si, &cue, mentions, &d);
            if debug() {
                eprintln!("cue {:?} -> {:?}", s.toks[cue.word].form, fc.as_ref().map(|f| (&f.claim.speaker, f.claim.content.chars().take(50).collect::<String>())));
            }
            if let Some(mut fc) = fc {
                across_sentences(&s, si, &mut fc);
                if !found.iter().any(|f| f.claim.cue_start == fc.claim.cue_start) {
                    found.push(fc);
                }
            }
        }
        found.sort_by_key(|f| f.claim.cue_start);
        // An organization's own claim (a verb of its, not "según" or a document): it may go
        // on speaking in the next sentence.
        let org_last = found.iter().find(|c| {
            let org = c.speaker_mention.map_or(false, |k| mentions.mentions[k].kind == MentionKind::Org && mentions.mentions[k].via != Via::Source)
                || d.org_spoke.as_ref().map_or(false, |(_, o)| *o == c.claim.speaker && c.speaker_mention.is_none());
            // (a document's own verb, "subrayó el texto", speaks for its publisher)
            let document = c.via_source && c.speaker_mention.map_or(true, |k| mentions.mentions[k].via == Via::Source);
            (org || document) && c.cue_token.is_some() && (!c.via_source || document || c.speaker_mention.map_or(false, |k| mentions.mentions[k].via == Via::Entity))
        });
        d.org_spoke = org_last.map(|c| (si, c.claim.speaker.clone()));
        if found.is_empty() {
            if let Some(c) = continuation(&s, si, &d, mentions) {
                out.push(c);
            }
            if let Some(t) = sentence_topic(&s, mentions) {
                d.topic = Some(t);
            }
            continue;
        }
        d.topic = None;
        let mut someone_spoke = false;
        for c in &found {
            let from_org = c.via_source || c.speaker_mention.map_or(false, |k| mentions.mentions[k].kind == MentionKind::Org || mentions.mentions[k].via == Via::Source);
            let segun = c.cue_token.is_none();
            if from_org || c.via_source {
                d.last_org = Some(c.claim.speaker.clone());
            }
            // A zero subject goes on with the last person or state that spoke, not with an
            // organization or a medium quoted on the way.
            // A position counts only when a person takes it ("X rechazó las críticas"); a
            // state's position ("Rusia está dispuesta a ...") is no one's words.
            let person = c.speaker_mention.map_or(false, |k| mentions.mentions[k].kind == MentionKind::Person) && c.claim.speaker.len() == 1;
            // A claim told inside another's words ("X dijo que Y justificó ...") leaves the
            // teller speaking.
            let under = |o: &FoundClaim| {
                let (Some(cue), Some(top)) = (c.cue_token.and_then(|g| g.checked_sub(s.first)), o.cue_token.and_then(|g| g.checked_sub(s.first))) else { return false };
                let mut k = cue;
                for _ in 0..s.toks.len() {
                    match s.head(k) {
                        Some(h) if h == top => return true,
                        Some(h) => k = h,
                        None => return false,
                    }
                }
                false
            };
            let nested = found.iter().any(|o| {
                let teller = !o.via_source && !o.claim.speaker.is_empty() && o.claim.speaker.iter().all(|x| mentions.person(x).is_some());
                let inside = c.claim.cue_start.map_or(false, |a| o.claim.content_start <= a && a < o.claim.content_end);
                teller && o.claim.speaker != c.claim.speaker && (inside || under(o))
            });
            if !segun && !from_org && !nested && !c.claim.speaker.is_empty() && (c.claim.mode != Mode::Position || person) {
                someone_spoke = true;
                d.current = Some(c.claim.speaker.clone());
                if let [one] = c.claim.speaker.as_slice() {
                    d.singles.retain(|x| x != one);
                    d.singles.push(one.clone());
                } else {
                    d.joint = Some(c.claim.speaker.clone());
                }
                if d.para_main.is_none() {
                    d.para_main = Some(c.claim.speaker.clone());
                }
            }
        }
        // A sentence whose only claims are a source's ("X mantuvo una conversación ..., según
        // informó el Departamento") is still about its subject, as a narrated one.
        if !someone_spoke {
            d.topic = sentence_topic(&s, mentions);
        }
        out.extend(found);
    }
    told_positions(out, mentions)
}

/// A position told inside another speaker's words is a claim of its own when the teller speaks
/// for that party ("«El Gobierno de X rechaza ...», dijo el canciller de X", or a pair with the
/// teller's state); a third party's position the teller describes ("dijo que Y ha creído
/// siempre en ...") is the teller's claim alone. One claim per cue.
fn told_positions(mut found: Vec<FoundClaim>, mentions: &Mentions) -> Vec<FoundClaim> {
    let speaks_for = |teller: &[String]| -> Vec<String> {
        teller.iter().flat_map(|x| std::iter::once(x.clone()).chain(mentions.state_of(x))).collect()
    };
    let keep: Vec<bool> = found
        .iter()
        .map(|c| {
            // ("según X" inside someone's words names the narrator's source)
            let Some(cue) = c.claim.cue_start.filter(|_| c.cue_token.is_some()) else { return true };
            let told_of_other = |o: &FoundClaim| {
                o.cue_token.is_some() && o.claim.speaker != c.claim.speaker && o.claim.content_start <= cue && cue < o.claim.content_end && o.claim.speaker.iter().all(|x| mentions.person(x).is_some())
            };
            let person = c.claim.speaker.len() == 1 && mentions.person(&c.claim.speaker[0]).is_some();
            // (a teller whose state the document does not say may speak for anyone)
            person || found.iter().filter(|o| told_of_other(o)).all(|o| {
                let theirs = speaks_for(&o.claim.speaker);
                let body_of = c.speaker_mention.and_then(|k| mentions.mentions[k].state.clone());
                theirs.len() == o.claim.speaker.len() || c.claim.speaker.iter().chain(body_of.as_ref()).any(|x| theirs.contains(x))
            })
        })
        .collect();
    let mut i = 0;
    found.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    let mut seen: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    found.retain(|c| {
        let key = (c.claim.cue_start, c.claim.cue_end);
        if key.0.is_some() && seen.contains(&key) {
            return false;
        }
        seen.push(key);
        true
    });
    found
}

/// A quotation's content that runs on past its sentence ("dijo: «A." ... "B.»") or began in
/// an earlier one ("«A." ... "B», dijo X") takes in the rest of the quotation, up to its marks,
/// within the paragraph.
fn across_sentences(s: &Sent, si: usize, fc: &mut FoundClaim) {
    let doc = s.doc;
    let para = doc.sentences[si].paragraph;
    // only a quotation the cue introduces or closes from outside it
    if fc.cue_token.and_then(|g| g.checked_sub(s.first)).map_or(false, |c| c < s.toks.len() && s.quoted[c]) {
        return;
    }
    let claim = &mut fc.claim;
    let in_para = |t: &Token| doc.sentences.get(t.sentence).map_or(false, |x| x.paragraph == para);
    let last_word = (0..s.toks.len()).rev().find(|&k| !s.is_punct(k));
    let first_word = (0..s.toks.len()).find(|&k| !s.is_punct(k));
    let (mut b0, mut b1) = (doc.offsets.byte_of(claim.content_start), doc.offsets.byte_of(claim.content_end));
    let mut changed = false;
    // runs on: the content reaches the sentence's last word, inside a quotation left open
    if let (Some(mark), Some(w)) = (s.open_at_end, last_word) {
        if s.quoted[w] && claim.content_end >= s.toks[w].end {
            let after = s.first + s.toks.len();
            if let Some(t) = doc.tokens[after..].iter().take_while(|t| in_para(t)).find(|t| closes_quote(mark, &t.form)) {
                b1 = t.byte_start;
                changed = true;
            }
        }
    }
    // began earlier: the content starts at the sentence's first word, inside a quotation an
    // earlier sentence opened
    if let Some(w) = first_word {
        if s.starts_quoted && s.quoted[w] && claim.content_start <= s.toks[w].start {
            if let Some(t) = doc.tokens[..s.first].iter().rev().take_while(|t| in_para(t)).find(|t| is_open_quote(&t.form)) {
                b0 = t.byte_end;
                changed = true;
            }
        }
    }
    if changed {
        if let Some(text) = doc.text.get(b0..b1) {
            let lead = text.len() - text.trim_start().len();
            let text = text.trim();
            claim.content = text.to_string();
            claim.content_start = doc.offsets.char_of(b0 + lead);
            claim.content_end = doc.offsets.char_of(b0 + lead + text.len());
        }
    }
}

/// The cues of a sentence, in order.
fn find_cues(s: &Sent, mentions: &Mentions) -> Vec<Cue> {
    let lex = lexicon();
    let mut cues = Vec::new();
    for i in 0..s.toks.len() {
        let t = &s.toks[i];
        // "según X" / "según dijo X"
        if lex.is(&t.form, "according") {
            if let Some(h) = s.head(i) {
                if matches!(s.toks[h].upos.as_str(), "NOUN" | "PROPN" | "PRON") {
                    cues.push(Cue { word: i, span: (i, i + 1), kind: CueKind::Segun(h) });
                }
            }
            continue;
        }
        // (not "X está de acuerdo con Y", a position)
        let agrees = s.head(i).map_or(false, |h| lex.is(s.lemma(h), "copula") || adverb_predicate(s, h)) || s.child_with(i, &["cop"]).next().is_some();
        if s.lower(i) == "acuerdo" && !agrees && i >= 1 && s.lower(i - 1) == "de" && i + 2 < s.toks.len() && s.lower(i + 1) == "con" {
            if let Some(n) = (i + 2..s.toks.len().min(i + 5)).find(|&k| matches!(s.toks[k].upos.as_str(), "NOUN" | "PROPN")) {
                cues.push(Cue { word: i, span: (i - 1, i + 2), kind: CueKind::Segun(n) });
            }
            continue;
        }
        // "a juicio de X", "en opinión de X", "en palabras de X": whose view the sentence gives
        if lex.is(&s.lower(i), "opinion-noun") && i >= 1 && matches!(s.lower(i - 1).as_str(), "a" | "en") && i + 2 < s.toks.len() && matches!(s.lower(i + 1).as_str(), "de" | "del") {
            if let Some(n) = (i + 2..s.toks.len().min(i + 5)).find(|&k| matches!(s.toks[k].upos.as_str(), "NOUN" | "PROPN")) {
                cues.push(Cue { word: i, span: (i - 1, i + 2), kind: CueKind::Segun(n) });
                continue;
            }
        }
        // "Para X, ...": a participant's view opening the sentence
        if i == 0 && s.lower(i) == "para" {
            if let Some(n) = (1..s.toks.len().min(6)).find(|&k| s.mention[k].is_some()) {
                let end = (n..s.toks.len()).take_while(|&k| s.mention[k] == s.mention[n]).last().unwrap_or(n);
                let m = &mentions.mentions[s.mention[n].unwrap_or(0)];
                if end + 1 < s.toks.len() && s.toks[end + 1].form == "," && (1..n).all(|k| s.toks[k].upos == "DET") && matches!(m.kind, MentionKind::Person | MentionKind::State | MentionKind::Org) {
                    cues.push(Cue { word: i, span: (i, i + 1), kind: CueKind::Segun(n) });
                    continue;
                }
            }
        }
        if t.form == ":" && i >= 1 && i + 1 < s.toks.len() && is_open_quote(&s.toks[i + 1].form) {
            if let Some(m) = (0..i).rev().take(4).find(|&k| s.mention[k].is_some()) {
                if (m + 1..i).all(|k| s.mention[k] == s.mention[m]) {
                    cues.push(Cue { word: i, span: (i, i + 1), kind: CueKind::Colon(m) });
                    continue;
                }
            }
            // "X fue tajante: «...»", "X lo dejó claro: «...»": the subject of the clause the
            // colon closes (its verb the word before the colon or above it)
            let mut v = i - 1;
            for _ in 0..s.toks.len() {
                match s.head(v) {
                    Some(h) if h < i => v = h,
                    _ => break,
                }
            }
            // (a verb that is a cue itself has the quotation: "X declaró: «...»")
            let cue_itself = lex.cue_readings(&s.lemma(v).to_lowercase()).is_some();
            if matches!(s.toks[v].upos.as_str(), "VERB" | "ADJ" | "AUX") && !cue_itself {
                if let Some(n) = s.child_with(v, &["nsubj"]).find(|&n| n < v && s.mention[n].is_some()) {
                    cues.push(Cue { word: i, span: (i, i + 1), kind: CueKind::Colon(n) });
                }
            }
            continue;
        }
        let lemma = t.lemma.to_lowercase();
        let readings = if t.upos == "VERB" { lex.cue_readings(&lemma) } else { lex.cue_lemmas.get(&lemma) };
        // Any verb with a noun of attitude as its object states a position ("mantiene su
        // disposición al diálogo", "renovaron el compromiso de ...").
        // (or with it as a predicative noun, as the parse reads "mostró su malestar")
        let attitude = (t.upos == "VERB").then(|| s.child_with(i, &["obj", "xcomp"]).find(|&o| lex.is(s.lemma(o), "attitude") && s.toks[o].upos == "NOUN")).flatten();
        let attitude_reading: Option<Vec<CueLemma>> = attitude.map(|o| {
            let polarity = lex.stance_lemmas.get(s.lemma(o)).and_then(|&(p, entity_only)| (!entity_only).then_some(p));
            vec![CueLemma { class: CueClass::Stance, polarity, with: Some(s.lemma(o).to_string()) }]
        });
        // So does any verb with a phrase of "a favor de" / "en contra de" ("votó en contra de
        // la reforma"): a position with that polarity.
        let side_reading: Option<Vec<CueLemma>> = (t.upos == "VERB" && attitude.is_none())
            .then(|| s.children[i].iter().copied().filter(|&c| matches!(s.rel(c), "obl" | "xcomp" | "advcl")).find_map(|c| crate::stance::side_taken(s.toks, &s.children, s.first, c).map(|(p, _)| p)))
            .flatten()
            .map(|p| vec![CueLemma { class: CueClass::Stance, polarity: Some(p), with: None }]);
        let attitude_reading = attitude_reading.or(side_reading);
        // A verb that needs a clause ("mantener que") with no clause but a noun of attitude
        // ("mantiene su disposición a") states the position; so does a verb none of whose
        // readings applies ("dar" needs "a conocer" or "la bienvenida": "dio su respaldo a").
        let needs_clause = |r: &Vec<CueLemma>| r.iter().all(|c| matches!(c.class, CueClass::SayQue | CueClass::Think)) && !s.children[i].iter().any(|&c| s.has_que(c));
        let dependent = |w: &str| s.children[i].iter().copied().find(|&k| s.lemma(k) == w || s.lower(k) == w);
        let none_applies = |r: &Vec<CueLemma>| r.iter().all(|c| c.with.as_deref().map_or(false, |w| dependent(w).is_none()));
        let readings = match (readings, attitude_reading.as_ref()) {
            (Some(r), Some(a)) if needs_clause(r) || none_applies(r) => a,
            (Some(r), _) => r,
            (None, Some(a)) => a,
            (None, None) => continue,
        };
        // A reading that needs a dependent ("hacer hincapié") wins over a plain one.
        let with = readings.iter().find_map(|r| {
            dependent(r.with.as_deref()?).map(|c| (r, c))
        });
        // After a copula, or a participle after "estar" ("está dispuesta", parsed as a verb).
        let predicative = s.child_with(i, &["cop"]).next().is_some()
            || s.rel(i) == "xcomp"
            // "se mostraron satisfechos", misparsed as the verb's subject: a word of position
            // right after a copular verb
            // (with only adverbs, a comma or the word's own preposition between: "está
            // profundamente de acuerdo")
            || s.head(i).map_or(false, |h| h < i && (h + 1..i).all(|k| s.is_punct(k) || s.toks[k].upos == "ADV" || s.head(k) == Some(i) && s.rel(k) == "case") && lex.is(s.lemma(h), "copula") && s.toks[h].upos != "AUX")
            || s.feat(i, "VerbForm") == Some("Part") && s.child_with(i, &["aux", "aux:pass"]).any(|a| lex.is(s.lemma(a), "copula"))
            // (or hung on an adverb the parse made the copula's predicate: "está profundamente
            // de acuerdo", with "profundamente" holding the copula)
            || s.head(i).map_or(false, |h| h < i && adverb_predicate(s, h));
        let (reading, extra) = match with {
            Some((r, c)) => (r, Some(c)),
            None => {
                let plain = |r: &&CueLemma| r.with.is_none();
                let state = readings.iter().filter(plain).find(|r| r.class == CueClass::State);
                match state.filter(|_| predicative).or_else(|| readings.iter().filter(plain).find(|r| r.class != CueClass::State)) {
                    Some(r) => (r, None),
                    None => continue,
                }
            }
        };
        let upos = t.upos.as_str();
        let verb_form = s.feat(i, "VerbForm");
        let ok_word = match reading.class {
            CueClass::State => matches!(upos, "ADJ" | "VERB" | "NOUN") && predicative,
            _ => upos == "VERB",
        };
        if !ok_word {
            continue;
        }
        if reading.class != CueClass::State {
            // A participle without auxiliary modifies a noun ("el plan anunciado"); a passive
            // ("fue anunciado") reports no speaker's words.
            // (the passive auxiliary stands before the participle; one after it is misattached)
            let passive = s.child_with(i, &["aux:pass"]).any(|a| a < i);
            let agent = s.child_with(i, &["obl:agent"]).next().is_some();
            if verb_form == Some("Part") && !(s.child_with(i, &["aux"]).next().is_some() && !passive || passive && agent) {
                continue;
            }
            // A subjunctive tells no words, but after "después de que" it tells what was said
            // before ("después de que X anunciara que ...").
            let told_before = s.child_with(i, &["mark"]).any(|m| m >= 2 && s.lower(m) == "que" && s.lower(m - 1) == "de" && lex.is(&s.lower(m - 2), "after"));
            // (in a compound tense the auxiliary carries the mood: "que X haya cumplido")
            let subjunctive = s.feat(i, "Mood") == Some("Sub") || s.child_with(i, &["aux"]).any(|a| s.feat(a, "Mood") == Some("Sub"));
            if subjunctive && !told_before {
                continue;
            }
            if s.feat(i, "Person").map_or(false, |p| p != "3") {
                continue;
            }
        }
        // "celebró una reunión", "ofreció una conferencia": a light verb with an event.
        // (a verb of stance judges the event: "condenó la reunión", "calificó la reunión de ...")
        let judges = reading.class == CueClass::Stance && !lex.is(&lemma, "host-verb");
        if reading.with.is_none() && !judges && s.child_with(i, &["obj"]).any(|o| lex.is(s.lemma(o), "event")) {
            continue;
        }
        // Words inside a quotation are the quoted speaker's, not a cue of the narrator's —
        // unless they state the position of a state named as their subject ("«El Gobierno de
        // X rechaza ...», dijo el canciller"): that state's position, quoted.
        if s.quoted[i] && !quoted_state_position(s, i) && !quoted_joint_position(s, i, reading, mentions) {
            continue;
        }
        // The cue phrase takes in the auxiliaries and the reflexive pronoun before the verb
        // ("ha subrayado", "se opone", "se ha mostrado").
        let mut lo = i;
        while lo > 0 && s.head(lo - 1) == Some(i) && (s.base_rel(lo - 1) == "aux" || s.lower(lo - 1) == "se") {
            lo -= 1;
        }
        let mut hi = i + 1;
        if let Some(c) = extra {
            if c > i && c <= i + 4 {
                hi = c + 1;
            }
        }
        cues.push(Cue { word: i, span: (lo, hi), kind: CueKind::Verb(reading.clone()) });
    }
    cues
}

/// The one person named as the subject of a sentence's main verb.
fn sentence_topic(s: &Sent, mentions: &Mentions) -> Option<String> {
    let root = (0..s.toks.len()).find(|&i| s.rel(i) == "root")?;
    // a quotation's subject is the quoted speaker's, not the narrator's topic
    let n = s.child_with(root, &["nsubj"]).next().filter(|&n| !s.quoted[n])?;
    match referent_one(s, n, mentions) {
        Referent::Named(r, Some(k)) if r.len() == 1 && mentions.mentions[k].kind == MentionKind::Person && s.child_with(n, &["conj"]).next().is_none() => {
            r.into_iter().next()
        }
        _ => None,
    }
}

/// Whether the quoted verb `v` of agreement or position states what a pair agreed: its
/// subject a group of persons ("«... donde ambos jefes de Estado renovaron el compromiso»"), or
/// a plural zero subject ("«Acordaron celebrar la cumbre»").
fn quoted_joint_position(s: &Sent, v: usize, reading: &CueLemma, mentions: &Mentions) -> bool {
    if !matches!(reading.class, CueClass::Think | CueClass::Stance | CueClass::State) || verb_number(s, v) != Some("Plur") || person_of(s, v) != Some("3") {
        return false;
    }
    match s.child_with(v, &["nsubj"]).next() {
        Some(n) => s.quoted[n] && s.mention[n].map_or(false, |k| mentions.mentions[k].kind == MentionKind::Group),
        None => true,
    }
}

/// Whether the quoted verb `v` has a subject of its own inside the quotation that names a state
/// (its name, or a body or party of it).
fn quoted_state_position(s: &Sent, v: usize) -> bool {
    // its own subject, one right before it that the parse hung elsewhere, or, coordinated, its
    // first verb's ("«El Gobierno de X ha tenido ... y ha subrayado que ...»"), or, a zero
    // subject agreeing with the verb of saying whose clause it is, that verb's ("... ha
    // subrayado que cree que ...")
    let own = |v: usize| s.child_with(v, &["nsubj"]).next().or_else(|| adjacent_subject(s, v));
    let mut v = v;
    let mut subject = own(v);
    for _ in 0..3 {
        if subject.is_some() {
            break;
        }
        let Some(h) = s.head(v) else { break };
        let h = coordinated_within_quotation(s, v, h);
        let inherits = match s.base_rel(v) {
            "conj" => true,
            "ccomp" => says(s, h) && verb_number(s, v).is_some() && verb_number(s, v) == verb_number(s, h) && person_of(s, v) == person_of(s, h),
            _ => false,
        };
        if !inherits {
            break;
        }
        v = h;
        subject = own(v);
    }
    let Some(n) = subject else { return false };
    if !s.quoted[n] {
        return false;
    }
    let lex = lexicon();
    let body = lex.party_nouns.contains(s.lemma(n)) || lex.party_nouns.contains(&s.toks[n].form);
    let state_name = s.toks[n].upos == "PROPN" && lex.state_by_name(&s.toks[n].form).is_some();
    body && (s.children[n].iter().any(|&c| s.toks[c].upos == "PROPN" || s.toks[c].upos == "ADJ")) || state_name
}

/// Subject of a verb or predicate: its own, or the one it takes from the clause it depends on.
fn subject(s: &Sent, v: usize) -> Option<usize> {
    // "las relaciones que, asegura, mantiene X": the one speaking now says it, not X.
    if parenthetical(s, v) {
        return None;
    }
    let mut v = cue_coordinated_into_clause(s, v).unwrap_or(v);
    let mut came_from = None;
    for _ in 0..6 {
        // A passive's speaker is its agent ("fue confirmada por X"); its subject is what was said.
        if s.child_with(v, &["aux:pass"]).next().is_some() {
            if let Some(a) = s.child_with(v, &["obl:agent"]).next() {
                return Some(a);
            }
        }
        // Two subjects are a misparse (a dateline, a clause's subject hung on the verb): the
        // one nearest the verb.
        // (a word of a quotation is no subject of a verb outside it: "X, por su parte, dijo:
        // «Espero ...»", with "Espero" taken for a subject)
        let outside_quote = |n: usize| !s.quoted[n] || s.quoted[v];
        // (a subject whose number the verb does not share is the misparse: "el enviado ... ha
        // calificado de graves las palabras de X", with "las palabras" also taken for a subject)
        let disagrees = |n: usize| matches!((verb_number(s, v), phrase_number(s, n)), (Some(a), Some(b)) if a != b);
        // (nor is a noun after a "que" that follows the verb: it belongs to the clause "que"
        // opens, "confirmó que la llamada fue cordial")
        let embedded = |n: usize| n > v && (v + 1..n).any(|k| s.lower(k) == "que" && s.toks[k].upos == "SCONJ");
        if let Some(n) = s.child_with(v, &["nsubj", "nsubj:pass", "csubj"]).filter(|&n| Some(n) != came_from && outside_quote(n)).min_by_key(|&n| (disagrees(n) || embedded(n), n.abs_diff(v))) {
            // A relative pronoun subject stands for the noun the clause modifies ("X, quien dijo").
            // (a "que" tagged as a conjunction, when it is the subject of a relative clause)
            if s.toks[n].upos == "PRON" && (s.feat(n, "PronType") == Some("Rel") || lexicon().is(&s.toks[n].form, "relative")) || s.lower(n) == "que" && s.rel(v) == "acl:relcl" {
                if s.rel(v) == "acl:relcl" || s.rel(v) == "acl" {
                    return s.head(v);
                }
                // Set off by a comma, it stands for the noun phrase right before the comma
                // ("..., dijo Ruiz, quien añadió que ...") wherever the parse hung its clause.
                if let Some(antecedent) = before_comma(s, n) {
                    return Some(antecedent);
                }
            }
            return Some(n);
        }
        if let Some(n) = adjacent_subject(s, v) {
            return Some(n);
        }
        // "..., han informado fuentes diplomáticas": a verb of saying after what it reports
        // takes no object; the noun after it, taken for one, is its subject.
        if s.base_rel(v) == "parataxis" && says(s, v) && s.head(v).map_or(false, |h| h < v) {
            // (a document there, "subrayó el comunicado", is read by its publisher's rules)
            if let Some(o) = s.child_with(v, &["obj"]).find(|&o| o > v && matches!(s.toks[o].upos.as_str(), "NOUN" | "PROPN") && !is_source(s, o)) {
                return Some(o);
            }
        }
        // "según ha adelantado el medio X": a verb of saying after "según"/"como" takes no
        // object; the phrase after it, taken for one, is its subject.
        if s.children[v].iter().any(|&m| s.rel(m) == "mark" && lexicon().is(&s.toks[m].form, "report-mark")) {
            if let Some(o) = s.child_with(v, &["obj"]).find(|&o| o > v) {
                return Some(o);
            }
        }
        // A relative clause without a subject of its own ("una reunión en la que subrayó"):
        // the subject of the clause its noun belongs to.
        if s.rel(v) == "acl:relcl" {
            let mut h = s.head(v)?;
            for _ in 0..6 {
                if matches!(s.toks[h].upos.as_str(), "VERB" | "AUX") || s.child_with(h, &["cop"]).next().is_some() {
                    break;
                }
                h = s.head(h)?;
            }
            v = h;
            continue;
        }
        if let Some(a) = s.child_with(v, &["obl:agent"]).next() {
            return Some(a);
        }
        // "Durante la llamada, el ministro y su homóloga acordaron ...": a subject the parse hung
        // as an apposition on a phrase fronted before it, between a comma and the verb.
        if verb_number(s, v).is_some() {
            let fronted = s.children[v].iter().copied().filter(|&o| o < v && matches!(s.base_rel(o), "obl" | "advcl" | "advmod"));
            let hung = fronted.flat_map(|o| s.child_with(o, &["appos"]).filter(move |&a| a > o && a < v).collect::<Vec<_>>()).find(|&a| {
                let start = s.extent(a, &[]).0;
                start > 0 && s.toks[start - 1].form == ","
            });
            if hung.is_some() {
                return hung;
            }
        }
        let mut h = s.head(v)?;
        // "confirmando X y enfatizando Y": a gerund coordinated with a verb that is none goes
        // with the gerund before it
        if s.base_rel(v) == "conj" && s.feat(v, "VerbForm") == Some("Ger") && s.feat(h, "VerbForm") != Some("Ger") {
            if let Some(g) = (h + 1..v).rev().find(|&g| s.feat(g, "VerbForm") == Some("Ger") && s.toks[g].upos == "VERB") {
                h = g;
            }
        }
        let h = coordinated_within_quotation(s, v, h);
        let inherits = match s.base_rel(v) {
            "conj" => true,
            // "se mostraron satisfechos", the adjective misparsed as the subject of the
            // copular verb: that verb's subject
            "nsubj" if s.toks[v].upos != "VERB" && h + 1 == v && lexicon().is(s.lemma(h), "copula") => true,
            // "X está profundamente de acuerdo", the predicative hung as an oblique
            "obl" if s.toks[v].upos != "VERB" && h < v && s.toks[h].upos == "VERB" && lexicon().is(s.lemma(h), "copula") => true,
            "obl" if s.toks[v].upos != "VERB" && h < v && adverb_predicate(s, h) => true,
            "xcomp" | "advcl" | "acl" => matches!(s.feat(v, "VerbForm"), Some("Ger" | "Inf" | "Part")) || s.rel(v) == "xcomp",
            // "X ha subrayado que cree que ...": a zero subject in what a verb of saying
            // reports, agreeing with that verb, is its subject
            "ccomp" => says(s, h) && verb_number(s, v).is_some() && verb_number(s, v) == verb_number(s, h) && person_of(s, v) == person_of(s, h),
            _ => false,
        };
        if !inherits {
            return None;
        }
        // "X ha asegurado que A y ha recordado que B", with "recordado" coordinated with A: a
        // verb of saying in the same tense as the one whose clause holds it goes with that one.
        if s.base_rel(v) == "conj" && says(s, v) {
            if let Some(sayer) = reporting_verb_above(s, h).filter(|&r| same_tense(s, r, v)) {
                v = sayer;
                continue;
            }
        }
        // A gerund after what someone said goes on with the one who said it ("X dijo que Y
        // seguirá de cerca la visita, recalcando que ..." is X recalling).
        // (set off by a comma, wherever the parse hung it: "..., el tiempo que sea necesario,
        // acusando a X", with "acusando" under "necesario")
        let set_off = v > 0 && s.toks[v - 1].form == ",";
        if (s.base_rel(v) == "advcl" || set_off && s.base_rel(v) == "acl") && s.feat(v, "VerbForm") == Some("Ger") {
            let reported_in = || {
                let mut k = h;
                for _ in 0..8 {
                    let up = s.head(k)?;
                    if s.base_rel(k) == "ccomp" && says(s, up) && up < v {
                        return Some(up);
                    }
                    k = up;
                }
                None
            };
            if let Some(sayer) = reporting_verb_above(s, h).or_else(|| set_off.then(reported_in).flatten()) {
                v = sayer;
                continue;
            }
        }
        came_from = Some(v);
        v = h;
    }
    None
}

/// The subject of a finite verb that has none in the parse: the noun phrase right before it
/// (and its auxiliaries, clitics and negation), agreeing with it in number, that the parse made
/// the subject of another word ("«...: el Gobierno de X rechaza ...»", with "Gobierno" hung
/// on the adjective before the colon).
fn adjacent_subject(s: &Sent, v: usize) -> Option<usize> {
    // (finite, or with a finite auxiliary)
    verb_number(s, v)?;
    let mut lo = v;
    while lo > 0 && s.head(lo - 1) == Some(v) && (matches!(s.base_rel(lo - 1), "aux" | "expl" | "compound") || s.toks[lo - 1].upos == "PRON" || lexicon().is(&s.toks[lo - 1].form, "negation")) {
        lo -= 1;
    }
    // or the noun a relative clause set off before it is about ("su par de X, Y, quien asume
    // ..., advirtió que"), wherever the parse hung that noun
    let relative = || {
        let end = if lo > 0 && s.is_punct(lo - 1) { lo - 1 } else { lo };
        let r = (0..end).rev().find(|&r| s.rel(r) == "acl:relcl" && (s.extent(r, &[]).1 == end || s.extent(r, &[]).1 == lo) && s.child_with(r, &["nsubj"]).any(|q| lexicon().is(&s.lower(q), "person-relative")))?;
        s.head(r).filter(|&a| s.head(a) != Some(v))
    };
    let n = (0..lo).rev().find(|&n| s.base_rel(n) == "nsubj" && s.head(n) != Some(v) && s.extent(n, &[]).1 == lo).or_else(relative)?;
    if !matches!(s.toks[n].upos.as_str(), "NOUN" | "PROPN") {
        return None;
    }
    let noun_number = s.feat(n, "Number");
    (noun_number.is_none() || noun_number == verb_number(s, v)).then_some(n)
}

/// A verb set off by commas with nothing of its own but auxiliaries ("que, asegura, mantiene").
fn parenthetical(s: &Sent, v: usize) -> bool {
    let mut lo = v;
    while lo > 0 && s.head(lo - 1) == Some(v) && s.base_rel(lo - 1) == "aux" {
        lo -= 1;
    }
    lo > 0
        && s.toks[lo - 1].form == ","
        && s.toks.get(v + 1).map_or(false, |t| t.form == ",")
        && s.children[v].iter().all(|&c| {
            s.is_punct(c) || matches!(s.base_rel(c), "aux" | "advmod" | "mark")
                // the relative pronoun before the first comma, hung on the parenthetical verb
                || c + 1 < lo && s.toks[c].upos == "PRON" && lexicon().is(&s.toks[c].form, "relative")
        })
}

/// Whether word `h` is a verb of saying.
/// The person of a verb, or of its finite auxiliary.
fn person_of<'a>(s: &'a Sent, v: usize) -> Option<&'a str> {
    s.feat(v, "Person").or_else(|| s.child_with(v, &["aux", "aux:pass", "cop"]).find_map(|a| s.feat(a, "Person")))
}

fn says(s: &Sent, h: usize) -> bool {
    s.toks[h].upos == "VERB" && lexicon().cue_readings(s.lemma(h)).map_or(false, |r| r.iter().any(|c| matches!(c.class, CueClass::Say | CueClass::SayQue)))
}

/// "X advirtió que el conflicto podría escalar e instó a la moderación": a finite verb with no
/// subject that the parse coordinated with the verb of a cue's clause, though it is in the
/// cue's tense and not the clause's, goes with the cue (returned): it takes the cue's subject,
/// and the cue's content ends before it.
fn cue_coordinated_into_clause(s: &Sent, v: usize) -> Option<usize> {
    if s.base_rel(v) != "conj" || s.feat(v, "VerbForm") != Some("Fin") || s.child_with(v, &["nsubj", "nsubj:pass"]).next().is_some() {
        return None;
    }
    let h = s.head(v).filter(|&h| h < v && s.base_rel(h) == "ccomp")?;
    let c = s.head(h).filter(|&c| c < h && s.toks[c].upos == "VERB" && lexicon().cue_readings(&s.lemma(c).to_lowercase()).is_some())?;
    // (the clause's tense is that of its finite word, an auxiliary or copula when it has one:
    // "están conectados y comparten" is one clause)
    let finite = |w: usize| s.child_with(w, &["aux", "aux:pass", "cop"]).filter(|&a| a < w).find(|&a| s.feat(a, "VerbForm") == Some("Fin")).unwrap_or(w);
    let tense = |w: usize| (s.feat(w, "Tense"), s.feat(w, "Mood"));
    (same_tense(s, v, c) && tense(v) != tense(finite(h))).then_some(c)
}

/// Whether two verbs are in the same tense: the same auxiliary ("ha dicho", "ha recordado"),
/// or, with none, the same tense and mood.
fn same_tense(s: &Sent, a: usize, b: usize) -> bool {
    let aux = |v: usize| s.child_with(v, &["aux"]).filter(|&x| x < v).map(|x| s.lower(x)).next();
    match (aux(a), aux(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => s.feat(a, "Tense").is_some() && s.feat(a, "Tense") == s.feat(b, "Tense") && s.feat(a, "Mood") == s.feat(b, "Mood"),
        _ => false,
    }
}

/// The verb of saying whose reported clause holds verb `v` ("dijo que ... v").
fn reporting_verb_above(s: &Sent, v: usize) -> Option<usize> {
    if says(s, v) {
        return None;
    }
    let mut k = v;
    for _ in 0..6 {
        if !matches!(s.base_rel(k), "ccomp" | "conj") {
            return None;
        }
        let h = s.head(k)?;
        if says(s, h) {
            return (s.base_rel(k) == "ccomp").then_some(h);
        }
        k = h;
    }
    None
}

/// A subject the verb inherited from another clause must agree with it in number; when it
/// does not (a misattached coordination: "... y Paz remarcó"), the name right before the verb
/// is its subject, or else it has none of its own.
fn agreeing_subject(s: &Sent, v: usize, subj: Option<usize>) -> Option<usize> {
    let n = subj?;
    if s.head(n) == Some(v) {
        return Some(n);
    }
    let verb = verb_number(s, v);
    let noun = if s.child_with(n, &["conj"]).next().is_some() { Some("Plur") } else { s.feat(n, "Number") };
    if verb.is_none() || noun.is_none() || verb == noun {
        return Some(n);
    }
    let mut k = v;
    while k > 0 && s.base_rel(k - 1) == "aux" {
        k -= 1;
    }
    (k > 0 && s.mention[k - 1].is_some() && s.toks[k - 1].upos == "PROPN").then(|| k - 1)
}

/// Whether the infinitive `v` comes right after "al" (split into "a" + "el" by now: "Al
/// resaltar ...").
fn after_al(s: &Sent, v: usize) -> bool {
    v >= 1 && s.lower(v - 1) == "el" && s.head(v - 1) == Some(v) && s.children[v].iter().any(|&m| m < v && matches!(s.rel(m), "mark" | "case") && lexicon().is(&s.lower(m), "al"))
}

/// Whether `h` is an adverb the parse made a copula's predicate ("está profundamente de
/// acuerdo", with "profundamente" holding "está").
fn adverb_predicate(s: &Sent, h: usize) -> bool {
    s.toks[h].upos == "ADV" && s.child_with(h, &["cop"]).next().is_some()
}

/// The verb a coordinated verb `v` goes with: its head `h`, or, when `v` is inside a
/// quotation and `h` outside it ("X enfatizó que «el Gobierno ha tenido ... y ha subrayado que
/// ...»"), the quotation's verb with a subject before it.
fn coordinated_within_quotation(s: &Sent, v: usize, h: usize) -> usize {
    if s.base_rel(v) != "conj" || !s.quoted[v] || s.quoted[h] {
        return h;
    }
    (h + 1..v).rev().find(|&q| s.quoted[q] && s.toks[q].upos == "VERB" && s.child_with(q, &["nsubj", "nsubj:pass"]).next().is_some()).unwrap_or(h)
}

/// The noun phrase that ends right before the comma opening at `n - 1`: the head of its last
/// noun or proper noun (a name's later words lead back to its first).
fn before_comma(s: &Sent, n: usize) -> Option<usize> {
    let comma = n.checked_sub(1).filter(|&c| s.toks[c].form == ",")?;
    let last = comma.checked_sub(1).filter(|&w| matches!(s.toks[w].upos.as_str(), "NOUN" | "PROPN"))?;
    let mut head = last;
    while matches!(s.base_rel(head), "flat" | "compound") {
        match s.head(head) {
            Some(h) if h < head => head = h,
            _ => break,
        }
    }
    Some(head)
}

/// The grammatical number of the noun phrase headed by `n`, when it is sure: its head's, unless
/// the head coordinates ("el ministro y su homóloga" is plural, and a parse may also hang a
/// conjunct on the wrong noun).
fn phrase_number<'s>(s: &'s Sent, n: usize) -> Option<&'s str> {
    if s.child_with(n, &["conj"]).next().is_some() {
        return None;
    }
    s.feat(n, "Number")
}

/// The number a verb agrees in: its auxiliary's in a compound tense ("han dicho").
fn verb_number<'s>(s: &'s Sent, v: usize) -> Option<&'s str> {
    match s.child_with(v, &["aux"]).next() {
        Some(a) => s.feat(a, "Number"),
        None if s.feat(v, "VerbForm") == Some("Fin") => s.feat(v, "Number"),
        None => None,
    }
}

/// A participant named within a few words after the verb, outside its content.
fn named_after(s: &Sent, v: usize, content: (usize, usize), mentions: &Mentions) -> Option<(Vec<String>, Option<usize>)> {
    for k in v + 1..s.toks.len().min(v + 7) {
        if content.0 <= k && k < content.1 || s.lower(k) == "que" || s.quoted[k] {
            return None;
        }
        if let Some(m) = s.mention[k] {
            let mm = &mentions.mentions[m];
            // Not after a preposition ("exhortaron a X"): an object is no speaker.
            // (also right after a preposition, however the parse hung the name's words: "han
            // informado fuentes diplomáticas a Europa Press")
            let prepositional = matches!(s.base_rel(k), "obl" | "obj" | "iobj" | "nmod") || s.child_with(k, &["case"]).next().is_some() || k > 0 && s.toks[k - 1].upos == "ADP";
            if !mm.referents.is_empty() && mm.can_speak() && mm.kind != MentionKind::Loc && !prepositional {
                return Some((mm.referents.clone(), Some(m)));
            }
        }
    }
    None
}

/// What a subject noun refers to: canonical names, the mention used, or an unresolved mention.
enum Referent {
    Named(Vec<String>, Option<usize>),
    /// A role phrase or a document the mentions stage left open.
    Open(usize),
    /// A pronoun ("él", "ella"): the discourse decides.
    Pronoun,
    /// A document ("el texto", "un comunicado") whose publisher the discourse gives.
    Source,
    None,
}

fn referent_of(s: &Sent, n: usize, mentions: &Mentions, current: Option<&Vec<String>>) -> Referent {
    let mut parts = vec![n];
    // A singular verb has no coordinated subject: a conjunct under it was misattached.
    let singular_verb = s.head(n).map_or(false, |v| verb_number(s, v) == Some("Sing") && s.base_rel(n) == "nsubj");
    for c in s.child_with(n, &["conj"]).filter(|_| !singular_verb) {
        if matches!(s.toks[c].upos.as_str(), "NOUN" | "PROPN" | "PRON") {
            parts.push(c);
        }
    }
    // "Los presidentes X y Y": a plural noun whose apposition is a coordination.
    if parts.len() == 1 && s.feat(n, "Number") == Some("Plur") {
        if let Some(a) = s.child_with(n, &["appos"]).find(|&a| s.child_with(a, &["conj"]).next().is_some()) {
            parts = vec![a];
            parts.extend(s.child_with(a, &["conj"]).filter(|&c| matches!(s.toks[c].upos.as_str(), "NOUN" | "PROPN")));
        }
    }
    if parts.len() == 1 {
        return referent_one(s, n, mentions);
    }
    // Joint speakers: every conjunct names a participant of one kind ("China y Rusia", "X y su
    // homólogo Y"); a coordination inside a title is no joint subject.
    let mut names: Vec<String> = Vec::new();
    let mut kinds: Vec<MentionKind> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for &p in &parts {
        // "el jefe de Estado y la primera ministra, X,": the parse hangs the apposition that
        // follows the last conjunct on the first; it names the last.
        let first_conj = parts.get(1).copied().filter(|_| p == n).unwrap_or(usize::MAX);
        let last = *parts.last().unwrap_or(&n);
        let late_appos = (p == last && p != n && s.child_with(p, &["appos"]).next().is_none())
            .then(|| s.child_with(n, &["appos"]).find(|&a| a > p && s.mention[a].map_or(false, |k| mentions.mentions[k].kind == MentionKind::Person)))
            .flatten();
        let referent = match late_appos {
            Some(a) => referent_one(s, a, mentions),
            None => referent_before(s, p, mentions, first_conj),
        };
        match referent {
            Referent::Named(r, k) => {
                if let Some(k) = k {
                    kinds.push(if mentions.mentions[k].kind == MentionKind::Person { MentionKind::Person } else { MentionKind::State });
                }
                for x in r {
                    if !names.contains(&x) {
                        names.push(x);
                    }
                }
            }
            Referent::Open(k) if mentions.mentions[k].via == Via::Role && mentions.mentions[k].role.is_some() => open.push(k),
            _ => return referent_one(s, n, mentions),
        }
    }
    // "el jefe de Estado y la primera ministra X": a role left open among named conjuncts is
    // a person whose role fits, other than the conjuncts.
    for k in open {
        let m = &mentions.mentions[k];
        let Some(role) = &m.role else { continue };
        let fits = |p: &crate::mentions::Person| {
            !names.contains(&p.canonical)
                && (role.state.is_none() || p.state.is_none() || p.state == role.state)
                && p.roles.iter().any(|&r| crate::mentions::compatible(r, role.class))
        };
        // the one speaking now, if the role fits, else the latest named before it
        let speaking = current.and_then(|c| match c.as_slice() {
            [one] => mentions.person(one).filter(|p| fits(p)).map(|p| p.canonical.clone()),
            _ => None,
        });
        let latest = speaking.or_else(|| mentions
            .mentions
            .iter()
            .filter(|x| x.span.byte_end <= m.span.byte_start && x.kind == MentionKind::Person && x.referents.len() == 1)
            .filter_map(|x| mentions.person(&x.referents[0]))
            .filter(|p| fits(p))
            .last()
            .map(|p| p.canonical.clone()));
        match latest {
            Some(name) => {
                kinds.push(MentionKind::Person);
                names.push(name);
            }
            None => return referent_one(s, n, mentions),
        }
    }
    if kinds.windows(2).any(|w| w[0] != w[1]) {
        return referent_one(s, n, mentions);
    }
    Referent::Named(names, None)
}

fn referent_one(s: &Sent, n: usize, mentions: &Mentions) -> Referent {
    referent_before(s, n, mentions, usize::MAX)
}

/// [`referent_one`] reading only the appositions of `n` before word `limit`.
fn referent_before(s: &Sent, n: usize, mentions: &Mentions, limit: usize) -> Referent {
    let lex = lexicon();
    let named = |k: usize| -> Option<Referent> {
        let m = &mentions.mentions[k];
        if !m.referents.is_empty() && m.can_speak() {
            Some(Referent::Named(m.referents.clone(), Some(k)))
        } else {
            None
        }
    };
    // A name in apposition wins over the role it follows ("el ministro, X,"), an
    // organization's over the common noun it follows ("el medio local X").
    let appos = || {
        s.child_with(n, &["appos"]).filter(|&a| a < limit).find_map(|a| {
            s.mention[a].and_then(|k| {
                let kind = mentions.mentions[k].kind;
                (kind == MentionKind::Person || kind == MentionKind::Org && a > n && s.toks[n].upos == "NOUN" && s.mention[n].is_none()).then(|| named(k)).flatten()
            })
        })
    };
    if let Some(k) = s.mention[n] {
        let m = &mentions.mentions[k];
        if m.referents.is_empty() {
            return appos().unwrap_or(Referent::Open(k));
        }
        // A role phrase resolved to a person of the other gender names someone else.
        if m.via == Via::Role && m.referents.len() == 1 {
            let gender = crate::mentions::role_gender(s.doc, s.first + n);
            let other = mentions.person(&m.referents[0]).and_then(|p| p.gender.clone());
            if gender.is_some() && other.is_some() && gender != other {
                return appos().or_else(|| role_noun(s, n, mentions)).unwrap_or(Referent::None);
            }
        }
        if let Some(r) = named(k) {
            return r;
        }
    }
    if let Some(r) = appos() {
        return r;
    }
    // "..., señaló el noruego": a demonym standing for a person is the latest person of that
    // state named before it.
    if let Some(m) = s.mention[n].map(|k| &mentions.mentions[k]).filter(|m| m.via == Via::Demonym && m.number == Number::Sg) {
        if s.child_with(n, &["det"]).next().is_some() && m.state.is_some() {
            let latest = mentions
                .mentions
                .iter()
                .filter(|x| x.span.byte_end <= m.span.byte_start && x.kind == MentionKind::Person && x.referents.len() == 1)
                .filter_map(|x| mentions.person(&x.referents[0]))
                .filter(|p| p.state == m.state)
                .last();
            if let Some(p) = latest {
                return Referent::Named(vec![p.canonical.clone()], None);
            }
        }
    }
    // A document speaks for its publisher: named inside it ("un comunicado de la
    // Presidencia egipcia"), or the organization last quoted.
    if is_source(s, n) {
        if let Some(k) = s.mention[n] {
            if mentions.mentions[k].via != Via::Source {
                return Referent::None;
            }
        }
        return match source_owner(s, n, mentions) {
            Some((r, k)) => Referent::Named(r, k),
            None => match body_state(s, n) {
                Some(st) => Referent::Named(vec![st], None),
                None => Referent::Source,
            },
        };
    }
    // Words of the subject phrase inside a mention: a role phrase ("la ministra de X") or a
    // state body ("el Gobierno de X", "la parte china").
    let body = lex.party_nouns.contains(s.lemma(n)) || lex.party_nouns.contains(&s.toks[n].form);
    for c in s.children[n].iter().copied() {
        let Some(k) = s.mention[c] else { continue };
        let m = &mentions.mentions[k];
        if m.via == Via::Role && m.referents.is_empty() {
            return Referent::Open(k);
        }
        if body && matches!(s.rel(c), "nmod" | "amod" | "flat" | "compound") {
            if let Some(st) = m.state.clone().or_else(|| (m.kind == MentionKind::State).then(|| m.referents.first().cloned()).flatten()) {
                return Referent::Named(vec![st], Some(k));
            }
            if body && m.kind == MentionKind::Org {
                if let Some(r) = named(k) {
                    return r;
                }
            }
        }
    }
    if body {
        if let Some(st) = body_state(s, n) {
            return Referent::Named(vec![st], None);
        }
    }
    if let Some(g) = group_of(s, n, mentions) {
        return g;
    }
    if let Some(r) = role_noun(s, n, mentions) {
        return r;
    }
    // "el portavoz del Kremlin", "un vocero del Ministerio de X": a spokesperson never named
    // speaks for the body they speak for.
    let lower = s.lower(n);
    if lex.roles.iter().any(|r| r.class == crate::lexicon::RoleClass::Spokes && r.words.len() == 1 && (r.words[0] == lower || r.words[0] == s.lemma(n))) {
        for c in s.child_with(n, &["nmod"]).filter(|&c| s.child_with(c, &["case"]).any(|m| s.lemma(m) == "de")) {
            let Some(k) = s.mention[c] else { continue };
            let m = &mentions.mentions[k];
            if let Some(st) = m.state.clone().filter(|_| m.kind != MentionKind::Person) {
                return Referent::Named(vec![st], Some(k));
            }
            if matches!(m.kind, MentionKind::Org | MentionKind::State) {
                if let Some(r) = named(k) {
                    return r;
                }
            }
        }
    }
    if s.toks[n].upos == "PRON" && s.feat(n, "PronType") == Some("Prs") {
        return Referent::Pronoun;
    }
    Referent::None
}

/// The single participant of `kind` named last before word `v`, of those `keep` allows.
fn latest_before(s: &Sent, v: usize, mentions: &Mentions, kind: MentionKind, keep: impl Fn(&str) -> bool) -> Option<String> {
    let at = s.toks[v].start;
    mentions.mentions.iter().filter(|m| m.span.end <= at && m.kind == kind && m.referents.len() == 1 && keep(&m.referents[0])).last().map(|m| m.referents[0].clone())
}

/// The organization (not a medium) named last before word `v`.
fn latest_org_before(s: &Sent, v: usize, mentions: &Mentions) -> Option<Vec<String>> {
    latest_before(s, v, mentions, MentionKind::Org, |r| !lexicon().media.contains(r)).map(|r| vec![r])
}

/// Whether word `n` is a noun for a document that speaks for its publisher (sources.tsv), or
/// a common noun standing for the organization last quoted ("agregó la dependencia").
fn is_source(s: &Sent, n: usize) -> bool {
    let lex = lexicon();
    let anaphor = lex.is(s.lemma(n), "org-anaphor") && s.feat(n, "Number") != Some("Plur") && s.child_with(n, &["det"]).any(|d| s.feat(d, "PronType") == Some("Art") && s.feat(d, "Definite") == Some("Def"));
    anaphor || lex.sources.contains(s.lemma(n)) || lex.sources.contains(&s.lower(n))
}

/// The state a body or document belongs to by its demonym, here or one level down
/// ("la Presidencia egipcia", "un comunicado de la Cancillería peruana").
fn body_state(s: &Sent, n: usize) -> Option<String> {
    let lex = lexicon();
    let demonym = |k: usize| s.child_with(k, &["amod"]).find_map(|a| lex.state_by_demonym(&s.lower(a)).map(|st| st.canonical.clone()));
    demonym(n).or_else(|| {
        s.child_with(n, &["nmod"]).find_map(|m| (lex.party_nouns.contains(s.lemma(m)) || lex.party_nouns.contains(&s.toks[m].form)).then(|| demonym(m)).flatten())
    })
}

/// A role noun the mentions stage did not tie to a name ("los presidentes", "la ministra"):
/// plural, all participant persons; singular, the latest person before it whose known roles fit.
fn role_noun(s: &Sent, n: usize, mentions: &Mentions) -> Option<Referent> {
    let lex = lexicon();
    let lower = s.lower(n);
    let role = lex.roles.iter().find(|r| r.words.len() == 1 && (r.words[0] == lower || r.words[0] == s.lemma(n)))?;
    if s.feat(n, "Number") == Some("Plur") {
        return (mentions.participants.len() >= 2).then(|| Referent::Named(mentions.participants.clone(), None));
    }
    let at = s.toks[n].start;
    let mut best: Option<(String, usize)> = None;
    for (k, m) in mentions.mentions.iter().enumerate() {
        if m.span.start >= at {
            break;
        }
        if m.kind != MentionKind::Person || m.referents.len() != 1 {
            continue;
        }
        let gender = crate::mentions::role_gender(s.doc, s.first + n);
        let fits = mentions.person(&m.referents[0]).map_or(false, |p| {
            p.roles.iter().any(|&r| crate::mentions::compatible(r, role.class)) && (gender.is_none() || p.gender.is_none() || p.gender == gender)
        });
        if fits {
            best = Some((m.referents[0].clone(), k));
        }
    }
    best.map(|(name, k)| Referent::Named(vec![name], Some(k)))
}

/// "ambos países", "los dos ministros", "ambos": all participants — the persons, or their
/// states when the noun names countries or governments (groups.tsv).
fn group_of(s: &Sent, n: usize, mentions: &Mentions) -> Option<Referent> {
    let both = |k: usize| lexicon().is(s.lemma(k), "both") || lexicon().is(&s.toks[k].form, "both");
    let is_group = if s.toks[n].upos == "PRON" || s.toks[n].upos == "DET" {
        both(n)
    } else {
        s.feat(n, "Number") == Some("Plur") && s.children[n].iter().any(|&c| matches!(s.base_rel(c), "det" | "nummod") && both(c))
    };
    if !is_group {
        return None;
    }
    let noun = s.lower(n);
    // (by the phrase's head noun: "ambos" alone is in every phrase and says no kind)
    let kind_is = |k: crate::lexicon::GroupKind| lexicon().groups.iter().any(|g| g.kind == k && g.words.len() > 1 && g.words.last() == Some(&noun));
    let states = kind_is(crate::lexicon::GroupKind::States) || kind_is(crate::lexicon::GroupKind::Leaders) && !mentions.leaders_are_participants();
    let names = if states || mentions.participants.len() < 2 { mentions.participant_states.clone() } else { mentions.participants.clone() };
    (names.len() >= 2).then(|| Referent::Named(names, None))
}

/// Who stands behind a source phrase ("una nota publicada por X", "el comunicado de X"): the
/// first participant named inside it.
fn source_owner(s: &Sent, noun: usize, mentions: &Mentions) -> Option<(Vec<String>, Option<usize>)> {
    let (lo, hi) = s.extent(noun, &[]);
    (lo..hi).filter(|&k| k != noun).find_map(|k| {
        let m = &mentions.mentions[s.mention[k]?];
        (!m.referents.is_empty() && m.can_speak() && m.kind != MentionKind::Loc).then(|| (m.referents.clone(), s.mention[k]))
    })
}

/// Speaker, its mention, for a cue's subject noun (or its absence).
fn speaker_for(s: &Sent, v: usize, subj: Option<usize>, mentions: &Mentions, d: &Discourse) -> Option<(Vec<String>, Option<usize>)> {
    match subj.map(|n| referent_of(s, n, mentions, d.current.as_ref())) {
        // "ambas partes", "los dos ministros": the pair speaking now, or the two persons the
        // discourse has given voice to last, when it has; the document's main pair otherwise.
        Some(Referent::Named(r, Some(k))) if mentions.mentions[k].kind == MentionKind::Group && r.len() >= 2 && r.iter().all(|x| mentions.person(x).is_some()) => {
            if let Some(pair) = d.current.as_ref().filter(|c| c.len() == 2 && c.iter().all(|x| mentions.person(x).is_some())) {
                return Some((pair.clone(), Some(k)));
            }
            match d.singles.iter().rev().filter(|x| mentions.person(x).is_some()).take(2).cloned().collect::<Vec<_>>() {
                pair if pair.len() == 2 => Some((pair.into_iter().rev().collect(), Some(k))),
                _ => Some((r, Some(k))),
            }
        }
        Some(Referent::Named(r, k)) => Some((r, k)),
        Some(Referent::Open(k)) => {
            // A role of a state ("el presidente chino") names the person known to be of that
            // state before anyone whose state is unknown.
            if let Some(role) = &mentions.mentions[k].role {
                if let Some(st) = &role.state {
                    let gender = subj.and_then(|n| crate::mentions::role_gender(s.doc, s.first + n));
                    let of_state = mentions.persons.iter().filter(|p| p.state.as_ref() == Some(st));
                    let fitting: Vec<&crate::mentions::Person> = of_state
                        .filter(|p| p.roles.is_empty() || p.roles.iter().any(|&r| crate::mentions::compatible(r, role.class)))
                        .filter(|p| gender.is_none() || p.gender.is_none() || p.gender == gender)
                        .collect();
                    if let [one] = fitting.as_slice() {
                        return Some((vec![one.canonical.clone()], Some(k)));
                    }
                }
            }
            let r = resolve_open_role(mentions, &mentions.mentions[k], d.current.as_ref(), d.last_org.as_ref());
            // A role phrase agrees in gender with the person it names ("la canciller" is not
            // the minister who spoke before her).
            let gender = subj.and_then(|n| crate::mentions::role_gender(s.doc, s.first + n));
            let clash = |name: &String| mentions.person(name).and_then(|p| p.gender.clone()).map_or(false, |g| gender.as_ref().map_or(false, |want| *want != g));
            if let [one] = r.as_slice() {
                if clash(one) {
                    if let Some(Referent::Named(other, k2)) = subj.and_then(|n| role_noun(s, n, mentions)) {
                        return Some((other, k2));
                    }
                    return None;
                }
            }
            (!r.is_empty()).then_some((r, Some(k)))
        }
        // "el Gobierno manifestó que ...": a state body named alone is the body of the state
        // of the person speaking
        Some(Referent::None) if subj.map_or(false, |n| s.child_with(n, &["nmod", "amod", "appos"]).next().is_none() && (lexicon().party_nouns.contains(s.lemma(n)) || lexicon().party_nouns.contains(&s.toks[n].form))) => {
            // (with no one speaking yet, the state of the person named last before it)
            let one = match d.current.as_ref().map(Vec::as_slice) {
                Some([one]) => one.clone(),
                Some(_) => return None,
                None => latest_before(s, v, mentions, MentionKind::Person, |_| true)?,
            };
            // (a state speaking: its own body)
            let state = match mentions.person(&one) {
                Some(p) => p.state.clone(),
                None => lexicon().state_by_name(&one).map(|st| st.canonical.clone()).or_else(|| mentions.participant_states.contains(&one).then(|| one.clone())),
            };
            state.map(|st| (vec![st], None))
        }
        Some(Referent::None) => None,
        // (with no organization quoted yet, the latest one named before: "La Secretaría de X
        // emitió un comunicado. La dependencia subrayó que ...")
        Some(Referent::Source) => d.last_org.clone().or_else(|| latest_org_before(s, v, mentions)).map(|r| (r, None)),
        Some(Referent::Pronoun) | None => {
            // "La Presidencia informó que ... «...», indicó.": a singular zero subject right
            // after an organization spoke in its own words.
            if let Some((at, org)) = &d.org_spoke {
                let after_quotation = (1..v.min(4)).any(|k| is_close_quote(&s.toks[v - k].form)) && (0..v).all(|k| s.quoted[k] || s.is_punct(k));
                // or a cue that closes or interrupts what is reported ("..., agregó.",
                // "Asimismo, indicó, ...")
                let set_off = v > 0 && s.toks[v - 1].form == "," && ((v + 1..s.toks.len()).all(|k| s.is_punct(k)) || parenthetical(s, v));
                if at + 1 == d.sentence && (after_quotation || set_off) && verb_number(s, v) == Some("Sing") && person_of(s, v) == Some("3") {
                    return Some((org.clone(), None));
                }
            }
            // A zero subject agrees with the verb: a plural verb goes on with the last joint
            // speakers, or the last two that spoke alone; a singular one with the last single.
            if let (Some(t), Some("Sing")) = (&d.topic, verb_number(s, v)) {
                return Some((vec![t.clone()], None));
            }
            // a plural zero subject before anyone spoke: the document's pair
            if d.current.is_none() && verb_number(s, v) == Some("Plur") && mentions.participants.len() >= 2 {
                return Some((mentions.participants.clone(), None));
            }
            let cur = d.current.clone()?;
            match verb_number(s, v) {
                Some("Plur") if cur.len() == 1 => {
                    if let Some(joint) = d.joint.as_ref().filter(|j| j.contains(&cur[0])) {
                        return Some((joint.clone(), None));
                    }
                    if let [.., a, b] = d.singles.as_slice() {
                        return Some((vec![a.clone(), b.clone()], None));
                    }
                    if mentions.participants.len() >= 2 {
                        return Some((mentions.participants.clone(), None));
                    }
                    Some((cur, None))
                }
                Some("Sing") if cur.len() > 1 => Some((d.singles.last().map(|x| vec![x.clone()]).unwrap_or(cur), None)),
                _ => Some((cur, None)),
            }
        }
    }
}

/// What a cue's content is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Content {
    /// A clause ("que ...") or a quotation: reported words.
    Clause,
    /// An infinitive ("acordaron celebrar", "está dispuesta a trabajar").
    Infinitive,
    /// A noun phrase or prepositional phrase ("condenó el ataque").
    Phrase,
}

/// The content of a verb cue: word range and its kind.
fn content_of(s: &Sent, cue: &Cue, reading: &CueLemma) -> Option<(usize, usize, Content)> {
    let v = cue.word;
    let kids = &s.children[v];
    // "«...», ha declarado X, que ...": the quotation the cue closes, before any clause the
    // parse hung on it.
    if let Some(q) = quotation_before(s, cue) {
        return Some((q.0, q.1, Content::Clause));
    }
    // A clause: "que ...", "de que ...", or a complement clause after the cue; not one of
    // purpose after the cue's complement ("da la bienvenida a X para que ...").
    let complement_before = |c: usize| kids.iter().any(|&o| matches!(s.base_rel(o), "obj" | "obl") && v < o && o < c && !s.has_que(o));
    let of_purpose = |c: usize| s.children[c].iter().any(|&m| matches!(s.rel(m), "mark" | "case") && m < c && lexicon().is(&s.lower(m), "purpose"));
    for &c in kids {
        let r = s.base_rel(c);
        if matches!(r, "ccomp" | "advcl" | "obl" | "obj" | "xcomp" | "csubj") && s.has_que(c) && c > v && !(of_purpose(c) && complement_before(c)) {
            let (lo, hi) = clause_after(s, v, c);
            return Some((lo, hi, Content::Clause));
        }
    }
    for &c in kids {
        if s.rel(c) == "ccomp" && c > v && !matches!(s.toks[c].upos.as_str(), "NOUN" | "PROPN") {
            let (lo, hi) = clause_after(s, v, c);
            return Some((lo, hi, Content::Clause));
        }
    }
    // A passive with its agent: what was said is its subject ("la llamada fue confirmada por X").
    if s.child_with(v, &["obl:agent"]).next().is_some() {
        if let Some(n) = s.child_with(v, &["nsubj:pass"]).next() {
            let (lo, hi) = s.extent(n, &[]);
            return Some((lo, hi, Content::Phrase));
        }
    }
    // A quotation the cue follows ("«...», dijo X") or introduces ("dijo: «...»").
    if let Some(q) = quotation_near(s, cue) {
        return Some((q.0, q.1, Content::Clause));
    }
    // A clause after a colon, unquoted ("lo dejó claro: X no negociará", "dijo: X no cederá").
    for &c in kids.iter().filter(|&&c| c > v && s.rel(c) == "parataxis") {
        if let Some(colon) = s.children[c].iter().copied().find(|&p| p >= cue.span.1 && p < c && s.toks[p].form == ":") {
            let (_, hi) = s.extent(c, &[]);
            return Some((colon + 1, hi, Content::Clause));
        }
    }
    // What a verb of saying closes ("A, dijo"); a verb of stance there has its own object
    // ("..., apoyarán X, se opondrán a Y": a list of positions).
    let reports = matches!(reading.class, CueClass::Say | CueClass::SayQue | CueClass::Think);
    for &c in kids.iter().filter(|_| reports) {
        if matches!(s.rel(c), "ccomp" | "parataxis") && c < v {
            let (lo, hi) = s.extent(c, &[]);
            return Some((lo, hi, Content::Clause));
        }
    }
    if reports && matches!(s.base_rel(v), "parataxis") {
        if let Some(h) = s.head(v) {
            if h < v {
                let (lo, _) = s.extent(h, &[]);
                return Some((lo, s.extent(v, &[]).0, Content::Clause));
            }
        }
    }
    // A "que" soon after the cue whose clause the parse hung elsewhere ("Destacando que ...",
    // "aseguró este lunes que ...", "ha insistido en que ..."): only a time phrase, an adverb,
    // a comma or the preposition the verb takes may stand between.
    if matches!(reading.class, CueClass::Say | CueClass::SayQue | CueClass::Think | CueClass::Stance) {
        let mut k = cue.span.1;
        while k < s.toks.len() && k < cue.span.1 + 8 && s.lower(k) != "que" {
            // Words of a time phrase, an adverb or a preposition; no verb.
            // (a day the parse took for the object too: "ha reconocido este sábado que")
            let filler = s.is_punct(k) || matches!(s.base_rel(k), "advmod" | "det" | "case" | "amod" | "nmod" | "obl" | "nummod") || s.base_rel(k) == "obj" && lexicon().is(s.lemma(k), "light-noun");
            if !filler || matches!(s.toks[k].upos.as_str(), "VERB" | "AUX") {
                break;
            }
            k += 1;
        }
        // ("para que ..." is a purpose, not what was said)
        if k < s.toks.len() && s.lower(k) == "que" && !s.quoted[k] && !(k > 0 && lexicon().is(&s.lower(k - 1), "purpose")) {
            // "que" as a subordinator, or after the verb's preposition read by the parse as a
            // relative pronoun ("insistió el sábado en que pedirá": "el sábado en que")
            let after_prep = k > 0 && matches!(s.lower(k - 1).as_str(), "en" | "de");
            let clause = s.head(k).filter(|&c| c > k && (s.rel(k) == "mark" || after_prep && matches!(s.toks[c].upos.as_str(), "VERB" | "AUX")));
            if let Some(mut c) = clause {
                // (the clause's verb may hang below another word of it: "que las partes deben
                // «transmitir ...»" with "transmitir" made the cue's complement and "deben" its
                // modifier: the whole clause is the highest such word's)
                while let Some(h) = s.head(c).filter(|&h| h > k && h != v) {
                    c = h;
                }
                let (_, hi) = s.extent(c, &[]);
                return Some((k + 1, hi, Content::Clause));
            }
        }
    }
    // "las relaciones que, asegura, mantiene X": the clause a parenthetical cue interrupts.
    if parenthetical(s, v) {
        if let Some(h) = s.head(v) {
            let (lo, hi) = s.extent(h, &[]);
            return Some((lo, hi, Content::Clause));
        }
    }
    // "según informó X", "como dijo X": the clause it is attached to.
    if s.children[v].iter().any(|&m| s.rel(m) == "mark" && lexicon().is(&s.toks[m].form, "report-mark")) {
        if let Some(h) = s.head(v) {
            let (lo, hi) = s.extent(h, &[v]);
            return Some((lo, hi, Content::Clause));
        }
    }
    // An infinitive ("acordaron celebrar", "quiere fortalecer"); not one of purpose after the
    // verb's object ("propuso un plan para detener la guerra": the plan).
    // (nor any other after the verb's object, which the parse hung on the verb: "defendió el
    // derecho de X a defenderse")
    let after_object = |c: usize| kids.iter().any(|&o| s.rel(o) == "obj" && v < o && o < c);
    let purpose = |c: usize| of_purpose(c) && after_object(c);
    for &c in kids.iter().filter(|&&c| !purpose(c)) {
        if s.rel(c) == "xcomp" && c > v && s.feat(c, "VerbForm") == Some("Inf") && !after_object(c) {
            // (with the infinitive's complements the parse hung on the cue: "dispuesta a
            // trabajar con X para preparar ...")
            let (lo, hi) = s.extent(c, &[]);
            return Some((skip_marks(s, lo, c), through_hung_complements(s, v, c, hi), Content::Infinitive));
        }
        if matches!(s.base_rel(c), "obl" | "advcl") && c > v && s.feat(c, "VerbForm") == Some("Inf") && !after_object(c) && s.children[c].iter().any(|&m| matches!(s.rel(m), "mark" | "case") && m < c) {
            if matches!(reading.class, CueClass::Think | CueClass::State | CueClass::Stance) {
                // (with the later infinitives of a list the parse hung on the cue: "dispuesta a
                // seguir ..., apoyar ... y promover ...")
                let (lo, hi) = s.extent(c, &[]);
                return Some((skip_marks(s, lo, c), through_hung_complements(s, v, c, hi), Content::Infinitive));
            }
        }
    }
    match reading.class {
        CueClass::Say | CueClass::Stance | CueClass::Think => {
            // Its object or prepositional complement ("insistió en la necesidad de", "se
            // refirió a"), through its last complement; a bare noun of time is no content.
            let content_dep = |c: usize| match s.base_rel(c) {
                "obj" | "iobj" | "xcomp" | "ccomp" => true,
                // not where, when or before whom ("desde Lisboa", "durante la cumbre")
                "obl" => s.rel(c) != "obl:agent" && s.children[c].iter().any(|&m| s.rel(m) == "case" && m < c) && !s.children[c].iter().any(|&m| s.rel(m) == "case" && lexicon().is(&s.toks[m].form, "circumstance")),
                _ => false,
            };
            let deps: Vec<usize> = kids.iter().copied().filter(|&c| c > v && content_dep(c)).collect();
            let first = *deps.first()?;
            let lo = s.extent(first, &[]).0;
            let hi = deps.iter().map(|&k| s.extent(k, &[]).1).max().unwrap_or(lo);
            Some((skip_marks(s, lo, first), adjacent_complements(s, lo, hi), Content::Phrase))
        }
        CueClass::State => {
            for &c in kids {
                if (matches!(s.base_rel(c), "obl" | "xcomp" | "ccomp" | "advcl") || s.base_rel(c) == "nmod" && s.toks[v].upos != "VERB") && c > v {
                    let (lo, hi) = s.extent(c, &[]);
                    return Some((skip_marks(s, lo, c), through_hung_complements(s, v, c, hi), Content::Phrase));
                }
            }
            // the complement of a misparsed predicative, hung on its copular verb ("se
            // mostraron satisfechos con X", "con X" under "mostraron")
            // (or on the adverb the parse made the predicate: "está profundamente de acuerdo con X")
            let h = s.head(v).filter(|&h| h < v && s.toks[v].upos != "VERB" && (lexicon().is(s.lemma(h), "copula") || adverb_predicate(s, h)))?;
            let c = s.children[h].iter().copied().find(|&c| c > v && matches!(s.base_rel(c), "obl" | "xcomp" | "ccomp" | "advcl"))?;
            let (lo, hi) = s.extent(c, &[]);
            Some((skip_marks(s, lo, c), hi, Content::Phrase))
        }
        _ => None,
    }
}

/// The end of the phrase `lo..hi` with the complements that follow it right away, wherever the
/// parse hung them: a phrase of a stance's preposition ("insistió hoy en su rechazo al cierre",
/// with "al cierre" under "hoy") or an infinitive after "de" ("reiteraron la necesidad de
/// implementar ...", with "implementar" under the verb) continues the noun before it.
fn adjacent_complements(s: &Sent, lo: usize, mut hi: usize) -> usize {
    for _ in 0..s.toks.len() {
        let Some(h) = (hi < s.toks.len()).then(|| s.head(hi)).flatten() else { break };
        // (a phrase the parse already put inside is no continuation)
        if !super::opens_complement(&s.toks[hi], &s.toks[h]) || h <= hi || s.head(h).map_or(true, |g| (lo..hi).contains(&g)) {
            break;
        }
        hi = s.extent(h, &[]).1.max(hi + 1);
    }
    hi
}

/// The words of the clause `c` that a cue `v` before it reports, from after the cue and its
/// marks ("que") on: a mark the parse hung lower in the clause ("que cree que X pasa", with
/// the first "que" on "pasa") or the cue inside the clause's span are left out.
fn clause_after(s: &Sent, v: usize, c: usize) -> (usize, usize) {
    let coordinated_with_cue: Vec<usize> = s.child_with(c, &["conj"]).filter(|&k| cue_coordinated_into_clause(s, k) == Some(v)).collect();
    let (lo, hi) = s.extent(c, &coordinated_with_cue);
    let hi = through_hung_complements(s, v, c, hi);
    let mut lo = skip_marks(s, lo.max(v + 1), c);
    while lo < c && s.rel(lo) == "mark" && s.lower(lo) == "que" {
        lo += 1;
    }
    (lo, hi)
}

/// The end of cue `v`'s complement `c` (its words ending at `hi`) with what goes on right after
/// it but hung on the cue ("que es necesario oponerse a X", "dispuesta a trabajar con X para
/// ...", the later words made the cue's complements); a coordinated verb or an inserted one
/// ("..., dijo") is not taken.
fn through_hung_complements(s: &Sent, v: usize, c: usize, mut hi: usize) -> usize {
    for _ in 0..4 {
        let next = s.children[v].iter().copied().find(|&o| {
            o > c && matches!(s.base_rel(o), "xcomp" | "obl" | "advcl" | "obj") && {
                let start = s.extent(o, &[]).0;
                start == hi || start == hi + 1 && hi < s.toks.len() && s.toks[hi].form == ","
            }
        });
        match next {
            Some(o) => hi = s.extent(o, &[]).1,
            None => break,
        }
    }
    hi
}

/// Skips the case marks and "que" at the start of a content.
fn skip_marks(s: &Sent, mut lo: usize, head: usize) -> usize {
    // (a side taken keeps its words: "en contra de la reforma")
    let side = |k: usize| s.child_with(k, &["fixed"]).any(|f| crate::stance::side_opener(s.lemma(f), &s.lower(k)));
    // (or a mark's own preposition, which the parse may hang on the mark: "confiada en que ...")
    let of_head = |k: usize| s.head(k) == Some(head) || s.head(k).map_or(false, |m| k < m && m < head && s.rel(m) == "mark" && s.head(m) == Some(head));
    while lo < head && (matches!(s.rel(lo), "mark" | "case") && !side(lo) || s.is_punct(lo)) && of_head(lo) && !is_open_quote(&s.toks[lo].form) {
        lo += 1;
    }
    lo
}

/// A quotation right before the cue (closed by a quote mark and a comma or dash before it), or
/// right after it (after a colon).
fn quotation_near(s: &Sent, cue: &Cue) -> Option<(usize, usize)> {
    quotation_before(s, cue).or_else(|| quotation_after(s, cue))
}

/// The quotation a cue follows: «...», [aux] dijo.
fn quotation_before(s: &Sent, cue: &Cue) -> Option<(usize, usize)> {
    let a = cue.span.0;
    let mut k = a;
    while k > 0 && matches!(s.toks[k - 1].form.as_str(), "," | "—" | "–" | "-") {
        k -= 1;
    }
    if k > 0 && k < a && is_close_quote(&s.toks[k - 1].form) {
        let end = k - 1;
        let mut start = end;
        while start > 0 && s.quoted[start - 1] {
            start -= 1;
        }
        if start < end {
            return Some((start, end));
        }
    }
    None
}

/// The quotation a cue introduces: dijo: «...» or dijo «...».
fn quotation_after(s: &Sent, cue: &Cue) -> Option<(usize, usize)> {
    let b = cue.span.1;
    let mut k = b;
    while k < s.toks.len() && matches!(s.toks[k].form.as_str(), ":" | ",") {
        k += 1;
    }
    if k < s.toks.len() && is_open_quote(&s.toks[k].form) && (k > b || s.toks[b.min(s.toks.len() - 1)].form == ":" || k == b) {
        let start = k + 1;
        let mut end = start;
        while end < s.toks.len() && s.quoted[end] {
            end += 1;
        }
        // (a word or two quoted for emphasis, with the verb's object after them, are no
        // quotation: 'rechazó "categóricamente" las declaraciones de X')
        let object_after = s.children[cue.word].iter().any(|&c| c > end && matches!(s.base_rel(c), "obj" | "ccomp" | "xcomp"));
        if end > start && !(end - start <= 3 && object_after) {
            return Some((start, end));
        }
    }
    None
}

/// "... . Así lo afirmó X", "Lo dijo X": a verb of saying whose only object is "lo" before it
/// points back to the sentence before, in the same paragraph: that sentence's words (byte
/// range, without its final stop) are what was said.
fn said_before(s: &Sent, si: usize, v: usize, reading: &CueLemma) -> Option<(usize, usize)> {
    if !matches!(reading.class, CueClass::Say | CueClass::SayQue) || si == 0 {
        return None;
    }
    let pointing = s.child_with(v, &["obj"]).any(|o| o < v && s.toks[o].upos == "PRON" && s.lower(o) == "lo");
    let other_content = s.children[v].iter().any(|&c| c > v && matches!(s.base_rel(c), "ccomp" | "xcomp" | "obj" | "parataxis")) || (0..s.toks.len()).any(|k| s.quoted[k]);
    if !pointing || other_content {
        return None;
    }
    let (this, before) = (s.doc.sentences.get(si)?, s.doc.sentences.get(si - 1)?);
    if this.paragraph != before.paragraph {
        return None;
    }
    let words = s.doc.sentence_tokens(si - 1);
    let last = words.iter().rposition(|t| !(t.upos == "PUNCT" && matches!(t.form.as_str(), "." | "!" | "?" | ";" | ":")))?;
    Some((words.first()?.byte_start, words[last].byte_end))
}

fn claim_for(s: &Sent, si: usize, cue: &Cue, mentions: &Mentions, d: &Discourse) -> Option<FoundClaim> {
    let n = s.toks.len();
    let mut back: Option<(usize, usize)> = None;
    let (speaker, smention, (c0, c1), mode, polarity, cue_token, via_source) = match &cue.kind {
        CueKind::Segun(noun) => {
            let (sp, k) = match referent_of(s, *noun, mentions, d.current.as_ref()) {
                Referent::Named(r, k) => (r, k),
                other => match source_owner(s, *noun, mentions) {
                    Some(found) => found,
                    None => match other {
                        Referent::Open(k) => (resolve_open_role(mentions, &mentions.mentions[k], d.current.as_ref(), d.last_org.as_ref()), Some(k)),
                        // "según sus palabras": the words of the one speaking
                        _ if lexicon().is(s.lemma(*noun), "words-noun") && s.children[*noun].iter().any(|&c| s.rel(c) == "det" && s.feat(c, "Poss") == Some("Yes")) => (d.current.clone()?, None),
                        _ => return None,
                    },
                },
            };
            let (lo, hi) = s.extent(*noun, &[]);
            let (lo, hi) = (lo.min(cue.span.0), hi.max(cue.span.1));
            let content = if lo <= 1 { (hi, n) } else { (0, lo) };
            (sp, k, content, None, None, None, is_source(s, *noun))
        }
        CueKind::Colon(m) => {
            let k = s.mention[*m]?;
            let mm = &mentions.mentions[k];
            if mm.referents.is_empty() || !mm.can_speak() {
                return None;
            }
            let q = quotation_near(s, cue)?;
            (mm.referents.clone(), Some(k), q, Some(Mode::Direct), None, None, false)
        }
        CueKind::Verb(reading) => {
            let v = cue.word;
            // "Al indicar que ..., X dijo que ...": an infinitive after "al" opening the sentence
            // has the main verb's subject, wherever the parse hung it
            let opening_al = s.feat(v, "VerbForm") == Some("Inf") && v <= 2 && after_al(s, v);
            let main_subject = || {
                let root = (0..s.toks.len()).find(|&r| s.rel(r) == "root").filter(|&r| r > s.extent(v, &[]).1)?;
                s.child_with(root, &["nsubj"]).next()
            };
            let subj = opening_al.then(main_subject).flatten().or_else(|| agreeing_subject(s, v, subject(s, v)));
            // "fuentes diplomáticas", "los analistas": no one the reader can name speaks
            // (a name after "a" is whom they told: "fuentes diplomáticas a la agencia X")
            let whose = |c: usize| s.mention[c].is_some() && !s.child_with(c, &["case"]).any(|m| s.lower(m) == "a");
            if subj.map_or(false, |n| lexicon().is(s.lemma(n), "unnamed-source") && !s.children[n].iter().any(|&c| whose(c))) {
                return None;
            }
            if debug() {
                eprintln!("  subject {:?} content {:?}", subj.map(|x| &s.toks[x].form), content_of(s, cue, reading));
            }
            // An infinitive reports words only as a verb of saying with a subject to inherit
            // ("para advertir de que"); a stance or position infinitive is part of another
            // claim's content.
            // (a zero subject too, when the verb it depends on is one of saying with a zero
            // subject of its own: "«...», ha agregado, antes de advertir de que ...")
            let under_saying = s.head(v).map_or(false, |h| h < v && says(s, h) && subject(s, h).is_none());
            if s.feat(v, "VerbForm") == Some("Inf") && (subj.is_none() && !under_saying || !matches!(reading.class, CueClass::Say | CueClass::SayQue)) {
                return None;
            }
            back = said_before(s, si, v, reading);
            let (c0, c1, content) = match back {
                Some(_) => (cue.span.1, cue.span.1, Content::Clause),
                None => content_of(s, cue, reading)?,
            };
            // An infinitive of saying reports words only with a clause ("para advertir de que"),
            // or with the object it conveys: after "al", which tells what happened ("Al resaltar
            // el compromiso de X, ..."), or after "para" to an addressee ("para trasladarle su
            // solidaridad"; "para explicar la situación" tells a purpose).
            let marked = |role: &str| s.children[v].iter().any(|&m| m < v && matches!(s.rel(m), "mark" | "case") && lexicon().is(&s.lower(m), role));
            let at_al = after_al(s, v);
            let addressed = s.children[v].iter().any(|&c| s.base_rel(c) == "iobj" || c > v && s.toks[c].upos == "PRON" && lexicon().is(&s.lower(c), "dative"));
            let conveys = reading.class == CueClass::Say && content == Content::Phrase && subj.is_some() && (at_al || marked("purpose") && addressed);
            if s.feat(v, "VerbForm") == Some("Inf") && content != Content::Clause && !conveys {
                return None;
            }
            // A gerund with a noun phrase, set before the verb of saying it depends on ("Citando
            // las cifras, X afirmó que ..."), is how that claim was made, not one of its own.
            if s.feat(v, "VerbForm") == Some("Ger") && content == Content::Phrase && s.head(v).map_or(false, |h| v < h && says(s, h)) {
                return None;
            }
            // A verb of opinion with a noun phrase ("considera inaceptables las amenazas",
            // "quiere un acuerdo") states a position only with a subject of its own.
            // (a passive's subject is what was said: "la visita fue confirmada por X")
            let passive_said = s.child_with(v, &["obl:agent"]).next().is_some() && s.child_with(v, &["nsubj:pass"]).next().is_some();
            if content == Content::Phrase && !passive_said && (reading.class == CueClass::SayQue || reading.class == CueClass::Think && subj.map_or(true, |n| s.head(n) != Some(v))) {
                return None;
            }
            let (sp, k) = match speaker_for(s, v, subj, mentions, d) {
                Some(found) => found,
                // The subject the parse gave names no participant: when it sits inside the
                // content (a misattached word of the quotation or clause) or is missing, the
                // participant named right after the verb speaks ("..., explicó el ministro X"),
                // or else the discourse's speaker.
                None if subj.map_or(true, |n| c0 <= n && n < c1) => match named_after(s, v, (c0, c1), mentions) {
                    Some(found) => found,
                    None => speaker_for(s, v, None, mentions, d)?,
                },
                None => named_after(s, v, (c0, c1), mentions)?,
            };
            let position = matches!(reading.class, CueClass::Stance | CueClass::State | CueClass::Think) && content != Content::Clause;
            (sp, k, (c0, c1), position.then_some(Mode::Position), reading.polarity, Some(s.first + v), subj.map_or(false, |n| is_source(s, n)))
        }
    };
    if speaker.is_empty() {
        return None;
    }
    let (c0, c1) = trim(s, c0.min(n), c1.min(n));
    let text = &s.doc.text;
    let (a, b) = cue.span;
    let cue_span = (s.toks[a].byte_start, s.toks[b - 1].byte_end);
    let offsets = &s.doc.offsets;
    let (content, cs, ce) = if let Some((b0, b1)) = back {
        (text.get(b0..b1).unwrap_or("").to_string(), offsets.char_of(b0), offsets.char_of(b1))
    } else if c1 > c0 {
        let (b0, b1) = (s.toks[c0].byte_start, s.toks[c1 - 1].byte_end);
        (text.get(b0..b1).unwrap_or("").to_string(), offsets.char_of(b0), offsets.char_of(b1))
    } else {
        (String::new(), offsets.char_of(cue_span.1), offsets.char_of(cue_span.1))
    };
    let mode = mode.unwrap_or_else(|| {
        let quoted = (c0..c1).filter(|&k| !s.is_punct(k)).map(|k| s.quoted[k]).collect::<Vec<_>>();
        if !quoted.is_empty() && quoted.iter().all(|&q| q) {
            Mode::Direct
        } else if quoted.iter().any(|&q| q) {
            Mode::Mixed
        } else {
            Mode::Indirect
        }
    });
    let claim = Claim {
        speaker,
        cue: text.get(cue_span.0..cue_span.1).map(str::to_string),
        cue_start: Some(offsets.char_of(cue_span.0)),
        cue_end: Some(offsets.char_of(cue_span.1)),
        content,
        content_start: cs,
        content_end: ce,
        mode,
        stances: Vec::new(),
    };
    Some(FoundClaim { claim, sentence: si, speaker_mention: smention, cue_polarity: polarity, cue_token, via_source })
}

/// Trims punctuation and quotation marks at the edges of a word range.
fn trim(s: &Sent, mut a: usize, mut b: usize) -> (usize, usize) {
    while b > a && s.is_punct(b - 1) && !(is_close_quote(&s.toks[b - 1].form) && (a..b - 1).any(|k| is_open_quote(&s.toks[k].form))) {
        b -= 1;
    }
    while a < b && s.is_punct(a) && !(is_open_quote(&s.toks[a].form) && (a + 1..b).any(|k| is_close_quote(&s.toks[k].form))) {
        a += 1;
    }
    // A content that is one whole quotation loses its marks.
    if b >= a + 2 && is_open_quote(&s.toks[a].form) && is_close_quote(&s.toks[b - 1].form) && (a + 1..b - 1).all(|k| s.quoted[k]) {
        a += 1;
        b -= 1;
    }
    (a, b)
}

/// A sentence with no cue that goes on with the paragraph's speaker.
fn continuation(s: &Sent, si: usize, d: &Discourse, mentions: &Mentions) -> Option<FoundClaim> {
    // a sentence that goes on with a quotation is inside the claim that quotes it
    if s.starts_quoted {
        return None;
    }
    let speaker = d.para_main.clone()?;
    let lex = lexicon();
    let first = (0..s.toks.len()).find(|&k| !s.is_punct(k) && s.toks[k].upos != "ADV" && s.toks[k].upos != "CCONJ")?;
    // ("No obstante, ...": an opening adverb turns away too)
    if (0..=first).any(|k| lex.is(&s.lower(k), "contrast")) {
        return None;
    }
    // The narrator's own sentence: another person does something ("Después, el ministro X
    // viajó a ..."), or the meeting itself is told of ("El encuentro fue convocado ...",
    // "Esta ha sido la primera reunión ...").
    if let Some(root) = (0..s.toks.len()).find(|&i| s.rel(i) == "root") {
        let subject = s.child_with(root, &["nsubj", "nsubj:pass"]).next();
        let other_person = subject.and_then(|n| s.mention[n]).map_or(false, |m| {
            let mm = &mentions.mentions[m];
            mm.kind == MentionKind::Person && !mm.referents.iter().all(|r| speaker.contains(r))
        });
        let of_event = subject.map_or(false, |n| lex.is(s.lemma(n), "event")) || s.child_with(root, &["cop"]).next().is_some() && lex.is(s.lemma(root), "event");
        if other_person || of_event {
            return None;
        }
    }
    let (a, b) = trim(s, 0, s.toks.len());
    if b <= a {
        return None;
    }
    let text = &s.doc.text;
    let (b0, b1) = (s.toks[a].byte_start, s.toks[b - 1].byte_end);
    let claim = Claim {
        speaker,
        cue: None,
        cue_start: None,
        cue_end: None,
        content: text.get(b0..b1).unwrap_or("").to_string(),
        content_start: s.doc.offsets.char_of(b0),
        content_end: s.doc.offsets.char_of(b1),
        mode: Mode::Continuation,
        stances: Vec::new(),
    };
    Some(FoundClaim { claim, sentence: si, speaker_mention: None, cue_polarity: None, cue_token: None, via_source: false })
}

