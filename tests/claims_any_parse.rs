//! The claim and stance rules on parses written by hand, in the structures another parser gives
//! (UD conventions the shipped heads do not use, or their attachment errors): the rules must
//! read grammar, not one parser's habits. Each sentence is invented; each parse is given as
//! `form lemma UPOS FEATS HEAD DEPREL [entity]` lines (HEAD 1-based, 0 for the root), and the
//! document is read by the rule layer alone (`attribution::annotate`), no model involved.
use portavoz::text::{OffsetMap, Span};
use portavoz::{Annotation, Claim, Doc, DocSentence, Entity, Label, Polarity, Token};

/// A one-paragraph document of one or more sentences (blank line between them), words joined by
/// spaces. A word's optional seventh column is its entity tag (`B-PER`, `I-PER`, `B-LOC` ...).
fn doc(parse: &str) -> Doc {
    let mut text = String::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut sentences: Vec<DocSentence> = Vec::new();
    for block in parse.trim().split("\n\n") {
        let first = tokens.len();
        let sentence_start = text.len();
        for line in block.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert!(cols.len() >= 6, "bad line {line:?}");
            if !text.is_empty() {
                text.push(' ');
            }
            let byte_start = text.len();
            text.push_str(cols[0]);
            let head: usize = cols[4].parse().expect("head");
            tokens.push(Token {
                form: cols[0].into(),
                lemma: cols[1].into(),
                upos: cols[2].into(),
                feats: cols[3].into(),
                head: (head > 0).then(|| first + head - 1),
                deprel: cols[5].into(),
                start: 0,
                end: 0,
                byte_start,
                byte_end: text.len(),
                sentence: sentences.len(),
                multiword: None,
                entity: cols.get(6).copied().unwrap_or("O").into(),
            });
        }
        sentences.push(DocSentence {
            paragraph: 0,
            start: 0,
            end: 0,
            byte_start: sentence_start + usize::from(sentence_start > 0),
            byte_end: text.len(),
            first_token: first,
            token_count: tokens.len() - first,
        });
    }
    let offsets = OffsetMap::new(&text);
    for t in &mut tokens {
        let span = offsets.span_from_bytes(t.byte_start, t.byte_end);
        (t.start, t.end) = (span.start, span.end);
    }
    for s in &mut sentences {
        let span = offsets.span_from_bytes(s.byte_start, s.byte_end);
        (s.start, s.end) = (span.start, span.end);
    }
    let mut entities = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        if let Some(label) = tokens[k].entity.strip_prefix("B-").and_then(Label::parse) {
            let mut end = k + 1;
            while end < tokens.len() && tokens[end].entity.starts_with("I-") {
                end += 1;
            }
            let (b0, b1) = (tokens[k].byte_start, tokens[end - 1].byte_end);
            let span = offsets.span_from_bytes(b0, b1);
            entities.push(Entity {
                text: text[b0..b1].to_string(),
                label,
                start: span.start,
                end: span.end,
                byte_start: b0,
                byte_end: b1,
                score: 1.0,
                canonical: text[b0..b1].to_string(),
            });
            k = end;
        } else {
            k += 1;
        }
    }
    let paragraph: Span = offsets.span_from_bytes(0, text.len());
    Doc { text, offsets, paragraphs: vec![paragraph], sentences, tokens, entities }
}

fn annotate(parse: &str) -> Annotation {
    portavoz::attribution::annotate("hand-parsed", &doc(parse))
}

fn claim<'a>(a: &'a Annotation, cue: &str) -> &'a Claim {
    a.claims
        .iter()
        .find(|c| c.cue.as_deref().map_or(false, |q| q.ends_with(cue) || q.starts_with(cue)))
        .unwrap_or_else(|| panic!("no claim with cue {cue:?} in {:#?}", a.claims))
}

fn has_stance(c: &Claim, target: &str, polarity: Polarity) -> bool {
    c.stances.iter().any(|s| s.target.contains(target) && s.polarity == polarity)
}

