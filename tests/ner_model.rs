//! The shipped NER model: loading, tagging, long texts, and errors for broken model folders.
use std::path::{Path, PathBuf};

use portavoz::ner::encode::{self, EncodedWords};
use portavoz::ner::words::split;
use portavoz::ner::xlmr::XlmrTagger;
use portavoz::ner::{pack, word_log_probs, Forward, InferenceOptions, NerModel, Precision};
use portavoz::segment::segment;
use portavoz::{default_model_dir, Entity, Error, Label};

fn model() -> NerModel {
    NerModel::load(&default_model_dir()).expect("the shipped model loads")
}

fn entities(model: &NerModel, text: &str) -> Vec<Entity> {
    let seg = segment(text);
    model.recognize(&[(text, &seg)]).unwrap().remove(0)
}

#[test]
fn tags_the_two_ministers_of_a_seed_sentence() {
    let m = model();
    let text = "Wang Yi habló por teléfono con Sergey Lavrov.";
    let found = entities(&m, text);
    let pers: Vec<(&str, usize, usize)> = found
        .iter()
        .filter(|e| e.label == Label::Per)
        .map(|e| (e.text.as_str(), e.start, e.end))
        .collect();
    assert_eq!(
        pers,
        vec![("Wang Yi", 0, 7), ("Sergey Lavrov", 31, 44)],
        "{found:?}"
    );
    assert!(found.iter().all(|e| e.score > 0.5 && e.score <= 1.0));
}

#[test]
fn offsets_are_code_points_and_bytes_in_accented_quoted_text() {
    let m = model();
    let text = "«Colaboraremos», afirmó Iñaki Goñi en Bogotá tras reunirse con Angela Merkel.";
    let found = entities(&m, text);
    let chars: Vec<char> = text.chars().collect();
    for e in &found {
        assert_eq!(&text[e.byte_start..e.byte_end], e.text);
        assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.text);
    }
    assert!(
        found
            .iter()
            .any(|e| e.text == "Angela Merkel" && e.label == Label::Per),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.text == "Bogotá" && e.label == Label::Loc),
        "{found:?}"
    );
}

