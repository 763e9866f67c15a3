//! A bounded fuzz run over the segmenter and the whole rule layer (gazetteer, mentions,
//! claims, stance), with no model: arbitrary Unicode text (Spanish words, names and cues,
//! quotes, abbreviations, combining accents, zero-width characters, emoji, U+FEFF, other
//! scripts, control characters) with arbitrary entity spans (valid, empty, overlapping, out
//! of range, inside a character) must never panic, and every offset of the output must slice
//! the text to the string it reports.
//!
//! `PORTAVOZ_FUZZ_CASES` sets the number of cases (default 50,000), `PORTAVOZ_FUZZ_SEED` the
//! first seed; a failure prints the seed of its case, so it can be replayed with
//! `PORTAVOZ_FUZZ_SEED=<seed> PORTAVOZ_FUZZ_CASES=1`.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use portavoz::attribution::annotate_from_entities;
use portavoz::segment::{segment, Segmentation};
use portavoz::{Annotation, Entity, Label};

/// xorshift64*: small, fast and reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "Marín",
    "Ignacio",
    "Lin Hao",
    "Gutiérrez",
    "Rusia",
    "China",
    "Estados Unidos",
    "EE. UU.",
    "Unión Europea",
    "Venezuela",
    "Pekín",
    "Moscú",
    "dijo",
    "afirmó",
    "enfatizó",
    "señaló",
    "según",
    "rechaza",
    "apoya",
    "condenó",
    "se opone al",
    "aboga por",
    "que",
    "el",
    "la",
    "los",
    "de",
    "del",
    "en",
    "y",
    "no",
    "ministro",
    "canciller",
    "la parte rusa",
    "ambas partes",
    "el Gobierno de",
    "Sr.",
    "núm.",
    "unilateralismo",
    "diálogo",
    "sanciones",
    "presidente",
    "J.",
    "3.5",
    "2024",
    "ruso",
    "china",
    "—dijo",
    "declaró",
];
const MARKS: &[&str] = &[
    " ", " ", " ", "  ", ", ", ". ", ".", "? ", "! ", "… ", ": ", "; ", "\n", "\n\n", "«", "»",
    "“", "”", "\"", "'", "(", ")", "¿", "¡", "—", "–", "-", "\t", "\r\n",
];
const ODD: &[&str] = &[
    "\u{301}",
    "\u{303}",
    "\u{200D}",
    "\u{200B}",
    "\u{200C}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{AD}",
    "😀",
    "👍🏽",
    "🇷🇺",
    "👨\u{200D}👩\u{200D}👧",
    "漢字",
    "العربية",
    "ελληνικά",
    "\u{0}",
    "\u{7}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\u{A0}",
    "\u{3000}",
    "\u{FFFD}",
    "\u{10FFFF}",
    "ß",
    "İ",
    "ﬁ",
    "Å",
    "\u{1F3FB}",
];

/// A text of `pieces` random pieces.
fn random_text(rng: &mut Rng) -> String {
    let pieces = rng.below(60);
    let mut text = String::new();
    for _ in 0..pieces {
        match rng.below(10) {
            0..=4 => text.push_str(*rng.pick(WORDS)),
            5..=7 => text.push_str(*rng.pick(MARKS)),
            8 => text.push_str(*rng.pick(ODD)),
            _ => text.push(random_char(rng)),
        }
    }
    text
}

/// Any Unicode scalar value, biased toward the first planes.
fn random_char(rng: &mut Rng) -> char {
    let limit = *rng.pick(&[0x80u32, 0x800, 0x3000, 0x11_0000]);
    loop {
        if let Some(c) = char::from_u32(rng.below(limit as usize) as u32) {
            return c;
        }
    }
}

const LABELS: [Label; 5] = [
    Label::Per,
    Label::Loc,
    Label::Org,
    Label::Misc,
    Label::State,
];

/// Entity spans over `text`: mostly on character boundaries (possibly empty, overlapping,
/// over spaces and punctuation), some with offsets that are out of range, inside a character,
/// reversed, or whose code point offsets disagree with their byte offsets.
fn random_entities(rng: &mut Rng, text: &str) -> Vec<Entity> {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    let count = rng.below(8);
    (0..count)
        .map(|_| {
            let (mut b0, mut b1) = (*rng.pick(&bounds), *rng.pick(&bounds));
            if b0 > b1 {
                std::mem::swap(&mut b0, &mut b1);
            }
            match rng.below(12) {
                0 => b1 += 1 + rng.below(5),
                1 => std::mem::swap(&mut b0, &mut b1),
                2 => b0 = b0.saturating_add(1),
                _ => {}
            }
            let chars = |b: usize| {
                text.get(..b.min(text.len()))
                    .map_or(b, |s| s.chars().count())
            };
            let (mut start, end) = (chars(b0), chars(b1));
            if rng.below(12) == 0 {
                start += rng.below(4);
            }
            let slice = text.get(b0..b1).unwrap_or("").to_string();
            Entity {
                text: if rng.below(10) == 0 {
                    "otra cosa".into()
                } else {
                    slice.clone()
                },
                label: *rng.pick(&LABELS),
                start,
                end,
                byte_start: b0,
                byte_end: b1,
                score: rng.below(1000) as f32 / 1000.0,
                canonical: if rng.below(4) == 0 {
                    rng.pick(WORDS).to_string()
                } else {
                    slice
                },
            }
        })
        .collect()
}

