//! The rule layer on the three seed readouts (examples/data), with entities from a small
//! hand-written list of names (no model): key claims must come out with the right speakers.
use portavoz::attribution::annotate_from_entities;
use portavoz::text::OffsetMap;
use portavoz::{Annotation, Entity, Label, Mode, Polarity};

/// Every occurrence of each name becomes an entity with the model's kind of label.
fn annotate(file: &str, names: &[(&str, Label)]) -> Annotation {
    let path = format!("{}/examples/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("seed readout");
    let map = OffsetMap::new(&text);
    let mut ents: Vec<Entity> = Vec::new();
    for &(name, label) in names {
        for (b, _) in text.match_indices(name) {
            if ents
                .iter()
                .any(|e| e.byte_start < b + name.len() && b < e.byte_end)
            {
                continue;
            }
            let s = map.span_from_bytes(b, b + name.len());
            ents.push(Entity {
                text: name.into(),
                label,
                start: s.start,
                end: s.end,
                byte_start: b,
                byte_end: b + name.len(),
                score: 1.0,
                canonical: name.into(),
            });
        }
    }
    annotate_from_entities(file, &text, ents)
}

fn claim<'a>(a: &'a Annotation, content_prefix: &str) -> &'a portavoz::Claim {
    a.claims
        .iter()
        .find(|c| c.content.starts_with(content_prefix))
        .unwrap_or_else(|| panic!("no claim starting {content_prefix:?}: {:#?}", a.claims))
}

#[test]
fn seed_000_zero_subject_party_and_stances() {
    let a = annotate(
        "000_f769a305aa255460.txt",
        &[
            ("Sergey Lavrov", Label::Per),
            ("Wang Yi", Label::Per),
            ("Estados Unidos", Label::Loc),
            ("China", Label::Loc),
            ("Rusia", Label::Loc),
            ("Unión Económica Euroasiática", Label::Org),
            ("Consejo de Seguridad de las Naciones Unidas", Label::Org),
            ("Consejo de Seguridad", Label::Org),
        ],
    );
    // "Anotó que ..." goes to the current speaker.
    let anoto = claim(&a, "la parte norteamericana");
    assert_eq!(anoto.cue.as_deref(), Some("Anotó"));
    assert_eq!(anoto.speaker, vec!["Sergey Lavrov"]);
    assert!(anoto
        .stances
        .iter()
        .any(|s| s.target == "Estados Unidos" && s.polarity == Polarity::Oppose));
    // "La parte rusa se opone al unilateralismo" -> Rusia opposes unilateralismo.
    let opone = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("se opone"))
        .expect("se opone");
    assert_eq!(opone.speaker, vec!["Rusia"]);
    assert_eq!(opone.mode, Mode::Position);
    assert!(opone
        .stances
        .iter()
        .any(|s| s.target == "unilateralismo" && s.polarity == Polarity::Oppose));
    // Wang Yi's criticism of the United States.
    let enf = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("enfatizó"))
        .unwrap();
    assert_eq!(enf.speaker, vec!["Wang Yi"]);
    assert!(
        enf.stances
            .iter()
            .any(|s| s.target == "Estados Unidos" && s.polarity == Polarity::Oppose),
        "{enf:#?}"
    );
    // A continuation sentence of Wang Yi's paragraph.
    let cont = claim(&a, "Las dos partes deben implementar");
    assert_eq!(
        (cont.mode, cont.speaker.as_slice()),
        (Mode::Continuation, &["Wang Yi".to_string()][..])
    );
    // The narrator's last paragraph is no claim.
    assert!(!a
        .claims
        .iter()
        .any(|c| c.content.contains("intercambio profundo")));
    // Entities: states relabelled.
    assert!(a
        .entities
        .iter()
        .filter(|e| e.text == "Rusia")
        .all(|e| e.label == Label::State));
}