#[test]
fn the_helper_builds_what_the_rules_read() {
    let a = annotate(
        "Jan Jan PROPN _ 3 nsubj B-PER
         Holm Holm PROPN _ 1 flat:name I-PER
         dijo decir VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 6 mark
         Noruega Noruega PROPN _ 6 nsubj B-LOC
         apoya apoyar VERB Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 3 ccomp
         el el DET _ 8 det
         tratado tratado NOUN Gender=Masc|Number=Sing 6 obj
         . . PUNCT _ 3 punct",
    );
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Jan Holm"]);
    assert_eq!(c.content, "Noruega apoya el tratado");
    assert!(has_stance(c, "tratado", Polarity::Support), "{:?}", c.stances);
}

#[test]
fn a_relative_quien_whose_clause_hangs_on_the_reporting_verb() {
    // "..., dijo Holm, quien añadió que ...", with "añadió" made the complement of "dijo"
    let a = annotate(
        "« « PUNCT _ 2 punct
         Volveremos volver VERB Mood=Ind|Number=Plur|Person=1|Tense=Fut|VerbForm=Fin 5 ccomp
         » » PUNCT _ 2 punct
         , , PUNCT _ 2 punct
         dijo decir VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         Holm Holm PROPN _ 5 nsubj B-PER
         , , PUNCT _ 8 punct
         quien quien PRON Number=Sing|PronType=Rel 9 nsubj
         añadió añadir VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 5 ccomp
         que que SCONJ _ 14 mark
         la el DET _ 12 det
         temporada temporada NOUN Gender=Fem|Number=Sing 14 nsubj
         fue ser AUX Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 14 cop
         buena bueno ADJ Gender=Fem|Number=Sing 9 ccomp
         . . PUNCT _ 5 punct",
    );
    let c = claim(&a, "añadió");
    assert_eq!(c.speaker, vec!["Holm"]);
}

#[test]
fn a_noun_after_the_verbs_que_is_not_its_subject() {
    // "la reunión" made a second subject of "confirmó"
    let a = annotate(
        "la el DET _ 2 det
         Secretaría secretaría NOUN Gender=Fem|Number=Sing 7 nsubj B-ORG
         de de ADP _ 4 case I-ORG
         Pesca pesca PROPN _ 2 nmod I-ORG
         de de ADP _ 6 case I-ORG
         Noruega Noruega PROPN _ 2 nmod I-ORG
         confirmó confirmar VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 12 mark
         la el DET _ 10 det
         reunión reunión NOUN Gender=Fem|Number=Sing 7 nsubj
         fue ser AUX Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 12 cop
         útil útil ADJ Number=Sing 7 ccomp
         . . PUNCT _ 7 punct",
    );
    assert_eq!(claim(&a, "confirmó").speaker, vec!["Secretaría de Pesca de Noruega"]);
}

#[test]
fn a_subject_the_verb_does_not_agree_with_is_its_object() {
    // "las declaraciones" (plural) made the subject of "ha calificado" (singular)
    let a = annotate(
        "Ida Ida PROPN _ 4 nsubj B-PER
         Lund Lund PROPN _ 1 flat:name I-PER
         ha haber AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 4 aux
         calificado calificar VERB Gender=Masc|Number=Sing|Tense=Past|VerbForm=Part 0 root
         de de ADP _ 6 case
         lamentables lamentable ADJ Number=Plur 4 obl
         las el DET _ 8 det
         declaraciones declaración NOUN Gender=Fem|Number=Plur 4 nsubj
         de de ADP _ 10 case
         Holm Holm PROPN _ 8 nmod B-PER
         . . PUNCT _ 4 punct",
    );
    let c = claim(&a, "calificado");
    assert_eq!(c.speaker, vec!["Ida Lund"]);
    assert!(has_stance(c, "Holm", Polarity::Oppose), "{:?}", c.stances);
}

