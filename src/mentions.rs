//! Stage 3: everything that refers to a participant, named or not.
//!
//! Named entities become mentions of their canonical name; on top of them this stage finds
//! role phrases ("el canciller ruso", "el jefe de la diplomacia china", tied to a person by
//! apposition: "el Ministro de Relaciones Exteriores ruso, Sergey Lavrov"), party phrases
//! ("la parte rusa", "el lado estadounidense", "el régimen de Kiev") -> the state, group phrases
//! ("ambas partes", "los dos cancilleres") -> all participants, documents that speak for their
//! publisher ("el comunicado"), and demonyms ("las empresas españolas") -> the state.
use std::collections::HashMap;

use crate::annotation::{Entity, Label};
use crate::lexicon::{lexicon, GroupKind, Number, RoleClass};
use crate::segment::{tokenize, Segmentation, Token};
use crate::text::{OffsetMap, Span};

/// What a mention refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionKind {
    Person,
    State,
    Org,
    Loc,
    /// Several participants at once.
    Group,
    /// A document ("el comunicado") speaking for whoever published it.
    Source,
}

/// How a mention was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Entity,
    Role,
    Party,
    Group,
    Capital,
    Demonym,
    Source,
}

/// A role phrase's description of the person it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    pub class: RoleClass,
    /// The state in the phrase ("ruso", "de China").
    pub state: Option<String>,
}

/// One mention of a participant.
#[derive(Debug, Clone)]
pub struct Mention {
    pub span: Span,
    pub kind: MentionKind,
    /// Canonical names; empty for a role phrase this stage could not resolve on its own
    /// (the claims stage resolves it from context).
    pub referents: Vec<String>,
    pub number: Number,
    pub via: Via,
    /// The role phrase's description, for role mentions.
    pub role: Option<RoleRef>,
    /// The state a capital, demonym or party phrase stands for.
    pub state: Option<String>,
}

impl Mention {
    /// Whether this mention can be the subject of a verb (demonyms and plain places cannot).
    pub fn can_speak(&self) -> bool {
        !matches!(self.via, Via::Demonym) && self.kind != MentionKind::Loc || (self.kind == MentionKind::Loc && self.state.is_some() && self.via == Via::Capital)
    }
}

/// What is known about a person of the document.
#[derive(Debug, Clone)]
pub struct Person {
    pub canonical: String,
    /// "Masc" or "Fem", from a role noun or article tied to the name in the parse ("la
    /// canciller Elena Marín", "Elena Marín, ministra de ...").
    pub gender: Option<String>,
    pub state: Option<String>,
    pub roles: Vec<RoleClass>,
    /// Code point offset of the first mention.
    pub first: usize,
}

/// All mentions of a document, sorted by start and not overlapping.
#[derive(Debug, Clone, Default)]
pub struct Mentions {
    pub mentions: Vec<Mention>,
    pub persons: Vec<Person>,
    /// The two (or more) persons whose talks the document reports.
    pub participants: Vec<String>,
    /// The states of the participants.
    pub participant_states: Vec<String>,
}

impl Mentions {
    /// Mentions whose span lies within code points `[start, end)`.
    pub fn within(&self, start: usize, end: usize) -> impl Iterator<Item = &Mention> {
        self.mentions.iter().filter(move |m| m.span.start >= start && m.span.end <= end)
    }

    pub fn person(&self, canonical: &str) -> Option<&Person> {
        self.persons.iter().find(|p| p.canonical == canonical)
    }

    /// Whether "los dos presidentes" are the participants: unless they are known as foreign
    /// ministers and none as a head of state or government (the ministers' talk of their
    /// presidents is of their states).
    pub fn leaders_are_participants(&self) -> bool {
        let roles = |x: &String| self.person(x).map(|p| p.roles.clone()).unwrap_or_default();
        let ministers = self.participants.iter().any(|x| roles(x).contains(&RoleClass::Foreign));
        let heads = self.participants.iter().any(|x| roles(x).contains(&RoleClass::Head));
        !ministers || heads
    }