#[test]
fn seed_001_joint_positions_and_direct_quote() {
    let a = annotate(
        "001_0ae4057f2a729d92.txt",
        &[
            ("Sergey Lavrov", Label::Per),
            ("Lavrov", Label::Per),
            ("Wang Yi", Label::Per),
            ("Vladímir Putin", Label::Per),
            ("Xi Jinping", Label::Per),
            ("República Popular China", Label::Loc),
            ("Federación de Rusia", Label::Loc),
            ("Estados Unidos", Label::Loc),
            ("China", Label::Loc),
            ("Rusia", Label::Loc),
        ],
    );
    let sat = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("se mostraron satisfechos"))
        .expect("joint position");
    let mut sp = sat.speaker.clone();
    sp.sort();
    assert_eq!(sp, vec!["Sergey Lavrov", "Wang Yi"]);
    let quote = claim(&a, "Esperamos que las dos partes");
    assert_eq!(quote.mode, Mode::Direct);
    assert_eq!(quote.speaker, vec!["Sergey Lavrov"]);
    let putin = claim(&a, "China y Rusia comparten");
    assert_eq!(putin.speaker, vec!["Vladímir Putin"]);
    let lavrov = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("enfatizó") && c.content.starts_with("es necesario"))
        .unwrap();
    assert_eq!(lavrov.speaker, vec!["Sergey Lavrov"]);
    assert!(lavrov
        .stances
        .iter()
        .any(|s| s.target == "multilateralismo" && s.polarity == Polarity::Support));
    assert!(a.claims.iter().any(|c| c.speaker == vec!["China"]
        && c.cue.as_deref() == Some("está dispuesta")
        && c.stances
            .iter()
            .any(|s| s.target == "Rusia" && s.polarity == Polarity::Support)));
}

#[test]
fn seed_004_group_phrases_and_capital() {
    let a = annotate(
        "004_0c1d86c61138dfca.txt",
        &[
            ("Wang Yi", Label::Per),
            ("Wang", Label::Per),
            ("Murat Nurtleu", Label::Per),
            ("Nurtleu", Label::Per),
            ("Xi Jinping", Label::Per),
            ("Tokayev", Label::Per),
            ("Li Renzi", Label::Per),
            ("Partido Comunista de China", Label::Org),
            ("Xinhua", Label::Org),
            ("Kazajistán", Label::Loc),
            ("China", Label::Loc),
            ("Almaty", Label::Loc),
            ("ALMATY", Label::Loc),
            ("Asia Central", Label::Loc),
        ],
    );
    let coinc = a
        .claims
        .iter()
        .find(|c| {
            c.cue
                .as_deref()
                .map_or(false, |q| q.starts_with("coincidieron"))
        })
        .expect("coincidieron");
    let mut sp = coinc.speaker.clone();
    sp.sort();
    assert_eq!(sp, vec!["Murat Nurtleu", "Wang Yi"]);
    let nurt = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("dijo"))
        .unwrap();
    assert_eq!(nurt.speaker, vec!["Murat Nurtleu"]);
    assert!(nurt
        .stances
        .iter()
        .any(|s| s.target == "China" && s.polarity == Polarity::Support));
    let wang = a
        .claims
        .iter()
        .find(|c| c.cue.as_deref() == Some("declaró"))
        .unwrap();
    assert_eq!(wang.speaker, vec!["Wang Yi"]);
    let prot = a
        .claims
        .iter()
        .find(|c| {
            c.stances
                .iter()
                .any(|s| s.target == "proteccionismo unilateral")
        })
        .expect("proteccionismo");
    assert!(prot
        .stances
        .iter()
        .any(|s| s.target == "proteccionismo unilateral" && s.polarity == Polarity::Oppose));
    assert_eq!(prot.speaker.len(), 2);
    // Almaty stays a place; the photo caption is no claim.
    assert!(a
        .entities
        .iter()
        .filter(|e| e.text == "Almaty")
        .all(|e| e.label == Label::Loc));
    assert!(!a
        .claims
        .iter()
        .any(|c| c.content.contains("Xinhua/Li Renzi")));
}