#[test]
fn a_partner_hung_above_the_infinitive_is_the_infinitives() {
    // "dispuesta a trabajar con Suecia", "con Suecia" made a complement of "dispuesta"
    let a = annotate(
        "Noruega Noruega PROPN _ 3 nsubj B-LOC
         está estar AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 3 aux
         dispuesta disponer VERB Gender=Fem|Number=Sing|Tense=Past|VerbForm=Part 0 root
         a a ADP _ 5 mark
         trabajar trabajar VERB VerbForm=Inf 3 xcomp
         con con ADP _ 7 case
         Suecia Suecia PROPN _ 3 obl B-LOC
         para para ADP _ 9 case
         proteger proteger VERB VerbForm=Inf 3 xcomp
         los el DET _ 11 det
         bosques bosque NOUN Gender=Masc|Number=Plur 9 obj
         . . PUNCT _ 3 punct",
    );
    let c = claim(&a, "dispuesta");
    assert_eq!(c.speaker, vec!["Noruega"]);
    assert!(has_stance(c, "Suecia", Polarity::Support), "{:?}", c.stances);
    assert!(c.content.contains("proteger los bosques"), "{}", c.content);
}

#[test]
fn a_contra_phrase_hung_on_the_verb_after_its_object_is_the_objects() {
    let a = annotate(
        "Noruega Noruega PROPN _ 3 nsubj B-LOC
         no no ADV Polarity=Neg 3 advmod
         aprueba aprobar VERB Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 0 root
         las el DET _ 5 det
         intervenciones intervención NOUN Gender=Fem|Number=Plur 3 obj
         militares militar ADJ Number=Plur 5 amod
         contra contra ADP _ 8 case
         Islandia Islandia PROPN _ 3 obl B-LOC
         . . PUNCT _ 3 punct",
    );
    let c = claim(&a, "aprueba");
    assert!(has_stance(c, "intervenciones militares", Polarity::Oppose), "{:?}", c.stances);
    assert!(!has_stance(c, "Islandia", Polarity::Oppose), "{:?}", c.stances);
}

#[test]
fn what_the_parse_hung_on_the_cue_after_its_que_clause_is_content() {
    // "que es necesario oponerse a X", "oponerse" made a complement of "enfatizó"
    let a = annotate(
        "Holm Holm PROPN _ 2 nsubj B-PER
         enfatizó enfatizar VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 5 mark
         es ser AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 5 cop
         necesario necesario ADJ Gender=Masc|Number=Sing 2 ccomp
         oponerse oponer VERB VerbForm=Inf 2 xcomp
         a a ADP _ 9 case
         las el DET _ 9 det
         acciones acción NOUN Gender=Fem|Number=Plur 6 obl
         de de ADP _ 11 case
         Islandia Islandia PROPN _ 9 nmod B-LOC
         . . PUNCT _ 2 punct",
    );
    let c = claim(&a, "enfatizó");
    assert!(c.content.contains("oponerse a las acciones"), "{}", c.content);
    assert!(has_stance(c, "Islandia", Polarity::Oppose), "{:?}", c.stances);
}

#[test]
fn an_opening_al_infinitive_hung_in_the_reported_clause_has_the_main_subject() {
    // "indicar" made a modifier of "firmará", the verb of what Holm said ("Al" is "a" + "el")
    let a = annotate(
        "A a ADP _ 3 mark
         el el DET _ 3 det
         indicar indicar VERB VerbForm=Inf 15 advcl
         que que SCONJ _ 8 mark
         la el DET _ 6 det
         temporada temporada NOUN Gender=Fem|Number=Sing 8 nsubj
         seguirá seguir AUX Mood=Ind|Number=Sing|Person=3|Tense=Fut|VerbForm=Fin 8 cop
         abierta abierto ADJ Gender=Fem|Number=Sing 3 ccomp
         , , PUNCT _ 3 punct
         Jan Jan PROPN _ 12 nsubj B-PER
         Holm Holm PROPN _ 10 flat:name I-PER
         dijo decir VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 15 mark
         Noruega Noruega PROPN _ 15 nsubj B-LOC
         firmará firmar VERB Mood=Ind|Number=Sing|Person=3|Tense=Fut|VerbForm=Fin 12 ccomp
         . . PUNCT _ 12 punct",
    );
    assert_eq!(claim(&a, "indicar").speaker, vec!["Jan Holm"]);
}

