//! The stages around the model: segmentation, and the rule layer (gazetteer, mentions, claims,
//! stance) given the model's entities, on the seed readouts.
//!
//!     cargo bench --bench rule_layer
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use portavoz::attribution::annotate_from_entities;
use portavoz::ner::Precision;
use portavoz::segment::{self, Segmentation};

mod common;

fn rule_layer(c: &mut Criterion) {
    let texts = common::readouts();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    let segmentations: Vec<Segmentation> = texts.iter().map(|t| segment::segment(t)).collect();
    let model = common::load(Precision::Fp32);
    let inputs: Vec<(&str, &Segmentation)> = texts
        .iter()
        .map(String::as_str)
        .zip(&segmentations)
        .collect();
    let entities = model.recognize(&inputs).expect("entities");
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(words as u64));
    group.bench_function("segment", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| segment::segment(black_box(t)))
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("annotate_from_entities", |b| {
        b.iter(|| {
            texts
                .iter()
                .zip(&entities)
                .map(|(t, e)| annotate_from_entities("", black_box(t), e.clone()))
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

criterion_group!(benches, rule_layer);
criterion_main!(benches);