    /// The state a canonical name stands for: itself for a state, a person's nationality.
    pub fn state_of(&self, canonical: &str) -> Option<String> {
        if lexicon().state_by_name(canonical).is_some() {
            return Some(canonical.to_string());
        }
        self.person(canonical).and_then(|p| p.state.clone())
    }
}

/// Word tokens of the document with lower-case forms, shared by the later stages.
#[derive(Debug, Clone)]
pub struct Words {
    pub tokens: Vec<Token>,
    pub lower: Vec<String>,
    /// Index of the paragraph each token is in.
    pub paragraph: Vec<usize>,
}

impl Words {
    pub fn new(text: &str, seg: &Segmentation) -> Words {
        let mut tokens = Vec::new();
        let mut paragraph = Vec::new();
        for (pi, p) in seg.paragraphs.iter().enumerate() {
            for t in tokenize(text, p.byte_start, p.byte_end) {
                tokens.push(t);
                paragraph.push(pi);
            }
        }
        let lower = tokens.iter().map(|t| t.slice(text).to_lowercase()).collect();
        Words { tokens, lower, paragraph }
    }

    /// Index of the first token starting at or after byte `b`.
    pub fn index_at(&self, b: usize) -> usize {
        self.tokens.partition_point(|t| t.start < b)
    }

    /// Whether the words starting at token `i` are `words` (lower case).
    pub fn matches_at(&self, i: usize, words: &[String]) -> bool {
        i + words.len() <= self.lower.len() && words.iter().enumerate().all(|(k, w)| &self.lower[i + k] == w)
    }
}

/// Finds the mentions of `text` given its refined entities.
#[cfg(test)]
pub fn find(text: &str, seg: &Segmentation, entities: &[Entity]) -> Mentions {
    find_with(text, seg, &OffsetMap::new(text), entities)
}

/// The mentions of a parsed document given its refined entities (its offsets are not
/// computed again).
pub fn find_in(doc: &crate::doc::Doc, seg: &Segmentation, entities: &[Entity]) -> Mentions {
    let mut out = find_with(&doc.text, seg, &doc.offsets, entities);
    person_facts(doc, &mut out);
    out
}

fn gender_of(t: &crate::doc::Token) -> Option<&str> {
    t.feat("Gender").filter(|g| matches!(*g, "Masc" | "Fem"))
}

/// The grammatical gender of a role noun: its article's, which marks it even on nouns of one
/// form for both ("la canciller", "el canciller"), else its own.
pub fn role_gender(doc: &crate::doc::Doc, i: usize) -> Option<String> {
    let t = doc.tokens.get(i)?;
    let first = doc.sentences.get(t.sentence)?.first_token.min(i);
    let article = doc.tokens.get(first..i)?.iter().rev().take(3).find(|d| d.upos == "DET" && d.head == Some(i)).and_then(gender_of);
    article.or_else(|| paired_role_gender(&t.form)).or_else(|| gender_of(t)).map(str::to_string)
}

/// The gender a role noun's ending gives when roles.tsv lists both forms ("homóloga" beside
/// "homólogo": feminine), which the morphology head may miss.
fn paired_role_gender(form: &str) -> Option<&'static str> {
    let lower = form.to_lowercase();
    let listed = |w: &str| lexicon().roles.iter().any(|r| r.words.len() == 1 && r.words[0] == w);
    if !listed(&lower) {
        return None;
    }
    if let Some(base) = lower.strip_suffix('a') {
        return listed(&format!("{base}o")).then_some("Fem");
    }
    if let Some(base) = lower.strip_suffix('o') {
        return listed(&format!("{base}a")).then_some("Masc");
    }
    None
}

