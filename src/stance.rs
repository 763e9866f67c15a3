//! Stage 5: the speaker's stance (support / oppose) toward entity and concept targets.
//!
//! With a parse (the shipped model always gives one), [`on_parse`]: a stance word (the claim's
//! cue, or a verb, noun or adjective of stance_lemmas.tsv inside what is said) gives its
//! polarity, flipped by a negation among its dependents, toward its complements in the tree — a
//! named participant, or else the complement's noun phrase as a concept.
//!
//! Without a parse, a rougher pass over word windows ([`without_parse`]):
//! - Concepts ("unilateralismo", "cooperación práctica") take the polarity of the word that
//!   governs them ("se opone al", "defender el", "practicarán el verdadero"), flipped by a
//!   negation ("no apoya", "nunca permitiremos"), or else the concept's usual polarity.
//! - Entities (states, also through capitals, demonyms and party phrases) are supported when a
//!   support word governs them ("trabajar con Rusia", "da la bienvenida a las empresas españolas")
//!   and opposed when the claim says something negative about them ("Estados Unidos ... su
//!   política de egoísmo"). A continuation that only goes on criticizing ("Sus comportamientos
//!   son ...") keeps the targets its paragraph's previous claim opposed.
//!
//! Either way a speaker never takes a stance toward itself or its own state.
use crate::annotation::{Claim, Mode, Polarity, Stance};
use crate::claims::FoundClaim;
use crate::doc::Doc;
use crate::lexicon::{lexicon, FunctionClass, Judgment};
use crate::mentions::{MentionKind, Mentions, Via};
use crate::segment::tokenize;

/// Tokens between a governing word and its target.
const MAX_GAP: usize = 3;
/// Window (tokens after an entity) in which an evaluative word describes it.
const EVAL_AFTER: usize = 16;
const EVAL_BEFORE: usize = 4;

/// Fills in the stances of every claim and returns the claims: from the parse when the document
/// has one, else from word windows ([`without_parse`]).
pub fn assign(doc: &Doc, mentions: &Mentions, found: Vec<FoundClaim>) -> Vec<Claim> {
    if !doc.has_syntax() {
        return without_parse(doc, mentions, found);
    }
    found
        .into_iter()
        .map(|fc| {
            let stances = on_parse(doc, mentions, &fc);
            let mut claim = fc.claim;
            let own: Vec<String> = claim.speaker.iter().flat_map(|s| [Some(s.clone()), mentions.state_of(s)]).flatten().collect();
            claim.stances = stances.into_iter().filter(|s| !own.contains(&s.target)).collect();
            claim
        })
        .collect()
}

/// Stances without a parse (`--no-syntax`, or entities from elsewhere): concepts of
/// concepts.tsv and state names near stance and evaluative words of stance_words.tsv and
/// evaluative.tsv. A rougher pass, kept for documents that have no parse.
fn without_parse(doc: &Doc, mentions: &Mentions, found: Vec<FoundClaim>) -> Vec<Claim> {
    let text = doc.text.as_str();
    let map = &doc.offsets;
    let lex = lexicon();
    let mut out: Vec<Claim> = Vec::new();
    let mut prev: Option<(usize, Vec<String>, Vec<String>)> = None; // (sentence, speaker, opposed targets)
    for fc in found {
        let mut claim = fc.claim;
        let b0 = map.byte_of(claim.content_start);
        let b1 = map.byte_of(claim.content_end);
        let toks = tokenize(text, b0, b1);
        let lower: Vec<String> = toks.iter().map(|t| t.slice(text).to_lowercase()).collect();
        let own: Vec<String> = claim.speaker.iter().flat_map(|s| [Some(s.clone()), mentions.state_of(s)]).flatten().collect();
        let mut stances: Vec<Stance> = Vec::new();
        let push = |target: String, polarity: Polarity, stances: &mut Vec<Stance>| {
            if !own.contains(&target) && !stances.iter().any(|s| s.target == target) {
                stances.push(Stance { target, polarity });
            }
        };

        // Concepts.
        let mut i = 0;
        while i < lower.len() {
            if let Some(c) = lex.concepts.iter().find(|c| i + c.words.len() <= lower.len() && c.words.iter().enumerate().all(|(k, w)| &lower[i + k] == w)) {
                let pol = governor(&lower, i).unwrap_or(c.default);
                push(c.target.clone(), pol, &mut stances);
                i += c.words.len();
            } else {
                i += 1;
            }
        }

        // Entities inside the content.
        let mut opposed_here: Vec<String> = Vec::new();
        for m in mentions.within(claim.content_start, claim.content_end) {
            let target = match (m.kind, &m.state) {
                (MentionKind::State, Some(s)) => s.clone(),
                (MentionKind::State, None) => match m.referents.first() {
                    Some(r) => r.clone(),
                    None => continue,
                },
                (MentionKind::Loc, Some(s)) if m.via == Via::Capital => s.clone(),
                _ => continue,
            };
            let ti = toks.partition_point(|t| t.start < m.span.byte_start);
            let te = toks.partition_point(|t| t.start < m.span.byte_end);
            if ti >= lower.len() {
                continue;
            }
            // After a preposition other than the governing ones, a state is rarely the agent.
            if let Some(p) = governor(&lower, ti) {
                push(target.clone(), p, &mut stances);
                continue;
            }
            if m.via == Via::Demonym {
                continue;
            }
            let lo = ti.saturating_sub(EVAL_BEFORE);
            let hi = (te + EVAL_AFTER).min(lower.len());
            let mut pol = None;
            for k in lo..hi {
                if let Some(p) = evaluative_at(&lower, k) {
                    pol = Some(p);
                    if p == Polarity::Oppose {
                        break;
                    }
                }
            }
            let object_of_prep = ti > 0 && matches!(lex.function_class(&lower[ti - 1]), Some(FunctionClass::Prep)) && !matches!(lower[ti - 1].as_str(), "a" | "de");
            if let Some(p) = pol {
                if p == Polarity::Oppose && object_of_prep && lower[ti - 1] != "por" {
                    continue;
                }
                if p == Polarity::Oppose {
                    opposed_here.push(target.clone());
                }
                push(target, p, &mut stances);
            }
        }
        // Position cues that take their object directly ("Kazajistán aprecia a China").
        if claim.mode == Mode::Position {
            if let Some(p) = fc.cue_polarity {
                let cue_end = claim.cue_end.unwrap_or(claim.content_start);
                if let Some(m) = mentions.mentions.iter().find(|m| m.span.start >= cue_end && m.span.start <= cue_end + 4 && m.span.end <= claim.content_end) {
                    if let Some(s) = m.state.clone().or_else(|| (m.kind == MentionKind::State).then(|| m.referents.first().cloned()).flatten()) {
                        push(s, p, &mut stances);
                    }
                }
            }
        }
        // A continuation that goes on criticizing keeps the previous claim's opposed targets.
        if claim.mode == Mode::Continuation && stances.is_empty() && (0..lower.len()).any(|k| evaluative_at(&lower, k) == Some(Polarity::Oppose)) {
            if let Some((s, sp, opp)) = &prev {
                if *sp == claim.speaker && fc.sentence <= s + 2 {
                    for t in opp.clone() {
                        push(t.clone(), Polarity::Oppose, &mut stances);
                        opposed_here.push(t);
                    }
                }
            }
        }
        if !opposed_here.is_empty() || claim.mode != Mode::Position {
            prev = Some((fc.sentence, claim.speaker.clone(), opposed_here));
        }
        claim.stances = stances;
        out.push(claim);
    }
    out
}

/// Stances read from the parse: a stance word of the claim (its cue, or a verb or noun of
/// stance_lemmas.tsv inside its content) takes its polarity, flipped by a negation, toward each
/// of its complements — a participant named there, or else the complement's noun phrase as a
/// concept. A verb's named participant is its target alone ("agradeció a X sus esfuerzos",
/// "felicitó a X por su victoria": X, not what for), and a phrasal cue's own noun is none ("dar
/// la bienvenida a X").
fn on_parse(doc: &Doc, mentions: &Mentions, fc: &FoundClaim) -> Vec<Stance> {
    // every sentence the content spans (a quotation of several sentences), the cue's first
    let overlaps = |si: usize| {
        let toks = doc.sentence_tokens(si);
        toks.first().map_or(false, |a| toks.last().map_or(false, |b| a.start < fc.claim.content_end && fc.claim.content_start < b.end))
    };
    let mut out: Vec<Stance> = on_sentence(doc, mentions, fc, fc.sentence);
    let before = (0..fc.sentence).rev().take_while(|&si| overlaps(si));
    let after = (fc.sentence + 1..doc.sentences.len()).take_while(|&si| overlaps(si));
    for si in before.chain(after) {
        for st in on_sentence(doc, mentions, fc, si) {
            if !out.iter().any(|s| s.target == st.target) {
                out.push(st);
            }
        }
    }
    out
}

/// [`on_parse`] on one sentence of the claim.
fn on_sentence(doc: &Doc, mentions: &Mentions, fc: &FoundClaim, si: usize) -> Vec<Stance> {
    let Some(sentence) = doc.sentences.get(si) else { return Vec::new() };
    let first = sentence.first_token;
    let toks = doc.sentence_tokens(si);
    let local = |g: usize| g.checked_sub(first).filter(|&i| i < toks.len());
    // The speaker's side: the speaker and the speaker's state, when the document says it.
    let side: Vec<String> = fc.claim.speaker.iter().flat_map(|x| std::iter::once(x.clone()).chain(mentions.state_of(x))).collect();
    let s = Sentence { toks, children: doc.sentence_children(si), first, mentions, fc, cue: fc.cue_token.and_then(local), side };
    let mut out = Targets::default();
    s.endings(&mut out);
    s.ending_acts(&mut out);
    s.permissions(&mut out);
    s.sides(&mut out);
    s.stance_words(&mut out);
    s.judgments(&mut out);
    s.hostile_acts(&mut out);
    s.deeds_judged(&mut out);
    out.0
}

