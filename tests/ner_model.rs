//! The shipped NER model: loading, tagging, long texts, and errors for broken model folders.
use std::path::{Path, PathBuf};

use portavoz::ner::NerModel;
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
    let pers: Vec<(&str, usize, usize)> = found.iter().filter(|e| e.label == Label::Per).map(|e| (e.text.as_str(), e.start, e.end)).collect();
    assert_eq!(pers, vec![("Wang Yi", 0, 7), ("Sergey Lavrov", 31, 44)], "{found:?}");
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
    assert!(found.iter().any(|e| e.text == "Angela Merkel" && e.label == Label::Per), "{found:?}");
    assert!(found.iter().any(|e| e.text == "Bogotá" && e.label == Label::Loc), "{found:?}");
}

#[test]
fn long_sentences_lose_and_double_nothing_at_window_borders() {
    let m = model();
    // one sentence far longer than the 128-subword window: every name must come out once
    let names = ["Carlos Pérez", "María López", "Juan García", "Ana Martínez", "Luis Fernández", "Elena Sánchez"];
    let mut text = String::from("Asistieron a la reunión");
    for i in 0..30 {
        text.push_str(&format!(", el ministro {} de la provincia número {}", names[i % names.len()], i + 1));
    }
    text.push('.');
    let seg = segment(&text);
    let found = m.recognize(&[(text.as_str(), &seg)]).unwrap().remove(0);
    let pers: Vec<&Entity> = found.iter().filter(|e| e.label == Label::Per).collect();
    assert_eq!(pers.len(), 30, "{:?}", pers.iter().map(|e| &e.text).collect::<Vec<_>>());
    for (i, e) in pers.iter().enumerate() {
        assert_eq!(e.text, names[i % names.len()]);
    }
}

#[test]
fn odd_inputs_do_not_panic() {
    let m = model();
    for text in ["", "   \n\n ", "...", "🙂🙂🙂", "\u{200B}\u{FEFF}", "a", "ÆØÅ 王毅 Лавров"] {
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
    assert!(err.to_string().contains(&dir.display().to_string()), "{err}");
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
    assert!(matches!(err, Error::ModelCorrupt { .. }) && err.to_string().contains("config.json"), "{err}");

    copy_model(&dir);
    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let err = NerModel::load(&dir).err().expect("missing tokenizer fails");
    assert!(matches!(err, Error::ModelMissing { .. }) && err.to_string().contains("tokenizer.json"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