/// The code points `start..end` of `text`, if in range.
fn char_slice(text: &str, start: usize, end: usize) -> Option<String> {
    (start <= end && end <= text.chars().count())
        .then(|| text.chars().skip(start).take(end - start).collect())
}

fn check_segmentation(text: &str, seg: &Segmentation) -> Result<(), String> {
    let mut previous_end = 0;
    for (i, s) in seg.sentences.iter().enumerate() {
        let span = s.span;
        let bytes = text
            .get(span.byte_start..span.byte_end)
            .ok_or(format!("sentence {i}: bytes {span:?} do not slice"))?;
        if char_slice(text, span.start, span.end).as_deref() != Some(bytes) {
            return Err(format!(
                "sentence {i}: code points and bytes disagree: {span:?}"
            ));
        }
        if span.byte_start < previous_end || span.is_empty() {
            return Err(format!(
                "sentence {i}: empty, or overlaps the one before: {span:?}"
            ));
        }
        if s.paragraph >= seg.paragraphs.len() {
            return Err(format!(
                "sentence {i}: paragraph {} does not exist",
                s.paragraph
            ));
        }
        previous_end = span.byte_end;
    }
    for (i, p) in seg.paragraphs.iter().enumerate() {
        let bytes = text
            .get(p.byte_start..p.byte_end)
            .ok_or(format!("paragraph {i}: bytes do not slice"))?;
        if char_slice(text, p.start, p.end).as_deref() != Some(bytes) {
            return Err(format!("paragraph {i}: code points and bytes disagree"));
        }
    }
    Ok(())
}