/// The stances a claim's content gives, each target once.
#[derive(Default)]
struct Targets(Vec<Stance>);

impl Targets {
    fn push(&mut self, target: String, polarity: Polarity) {
        let target = target.trim().to_string();
        if !target.is_empty() && !self.0.iter().any(|s| s.target == target) {
            self.0.push(Stance { target, polarity });
        }
    }
}

/// One sentence of a claim as the stance readings see it: its words and tree, the document's
/// mentions, the claim and its cue's word.
struct Sentence<'a> {
    toks: &'a [crate::doc::Token],
    children: Vec<Vec<usize>>,
    first: usize,
    mentions: &'a Mentions,
    fc: &'a FoundClaim,
    cue: Option<usize>,
    /// The speaker and, when the document says it, the speaker's state.
    side: Vec<String>,
}

impl<'a> Sentence<'a> {
    /// The index in this sentence of the document's token `g`.
    fn local(&self, g: usize) -> Option<usize> {
        g.checked_sub(self.first).filter(|&i| i < self.toks.len())
    }

    /// Whether word `i` is inside what the claim says.
    fn inside(&self, i: usize) -> bool {
        self.toks[i].start >= self.fc.claim.content_start && self.toks[i].end <= self.fc.claim.content_end
    }

    /// The mention word `i` belongs to.
    fn mention_at(&self, i: usize) -> Option<&'a crate::mentions::Mention> {
        let t = &self.toks[i];
        let k = self.mentions.mentions.partition_point(|m| m.span.end <= t.start);
        self.mentions.mentions.get(k).filter(|m| m.span.start <= t.start && t.end <= m.span.end)
    }

    /// The participant word `i` names: a state, person or organization, or a capital's state.
    fn participant(&self, i: usize) -> Option<String> {
        let m = self.mention_at(i)?;
        match m.kind {
            MentionKind::State | MentionKind::Person | MentionKind::Org => m.state.clone().filter(|_| m.via != Via::Entity).or_else(|| m.referents.first().cloned()),
            MentionKind::Loc if m.via == Via::Capital => m.state.clone(),
            _ => None,
        }
    }

    /// Whether word `i` has a negation of its own ("no apoya").
    fn negated(&self, i: usize) -> bool {
        let lex = lexicon();
        self.children[i].iter().any(|&c| lex.is(&self.toks[c].lemma, "negation"))
    }

    /// The preposition that marks word `g`.
    fn case_of(&self, g: usize) -> Option<String> {
        self.children[g].iter().copied().find(|&k| self.toks[k].deprel == "case").map(|k| self.toks[k].lemma.to_lowercase())
    }

    /// The participants a word names with its conjuncts; a group ("los dos países") names the
    /// document's pair.
    fn with_conjuncts(&self, g: usize) -> Vec<String> {
        let mut found: Vec<String> = std::iter::once(g).chain(self.children[g].iter().copied().filter(|&k| self.toks[k].deprel == "conj")).filter_map(|k| self.participant(k)).collect();
        if let Some(m) = self.mention_at(g).filter(|m| m.kind == MentionKind::Group) {
            found.extend(m.referents.iter().cloned());
        }
        found
    }

    /// Who did what a noun names, by a participle's agent ("las medidas impuestas por X", "la
    /// arrogancia mostrada por los negociadores de X"): the agent's word.
    fn agent_of(&self, c: usize) -> Option<usize> {
        // (or a participle the tagger took for an adjective, known by its agent: "el embargo
        // impuesto por X")
        let participle = |k: usize| {
            matches!(self.toks[k].deprel.as_str(), "acl" | "amod")
                && (self.toks[k].upos == "VERB" && self.toks[k].feats.contains("VerbForm=Part") || self.children[k].iter().any(|&g| self.toks[g].deprel == "obl:agent"))
        };
        let by = |g: usize| self.toks[g].deprel == "obl:agent" || self.toks[g].deprel == "obl" && self.case_of(g).as_deref() == Some("por");
        self.children[c].iter().copied().filter(|&k| participle(k)).find_map(|k| self.children[k].iter().copied().find(|&g| by(g))).or_else(|| {
            // the parse may hang "por X" on the noun itself
            self.children[c].iter().any(|&k| participle(k)).then(|| self.children[c].iter().copied().find(|&g| self.toks[g].deprel == "nmod" && self.case_of(g).as_deref() == Some("por"))).flatten()
        })
    }

    /// The person an apposition after word `g` names ("el presidente colombiano, X": X).
    fn appos_person(&self, g: usize) -> Option<String> {
        self.children[g].iter().copied().filter(|&a| a > g && self.toks[a].deprel == "appos").find_map(|a| self.mention_at(a).filter(|m| m.kind == MentionKind::Person).and_then(|_| self.participant(a)))
    }

    /// The participants a word names, or by its demonym ("los representantes noruegos").
    fn named_by(&self, g: usize) -> Vec<String> {
        // "el presidente colombiano, X": the person the apposition names, not the role's state
        if let Some(p) = self.appos_person(g) {
            return vec![p];
        }
        let found = self.with_conjuncts(g);
        if !found.is_empty() {
            return found;
        }
        self.children[g].iter().copied().filter(|&k| self.toks[k].deprel == "amod" && self.mention_at(k).map_or(false, |m| m.via == Via::Demonym)).filter_map(|k| self.participant(k)).collect()
    }

    /// The participants a noun phrase stands for or belongs to: named, whose it is ("la
    /// hipocresía de X"), by a demonym ("la injerencia extranjera" is none, "la injerencia
    /// estadounidense" is), or a relation's partners ("las relaciones con X", "entre X e Y").
    fn phrase_of(&self, c: usize) -> Vec<String> {
        let lex = lexicon();
        if let Some(p) = self.participant(c) {
            return vec![p];
        }
        let mut found = Vec::new();
        let mut whose_seen = false;
        for &g in &self.children[c] {
            match self.toks[g].deprel.as_str() {
                // "la empresa X"
                "appos" if g > c => found.extend(self.participant(g)),
                // the first "de" is whose ("la presidencia de X del Consejo")
                "nmod" => match self.case_of(g).as_deref() {
                    Some("de") if !whose_seen => {
                        whose_seen = true;
                        if self.mention_at(g).map_or(false, |m| m.via != Via::Demonym) {
                            found.extend(self.with_conjuncts(g));
                        }
                    }
                    Some(k) if lex.is(k, "partner") => found.extend(self.with_conjuncts(g)),
                    _ => {}
                },
                "amod" if self.mention_at(g).map_or(false, |m| m.via == Via::Demonym) => found.extend(self.participant(g)),
                // "las relaciones que mantiene X con Y": the partner of the clause's verb
                "acl:relcl" | "acl" => {
                    for &o in self.children[g].iter().filter(|&&o| self.toks[o].deprel == "obl") {
                        if self.case_of(o).map_or(false, |k| lex.is(&k, "partner")) {
                            found.extend(self.with_conjuncts(o));
                        }
                    }
                }
                _ => {}
            }
        }
        // "la arrogancia mostrada por X", "las tarifas fijadas por X"
        if let Some(a) = self.agent_of(c) {
            found.extend(self.named_by(a));
        }
        found
    }

    /// The subject of a verb, or of the verb it is coordinated with.
    fn subject_of(&self, v: usize) -> Option<usize> {
        let lex = lexicon();
        let mut v = v;
        for _ in 0..self.toks.len() {
            if let Some(s) = self.children[v].iter().copied().find(|&c| self.toks[c].deprel == "nsubj") {
                // "las medidas de X, que violan ...": a relative pronoun stands for its noun
                if self.toks[s].upos == "PRON" && lex.is(&self.toks[s].form, "relative") && self.toks[v].deprel.starts_with("acl") {
                    return self.toks[v].head.and_then(|g| self.local(g));
                }
                return Some(s);
            }
            // coordinated, or an infinitive its governor controls ("X quiere aumentar ...")
            match (self.toks[v].deprel.as_str(), self.toks[v].head.and_then(|g| self.local(g))) {
                ("conj", Some(h)) if self.inside(h) => v = h,
                ("xcomp", Some(h)) if self.inside(h) && self.toks[v].feats.contains("VerbForm=Inf") => v = h,
                _ => return None,
            }
        }
        None
    }

    /// The words of a phrasal cue ("dar la bienvenida a X"): its own noun is no target, its
    /// complements are the verb's.
    fn in_cue(&self, i: usize) -> bool {
        match (self.fc.claim.cue_start, self.fc.claim.cue_end) {
            (Some(a), Some(b)) => self.toks[i].start >= a && self.toks[i].end <= b,
            _ => false,
        }
    }

    /// The polarity word `i` carries toward its complements (the cue's, a stance lemma's, a side
    /// taken, a way out), turned by its negation, and whether only a participant can be its target.
    fn stance_word(&self, i: usize) -> Option<(Polarity, bool)> {
        let lex = lexicon();
        let found = if Some(i) == self.cue {
            self.fc.cue_polarity.map(|p| (p, false))
        } else if self.toks[i].upos == "NOUN" && lex.is(&self.toks[i].lemma, "hostile-act") {
            // a hostile act ("la violación del espacio aéreo de X", "las amenazas de X contra
            // Y") is what a stance is toward, not a stance toward its complements
            None
        } else if self.inside(i) && self.toks[i].upos == "NOUN" && lex.is(&self.toks[i].lemma, "side-noun") && self.case_of(i).as_deref() == Some("de") && self.toks[i].head.and_then(|g| self.local(g)).map_or(false, |h| lex.is(&self.toks[h].lemma, "copula")) {
            // "estamos del lado de X": on X's side
            Some((if self.negated(self.toks[i].head.and_then(|g| self.local(g)).unwrap_or(i)) { Polarity::Oppose } else { Polarity::Support }, false))
        } else if self.inside(i) && self.toks[i].upos == "VERB" && lex.is(&self.toks[i].lemma, "way-verb") && self.subject_of(i).map_or(false, |s| lex.is(&self.toks[s].lemma, "way-noun")) {
            // "la solución pasa por el diálogo": what the way goes through is wanted
            Some((Polarity::Support, false))
        } else if self.toks[i].deprel == "fixed" {
            // "favor" of "a favor de", "contra" of "en contra de": read by `sides`
            None
        } else if self.toks[i].upos == "VERB" && lex.is(&self.toks[i].lemma, "permit-verb") {
            // read by `permissions`
            None
        } else if self.inside(i) && matches!(self.toks[i].upos.as_str(), "VERB" | "NOUN") {
            if self.toks[i].upos == "VERB" { lex.stance_lemma(&self.toks[i].lemma) } else { lex.stance_lemmas.get(self.toks[i].lemma.as_str()).copied() }
        } else {
            None
        };
        // "celebrar una cumbre" holds an event; it celebrates nothing.
        if lex.is(&self.toks[i].lemma, "host-verb") && self.children[i].iter().any(|&c| self.toks[c].deprel == "obj" && lex.is(&self.toks[c].lemma, "event")) {
            return None;
        }
        found.map(|(pol, entity_only)| (if self.negated(i) { flip(pol) } else { pol }, entity_only))
    }

    /// Whether word `i` is one of a noun repeated around "con" or "a" ("codo con codo", "paso a
    /// paso"), an adverbial of manner.
    fn in_repeated_noun(&self, i: usize) -> bool {
        let lemma = |k: usize| self.toks.get(k).filter(|t| t.upos == "NOUN").map(|t| t.lemma.to_lowercase());
        let joins = |k: usize| self.toks.get(k).map_or(false, |t| matches!(t.form.to_lowercase().as_str(), "con" | "a"));
        (i >= 2 && joins(i - 1) && lemma(i).is_some() && lemma(i) == lemma(i - 2)) || (joins(i + 1) && lemma(i).is_some() && lemma(i) == lemma(i + 2))
    }

    /// The parse often hangs a stance noun's complement on the verb whose object the noun is
    /// ("reiteró su rechazo a X", "a X" under "reiteró"): those complements, for a stance noun.
    fn lent_of(&self, i: usize) -> Vec<usize> {
        let lex = lexicon();
        // A verb's complement that the parse hung on the word above it, right after the verb's
        // own words ("dispuesta a trabajar con X", "con X" under "dispuesta").
        if self.toks[i].upos == "VERB" {
            let Some(v) = self.toks[i].head.and_then(|g| self.local(g)) else { return Vec::new() };
            let end = subtree_end(&self.children, i);
            return self.children[v]
                .iter()
                .copied()
                .filter(|&o| {
                    o > i && self.toks[o].deprel.starts_with("obl")
                        && self.children[o].iter().any(|&k| self.toks[k].deprel == "case" && (lex.is(&self.toks[k].lemma, "target") || lex.is(&self.toks[k].lemma, "partner")) && k == end)
                })
                .collect();
        }
        if self.toks[i].upos != "NOUN" || !matches!(self.toks[i].deprel.as_str(), "obj" | "obl") || !lex.stance_lemmas.contains_key(self.toks[i].lemma.as_str()) {
            return Vec::new();
        }
        let Some(v) = self.toks[i].head.and_then(|g| self.local(g)) else { return Vec::new() };
        let mut lent: Vec<usize> = self.children[v]
            .iter()
            .copied()
            .filter(|&c| c > i && self.toks[c].deprel == "obl" && self.children[c].iter().any(|&k| self.toks[k].deprel == "case" && lex.is(&self.toks[k].lemma, "target")))
            .collect();
        // or right after the noun's phrase, under some other word ("insistió hoy en su rechazo
        // al cierre", with "al cierre" under "hoy")
        let end = subtree_end(&self.children, i);
        // or an infinitive after "de" ("la necesidad de implementar ...", with "implementar"
        // under the verb)
        if let Some(h) = self.toks.get(end).and_then(|t| t.head).and_then(|g| self.local(g)) {
            if crate::claims::opens_complement(&self.toks[end], &self.toks[h]) && h > end && self.toks[h].head.and_then(|g| self.local(g)).map_or(false, |g| g != i) && !lent.contains(&h) {
                lent.push(h);
            }
        }
        lent
    }

    /// A stance noun with a complement of its own (in the tree or lent) is no concept: its
    /// complement is, read when the noun's turn comes.
    fn has_own_complement(&self, c: usize) -> bool {
        let lex = lexicon();
        !lex.is(&self.toks[c].lemma, "hostile-act")
            && matches!(lex.stance_lemmas.get(self.toks[c].lemma.as_str()), Some((_, false)))
            // (whose it is, "el apoyo de X", is no complement of its own: X's act is the target)
            // (nor a gerund the parse hung on it: "rechazó las críticas de X, calificándolas de ...")
            && (self.children[c].iter().any(|&k| matches!(self.toks[k].deprel.as_str(), "nmod" | "xcomp" | "acl" | "ccomp") && !(self.case_of(k).as_deref() == Some("de") && self.participant(k).is_some()) && self.toks[k].feat("VerbForm") != Some("Ger")) || !self.lent_of(c).is_empty())
    }

    /// What a predicate is said of: the subject of its copula ("X es irresponsable"), the
    /// subject of the clause that is its subject ("es inaceptable que X decidiera"), or, as the
    /// predicative of a verb of regarding, that verb's object ("considera a X un socio fiable",
    /// "calificó de inaceptables las declaraciones de X", or the phrase the parse hung on it).
    fn predicate_of(&self, c: usize) -> Vec<usize> {
        let lex = lexicon();
        // "X es calumnioso e irresponsable": a coordinated predicate is said of its first's subject
        if self.toks[c].deprel == "conj" && matches!(self.toks[c].upos.as_str(), "ADJ" | "NOUN") {
            if let Some(h) = self.toks[c].head.and_then(|g| self.local(g)).filter(|&h| h < c && matches!(self.toks[h].upos.as_str(), "ADJ" | "NOUN")) {
                if !self.children[c].iter().any(|&k| self.toks[k].deprel.starts_with("nsubj")) {
                    return self.predicate_of(h);
                }
            }
        }
        let mut of: Vec<usize> = self.children[c]
            .iter()
            .copied()
            .flat_map(|k| match self.toks[k].deprel.split(':').next().unwrap_or("") {
                "nsubj" => vec![k],
                "csubj" => self.children[k].iter().copied().filter(|&g| self.toks[g].deprel.starts_with("nsubj")).collect(),
                _ => Vec::new(),
            })
            .collect();
        // The object a predicative is said of; the parse may take the predicative for the
        // object and the object, marked by "a", for an oblique ("considera a X un socio").
        // (or a noun after the verb taken for its subject that the verb does not agree with:
        // "ha calificado de graves las palabras de X", "las palabras" made the subject)
        let number = |k: usize| self.toks[k].feat("Number");
        let verb_number = |h: usize| self.children[h].iter().copied().find(|&a| self.toks[a].deprel == "aux").map_or_else(|| number(h), number);
        let misread_object = move |h: usize, k: usize| {
            k > h && self.toks[k].deprel == "nsubj" && matches!((verb_number(h), number(k)), (Some(a), Some(b)) if a != b) && !self.children[k].iter().any(|&g| self.toks[g].deprel == "conj")
        };
        let regarded = move |h: usize| self.children[h].iter().copied().filter(move |&k| k != c && (self.toks[k].deprel == "obj" || self.toks[k].deprel == "obl" && self.case_of(k).as_deref() == Some("a") || misread_object(h, k)));
        let verb_head = self.toks[c].head.and_then(|g| self.local(g)).map_or(false, |h| self.toks[h].upos == "VERB");
        match self.toks[c].deprel.as_str() {
            "amod" if verb_head => {
                if let Some(h) = self.toks[c].head.and_then(|g| self.local(g)) {
                    of.extend(regarded(h));
                }
            }
            "obl" | "xcomp" => {
                if let Some(h) = self.toks[c].head.and_then(|g| self.local(g)).filter(|&h| self.toks[c].upos == "ADJ" || lex.is(&self.toks[h].lemma, "regard-verb")) {
                    of.extend(regarded(h));
                    of.extend(self.children[c].iter().copied().filter(|&k| k > c && self.toks[k].deprel == "appos" && matches!(self.toks[k].upos.as_str(), "NOUN" | "PROPN")));
                }
            }
            "obj" => {
                if let Some(h) = self.toks[c].head.and_then(|g| self.local(g)).filter(|&h| lex.is(&self.toks[h].lemma, "regard-verb")) {
                    of.extend(regarded(h).filter(|&k| self.toks[k].deprel == "obl"));
                }
            }
            _ => {}
        }
        of
    }

    /// A deed denounced or welcomed in a clause ("denunció que X ha bloqueado la ayuda", "criticó
    /// que la escasez provocada por X continúe", "celebró que X haya firmado"): its doer, the
    /// clause's subject or whose the subject's act is, is opposed or supported.
    fn deeds_judged(&self, out: &mut Targets) {
        let lex = lexicon();
        let Some(v) = self.cue.filter(|&v| self.toks[v].upos == "VERB" && !self.negated(v)) else { return };
        let pol = if lex.is(&self.toks[v].lemma, "denounce-verb") {
            Polarity::Oppose
        } else if lex.is(&self.toks[v].lemma, "welcome-verb") {
            Polarity::Support
        } else {
            return;
        };
        // (the clause after "que", which the parse may take for an adverbial one: "denunció además
        // que ...")
        for &c in self.children[v].iter().filter(|&&c| c > v && matches!(self.toks[c].deprel.as_str(), "ccomp" | "advcl") && matches!(self.toks[c].upos.as_str(), "VERB" | "AUX" | "ADJ" | "NOUN")) {
            let Some(subject) = self.children[c].iter().copied().find(|&k| self.toks[k].deprel.starts_with("nsubj")) else { continue };
            if !(v + 1..subject.min(c)).any(|k| self.toks[k].form.to_lowercase() == "que") {
                continue;
            }
            let doers = match self.named_by(subject) {
                named if !named.is_empty() => named,
                _ => self.phrase_of(subject),
            };
            for p in doers {
                out.push(p, pol);
            }
        }
    }

    /// Whether the cue denies what its clause tells ("rechazó que X haya violado el acuerdo"): a
    /// deed there is not told as done.
    fn denied_by_cue(&self) -> bool {
        let lex = lexicon();
        self.cue.map_or(false, |c| lex.is(&self.toks[c].lemma, "deny-verb") && !self.negated(c))
    }

    /// A third party's hostile act told by the speaker ("X ha amenazado a sus vecinos"): X
    /// opposed. A verb without its own subject shares the one of the verb it is coordinated with.
    /// A verb the parse coordinated with the cue itself ("Dijo que X ha mentido y ha amenazado a
    /// Y", with "amenazado" attached to "Dijo") still tells what was said.
    fn coordinated_with_cue(&self, i: usize) -> bool {
        let mut v = i;
        for _ in 0..self.toks.len() {
            if self.toks[v].deprel != "conj" {
                return false;
            }
            match self.toks[v].head.and_then(|g| self.local(g)) {
                Some(h) if Some(h) == self.cue => return true,
                Some(h) => v = h,
                None => return false,
            }
        }
        false
    }

    /// The cue's polarity and every stance verb, noun or adjective of the content, toward its
    /// complements: a participant named there, or else the complement's noun phrase as a concept.
    fn stance_words(&self, out: &mut Targets) {
        let lex = lexicon();
        for i in 0..self.toks.len() {
            let Some((pol, entity_only)) = self.stance_word(i) else { continue };
            if self.someone_elses(i) {
                continue;
            }
            // A stance noun that is the object of an opposing word turns round: "condenó la lucha
            // contra X" supports X.
            let governed_by = (self.toks[i].upos == "NOUN" && self.toks[i].deprel == "obj").then(|| self.toks[i].head.and_then(|g| self.local(g))).flatten();
            // ("en contra de las sanciones a X" does not oppose X either)
            let pol = match governed_by.and_then(|h| self.stance_word(h)) {
                Some((Polarity::Oppose, _)) => flip(pol),
                _ if self.toks[i].upos == "NOUN" && self.side_of(i) == Some(Polarity::Oppose) => flip(pol),
                _ => pol,
            };
            let mut complements: Vec<usize> = Vec::new();
            let mut of_cue_noun: Vec<usize> = Vec::new();
            for &c in &self.children[i] {
                if Some(i) == self.cue && self.in_cue(c) {
                    of_cue_noun.extend(self.children[c].iter().copied().filter(|&g| !self.in_cue(g)));
                } else {
                    complements.push(c);
                }
            }
            // (or hung on the verb right after the cue's noun: "dio la bienvenida a X", "a X"
            // under "dio")
            if Some(i) == self.cue && self.children[i].iter().any(|&c| self.in_cue(c) && self.toks[c].upos == "NOUN") {
                let cue_end = (0..self.toks.len()).filter(|&k| self.in_cue(k)).max().unwrap_or(i);
                let hung: Vec<usize> = complements.iter().copied().filter(|&c| c > cue_end && self.toks[c].deprel == "obl" && self.case_of(c).map_or(false, |k| lex.is(&k, "target")) && self.children[c].iter().copied().min().map_or(false, |f| f == cue_end + 1)).collect();
                complements.retain(|c| !hung.contains(c));
                of_cue_noun.extend(hung);
            }
            complements.extend(&of_cue_noun);
            // "codo con codo", "mano a mano": a noun repeated around "con" or "a" says how, and
            // is no target; what the parse hung on it ("contra X") is the verb's
            // "apoyar una pronta, duradera y pacífica solución": a "noun" coordinated only with
            // adjectives is an adjective the tagger misread; the noun after it is the object
            complements.retain(|&c| {
                let conjuncts: Vec<usize> = self.children[c].iter().copied().filter(|&k| self.toks[k].deprel == "conj").collect();
                !(self.toks[c].upos == "NOUN" && !conjuncts.is_empty() && conjuncts.iter().all(|&k| self.toks[k].upos == "ADJ"))
            });
            let repeated: Vec<usize> = complements.iter().copied().filter(|&c| self.in_repeated_noun(c)).collect();
            let mut freed: Vec<usize> = Vec::new();
            if !repeated.is_empty() {
                complements.retain(|c| !repeated.contains(c));
                for &c in &repeated {
                    freed.extend(self.children[c].iter().copied().filter(|&g| self.toks[g].deprel == "nmod" && !self.in_repeated_noun(g)));
                }
                complements.extend(&freed);
            }
            // "se mostró partidaria de X", with "de X" hung on the copular verb
            if self.toks[i].upos == "ADJ" && self.toks[i].deprel == "xcomp" {
                if let Some(h) = self.toks[i].head.and_then(|g| self.local(g)) {
                    complements.extend(self.children[h].iter().copied().filter(|&c| c > i && self.toks[c].deprel == "obl"));
                }
            }
            // "reiteró su rechazo a X": the complement the parse hung on the verb is the noun's.
            let lent = self.lent_of(i);
            complements.extend(&lent);
            let mut denied_too: Vec<usize> = Vec::new();
            if let Some(o) = self.children[i].iter().copied().find(|&o| self.toks[o].deprel == "obj") {
                let mut taken = self.lent_of(o);
                // "no aprueba las intervenciones contra X": a "contra" phrase the parse hung on
                // the verb right after its object is the object's ("intervenciones contra X")
                let object_end = subtree_end(&self.children, o);
                taken.extend(complements.iter().copied().filter(|&c| {
                    self.toks[c].deprel == "obl"
                        && self.children[c].iter().any(|&k| {
                            self.toks[k].deprel == "case" && lex.is(&self.toks[k].lemma, "against") && k >= object_end && (object_end..k).all(|p| self.toks[p].upos == "PUNCT")
                        })
                }));
                complements.retain(|c| !taken.contains(c));
                // "no aprueba X ni Y": what "ni" adds is denied as well
                denied_too = self.children[o].iter().copied().filter(|&k| self.toks[k].deprel == "conj" && self.children[k].iter().any(|&c| self.toks[c].deprel == "cc" && lex.is(&self.toks[c].lemma, "neither"))).collect();
                complements.extend(&denied_too);
            }
            // With a named participant among the verb's complements, the others say what for.
            let names_participant = self.toks[i].upos == "VERB"
                && complements.iter().any(|&c| {
                    matches!(self.toks[c].deprel.split(':').next().unwrap_or(""), "obj" | "iobj" | "obl")
                        && self.participant(c).is_some()
                        && !self.children[c].iter().any(|&k| self.toks[k].deprel == "case" && !lex.is(&self.toks[k].lemma, "target"))
                });
            let mut concepts: Vec<String> = Vec::new();
            for c in complements {
                let rel = self.toks[c].deprel.split(':').next().unwrap_or("");
                let case = self.children[c].iter().filter(|&&k| self.toks[k].deprel == "case").map(|&k| self.toks[k].lemma.as_str()).next();
                // The prepositions that mark whom or what a stance is about ("oponerse a X",
                // "cooperar con X", "luchar contra X"), not where or in which field.
                let complement = match self.toks[i].upos.as_str() {
                    // a phrasal cue's noun: "dar la bienvenida a X"
                    _ if of_cue_noun.contains(&c) => matches!(rel, "nmod" | "obl") && case.map_or(false, |c| lex.is(c, "target")),
                    // (with an object, a thing after "a" is where it goes: "llevar las relaciones a
                    // un nivel superior")
                    "VERB" => {
                        let destination = case == Some("a") && self.participant(c).is_none() && self.children[i].iter().any(|&o| self.toks[o].deprel == "obj");
                        // "apoyar a X con Y", "respaldar la propuesta con fondos": after the
                        // verb's object, "con" tells with what, not toward whom
                        let means = case == Some("con") && self.children[i].iter().any(|&o| o < c && (self.toks[o].deprel == "obj" || self.toks[o].deprel == "obl" && self.case_of(o).as_deref() == Some("a")));
                        // ("se desmarcó de X", "se quejó de X": a pronominal verb's "de" is its target)
                        let pronominal_de = case == Some("de") && rel == "obl" && self.children[i].iter().any(|&k| matches!(self.toks[k].deprel.as_str(), "expl:pv" | "compound:prt" | "expl") && self.toks[k].upos == "PRON") && !self.children[i].iter().any(|&o| self.toks[o].deprel == "obj");
                        rel == "obj" || rel == "iobj" || denied_too.contains(&c) || (rel == "obl" || freed.contains(&c)) && (case.map_or(false, |c| lex.is(c, "target")) || pronominal_de) && self.toks[c].deprel != "obl:agent" && !destination && !means
                    }
                    // an adjective of position: "abierto a X", "partidario de X"
                    "ADJ" => rel == "obl" && case.map_or(false, |c| lex.is(c, "target") || c == "de"),
                    // A stance noun's complement: "apoyo a X", "cooperación con X", "rechazo de X".
                    // A participant after "de" is whose the act is ("las acusaciones de X", "el
                    // apoyo de X a Y"), not its target.
                    // (nor is a possessed one: "la condena de su Gobierno a X")
                    _ => (rel == "nmod" || lent.contains(&c)) && case.map_or(false, |k| lex.is(k, "target") || k == "de" && self.participant(c).is_none() && !self.possessed(c)),
                };
                // "la necesidad de reabrir el diálogo", "su voluntad de ampliar la cooperación con
                // X", "abogó por expulsar a los vecinos": what the infinitive acts on, or, for an
                // infinitive that is no stance word itself, the act as a noun ("expulsión de los
                // vecinos").
                let infinitive = self.toks[c].upos == "VERB"
                    && self.toks[c].feats.contains("VerbForm=Inf")
                    && match self.toks[i].upos.as_str() {
                        "NOUN" => matches!(rel, "acl" | "nmod" | "xcomp" | "advcl"),
                        "VERB" => rel == "xcomp",
                        _ => false,
                    };
                // "pidió el fin de X": `endings` reads what ends
                if self.ending_of(c).is_some() {
                    continue;
                }
                let c = if infinitive {
                    let with_partner = |o: usize| self.toks[o].deprel == "obl" && self.children[o].iter().any(|&k| self.toks[k].deprel == "case" && lex.is(&self.toks[k].lemma, "partner"));
                    // (a partner right after the infinitive that the parse hung on the word
                    // above it: "dispuesta a trabajar con X", "con X" under "dispuesta")
                    let right_after = |o: usize| self.children[o].iter().copied().chain([o]).min() == Some(subtree_end(&self.children, c));
                    let acted_on = self.children[c].iter().copied().find(|&o| self.toks[o].deprel == "obj" || with_partner(o)).or_else(|| self.children[i].iter().copied().find(|&o| o > c && with_partner(o) && right_after(o)));
                    // (a participant the infinitive acts on names the target only as a partner:
                    // "abogó por cooperar con X"; "abogó por expulsar a los X" is for the act)
                    let named = acted_on.map_or(false, |o| self.participant(o).is_some() && (with_partner(o) || self.stance_word(c).is_some()));
                    // (an act of ending is read by `ending_acts`: "se opuso a retirar las tropas")
                    if lex.is(&self.toks[c].lemma, "ending-verb") {
                        continue;
                    }
                    if !named && self.stance_word(c).is_none() {
                        if let Some(noun) = lex.action_noun(&self.toks[c].lemma.to_lowercase()) {
                            // the object, or a person object marked by "a"
                            let object = self.children[c].iter().copied().find(|&o| self.toks[o].deprel == "obj" || self.toks[o].deprel == "obl" && self.case_of(o).as_deref() == Some("a"));
                            concepts.push(self.act_concept(noun, object));
                            continue;
                        }
                    }
                    // a verb's infinitive with no act noun is what the verb's own object is
                    // charged with or asked for ("acusó a X de violar ..."), no target
                    match acted_on.filter(|_| self.toks[i].upos == "NOUN") {
                        Some(o) => o,
                        None => continue,
                    }
                } else if complement {
                    c
                } else {
                    continue;
                };
                // "se opone a las acciones que socavan el multilateralismo": what the opposed
                // phrase harms, by a relative clause, is supported
                if pol == Polarity::Oppose {
                    for o in self.harmed_by_relative(c) {
                        self.push_phrase(o, Polarity::Support, out);
                    }
                }
                // "felicitó al presidente X, Y": the person the apposition names, not the role's state
                if let Some(p) = self.appos_person(c).or_else(|| self.participant(c)) {
                    out.push(p, pol);
                    // "critica a X, Y y Z": every conjunct.
                    for &k in self.children[c].iter().filter(|&&k| self.toks[k].deprel == "conj") {
                        if let Some(q) = self.participant(k) {
                            out.push(q, pol);
                        }
                    }
                    continue;
                }
                // The participant a relation is with ("fortalecer los lazos con X", "ampliar la
                // cooperación con X").
                let partner = self.children[c].iter().copied().find(|&g| {
                    self.toks[g].deprel == "nmod" && self.children[g].iter().any(|&k| self.toks[k].deprel == "case" && (lex.is(&self.toks[k].lemma, "partner") || lex.is(&self.toks[k].lemma, "against")))
                });
                let partners: Vec<String> = partner.map(|g| self.with_conjuncts(g)).unwrap_or_default();
                // "da la bienvenida a las empresas españolas": the state a demonym names, for a
                // word whose targets are participants
                let by_demonym = self.children[c].iter().copied().find(|&g| self.toks[g].deprel == "amod" && self.mention_at(g).map_or(false, |m| m.via == Via::Demonym)).and_then(|g| self.participant(g));
                if !partners.is_empty() {
                    let against = partner.map_or(false, |g| self.children[g].iter().any(|&k| lex.is(&self.toks[k].lemma, "against")));
                    for p in partners {
                        out.push(p, if against { flip(pol) } else { pol });
                    }
                } else if let Some(st) = by_demonym.filter(|_| entity_only || of_cue_noun.contains(&c)) {
                    out.push(st, pol);
                } else if self.toks[c].upos == "NOUN" && self.inside(c) && !is_role_noun(&self.toks[c]) && !self.has_own_complement(c) {
                    // "rechaza las acusaciones de X", "apoya las propuestas de X": the stance
                    // toward an act is one toward whose act it is, when that is named; the act's
                    // phrase then goes on with what it is about ("los ataques de X contra Y").
                    let whose = lex.is(&self.toks[c].lemma, "act-noun").then(|| {
                        self.children[c].iter().copied().find(|&g| {
                            self.toks[g].deprel == "nmod" && self.children[g].iter().any(|&k| self.toks[k].deprel == "case" && self.toks[k].lemma == "de") && self.mention_at(g).map_or(false, |m| m.via != Via::Demonym)
                                || self.toks[g].deprel == "amod" && self.mention_at(g).map_or(false, |m| m.via == Via::Demonym)
                        })
                    });
                    // (a hostile act's agent too: "el bloqueo impuesto por X")
                    let whose = whose.flatten().or_else(|| (lex.is(&self.toks[c].lemma, "act-noun") || lex.is(&self.toks[c].lemma, "hostile-act")).then(|| self.agent_of(c)).flatten());
                    let whose = whose.and_then(|g| self.named_by(g).into_iter().next().map(|p| (g, p)));
                    // (a stance of whose it is, "agradeció el apoyo de X", "rechazó las
                    // acusaciones de X", is X's, and no concept; a hostile act stays one)
                    let stance_noun = (lex.stance_lemmas.contains_key(self.toks[c].lemma.as_str()) || lex.is(&self.toks[c].lemma, "act-noun")) && !lex.is(&self.toks[c].lemma, "hostile-act");
                    // (a word whose targets are participants has only whose act it is: "dio la
                    // bienvenida a la decisión de X")
                    if !(whose.is_some() && stance_noun) && !entity_only {
                        concepts.push(concept(self.toks, &self.children, c, whose.as_ref().map(|w| w.0), &self.lent_of(c)));
                    }
                    if let Some((_, p)) = whose {
                        out.push(p, pol);
                    }
                    // "la lucha contra X e Y": all that is fought against
                    if case.map_or(false, |k| lex.is(k, "against")) && !entity_only {
                        for &k in self.children[c].iter().filter(|&&k| self.toks[k].deprel == "conj" && self.toks[k].upos == "NOUN") {
                            concepts.push(concept(self.toks, &self.children, k, None, &[]));
                        }
                    }
                }
            }
            if !names_participant {
                for target in concepts {
                    out.push(target, pol);
                }
            }
            // "abierta a X, pero sin Y": what the position leaves out is opposed
            for &w in self.children[i].iter().filter(|&&w| self.toks[w].deprel == "conj" && self.toks[w].upos == "NOUN" && self.case_of(w).map_or(false, |k| lex.is(&k, "without"))) {
                match self.participant(w) {
                    Some(p) => out.push(p, flip(pol)),
                    None => out.push(concept(self.toks, &self.children, w, None, &[]), flip(pol)),
                }
            }
        }
    }

    /// Whether word `i` tells another party's position, not the speaker's: a verb whose subject
    /// names a participant outside the speaker's side, when the speaker's state is known ("dijo
    /// que X rechaza las cuotas"), or a stance noun whose it is ("las críticas de X a Y", X a
    /// person other than the speaker, or a participant outside the speaker's known side).
    fn someone_elses(&self, i: usize) -> bool {
        if Some(i) == self.cue {
            return false;
        }
        let outside = |p: &String| !self.side.contains(p);
        match self.toks[i].upos.as_str() {
            "VERB" => self.side.len() > self.fc.claim.speaker.len() && self.subject_of(i).and_then(|s| self.participant(s)).map_or(false, |p| outside(&p)),
            "NOUN" => {
                let whose = self.children[i].iter().copied().filter(|&g| self.toks[g].deprel == "nmod" && self.case_of(g).as_deref() == Some("de") && !self.possessed(g)).chain(self.agent_of(i));
                whose.into_iter().any(|g| {
                    let person = self.mention_at(g).map_or(false, |m| m.kind == MentionKind::Person) || self.appos_person(g).is_some();
                    self.named_by(g).iter().any(|p| outside(p) && (person || self.side.len() > self.fc.claim.speaker.len()))
                })
            }
            _ => false,
        }
    }

    /// Whether noun `c` has a possessive ("su Gobierno", "nuestro país").
    fn possessed(&self, c: usize) -> bool {
        self.children[c].iter().any(|&k| self.toks[k].deprel == "det" && self.toks[k].feat("Poss") == Some("Yes"))
    }

    /// What noun `c` of ending says ends, when it is one ("el fin de X", "el cese de X", "la
    /// retirada de X"): its "de" complement.
    fn ending_of(&self, c: usize) -> Option<usize> {
        let lex = lexicon();
        if self.toks[c].upos != "NOUN" || !lex.is(&self.toks[c].lemma, "ending-noun") {
            return None;
        }
        // (an ending of an ending, "el cese del alto el fuego", is said loosely of a truce)
        self.children[c].iter().copied().find(|&g| matches!(self.toks[g].deprel.as_str(), "nmod" | "acl") && self.case_of(g).as_deref() == Some("de")).filter(|&g| !lex.is(&self.toks[g].lemma, "ending-noun"))
    }

    /// What a relative clause of noun `c` says it harms: the object of a verb of harm or
    /// hostility ("las acciones que socavan X", "las medidas que violan X").
    fn harmed_by_relative(&self, c: usize) -> Vec<usize> {
        let lex = lexicon();
        let harms = |v: usize| {
            self.toks[v].upos == "VERB"
                && !self.negated(v)
                && (lex.is(&self.toks[v].lemma, "hostile-act") || matches!(lex.judgment_of_word(&self.toks[v].lemma, &self.toks[v].form, "VERB"), Some((Polarity::Oppose, Judgment::Quality))))
        };
        self.children[c]
            .iter()
            .copied()
            .filter(|&v| self.toks[v].deprel == "acl:relcl" && harms(v))
            .flat_map(|v| self.children[v].iter().copied().filter(|&o| self.toks[o].deprel == "obj").collect::<Vec<_>>())
            .collect()
    }

    /// The target phrase at word `k`: the participant it names (with its conjuncts), or else,
    /// for a noun, its concept; an infinitive stands for its act ("la ampliación de X").
    fn push_phrase(&self, k: usize, pol: Polarity, out: &mut Targets) {
        let lex = lexicon();
        let named = self.with_conjuncts(k);
        if !named.is_empty() {
            for p in named {
                out.push(p, pol);
            }
            return;
        }
        match self.toks[k].upos.as_str() {
            "NOUN" if !is_role_noun(&self.toks[k]) => {
                out.push(concept(self.toks, &self.children, k, None, &[]), pol);
                for &g in self.children[k].iter().filter(|&&g| self.toks[g].deprel == "conj" && self.toks[g].upos == "NOUN") {
                    out.push(concept(self.toks, &self.children, g, None, &[]), pol);
                }
            }
            "VERB" if self.toks[k].feats.contains("VerbForm=Inf") => {
                let object = self.children[k].iter().copied().find(|&o| self.toks[o].deprel == "obj");
                if let Some(p) = object.and_then(|o| self.participant(o)) {
                    out.push(p, pol);
                } else if let Some(noun) = lex.action_noun(&self.toks[k].lemma.to_lowercase()) {
                    out.push(self.act_concept(noun, object), pol);
                }
            }
            _ => {}
        }
    }

    /// An infinitive's act as a concept: its act noun, with the concept of what it acts on
    /// ("expulsar a los vecinos" -> "expulsión de vecinos").
    fn act_concept(&self, noun: String, object: Option<usize>) -> String {
        match object.map(|o| concept(self.toks, &self.children, o, None, &[])) {
            Some(o) if !o.is_empty() => format!("{noun} de {o}"),
            _ => noun,
        }
    }

    /// An ending asked for, welcomed or rejected: the opposite stance toward what ends. "exigió
    /// el fin de los ataques" and "pidió el cese de X" oppose them, "rechazó el levantamiento de
    /// las sanciones" supports them, "poner fin a X" opposes X.
    fn endings(&self, out: &mut Targets) {
        let lex = lexicon();
        for n in 0..self.toks.len() {
            if !self.inside(n) || self.toks[n].upos != "NOUN" || !lex.is(&self.toks[n].lemma, "ending-noun") {
                continue;
            }
            let Some(h) = self.toks[n].head.and_then(|g| self.local(g)) else { continue };
            if self.someone_elses(h) {
                continue;
            }
            let object = matches!(self.toks[n].deprel.as_str(), "obj" | "nmod" | "obl");
            // "poner fin a X"
            if self.toks[n].deprel == "obj" && lex.is(&self.toks[h].lemma, "put-verb") && self.children[n].iter().all(|&k| self.toks[k].deprel != "det") {
                let to = self.children[n].iter().chain(&self.children[h]).copied().find(|&g| matches!(self.toks[g].deprel.as_str(), "nmod" | "obl") && g > n && self.case_of(g).as_deref() == Some("a"));
                if let Some(g) = to {
                    let pol = if self.negated(h) { Polarity::Support } else { Polarity::Oppose };
                    self.push_phrase(g, pol, out);
                }
                continue;
            }
            let governing = if !object {
                None
            } else if let Some((p, _)) = self.stance_word(h) {
                Some(p)
            } else if self.toks[h].upos == "VERB" && lex.is(&self.toks[h].lemma, "demand-verb") {
                Some(if self.negated(h) { Polarity::Oppose } else { Polarity::Support })
            } else {
                None
            };
            if let (Some(p), Some(g)) = (governing, self.ending_of(n)) {
                self.push_phrase(g, flip(p), out);
            }
        }
    }

    /// The polarity of the fixed "a favor de" / "en contra de" that opens word `k`'s phrase.
    fn side_of(&self, k: usize) -> Option<Polarity> {
        side_taken(self.toks, &self.children, self.first, k).filter(|&(_, of)| of == k).map(|(p, _)| p)
    }

    /// An act of ending asked for, welcomed or rejected ("instó a X a levantar el embargo",
    /// "exigió que detenga los ataques", "pidió acabar con la violencia"): the opposite stance
    /// toward what it ends.
    fn ending_acts(&self, out: &mut Targets) {
        let lex = lexicon();
        for v in 0..self.toks.len() {
            if !self.inside(v) || self.toks[v].upos != "VERB" || !lex.is(&self.toks[v].lemma, "ending-verb") || self.negated(v) {
                continue;
            }
            let Some(h) = self.toks[v].head.and_then(|g| self.local(g)) else { continue };
            // (what is asked for, not the purpose of something else: "propuso un plan para
            // parar la guerra" is for the plan)
            let purpose = self.children[v].iter().any(|&m| matches!(self.toks[m].deprel.as_str(), "mark" | "case") && lex.is(&self.toks[m].lemma, "purpose"));
            if purpose || !matches!(self.toks[v].deprel.split(':').next().unwrap_or(""), "xcomp" | "ccomp" | "advcl" | "obl" | "acl") {
                continue;
            }
            let governing = if Some(h) == self.cue && self.fc.cue_polarity.is_some() {
                self.stance_word(h).map(|(p, _)| p)
            } else if self.toks[h].upos == "VERB" && lex.is(&self.toks[h].lemma, "demand-verb") {
                Some(if self.negated(h) { Polarity::Oppose } else { Polarity::Support })
            } else {
                self.stance_word(h).map(|(p, _)| p)
            };
            let Some(p) = governing else { continue };
            // its object, what "con" marks ("acabar con la violencia"), or, used without an
            // object, its subject ("exigió que cesen los bombardeos")
            let with = |rel: &str| self.children[v].iter().copied().find(|&o| self.toks[o].deprel == rel);
            let ended = with("obj").or_else(|| self.children[v].iter().copied().find(|&o| self.toks[o].deprel == "obl" && self.case_of(o).as_deref() == Some("con"))).or_else(|| with("nsubj"));
            if let Some(o) = ended {
                self.push_phrase(o, flip(p), out);
            }
        }
    }

    /// Allowing denied opposes what would be allowed, the verb's object: "nunca permitiremos
    /// X", "no tolerará injerencias", "jamás reconocerá la anexión" (a passive, "nunca será
    /// reconocida como ...", and allowing itself say nothing).
    fn permissions(&self, out: &mut Targets) {
        let lex = lexicon();
        for v in 0..self.toks.len() {
            if !self.inside(v) || self.toks[v].upos != "VERB" || !lex.is(&self.toks[v].lemma, "permit-verb") || !self.negated(v) || self.someone_elses(v) {
                continue;
            }
            if let Some(o) = self.children[v].iter().copied().find(|&o| self.toks[o].deprel == "obj") {
                self.push_phrase(o, Polarity::Oppose, out);
            }
        }
    }

    /// A position for or against, by a fixed "a favor de" / "en contra de" ("votó en contra de
    /// la reforma", "se pronunció a favor de X"): that polarity toward the phrase it opens, turned
    /// round by a negation of the word it hangs on ("no está a favor de ...").
    fn sides(&self, out: &mut Targets) {
        for k in 0..self.toks.len() {
            let head = self.toks[k].head.and_then(|g| self.local(g));
            if !(self.inside(k) || head.is_some() && head == self.cue) {
                continue;
            }
            // (or, inside what is said, a verb's phrase against someone or something, right
            // after the verb: "advirtió contra X", "votó contra X"; one the parse hung on a verb
            // further on is often a noun's, "los ataques de X contra Y")
            let right_after = |h: usize| h < k && self.children[k].iter().copied().chain([k]).min().map_or(false, |f| (h + 1..f).all(|j| matches!(self.toks[j].upos.as_str(), "ADV" | "PUNCT")));
            let against = self.toks[k].deprel.starts_with("obl") && self.case_of(k).map_or(false, |c| lexicon().is(&c, "against")) && head.map_or(false, |h| self.toks[h].upos == "VERB" && right_after(h));
            let Some((pol, k)) = side_taken(self.toks, &self.children, self.first, k).or(against.then_some((Polarity::Oppose, k))) else { continue };
            if head.map_or(false, |h| self.someone_elses(h)) {
                continue;
            }
            let pol = if head.map_or(false, |h| self.negated(h)) { flip(pol) } else { pol };
            self.push_phrase(k, pol, out);
        }
    }

    /// Whom the claim judges: a word of judgments.tsv gives its polarity toward the participant
    /// it is said of.
    fn judgments(&self, out: &mut Targets) {
        let lex = lexicon();
        for i in 0..self.toks.len() {
            // (or a predicative of the cue itself: "calificó de «lamentables» las declaraciones")
            let of_cue = self.cue.is_some() && self.toks[i].head.and_then(|g| self.local(g)) == self.cue && self.toks[i].upos == "ADJ";
            if !(self.inside(i) || of_cue) || !matches!(self.toks[i].upos.as_str(), "ADJ" | "NOUN" | "VERB") {
                continue;
            }
            let Some((pol, kind)) = lex.judgment_of_word(&self.toks[i].lemma, &self.toks[i].form, &self.toks[i].upos) else { continue };
            // "no es aceptable" turns an adjective round; a denied conduct or harm judges nobody.
            let denied = self.negated(i) || self.toks[i].deprel == "amod" && self.toks[i].head.and_then(|g| self.local(g)).map_or(false, |h| self.negated(h));
            let pol = match (denied, self.toks[i].upos.as_str()) {
                (false, _) => pol,
                (true, "ADJ") => flip(pol),
                (true, _) => continue,
            };
            let head = self.toks[i].head.and_then(|g| self.local(g));
            let mut judged: Vec<String> = Vec::new();
            let mut judged_concepts: Vec<String> = Vec::new();
            match (kind, self.toks[i].upos.as_str()) {
                (Judgment::Quality, "VERB") => {
                    // "X mintió", "las cuentas falseadas por X"; not a deed denied
                    if self.denied_by_cue() {
                        continue;
                    }
                    let agent = self.children[i].iter().copied().find(|&k| self.toks[k].deprel == "obl:agent");
                    judged.extend(self.subject_of(i).or(agent).into_iter().flat_map(|s| self.phrase_of(s)));
                }
                (Judgment::Quality, _) => {
                    let mut phrases: Vec<usize> = Vec::new();
                    // (an adjective the parse hung on a verb is a predicative: "calificó de
                    // lamentables las declaraciones")
                    if self.toks[i].deprel == "amod" && head.map_or(true, |h| self.toks[h].upos != "VERB") {
                        // "las declaraciones ofensivas de X", "un socio fiable" said of X
                        if let Some(h) = head {
                            phrases.push(h);
                            phrases.extend(self.predicate_of(h));
                        }
                    } else {
                        phrases.extend(self.predicate_of(i));
                        if self.toks[i].upos == "NOUN" {
                            phrases.push(i);
                            // "X actuó con arrogancia"
                            if let Some(h) = head.filter(|&h| self.toks[i].deprel == "obl" && self.toks[h].upos == "VERB" && self.case_of(i).as_deref() == Some("con")) {
                                phrases.extend(self.subject_of(h));
                            }
                            // "X mostró su arrogancia", "X cometió crímenes"
                            if let Some(h) = head.filter(|&h| self.toks[i].deprel == "obj" && lex.is(&self.toks[h].lemma, "perform-verb")) {
                                phrases.extend(self.subject_of(h));
                            }
                        }
                    }
                    // (a predicative said of a thing, not of a participant's act: "calificó de
                    // inaceptable la detención de los periodistas", "la ocupación es ilegal")
                    let predicative = !(self.toks[i].deprel == "amod" && head.map_or(true, |h| self.toks[h].upos != "VERB"));
                    for c in phrases {
                        let named = self.phrase_of(c);
                        // (an event judged is news, not a position: "la visita fue un éxito"; words
                        // judged are their speaker's, whoever that is: "sus dichos son falsos")
                        if named.is_empty() && predicative && c != i && self.toks[c].upos == "NOUN" && self.inside(c) && !is_role_noun(&self.toks[c]) && !lex.is(&self.toks[c].lemma, "event") && !lex.is(&self.toks[c].lemma, "words-noun") {
                            judged_concepts.push(concept(self.toks, &self.children, c, None, &[]));
                        }
                        judged.extend(named);
                    }
                }
                (Judgment::Harm, _) => {
                    // "la crisis provocada por X", "X causó la destrucción de ..."
                    judged.extend(self.agent_of(i).into_iter().flat_map(|a| self.named_by(a)));
                    if let Some(h) = head.filter(|&h| self.toks[i].deprel == "obj" && lex.is(&self.toks[h].lemma, "cause-verb")) {
                        judged.extend(self.subject_of(h).into_iter().flat_map(|s| self.with_conjuncts(s)));
                    }
                }
            }
            // (the speaker's own name and state are left out by `assign`)
            for p in judged.into_iter().chain(judged_concepts) {
                out.push(p, pol);
            }
        }
    }

    /// A third party's hostile act told by the speaker ("X ha amenazado a sus vecinos"): X
    /// opposed. A verb without its own subject shares the one of the verb it is coordinated with.
    /// A verb the parse coordinated with the cue itself ("Dijo que X ha mentido y ha amenazado a
    /// Y", with "amenazado" attached to "Dijo") still tells what was said.
    fn hostile_acts(&self, out: &mut Targets) {
        let lex = lexicon();
        // The speaker's own hostile act, the cue: whom it is against ("amenazó a X", "amenazó
        // con una acción militar contra X").
        if let Some(c) = self.cue.filter(|&c| self.toks[c].upos == "VERB" && lex.is(&self.toks[c].lemma, "hostile-act") && !self.negated(c)) {
            for &k in &self.children[c] {
                let case = self.case_of(k);
                let against = |g: usize| self.case_of(g).map_or(false, |k| lex.is(&k, "against"));
                if self.toks[k].deprel == "obj" || self.toks[k].deprel == "obl" && (case.as_deref() == Some("a") || against(k)) {
                    if let Some(p) = self.participant(k) {
                        out.push(p, Polarity::Oppose);
                    }
                }
                // ("con una acción militar contra X")
                if self.toks[k].deprel == "obl" && case.as_deref() == Some("con") {
                    for &g in self.children[k].iter().filter(|&&g| self.toks[g].deprel == "nmod" && against(g)) {
                        if let Some(p) = self.participant(g) {
                            out.push(p, Polarity::Oppose);
                        }
                    }
                }
            }
        }
        if self.denied_by_cue() {
            return;
        }
        for i in 0..self.toks.len() {
            if !(self.inside(i) || self.coordinated_with_cue(i)) || self.toks[i].upos != "VERB" || !lex.is(&self.toks[i].lemma, "hostile-act") || self.negated(i) {
                continue;
            }
            let mut v = i;
            let subject = loop {
                if let Some(s) = self.children[v].iter().copied().find(|&c| self.toks[c].deprel == "nsubj") {
                    break Some(s);
                }
                match (self.toks[v].deprel.as_str(), self.toks[v].head.and_then(|g| self.local(g))) {
                    ("conj", Some(h)) if self.inside(h) => v = h,
                    // coordinated up to a verb outside what is said (a parse that attached the
                    // clause to the cue): the last subject said before it
                    ("conj", Some(_)) => break (0..i).rev().find(|&k| self.inside(k) && self.toks[k].deprel == "nsubj"),
                    _ => break None,
                }
            };
            if let Some(p) = subject.and_then(|s| self.participant(s)) {
                out.push(p, Polarity::Oppose);
            }
        }
    }
}