/// Fills in each person's gender and, when still unknown, state from the role noun the parse
/// ties to the first name that shows it: in apposition ("Elena Marín, ministra de ...") or
/// right before it ("la ministra Elena Marín"), or from a state complement of the name.
fn person_facts(doc: &crate::doc::Doc, out: &mut Mentions) {
    let lex = lexicon();
    let is_role = |i: usize| {
        doc.tokens.get(i).map_or(false, |t| t.upos == "NOUN" && lex.roles.iter().any(|r| r.words.len() == 1 && (r.words[0] == t.form.to_lowercase() || r.words[0] == t.lemma)))
    };
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); doc.tokens.len()];
    for (i, t) in doc.tokens.iter().enumerate() {
        if let Some(h) = t.head.filter(|&h| h != i) {
            if let Some(c) = children.get_mut(h) {
                c.push(i);
            }
        }
    }
    // The state of a role ("el canciller ruso", "la ministra de Exteriores de X") or of a name
    // ("el presidente X de Y").
    let state_of = |k: usize| {
        children.get(k)?.iter().find_map(|&c| {
            let t = &doc.tokens[c];
            match t.deprel.as_str() {
                "amod" => lex.state_by_demonym(&t.form).map(|st| st.canonical.clone()),
                "nmod" => lex.state_by_name(&t.form).map(|st| st.canonical.clone()),
                _ => None,
            }
        })
    };
    for m in out.mentions.iter().filter(|m| m.kind == MentionKind::Person && m.referents.len() == 1) {
        let p = doc.tokens.partition_point(|t| t.start < m.span.start);
        let Some(tok) = doc.tokens.get(p) else { continue };
        let role = tok
            .head
            .filter(|&h| tok.deprel == "appos" && is_role(h))
            .or_else(|| children[p].iter().copied().find(|&c| c > p && c <= p + 8 && doc.tokens[c].deprel == "appos" && is_role(c)))
            .or_else(|| (p > 0 && doc.tokens[p - 1].sentence == tok.sentence && is_role(p - 1)).then(|| p - 1));
        let gender = role.and_then(|r| role_gender(doc, r));
        let state = role.and_then(state_of).or_else(|| state_of(p));
        if let Some(person) = out.persons.iter_mut().find(|x| x.canonical == m.referents[0]) {
            if person.gender.is_none() {
                person.gender = gender;
            }
            if person.state.is_none() {
                person.state = state;
            }
        }
    }
}

