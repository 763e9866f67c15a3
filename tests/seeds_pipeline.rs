//! The whole pipeline, with the shipped model, on the three seed readouts in examples/data:
//! the model finds the names, the rules attribute the key claims.
use portavoz::{Annotation, Document, Label, Mode, Pipeline, PipelineConfig, Polarity};

fn annotate_seeds() -> Vec<Annotation> {
    let pipeline = Pipeline::new(PipelineConfig::default()).expect("shipped model");
    let docs: Vec<Document> = ["000_f769a305aa255460", "001_0ae4057f2a729d92", "004_0c1d86c61138dfca"]
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
    let has = |text: &str, label: Label| a.entities.iter().any(|e| e.text == text && e.label == label);
    assert!(has("Wang Yi", Label::Per) && has("Sergey Lavrov", Label::Per), "{:?}", a.entities);
    assert!(has("Rusia", Label::State) && has("Estados Unidos", Label::State) && has("China", Label::State));
    assert!(a.entities.iter().filter(|e| e.text == "Lavrov").all(|e| e.canonical == "Sergey Lavrov"));

    // "Anotó que ..." (zero subject) goes to Lavrov, who opposes the United States
    let anoto = a.claims.iter().find(|c| c.cue.as_deref() == Some("Anotó")).expect("Anotó claim");
    assert_eq!(anoto.speaker, vec!["Sergey Lavrov"]);
    assert!(anoto.stances.iter().any(|s| s.target == "Estados Unidos" && s.polarity == Polarity::Oppose), "{anoto:#?}");

    // "La parte rusa se opone al unilateralismo": Rusia's position
    let opone = a.claims.iter().find(|c| c.cue.as_deref() == Some("se opone")).expect("se opone claim");
    assert_eq!(opone.speaker, vec!["Rusia"]);
    assert_eq!(opone.mode, Mode::Position);
    assert!(opone.stances.iter().any(|s| s.target == "unilateralismo" && s.polarity == Polarity::Oppose));

    // offsets: code points and bytes both point at the claim's words
    let chars: Vec<char> = a.text.chars().collect();
    for c in &a.claims {
        assert_eq!(chars[c.content_start..c.content_end].iter().collect::<String>(), c.content);
        if let (Some(s), Some(e), Some(cue)) = (c.cue_start, c.cue_end, &c.cue) {
            assert_eq!(&chars[s..e].iter().collect::<String>(), cue);
        }
    }
    for e in out.iter().flat_map(|a| a.entities.iter().map(move |e| (a, e))) {
        assert_eq!(&e.0.text[e.1.byte_start..e.1.byte_end], e.1.text);
    }

    // every readout has claims from both sides of the talk
    for a in &out {
        let speakers: std::collections::BTreeSet<&str> = a.claims.iter().flat_map(|c| c.speaker.iter().map(String::as_str)).collect();
        assert!(speakers.contains("Wang Yi"), "{}: {speakers:?}", a.id);
        assert!(speakers.len() >= 2, "{}: {speakers:?}", a.id);
    }
}