/// The index right after the last word of `i`'s subtree.
fn subtree_end(children: &[Vec<usize>], i: usize) -> usize {
    let mut end = i;
    let mut stack = vec![i];
    let mut seen = 0;
    while let Some(k) = stack.pop() {
        seen += 1;
        if seen > children.len() {
            break; // a malformed tree must not loop
        }
        end = end.max(k);
        stack.extend(children[k].iter().copied());
    }
    end + 1
}

/// A noun naming people by their office ("homólogos", "ministros"): an addressee, not a concept.
fn is_role_noun(t: &crate::doc::Token) -> bool {
    let lower = t.form.to_lowercase();
    lexicon().roles.iter().any(|r| r.words.len() == 1 && (r.words[0] == lower || r.words[0] == t.lemma))
}

/// A concept target: the noun with its adjectives and its first complement of a concept's
/// preposition (np-of; also one the parse hung on the verb, `lent`), lower case, without
/// articles ("resolución pacífica del conflicto" -> "resolución pacífica de conflicto"), leaving
/// out a complement that names whose act it is; none for a light noun alone ("las medidas").
fn concept(toks: &[crate::doc::Token], children: &[Vec<usize>], head: usize, leave_out: Option<usize>, lent: &[usize]) -> String {
    let mut keep = vec![head];
    for &c in children[head].iter().chain(lent).filter(|&&c| Some(c) != leave_out) {
        let rel = toks[c].deprel.as_str();
        // (a bare participle right after the noun is one of its adjectives: "una solución negociada")
        let participle = rel == "acl" && toks[c].feats.contains("VerbForm=Part") && c > head && (head + 1..c).all(|k| keep.contains(&k)) && children[c].iter().all(|&k| toks[k].deprel == "advmod");
        if rel == "amod" || participle {
            keep.push(c);
        } else if rel == "flat" && c > head {
            // the rest of a fixed noun, with the article inside it ("alto el fuego")
            keep.push(c);
            keep.extend(children[c].iter().copied().filter(|&k| k > head && k < c && toks[k].upos == "DET"));
        } else if (rel == "nmod" || lent.contains(&c))
            && keep.iter().all(|&k| k == head || toks[k].deprel != "nmod" && !lent.contains(&k))
            && children[c].iter().any(|&k| toks[k].deprel == "case" && lexicon().is(&toks[k].lemma, "np-of"))
        {
            keep.push(c);
            for &g in &children[c] {
                // (with the rest of a name: "la candidatura de Ana Gómez")
                if matches!(toks[g].deprel.as_str(), "case" | "amod" | "flat" | "flat:name") {
                    keep.push(g);
                }
            }
        }
    }
    keep.sort_unstable();
    keep.dedup();
    // a word the parse split off right after, with at most an article between ("alto el
    // fuego", "fuego" hung on the head as an apposition): the same phrase
    let last = keep.last().copied().unwrap_or(head);
    // (or as a modifier with no preposition of its own)
    let split_off = |c: usize| match toks[c].deprel.split(':').next().unwrap_or("") {
        "appos" | "flat" | "compound" | "fixed" => true,
        "nmod" => !children[c].iter().any(|&k| toks[k].deprel == "case"),
        _ => false,
    };
    if let Some(&c) = children[head].iter().chain(&children[last]).find(|&&c| c > last && toks[c].upos == "NOUN" && split_off(c) && (last + 1..c).all(|k| toks[k].upos == "DET")) {
        keep.push(c);
    }
    // "apoya las medidas": a noun this general, alone, names no concept
    if keep.len() == 1 && lexicon().is(&toks[head].lemma, "light-noun") {
        return String::new();
    }
    let words: Vec<String> = keep.iter().take(8).map(|&k| toks[k].form.to_lowercase()).collect();
    words.join(" ")
}