fn find_with(text: &str, seg: &Segmentation, map: &OffsetMap, entities: &[Entity]) -> Mentions {
    let words = Words::new(text, seg);
    let lex = lexicon();
    let mut out = Mentions::default();

    // 1. Entities; an organization's acronym given in brackets after its name ("la Oficina
    // Nacional de Estadística (ONE)") refers to it wherever it comes back.
    let acronyms = acronyms(text, entities);
    let mut ent_mentions: Vec<Mention> = Vec::new();
    // (a capital's name that is also a common place elsewhere, "Santiago", is the capital when
    // the document names its state)
    let named_states: Vec<&str> = entities.iter().filter(|e| e.label == Label::State).map(|e| e.canonical.as_str()).collect();
    for e in entities {
        let span = map.span_from_bytes(e.byte_start.min(text.len()), e.byte_end.min(text.len()));
        let (kind, state, via) = match e.label {
            Label::Per => (MentionKind::Person, None, Via::Entity),
            Label::State => (MentionKind::State, Some(e.canonical.clone()), Via::Entity),
            Label::Org => (MentionKind::Org, lex.state_of_any(&e.text).map(|s| s.canonical.clone()), Via::Entity),
            Label::Loc => match lex.state_by_capital(&e.text) {
                Some(st) if !st.capital_ambiguous || named_states.contains(&st.canonical.as_str()) => (MentionKind::Loc, Some(st.canonical.clone()), Via::Capital),
                _ => (MentionKind::Loc, None, Via::Entity),
            },
            Label::Misc => continue,
        };
        let (kind, referents) = match (kind, &state) {
            (MentionKind::Loc, Some(s)) => (kind, vec![s.clone()]),
            _ => match acronyms.iter().find(|(a, _)| *a == e.text) {
                Some((_, full)) => (MentionKind::Org, vec![full.clone()]),
                None => (kind, vec![e.canonical.clone()]),
            },
        };
        ent_mentions.push(Mention { span, kind, referents, number: Number::Sg, via, role: None, state });
    }
    let ent_at = |b: usize| ent_mentions.iter().position(|m| m.span.byte_start == b);
    let ent_covering = |b: usize| ent_mentions.iter().position(|m| m.span.byte_start <= b && b < m.span.byte_end);

    // Persons.
    for m in ent_mentions.iter().filter(|m| m.kind == MentionKind::Person) {
        let c = &m.referents[0];
        if !out.persons.iter().any(|p| &p.canonical == c) {
            out.persons.push(Person { canonical: c.clone(), gender: None, state: None, roles: Vec::new(), first: m.span.start });
        }
    }

    let n = words.tokens.len();
    let mut extra: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < n {
        // 2. Group phrases.
        if let Some(g) = lex.groups.iter().find(|g| words.matches_at(i, &g.words)) {
            let last = i + g.words.len() - 1;
            let span = map.span_from_bytes(words.tokens[i].start, words.tokens[last].end);
            extra.push(Mention { span, kind: MentionKind::Group, referents: Vec::new(), number: Number::Pl, via: Via::Group, role: Some(RoleRef { class: match g.kind { GroupKind::Persons => RoleClass::GroupPerson, GroupKind::Leaders => RoleClass::GroupLeaders, GroupKind::States => RoleClass::Head }, state: None }), state: None });
            i = last + 1;
            continue;
        }
        let det_before = i > 0 && lex.is(&words.lower[i - 1], "determiner");
        let w = words.lower[i].as_str();
        // 3. Party phrases: "la parte rusa", "el Gobierno de China", "el régimen de Kiev".
        if det_before && lex.party_nouns.contains(w) && i + 1 < n {
            let mut state = None;
            let mut end = i;
            if let Some(st) = lex.state_by_demonym(&words.lower[i + 1]) {
                if words.tokens[i + 1].slice(text).chars().next().map_or(false, char::is_lowercase) {
                    state = Some(st.canonical.clone());
                    end = i + 1;
                }
            } else if words.lower[i + 1] == "de" && i + 2 < n {
                if let Some(k) = ent_at(words.tokens[i + 2].start) {
                    if let Some(s) = &ent_mentions[k].state {
                        state = Some(s.clone());
                        end = words.index_at(ent_mentions[k].span.byte_end).saturating_sub(1);
                    }
                }
            }
            if let Some(s) = state {
                let span = map.span_from_bytes(words.tokens[i - 1].start, words.tokens[end].end);
                extra.push(Mention { span, kind: MentionKind::State, referents: vec![s.clone()], number: Number::Sg, via: Via::Party, role: None, state: Some(s) });
                i = end + 1;
                continue;
            }
        }
        // 3b. A state named again by a common noun ("ese país", "el país africano", "dicha
        // nación"): the state last named before it.
        if i > 0 && lex.is(&words.lower[i - 1], "state-anaphor-det") && lex.is(w, "state-anaphor") && !(i + 1 < n && words.lower[i + 1] == "de") {
            let before = words.tokens[i - 1].start;
            let last_state = ent_mentions
                .iter()
                .chain(extra.iter())
                .filter(|m| m.kind == MentionKind::State && m.span.byte_end <= before)
                .max_by_key(|m| m.span.byte_end)
                .and_then(|m| m.state.clone());
            if let Some(s) = last_state {
                // an adjective that is no demonym goes with it ("el país africano")
                let end = if i + 1 < n && lex.state_by_demonym(&words.lower[i + 1]).is_none() && words.tokens[i + 1].slice(text).chars().next().map_or(false, char::is_lowercase) && lex.is(&words.lower[i + 1], "region-adjective") { i + 1 } else { i };
                let span = map.span_from_bytes(words.tokens[i - 1].start, words.tokens[end].end);
                extra.push(Mention { span, kind: MentionKind::State, referents: vec![s.clone()], number: Number::Sg, via: Via::Party, role: None, state: Some(s) });
                i = end + 1;
                continue;
            }
        }
        // 4. Documents: "el comunicado".
        if det_before && lex.sources.contains(w) && matches!(words.lower[i - 1].as_str(), "el" | "la" | "su") {
            let span = map.span_from_bytes(words.tokens[i - 1].start, words.tokens[i].end);
            extra.push(Mention { span, kind: MentionKind::Source, referents: Vec::new(), number: Number::Sg, via: Via::Source, role: None, state: None });
            i += 1;
            continue;
        }
        // 5. Role phrases.
        let sentence_initial_plural = i == 0 || matches!(words.tokens[i - 1].slice(text), "." | "\n") || words.paragraph[i - 1] != words.paragraph[i];
        if let Some(role) = lex.roles.iter().find(|r| words.matches_at(i, &r.words)) {
            if (det_before || (sentence_initial_plural && role.number == Number::Pl)) && ent_covering(words.tokens[i].start).is_none() {
                let (end, state, foreignish) = role_extent(text, &words, &ent_mentions, i + role.words.len());
                let start_tok = if det_before && !lex.is(&words.lower[i - 1], "contraction") { i - 1 } else { i };
                let mut class = role.class;
                if foreignish && matches!(class, RoleClass::Official | RoleClass::Foreign) {
                    class = RoleClass::Foreign;
                }
                let b0 = if words.lower.get(i.wrapping_sub(1)).map_or(false, |w| lex.is(w, "contraction")) { words.tokens[i].start } else { words.tokens[start_tok].start };
                let span = map.span_from_bytes(b0, words.tokens[end - 1].end);
                // Apposition: a person right after (", NAME" or "NAME").
                let mut j = end;
                if j < n && words.tokens[j].slice(text) == "," {
                    j += 1;
                }
                let mut linked = (j < n).then(|| ent_at(words.tokens[j].start)).flatten().filter(|&k| ent_mentions[k].kind == MentionKind::Person);
                // "El ministro de Asuntos Exteriores, Unión Europea y Cooperación, José Manuel Albares".
                if linked.is_none() && end < n && words.tokens[end].slice(text) == "," {
                    let mut k = end + 1;
                    while k < n && k <= end + 8 {
                        let s = words.tokens[k].slice(text);
                        if let Some(e) = ent_at(words.tokens[k].start).filter(|&e| ent_mentions[e].kind == MentionKind::Person) {
                            if words.tokens[k - 1].slice(text) == "," {
                                linked = Some(e);
                            }
                            break;
                        }
                        let ok = s == "," || s.chars().next().map_or(false, char::is_uppercase) || matches!(words.lower[k].as_str(), "y" | "e" | "de");
                        if !ok {
                            break;
                        }
                        k += 1;
                    }
                }
                let group = role.class == RoleClass::GroupPerson || role.number == Number::Pl;
                let mut m = Mention {
                    span,
                    kind: if group { MentionKind::Group } else { MentionKind::Person },
                    referents: Vec::new(),
                    number: role.number,
                    via: Via::Role,
                    role: Some(RoleRef { class: if group { RoleClass::GroupPerson } else { class }, state: state.clone() }),
                    state: state.clone(),
                };
                if let Some(k) = linked.filter(|_| !group) {
                    let c = ent_mentions[k].referents[0].clone();
                    if let Some(p) = out.persons.iter_mut().find(|p| p.canonical == c) {
                        if p.state.is_none() {
                            p.state = state.clone();
                        }
                        p.roles.push(class);
                    }
                    m.referents = vec![c];
                }
                extra.push(m);
                i = end;
                continue;
            }
        }
        i += 1;
    }

    // Post-apposition: "Murat Nurtleu, viceprimer ministro ... de Kazajistán,".
    for m in ent_mentions.iter().filter(|m| m.kind == MentionKind::Person) {
        let mut j = words.index_at(m.span.byte_end);
        // Skip a parenthesis: "Wang Yi (i), miembro ...".
        if j < n && words.tokens[j].slice(text) == "(" {
            while j < n && words.tokens[j].slice(text) != ")" && j < words.index_at(m.span.byte_end) + 6 {
                j += 1;
            }
            j += 1;
        }
        if j + 1 >= n || words.tokens[j].slice(text) != "," {
            continue;
        }
        j += 1;
        if let Some(role) = lex.roles.iter().find(|r| words.matches_at(j, &r.words)) {
            // The phrase runs to the next comma or period.
            let mut k = j;
            let mut state = None;
            let mut foreignish = false;
            while k < n && k < j + 25 && !matches!(words.tokens[k].slice(text), "," | "." | ";" | ")") {
                if state.is_none() {
                    state = state_of_word(text, &words, &ent_mentions, k);
                }
                foreignish |= is_foreign_word(&words.lower[k]);
                k += 1;
            }
            let mut class = role.class;
            if foreignish && matches!(class, RoleClass::Official | RoleClass::Foreign) {
                class = RoleClass::Foreign;
            }
            let c = &m.referents[0];
            if let Some(p) = out.persons.iter_mut().find(|p| &p.canonical == c) {
                if p.state.is_none() {
                    p.state = state;
                }
                p.roles.push(class);
            }
        }
    }

    // 6. Demonyms not inside anything else.
    for (i, t) in words.tokens.iter().enumerate() {
        let s = t.slice(text);
        if !s.chars().next().map_or(false, char::is_lowercase) {
            continue;
        }
        if let Some(st) = lex.state_by_demonym(&words.lower[i]) {
            let span = map.span_from_bytes(t.start, t.end);
            let plural = words.lower[i].ends_with('s');
            extra.push(Mention { span, kind: MentionKind::State, referents: vec![st.canonical.clone()], number: if plural { Number::Pl } else { Number::Sg }, via: Via::Demonym, role: None, state: Some(st.canonical.clone()) });
        }
    }

    // Merge: outer spans win (a role phrase over the entities inside it).
    let mut all: Vec<Mention> = extra;
    all.extend(ent_mentions.iter().cloned());
    all.sort_by(|a, b| (b.span.byte_end - b.span.byte_start).cmp(&(a.span.byte_end - a.span.byte_start)).then(a.span.byte_start.cmp(&b.span.byte_start)));
    let mut kept: Vec<Mention> = Vec::new();
    for m in all {
        if !kept.iter().any(|k| k.span.byte_start < m.span.byte_end && m.span.byte_start < k.span.byte_end) {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| m.span.byte_start);

    // Participants: the first two persons with a role, else the first two persons.
    let mut with_role: Vec<&Person> = out.persons.iter().filter(|p| !p.roles.is_empty()).collect();
    with_role.sort_by_key(|p| p.first);
    let mut parts: Vec<String> = with_role.iter().take(2).map(|p| p.canonical.clone()).collect();
    if parts.len() < 2 {
        let mut by_first: Vec<&Person> = out.persons.iter().collect();
        by_first.sort_by_key(|p| p.first);
        for p in by_first {
            if parts.len() >= 2 {
                break;
            }
            if !parts.contains(&p.canonical) {
                parts.push(p.canonical.clone());
            }
        }
    }
    let mut states: Vec<String> = Vec::new();
    for p in &parts {
        if let Some(s) = out.persons.iter().find(|q| &q.canonical == p).and_then(|q| q.state.clone()) {
            if !states.contains(&s) {
                states.push(s);
            }
        }
    }
    if states.len() < 2 {
        let mut freq: HashMap<String, (usize, usize)> = HashMap::new();
        for m in kept.iter().filter(|m| m.kind == MentionKind::State) {
            let e = freq.entry(m.referents[0].clone()).or_insert((0, m.span.start));
            e.0 += 1;
        }
        let mut f: Vec<(String, (usize, usize))> = freq.into_iter().collect();
        f.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.1 .1.cmp(&b.1 .1)));
        for (s, _) in f {
            if states.len() >= 2 {
                break;
            }
            if !states.contains(&s) {
                states.push(s);
            }
        }
    }
    out.participants = parts;
    out.participant_states = states;

    // Resolve role phrases: by nationality and class among the persons, else left to context.
    for idx in 0..kept.len() {
        if kept[idx].via != Via::Role || !kept[idx].referents.is_empty() {
            continue;
        }
        if kept[idx].kind == MentionKind::Group {
            kept[idx].referents = out.participants.clone();
            continue;
        }
        let role = kept[idx].role.clone().unwrap_or(RoleRef { class: RoleClass::Official, state: None });
        if let Some(st) = &role.state {
            let cands: Vec<&Person> = out.persons.iter().filter(|p| p.state.as_ref() == Some(st)).collect();
            let best = cands
                .iter()
                .find(|p| p.roles.iter().any(|&r| compatible(r, role.class)))
                .or_else(|| if cands.len() == 1 && cands[0].roles.is_empty() { cands.first() } else { None });
            if let Some(p) = best {
                kept[idx].referents = vec![p.canonical.clone()];
            }
        }
    }
    let leaders_are_participants = out.leaders_are_participants();
    for m in kept.iter_mut().filter(|m| m.kind == MentionKind::Group && m.via == Via::Group) {
        let persons = m.role.as_ref().map_or(true, |r| r.class == RoleClass::GroupPerson || r.class == RoleClass::GroupLeaders && leaders_are_participants);
        m.referents = if persons && out.participants.len() >= 2 { out.participants.clone() } else { out.participant_states.clone() };
    }
    out.mentions = kept;
    out
}