#[test]
fn long_sentences_lose_and_double_nothing_at_window_borders() {
    let m = model();
    // one sentence far longer than the 128-subword window: every name must come out once
    let names = [
        "Carlos Pérez",
        "María López",
        "Juan García",
        "Ana Martínez",
        "Luis Fernández",
        "Elena Sánchez",
    ];
    let mut text = String::from("Asistieron a la reunión");
    for i in 0..30 {
        text.push_str(&format!(
            ", el ministro {} de la provincia número {}",
            names[i % names.len()],
            i + 1
        ));
    }
    text.push('.');
    let seg = segment(&text);
    let found = m.recognize(&[(text.as_str(), &seg)]).unwrap().remove(0);
    let pers: Vec<&Entity> = found.iter().filter(|e| e.label == Label::Per).collect();
    assert_eq!(
        pers.len(),
        30,
        "{:?}",
        pers.iter().map(|e| &e.text).collect::<Vec<_>>()
    );
    for (i, e) in pers.iter().enumerate() {
        assert_eq!(e.text, names[i % names.len()]);
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    let m = model();
    for text in [
        "",
        "   \n\n ",
        "...",
        "🙂🙂🙂",
        "\u{200B}\u{FEFF}",
        "a",
        "ÆØÅ 王毅 Лавров",
    ] {
        let seg = segment(text);
        let out = m.recognize(&[(text, &seg)]).unwrap();
        assert_eq!(out.len(), 1);
    }
}

fn copy_model(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::copy(default_model_dir().join(f), to.join(f)).unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portavoz-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_missing_model_folder_is_a_clear_error() {
    let dir = scratch("missing");
    let err = NerModel::load(&dir).err().expect("fails");
    assert!(matches!(err, Error::ModelMissing { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
}

#[test]
fn corrupt_model_files_are_clear_errors() {
    let dir = scratch("corrupt");
    copy_model(&dir);
    let weights = dir.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let err = NerModel::load(&dir).err().expect("truncated weights fail");
    assert!(matches!(err, Error::ModelCorrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("model.safetensors"), "{err}");

    copy_model(&dir);
    std::fs::write(dir.join("config.json"), "{not json").unwrap();
    let err = NerModel::load(&dir).err().expect("bad config fails");
    assert!(
        matches!(err, Error::ModelCorrupt { .. }) && err.to_string().contains("config.json"),
        "{err}"
    );

    copy_model(&dir);
    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let err = NerModel::load(&dir).err().expect("missing tokenizer fails");
    assert!(
        matches!(err, Error::ModelMissing { .. }) && err.to_string().contains("tokenizer.json"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Sentences of the seed readouts, split into words as the NER stage splits them.
fn seed_sentences() -> Vec<Vec<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        for s in &segment(&text).sentences {
            let sentence = s.span.slice(&text);
            let words: Vec<String> = split(sentence)
                .into_iter()
                .map(|(a, b)| sentence[a..b].to_string())
                .collect();
            if !words.is_empty() {
                out.push(words);
            }
        }
    }
    out
}

fn load_with(precision: Precision, forward: Forward) -> NerModel {
    let options = InferenceOptions {
        precision,
        forward,
        ..Default::default()
    };
    NerModel::load_on(&default_model_dir(), tch::Device::Cpu, options)
        .expect("the shipped model loads")
}

#[test]
fn packed_rows_compute_what_each_sentence_computes_alone() {
    let packed_model = load_with(Precision::Fp32, Forward::Fused);
    let sentences = seed_sentences();
    let encoded: Vec<EncodedWords> = sentences
        .iter()
        .map(|s| packed_model.encoder.encode_words(s).unwrap())
        .collect();
    let opts = packed_model.options;
    let lengths: Vec<usize> = encode::chunks(&encoded, opts.max_len, opts.overlap)
        .iter()
        .map(|c| c.ids.len())
        .collect();
    let rows = pack::pack(&lengths, opts.max_len).len();
    assert!(
        rows * 2 < lengths.len(),
        "{} inputs should share rows, got {rows} rows",
        lengths.len()
    );
    let packed = word_log_probs(&packed_model.tagger, &encoded, &opts);

    // Each sentence alone, unpadded, through rust-bert's forward with the full f32 table.
    let alone = XlmrTagger::load(&default_model_dir(), tch::Device::Cpu).unwrap();
    let _guard = tch::no_grad_guard();
    let mut compared = 0;
    for (s, enc) in encoded.iter().enumerate() {
        let chunks = encode::chunks(std::slice::from_ref(enc), opts.max_len, opts.overlap);
        let [chunk] = chunks.as_slice() else { continue };
        let n = chunk.ids.len() as i64;
        let ids = tch::Tensor::from_slice(&chunk.ids).view([1, n]);
        let log_probs = alone
            .logits(&ids, &ids.ones_like(), false)
            .log_softmax(-1, tch::Kind::Float)
            .squeeze_dim(0);
        for (w, &pos) in chunk.first_subword.iter().enumerate() {
            let expected: Vec<f32> = Vec::try_from(log_probs.get(pos as i64)).unwrap();
            for (a, b) in expected.iter().zip(&packed[s][w]) {
                assert!(
                    (a - b).abs() < 1e-3,
                    "sentence {s} word {w}: {expected:?} vs {:?}",
                    packed[s][w]
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 500, "only {compared} words compared");
}

#[test]
fn the_rust_bert_forward_agrees_with_the_fused_one_on_packed_rows() {
    let sentences = seed_sentences();
    let fused = load_with(Precision::Fp32, Forward::Fused);
    let rust_bert = load_with(Precision::Fp32, Forward::RustBert);
    let encoded: Vec<EncodedWords> = sentences
        .iter()
        .map(|s| fused.encoder.encode_words(s).unwrap())
        .collect();
    let a = word_log_probs(&fused.tagger, &encoded, &fused.options);
    let b = word_log_probs(&rust_bert.tagger, &encoded, &rust_bert.options);
    let worst = a
        .iter()
        .flatten()
        .flatten()
        .zip(b.iter().flatten().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-3, "largest difference {worst}");
}

#[test]
fn reduced_precisions_keep_nearly_every_label() {
    let sentences = seed_sentences();
    let reference = load_with(Precision::Fp32, Forward::Fused);
    let expected = reference.tag_words(&sentences).unwrap();
    let words: usize = expected.iter().map(Vec::len).sum();
    for precision in [Precision::Bf16, Precision::Int8] {
        let model = load_with(precision, Forward::Fused);
        assert_eq!(model.tagger.precision(), precision);
        let got = model.tag_words(&sentences).unwrap();
        let differing: usize = expected
            .iter()
            .flatten()
            .zip(got.iter().flatten())
            .filter(|(a, b)| a.label != b.label)
            .count();
        // (int8 rounding moves a word's label here and there: 12 to 13 of these 2,476 words;
        // a broken number format moves hundreds. F1 per precision is `make evaluate`'s.)
        assert!(
            differing * 100 < words,
            "{precision}: {differing} of {words} word labels differ from fp32"
        );
    }
}

#[test]
fn int8_needs_the_fused_forward_and_auto_resolves() {
    let options = InferenceOptions {
        precision: Precision::Int8,
        forward: Forward::RustBert,
        ..Default::default()
    };
    let err = NerModel::load_on(&default_model_dir(), tch::Device::Cpu, options)
        .err()
        .expect("int8 + rust-bert is refused");
    assert!(
        matches!(err, Error::Config(_)) && err.to_string().contains("int8"),
        "{err}"
    );
    let auto = load_with(Precision::Auto, Forward::Fused);
    assert_eq!(auto.tagger.precision(), Precision::Auto.resolve());
    assert_ne!(Precision::Auto.resolve(), Precision::Auto);
}