/// Polarity of a stance word that ends right before token `i` (up to [`MAX_GAP`] determiners or
/// adjectives between), flipped by a negation before it.
fn governor(lower: &[String], i: usize) -> Option<Polarity> {
    let lex = lexicon();
    for gap in 0..=MAX_GAP.min(i) {
        let end = i - gap;
        // The gap may hold only articles, possessives and adjectives, not verbs or punctuation.
        if (end..i).any(|k| lower[k].chars().any(|c| !c.is_alphanumeric()) || lex.reporting.contains_key(&lower[k])) {
            break;
        }
        for (words, pol) in &lex.stance_words {
            let n = words.len();
            if n <= end && lower[end - n..end].iter().zip(words).all(|(a, b)| a == b) {
                let neg = end - n >= 1 && lex.is(&lower[end - n - 1], "negation") || end - n >= 2 && lex.is(&lower[end - n - 2], "negation");
                return Some(if neg { flip(*pol) } else { *pol });
            }
        }
    }
    None
}

/// Polarity of an evaluative word or phrase starting at token `k`.
fn evaluative_at(lower: &[String], k: usize) -> Option<Polarity> {
    lexicon()
        .evaluative
        .iter()
        .find(|(w, _)| k + w.len() <= lower.len() && w.iter().enumerate().all(|(j, x)| &lower[k + j] == x))
        .map(|(_, p)| *p)
}