fn check_annotation(text: &str, a: &Annotation) -> Result<(), String> {
    if a.text != text {
        return Err("the annotation's text is not the input text".into());
    }
    for (i, e) in a.entities.iter().enumerate() {
        let bytes = text.get(e.byte_start..e.byte_end).ok_or(format!(
            "entity {i}: bytes {}..{} do not slice",
            e.byte_start, e.byte_end
        ))?;
        if bytes != e.text {
            return Err(format!(
                "entity {i}: bytes give {bytes:?}, the entity says {:?}",
                e.text
            ));
        }
        if char_slice(text, e.start, e.end).as_deref() != Some(bytes) {
            return Err(format!(
                "entity {i}: code points {}..{} do not give {bytes:?}",
                e.start, e.end
            ));
        }
        if e.text.is_empty() || e.canonical.is_empty() {
            return Err(format!("entity {i}: empty text or canonical name"));
        }
    }
    for (i, c) in a.claims.iter().enumerate() {
        if char_slice(text, c.content_start, c.content_end).as_deref() != Some(c.content.as_str()) {
            return Err(format!(
                "claim {i}: content {}..{} does not give {:?}",
                c.content_start, c.content_end, c.content
            ));
        }
        match (&c.cue, c.cue_start, c.cue_end) {
            (None, None, None) => {}
            (Some(cue), Some(s), Some(e))
                if char_slice(text, s, e).as_deref() == Some(cue.as_str()) => {}
            other => {
                return Err(format!(
                    "claim {i}: cue and its offsets disagree: {other:?}"
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn arbitrary_text_and_spans_never_panic_and_every_offset_slices() {
    let cases: u64 = std::env::var("PORTAVOZ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let first_seed: u64 = std::env::var("PORTAVOZ_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let started = Instant::now();
    let (mut entities_out, mut claims_out) = (0usize, 0usize);
    for seed in first_seed..first_seed + cases {
        let mut rng = Rng::new(seed);
        let text = random_text(&mut rng);
        let entities = random_entities(&mut rng, &text);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let seg = segment(&text);
            check_segmentation(&text, &seg)?;
            let annotation = annotate_from_entities("fuzz", &text, entities.clone());
            check_annotation(&text, &annotation)?;
            Ok::<_, String>((annotation.entities.len(), annotation.claims.len()))
        }));
        match outcome {
            Ok(Ok((e, c))) => {
                entities_out += e;
                claims_out += c;
            }
            Ok(Err(problem)) => {
                panic!("seed {seed}: {problem}\ntext: {text:?}\nentities: {entities:?}")
            }
            Err(_) => panic!("seed {seed}: panicked\ntext: {text:?}\nentities: {entities:?}"),
        }
    }
    eprintln!(
        "fuzz: {cases} cases in {:.2} s ({entities_out} entities and {claims_out} claims checked)",
        started.elapsed().as_secs_f64()
    );
    assert!(claims_out > 0, "the generator makes claims too");
}

const UPOS: &[&str] = &[
    "NOUN", "PROPN", "VERB", "AUX", "ADJ", "ADP", "DET", "PRON", "ADV", "SCONJ", "CCONJ", "PUNCT",
    "NUM", "_",
];
const DEPRELS: &[&str] = &[
    "root",
    "nsubj",
    "nsubj:pass",
    "obj",
    "iobj",
    "obl",
    "obl:agent",
    "obl:tmod",
    "ccomp",
    "xcomp",
    "advcl",
    "acl",
    "acl:relcl",
    "conj",
    "cc",
    "appos",
    "nmod",
    "amod",
    "det",
    "case",
    "mark",
    "cop",
    "aux",
    "aux:pass",
    "expl:pv",
    "parataxis",
    "punct",
    "flat",
    "advmod",
    "nummod",
    "fixed",
    "compound:prt",
    "_",
];
const FEATS: &[&str] = &[
    "_",
    "Number=Sing",
    "Number=Plur",
    "Gender=Fem|Number=Sing",
    "Gender=Masc",
    "Mood=Ind|Number=Sing|Person=3|VerbForm=Fin",
    "Mood=Ind|Number=Plur|Person=3|VerbForm=Fin",
    "Mood=Sub|Person=3|VerbForm=Fin",
    "VerbForm=Ger",
    "VerbForm=Inf",
    "VerbForm=Part|Gender=Fem",
    "PronType=Rel",
    "PronType=Prs",
    "Person=1|VerbForm=Fin",
    "Polarity=Neg",
    "Gender=|=",
];
const LEMMAS: &[&str] = &[
    "decir",
    "afirmar",
    "pidir",
    "decer",
    "según",
    "que",
    "no",
    "rechazar",
    "apoyar",
    "disponer",
    "dispuesto",
    "estar",
    "acuerdo",
    "hacer",
    "hincapié",
    "celebrar",
    "reunión",
    "disposición",
    "mantener",
    "ambos",
    "dos",
    "comunicado",
    "ministro",
    "canciller",
    "quien",
    "se",
    "amenaza",
    "con",
    "contra",
    "lazo",
    "fortalecer",
    "gobierno",
    "Gobierno",
    "presidencia",
    "",
];

/// The rules on an arbitrary parse: random heads (cycles, self-loops, out of range, across
/// sentences), relations, parts of speech, features and lemmas, over arbitrary text and
/// entities. They must never panic or loop, and every offset must still slice the text.
#[test]
fn arbitrary_parses_never_panic_and_every_offset_slices() {
    let cases: u64 = std::env::var("PORTAVOZ_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(20_000, |n: u64| n.min(20_000));
    let first_seed: u64 = std::env::var("PORTAVOZ_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let started = Instant::now();
    let mut claims_out = 0usize;
    for seed in first_seed..first_seed + cases {
        let mut rng = Rng::new(seed ^ 0xD0C);
        let text = random_text(&mut rng);
        let entities = random_entities(&mut rng, &text);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut doc = portavoz::Doc::from_entities(&text, entities.clone());
            let n = doc.tokens.len();
            for (i, t) in doc.tokens.iter_mut().enumerate() {
                t.upos = rng.pick(UPOS).to_string();
                t.deprel = rng.pick(DEPRELS).to_string();
                t.feats = rng.pick(FEATS).to_string();
                if rng.below(2) == 0 {
                    t.lemma = rng.pick(LEMMAS).to_string();
                    if rng.below(2) == 0 {
                        t.upos = "VERB".into();
                    }
                }
                // Mostly near heads, as in a real tree; some anywhere, out of range or none.
                t.head = match rng.below(10) {
                    0 => None,
                    1 => Some(n + rng.below(5)),
                    2 | 3 => Some(rng.below(n.max(1))),
                    _ => Some(
                        (i + rng.below(11))
                            .saturating_sub(5)
                            .min(n.saturating_sub(1)),
                    ),
                };
            }
            let annotation = portavoz::attribution::annotate("fuzz", &doc);
            check_annotation(&text, &annotation)?;
            Ok::<_, String>(annotation.claims.len())
        }));
        match outcome {
            Ok(Ok(c)) => claims_out += c,
            Ok(Err(problem)) => {
                panic!("seed {seed}: {problem}\ntext: {text:?}\nentities: {entities:?}")
            }
            Err(_) => panic!("seed {seed}: panicked\ntext: {text:?}\nentities: {entities:?}"),
        }
    }
    eprintln!(
        "fuzz (parsed): {cases} cases in {:.2} s ({claims_out} claims checked)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        claims_out > 0,
        "the generator makes claims on the parse too"
    );
}
