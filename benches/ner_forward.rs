//! The NER stage: tokenization, and the forward passes (f32, bf16, int8) over the sentences of the
//! seed readouts, packed into rows of 128 positions and run 32 rows at a time, as the pipeline does.
//!
//!     cargo bench --bench ner_forward
//!     PORTAVOZ_MODEL=path/to/model cargo bench --bench ner_forward
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use portavoz::ner::encode::{self, EncodedWords};
use portavoz::ner::{word_log_probs, Precision};

mod common;

fn ner_forward(c: &mut Criterion) {
    let sentences = common::sentences();
    let words: usize = sentences.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("ner");
    group.sample_size(10);
    group.throughput(Throughput::Elements(words as u64));
    for precision in [Precision::Fp32, Precision::Bf16, Precision::Int8] {
        let model = common::load(precision);
        let encoded: Vec<EncodedWords> = sentences
            .iter()
            .map(|s| model.encoder.encode_words(s).unwrap())
            .collect();
        if precision == Precision::Fp32 {
            group.bench_function("tokenize", |b| {
                b.iter(|| {
                    sentences
                        .iter()
                        .map(|s| model.encoder.encode_words(black_box(s)).unwrap())
                        .collect::<Vec<_>>()
                })
            });
            group.bench_function("chunks", |b| {
                b.iter(|| {
                    encode::chunks(
                        black_box(&encoded),
                        model.options.max_len,
                        model.options.overlap,
                    )
                })
            });
        }
        group.bench_with_input(
            BenchmarkId::new("forward", precision),
            &encoded,
            |b, encoded| {
                b.iter(|| word_log_probs(&model.tagger, black_box(encoded), &model.options))
            },
        );
    }
    group.finish();
}

criterion_group!(benches, ner_forward);
criterion_main!(benches);
