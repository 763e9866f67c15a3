//! The rule layer end to end: model entities -> gazetteer -> mentions -> claims -> stance.
//! Needs no model: any entity source (the NER model, gold spans, a hand-written list) will do.
use crate::annotation::{Annotation, Entity};
use crate::segment::Segmentation;

/// Annotates `text` given the entities a model found (labels PER/LOC/ORG/MISC, canonical = text).
/// Returns entities sorted by start without overlaps (LOC naming a state relabelled STATE, with
/// canonical names), and the claims with their stances.
pub fn annotate_from_entities(id: &str, text: &str, segmentation: &Segmentation, model_entities: Vec<Entity>) -> Annotation {
    let entities = crate::ner::gazetteer::refine(text, segmentation, model_entities);
    let mentions = crate::mentions::find(text, segmentation, &entities);
    let found = crate::claims::extract(text, segmentation, &mentions);
    let claims = crate::stance::assign(text, &mentions, found);
    Annotation { id: id.to_string(), text: text.to_string(), entities, claims, ..Default::default() }
}
