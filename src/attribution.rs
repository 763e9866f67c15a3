//! The rule layer end to end: the parsed [`Doc`] -> entities (gazetteer) -> mentions -> claims
//! -> stance. Every stage reads the one `Doc`.
use crate::annotation::{Annotation, Entity};
use crate::doc::Doc;

/// Annotates a parsed document: entities sorted by start without overlaps (LOC naming a state
/// relabelled STATE, with canonical names), and the claims with their stances.
pub fn annotate(id: &str, doc: &Doc) -> Annotation {
    let segmentation = doc.segmentation();
    let text = doc.text.as_str();
    let entities = crate::ner::gazetteer::refine_doc(doc);
    let mentions = crate::mentions::find_in(doc, &segmentation, &entities);
    let found = crate::claims::extract(doc, &mentions);
    let claims = crate::stance::assign(doc, &mentions, found);
    let mut annotation = Annotation {
        id: id.to_string(),
        text: text.to_string(),
        entities,
        claims,
        ..Default::default()
    };
    name_states_as_written(&mut annotation);
    annotation
}

/// A state the document never calls by the lexicon's name goes by the name the document uses
/// ("Türkiye", "República de Corea"), in entities, speakers and stance targets alike; an
/// abbreviation ("EE.UU.") is no such name.
fn name_states_as_written(a: &mut Annotation) {
    use std::collections::HashMap;
    let mut written: HashMap<String, Vec<&str>> = HashMap::new();
    for e in a
        .entities
        .iter()
        .filter(|e| e.label == crate::annotation::Label::State)
    {
        written
            .entry(e.canonical.clone())
            .or_default()
            .push(e.text.as_str());
    }
    let renamed: HashMap<String, String> = written
        .into_iter()
        .filter(|(canonical, names)| !names.iter().any(|n| n == canonical))
        .filter_map(|(canonical, names)| {
            let full = names
                .iter()
                .find(|n| n.chars().any(char::is_lowercase) && !n.contains('.'))?;
            Some((
                canonical,
                full.split_whitespace().collect::<Vec<_>>().join(" "),
            ))
        })
        .collect();
    if renamed.is_empty() {
        return;
    }
    let rename = |name: &mut String| {
        if let Some(new) = renamed.get(name.as_str()) {
            *name = new.clone();
        }
    };
    for e in a.entities.iter_mut() {
        rename(&mut e.canonical);
    }
    for c in a.claims.iter_mut() {
        c.speaker.iter_mut().for_each(rename);
        for s in c.stances.iter_mut() {
            rename(&mut s.target);
        }
    }
}

/// Annotates `text` given the entities some other source found (labels PER/LOC/ORG/MISC,
/// canonical = text), without a model pass: no syntax, so only what the rules find without a
/// parse. See [`Doc::from_entities`].
pub fn annotate_from_entities(id: &str, text: &str, model_entities: Vec<Entity>) -> Annotation {
    annotate(id, &Doc::from_entities(text, model_entities))
}
