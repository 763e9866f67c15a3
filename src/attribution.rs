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
    Annotation {
        id: id.to_string(),
        text: text.to_string(),
        entities,
        claims,
        ..Default::default()
    }
}

/// Annotates `text` given the entities some other source found (labels PER/LOC/ORG/MISC,
/// canonical = text), without a model pass: no syntax, so only what the rules find without a
/// parse. See [`Doc::from_entities`].
pub fn annotate_from_entities(id: &str, text: &str, model_entities: Vec<Entity>) -> Annotation {
    annotate(id, &Doc::from_entities(text, model_entities))
}