/// Whether preposition `case` and noun `word` open a side taken (side-phrase in
/// grammar_words.tsv: "a favor de", "en contra de").
pub(crate) fn side_opener(word: &str, case: &str) -> bool {
    lexicon().is(&format!("{case} {word} de"), "side-phrase")
}

/// A side taken at word `k`: its polarity (the side noun's in stance_lemmas.tsv) and the word
/// of the phrase it is toward. Either `k`'s own case is a fixed "a favor de" / "en contra de"
/// (the phrase is `k`'s), or `k` is "favor" / "contra" parsed as a phrase of its own after "a" /
/// "en", with the "de" phrase right after it as its complement or its head's (that phrase).
pub(crate) fn side_taken(toks: &[crate::doc::Token], children: &[Vec<usize>], first: usize, k: usize) -> Option<(Polarity, usize)> {
    let lex = lexicon();
    let rel = |i: usize| toks[i].deprel.as_str();
    let case_of = |i: usize| children[i].iter().copied().find(|&m| rel(m) == "case").map(|m| toks[m].lemma.to_lowercase());
    let polarity = |i: usize| lex.stance_lemmas.get(toks[i].lemma.to_lowercase().as_str()).map(|&(p, _)| p);
    let fixed = children[k].iter().copied().filter(|&m| matches!(rel(m), "case" | "mark")).find_map(|m| {
        let parts: Vec<usize> = children[m].iter().copied().filter(|&f| rel(f) == "fixed").collect();
        let word = parts.iter().copied().find(|&f| side_opener(&toks[f].lemma, &toks[m].lemma))?;
        parts.iter().any(|&f| toks[f].lemma == "de").then_some(word)
    });
    if let Some(word) = fixed {
        return polarity(word).map(|p| (p, k));
    }
    if rel(k) == "fixed" || !case_of(k).map_or(false, |c| side_opener(&toks[k].lemma, &c)) {
        return None;
    }
    let opens_right_after = |j: usize| children[j].iter().copied().chain([j]).min() == Some(k + 1) && case_of(j).as_deref() == Some("de");
    let head = toks[k].head.and_then(|g| g.checked_sub(first)).filter(|&h| h < toks.len());
    let of = children[k].iter().copied().find(|&j| opens_right_after(j)).or_else(|| head.and_then(|h| children[h].iter().copied().find(|&j| j > k && opens_right_after(j))))?;
    polarity(k).map(|p| (p, of))
}