#[test]
fn a_quoted_verb_coordinated_with_the_verb_outside_goes_with_the_quotation() {
    // «el Gobierno de Noruega ha tenido ... y ha subrayado que ...», "subrayado" made a conjunct
    // of "enfatizó", outside the quotation
    let a = annotate(
        "Holm Holm PROPN _ 2 nsubj B-PER
         enfatizó enfatizar VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 10 mark
         « « PUNCT _ 10 punct
         el el DET _ 6 det
         Gobierno gobierno NOUN Gender=Masc|Number=Sing 10 nsubj
         de de ADP _ 8 case
         Noruega Noruega PROPN _ 6 nmod B-LOC
         ha haber AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 10 aux
         tenido tener VERB Gender=Masc|Number=Sing|Tense=Past|VerbForm=Part 2 ccomp
         una uno DET _ 12 det
         posición posición NOUN Gender=Fem|Number=Sing 10 obj
         clara claro ADJ Gender=Fem|Number=Sing 12 amod
         y y CCONJ _ 16 cc
         ha haber AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 16 aux
         subrayado subrayar VERB Gender=Masc|Number=Sing|Tense=Past|VerbForm=Part 2 conj
         que que SCONJ _ 19 mark
         la el DET _ 19 det
         salida salida NOUN Gender=Fem|Number=Sing 20 nsubj
         pasa pasar VERB Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 16 ccomp
         por por ADP _ 23 case
         el el DET _ 23 det
         diálogo diálogo NOUN Gender=Masc|Number=Sing 20 obl
         » » PUNCT _ 10 punct
         . . PUNCT _ 2 punct",
    );
    let c = claim(&a, "subrayado");
    assert_eq!(c.speaker, vec!["Noruega"]);
}

#[test]
fn a_gerund_set_off_at_the_end_of_what_someone_said_is_the_sayers() {
    // ", acusando a X", the gerund hung on an adjective inside the reported clause
    let a = annotate(
        "Holm Holm PROPN _ 2 nsubj B-PER
         dijo decir VERB Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
         que que SCONJ _ 5 mark
         Noruega Noruega PROPN _ 5 nsubj B-LOC
         seguirá seguir VERB Mood=Ind|Number=Sing|Person=3|Tense=Fut|VerbForm=Fin 2 ccomp
         el el DET _ 7 det
         tiempo tiempo NOUN Gender=Masc|Number=Sing 5 obj
         que que PRON PronType=Rel 10 nsubj
         sea ser AUX Mood=Sub|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 10 cop
         necesario necesario ADJ Gender=Masc|Number=Sing 7 acl:relcl
         , , PUNCT _ 12 punct
         acusando acusar VERB VerbForm=Ger 10 acl
         a a ADP _ 14 case
         Islandia Islandia PROPN _ 12 obl B-LOC
         de de ADP _ 16 mark
         violar violar VERB VerbForm=Inf 12 xcomp
         el el DET _ 18 det
         acuerdo acuerdo NOUN Gender=Masc|Number=Sing 16 obj
         . . PUNCT _ 2 punct",
    );
    let c = claim(&a, "acusando");
    assert_eq!(c.speaker, vec!["Holm"]);
    assert!(has_stance(c, "Islandia", Polarity::Oppose), "{:?}", c.stances);
}

#[test]
fn agreeing_deeply_with_the_adverb_as_predicate_is_a_position() {
    // "está profundamente de acuerdo con la propuesta", the adverb holding the copula
    let a = annotate(
        "Noruega Noruega PROPN _ 3 nsubj B-LOC
         está estar AUX Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 3 cop
         profundamente profundamente ADV _ 0 root
         de de ADP _ 5 case
         acuerdo acuerdo NOUN Gender=Masc|Number=Sing 3 obl
         con con ADP _ 8 case
         la el DET _ 8 det
         propuesta propuesta NOUN Gender=Fem|Number=Sing 3 obl
         . . PUNCT _ 3 punct",
    );
    let c = claim(&a, "acuerdo");
    assert_eq!(c.speaker, vec!["Noruega"]);
    assert!(c.content.contains("la propuesta"), "{}", c.content);
}