/// Whether a person known to hold `have` can be called by a role of class `want`.
/// (acronym, organization's name) for every organization followed by its acronym in brackets.
fn acronyms(text: &str, entities: &[Entity]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for e in entities.iter().filter(|e| e.label == Label::Org) {
        let Some(after) = text.get(e.byte_end.min(text.len())..) else { continue };
        let after = after.trim_start();
        let Some(inner) = after.strip_prefix('(').and_then(|r| r.split_once(')')).map(|(a, _)| a.trim()) else { continue };
        let letters = inner.chars().filter(|c| c.is_alphabetic()).count();
        let capitals = inner.chars().filter(|c| c.is_uppercase()).count();
        if (2..=10).contains(&letters) && capitals * 2 > letters && !inner.contains(' ') && inner != e.text {
            out.push((inner.to_string(), e.canonical.clone()));
        }
    }
    out
}

pub fn compatible(have: RoleClass, want: RoleClass) -> bool {
    have == want || want == RoleClass::Official || (have == RoleClass::Official && want != RoleClass::Head)
}

fn is_foreign_word(w: &str) -> bool {
    matches!(w, "exteriores" | "diplomacia" | "canciller" | "cancillería" | "exterior")
}

/// The state a token names: a demonym, or an entity (state, capital, organization with a state).
fn state_of_word(text: &str, words: &Words, ents: &[Mention], k: usize) -> Option<String> {
    let t = words.tokens[k];
    if let Some(m) = ents.iter().find(|m| m.span.byte_start <= t.start && t.start < m.span.byte_end) {
        if let Some(s) = &m.state {
            return Some(s.clone());
        }
        // A state's name inside an organization's name ("Partido Comunista de China").
        return lexicon().state_by_name(t.slice(text)).map(|s| s.canonical.clone());
    }
    if t.slice(text).chars().next().map_or(false, char::is_lowercase) {
        return lexicon().state_by_demonym(&words.lower[k]).map(|s| s.canonical.clone());
    }
    lexicon().state_by_name(t.slice(text)).map(|s| s.canonical.clone())
}