fn flip(p: Polarity) -> Polarity {
    match p {
        Polarity::Support => Polarity::Oppose,
        Polarity::Oppose => Polarity::Support,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Label;

    fn stances(text: &str, ents: &[(&str, Label)]) -> Vec<(String, Vec<(String, Polarity)>)> {
        let entities = crate::claims::flat::tests::entities_at(text, ents);
        let a = crate::attribution::annotate_from_entities("t", text, entities);
        a.claims.into_iter().map(|c| (c.speaker.join("+"), c.stances.into_iter().map(|s| (s.target, s.polarity)).collect())).collect()
    }

    #[test]
    fn concepts_with_governors_and_negation() {
        let s = stances("La parte francesa se opone al proteccionismo. Francia no apoya el multilateralismo.", &[("Francia", Label::Loc)]);
        assert_eq!(s[0], ("Francia".into(), vec![("proteccionismo".into(), Polarity::Oppose)]));
        assert_eq!(s[1], ("Francia".into(), vec![("multilateralismo".into(), Polarity::Oppose)]));
    }

    #[test]
    fn entity_targets() {
        let s = stances(
            "El canciller Ivo Novak dijo que Croacia está dispuesta a trabajar con Hungría. Novak afirmó que Serbia persigue una política de hegemonía y matonismo.",
            &[("Ivo Novak", Label::Per), ("Novak", Label::Per), ("Croacia", Label::Loc), ("Hungría", Label::Loc), ("Serbia", Label::Loc)],
        );
        assert!(s[0].1.contains(&("Hungría".into(), Polarity::Support)), "{s:?}");
        assert_eq!(s[1].0, "Croacia");
        assert!(s[1].1.contains(&("Hungría".into(), Polarity::Support)));
        let last = s.last().unwrap();
        assert_eq!(last.0, "Ivo Novak");
        assert!(last.1.contains(&("Serbia".into(), Polarity::Oppose)));
    }

    #[test]
    fn no_stance_for_neutral_reporting() {
        let s = stances("La ministra Eva Lind dijo que Suecia celebrará elecciones en mayo.", &[("Eva Lind", Label::Per), ("Suecia", Label::Loc)]);
        assert_eq!(s.len(), 1);
        assert!(s[0].1.is_empty());
    }
}
