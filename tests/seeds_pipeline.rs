//! The whole pipeline, with the shipped model, on the three seed readouts in examples/data:
//! the model finds the names, the rules attribute the key claims.
use portavoz::{Annotation, Document, Label, Mode, Pipeline, PipelineConfig, Polarity};

fn annotate_seeds() -> Vec<Annotation> {
    let pipeline = Pipeline::new(PipelineConfig::default()).expect("shipped model");
    let docs: Vec<Document> = [
        "000_f769a305aa255460",
        "001_0ae4057f2a729d92",
        "004_0c1d86c61138dfca",
    ]
    .iter()
    .map(|id| {
        let path = format!("{}/examples/data/{id}.txt", env!("CARGO_MANIFEST_DIR"));
        Document::new(*id, std::fs::read_to_string(path).expect("seed readout"))
    })
    .collect();
    pipeline.annotate_batch(&docs).expect("annotated")
}

#[test]
fn seed_readouts_end_to_end() {
    let out = annotate_seeds();
    assert_eq!(out.len(), 3);
    let a = &out[0];
    assert_eq!(a.id, "000_f769a305aa255460");

    // the two ministers and the states, with canonical names
    let has = |text: &str, label: Label| {
        a.entities
            .iter()
            .any(|e| e.text == text && e.label == label)
    };
    assert!(
        has("Wang Yi", Label::Per) && has("Sergey Lavrov", Label::Per),
        "{:?}",
        a.entities
    );
    assert!(
        has("Rusia", Label::State)
            && has("Estados Unidos", Label::State)
            && has("China", Label::State)
    );
    assert!(a
        .entities
        .iter()
        .filter(|e| e.text == "Lavrov")
        .all(|e| e.canonical == "Sergey Lavrov"));

    // "Anotó que ..." (zero subject) goes to Lavrov, who opposes the United States
    let anoto = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("Anotó"))
        .expect("Anotó claim");
    assert_eq!(anoto.speaker, vec!["Sergey Lavrov"]);
    assert!(
        anoto
            .stances
            .iter()
            .any(|s| s.target == "Estados Unidos" && s.polarity == Polarity::Oppose),
        "{anoto:#?}"
    );

    // "La parte rusa se opone al unilateralismo": Rusia's position
    let opone = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("se opone"))
        .expect("se opone claim");
    assert_eq!(opone.speaker, vec!["Rusia"]);
    assert_eq!(opone.mode, Mode::Position);
    assert!(opone
        .stances
        .iter()
        .any(|s| s.target == "unilateralismo" && s.polarity == Polarity::Oppose));

    // offsets: code points and bytes both point at the claim's words
    let chars: Vec<char> = a.text.chars().collect();
    for c in &a.claims {
        assert_eq!(
            chars[c.content_start..c.content_end]
                .iter()
                .collect::<String>(),
            c.content
        );
        if let (Some(s), Some(e), Some(cue)) = (c.cue_start, c.cue_end, &c.cue) {
            assert_eq!(&chars[s..e].iter().collect::<String>(), cue);
        }
    }
    for e in out
        .iter()
        .flat_map(|a| a.entities.iter().map(move |e| (a, e)))
    {
        assert_eq!(&e.0.text[e.1.byte_start..e.1.byte_end], e.1.text);
    }

    // every readout has claims from both sides of the talk
    for a in &out {
        let speakers: std::collections::BTreeSet<&str> = a
            .claims
            .iter()
            .flat_map(|c| c.speaker.iter().map(String::as_str))
            .collect();
        assert!(speakers.contains("Wang Yi"), "{}: {speakers:?}", a.id);
        assert!(speakers.len() >= 2, "{}: {speakers:?}", a.id);
    }
}

/// A document longer than `SECTION_BYTES` is annotated section by section: every offset still
/// slices the whole text, every section has its entities and claims, and the token indices
/// (heads, sentences) point into the joined lists.
#[test]
fn a_document_longer_than_a_section_is_annotated_in_sections_with_offsets_into_the_whole_text() {
    let seeds: Vec<String> = [
        "000_f769a305aa255460",
        "001_0ae4057f2a729d92",
        "004_0c1d86c61138dfca",
    ]
    .iter()
    .map(|id| {
        std::fs::read_to_string(format!(
            "{}/examples/data/{id}.txt",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    })
    .collect();
    let mut text = String::from("Título con acentos: «cañón» — ");
    while text.len() <= portavoz::SECTION_BYTES + 20_000 {
        text.push_str(&seeds.join("\n\n"));
        text.push_str("\n\n");
    }
    let pipeline = Pipeline::new(PipelineConfig::default().tokens(true)).expect("shipped model");
    let a = pipeline
        .annotate_document(&Document::new("long", text.clone()))
        .expect("annotated");
    assert_eq!(a.text, text);
    let chars = |start: usize, end: usize| -> String {
        text.chars().skip(start).take(end - start).collect()
    };
    for e in a.entities.iter().step_by(37).chain(a.entities.last()) {
        assert_eq!(&text[e.byte_start..e.byte_end], e.text);
        assert_eq!(chars(e.start, e.end), e.text);
    }
    for c in a.claims.iter().step_by(11).chain(a.claims.last()) {
        assert_eq!(chars(c.content_start, c.content_end), c.content);
    }
    // the later sections were annotated too, with their offsets moved
    assert!(a
        .entities
        .iter()
        .any(|e| e.byte_start > portavoz::SECTION_BYTES + 1_000));
    assert!(a
        .claims
        .iter()
        .any(|c| c.speaker.iter().any(|s| s == "Sergey Lavrov")));
    // tokens: one list, heads inside their own sentence, sentences in order
    assert!(a
        .sentences
        .windows(2)
        .all(|p| p[0].first_token + p[0].token_count == p[1].first_token
            && p[0].byte_end <= p[1].byte_start));
    for (i, t) in a.tokens.iter().enumerate().step_by(101) {
        let s = &a.sentences[t.sentence];
        assert!((s.first_token..s.first_token + s.token_count).contains(&i));
        if let Some(h) = t.head {
            assert!(
                (s.first_token..s.first_token + s.token_count).contains(&h),
                "token {i} head {h} outside sentence {}",
                t.sentence
            );
        }
        assert!(text[t.byte_start..t.byte_end] == *t.multiword.as_deref().unwrap_or(&t.form));
    }
}