/// Extent of a role phrase's complements from token `i`: "de Relaciones Exteriores ruso",
/// "de la diplomacia china". Returns (end token, state named, foreign-affairs wording).
fn role_extent(text: &str, words: &Words, ents: &[Mention], mut i: usize) -> (usize, Option<String>, bool) {
    let lex = lexicon();
    let n = words.tokens.len();
    let start = i;
    let mut state = None;
    let mut foreignish = false;
    let mut last_good = i;
    for k in start.saturating_sub(3)..start.min(n) {
        foreignish |= is_foreign_word(&words.lower[k]);
    }
    while i < n && i < start + 12 {
        let t = words.tokens[i];
        let s = t.slice(text);
        let lw = words.lower[i].as_str();
        // A person's name ends the phrase (it is the apposition).
        if ents.iter().any(|m| m.span.byte_start == t.start && m.kind == MentionKind::Person) {
            break;
        }
        if !t.is_word {
            break;
        }
        let cap = s.chars().next().map_or(false, char::is_uppercase);
        let demonym = !cap && lex.state_by_demonym(lw).is_some();
        let joiner = lexicon().is(lw, "name-joiner") && !cap;
        let in_entity = ents.iter().any(|m| m.span.byte_start <= t.start && t.start < m.span.byte_end);
        let role_word = !cap && lex.roles.iter().any(|r| r.words.len() == 1 && r.words[0] == lw);
        if !(cap || demonym || joiner || in_entity || role_word || is_foreign_word(lw)) {
            break;
        }
        if lex.reporting.contains_key(lw) && !cap {
            break;
        }
        foreignish |= is_foreign_word(lw);
        if state.is_none() {
            state = state_of_word(text, words, ents, i);
        }
        i += 1;
        if !joiner {
            last_good = i;
        }
    }
    (last_good.max(start), state, foreignish)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::segment;

    fn ents(text: &str, spans: &[(&str, Label, usize)]) -> Vec<Entity> {
        let map = OffsetMap::new(text);
        spans
            .iter()
            .map(|&(s, l, nth)| {
                let b = text.match_indices(s).nth(nth).unwrap().0;
                let sp = map.span_from_bytes(b, b + s.len());
                let canonical = if l == Label::State { lexicon().state_by_name(s).unwrap().canonical.clone() } else { s.to_string() };
                Entity { text: s.into(), label: l, start: sp.start, end: sp.end, byte_start: b, byte_end: b + s.len(), score: 1.0, canonical }
            })
            .collect()
    }

    fn referents_of<'a>(m: &'a Mentions, text: &str, phrase: &str) -> Vec<String> {
        let b = text.find(phrase).unwrap();
        m.mentions.iter().find(|x| x.span.byte_start == b).map(|x| x.referents.clone()).unwrap_or_default()
    }

    #[test]
    fn role_apposition_and_later_role_reference() {
        let t = "La ministra de Exteriores peruana, Elena Ruiz, recibió al canciller de Chile, Tomás Vidal.\nLa jefa de la diplomacia peruana dijo que sí. El canciller chileno respondió.";
        let e = ents(t, &[("Elena Ruiz", Label::Per, 0), ("Chile", Label::State, 0), ("Tomás Vidal", Label::Per, 0)]);
        let m = find(t, &segment(t), &e);
        assert_eq!(m.person("Elena Ruiz").unwrap().state.as_deref(), Some("Perú"));
        assert_eq!(m.person("Tomás Vidal").unwrap().state.as_deref(), Some("Chile"));
        assert_eq!(referents_of(&m, t, "La jefa de la diplomacia peruana"), vec!["Elena Ruiz"]);
        assert_eq!(referents_of(&m, t, "El canciller chileno"), vec!["Tomás Vidal"]);
        assert_eq!(m.participants, vec!["Elena Ruiz", "Tomás Vidal"]);
    }

    #[test]
    fn an_acronym_in_brackets_names_its_organization() {
        let text = "La Oficina Nacional de Estadística (ONE) publicó el informe. La ONE dijo que crecerá.";
        let e = ents(text, &[("Oficina Nacional de Estadística", Label::Org, 0), ("ONE", Label::Org, 0), ("ONE", Label::Org, 1)]);
        let m = find(text, &segment(text), &e);
        let later = m.mentions.iter().filter(|m| m.kind == MentionKind::Org).last().unwrap();
        assert_eq!(later.referents, vec!["Oficina Nacional de Estadística"]);
    }

    #[test]
    fn party_and_group_phrases() {
        let t = "El ministro Pedro Sanz, de Italia, habló con la ministra de Japón, Aiko Mori. La parte italiana y el lado japonés firmaron. Ambas partes coincidieron. Los dos países cooperarán y el Gobierno de Tokio lo celebró.";
        let e = ents(t, &[("Pedro Sanz", Label::Per, 0), ("Italia", Label::State, 0), ("Japón", Label::State, 0), ("Aiko Mori", Label::Per, 0), ("Tokio", Label::Loc, 0)]);
        let m = find(t, &segment(t), &e);
        assert_eq!(referents_of(&m, t, "La parte italiana"), vec!["Italia"]);
        assert_eq!(referents_of(&m, t, "el lado japonés"), vec!["Japón"]);
        assert_eq!(referents_of(&m, t, "Ambas partes"), vec!["Pedro Sanz", "Aiko Mori"]);
        let mut states = referents_of(&m, t, "Los dos países");
        states.sort();
        assert_eq!(states, vec!["Italia", "Japón"]);
        assert_eq!(referents_of(&m, t, "el Gobierno de Tokio"), vec!["Japón"]);
    }
}
