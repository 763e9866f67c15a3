//! Checks a model folder before anything is built from it.
//!
//! rust-bert and libtorch trust their configuration: a `config.json` that parses but does not
//! fit (`"num_attention_heads": 0`, a hidden size the head count does not divide, a size that
//! disagrees with the stored weights) makes them panic or fail deep inside, far from the file
//! at fault. [`check`] reads the folder's small files and the weights file's header only, and
//! returns an [`Error`] that names the file and the value at fault:
//!
//! - [`Error::ModelMissing`]: the folder, `config.json`, `model.safetensors`, `tokenizer.json`,
//!   or one of the pair `syntax.json` / `syntax.safetensors` without the other;
//! - [`Error::ModelCorrupt`]: a file that cannot be read as what it claims to be (not JSON, a
//!   broken safetensors header);
//! - [`Error::ModelInvalid`]: a value that does not fit: a size that is missing, not an
//!   integer, zero, negative or absurdly large; a head count that does not divide the hidden
//!   size; an unknown activation; labels that are not numbered 0..n or disagree with
//!   `label2id`; a size in `config.json` that disagrees with the shapes in
//!   `model.safetensors`; token ids in `tokenizer.json` beyond the vocabulary.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::ner::syntax_heads::{SYNTAX_LABELS_FILE, SYNTAX_WEIGHTS_FILE};
use crate::ner::xlmr::{CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, WORD_EMBEDDINGS};

/// The sizes of `config.json` and the largest value each may take (a larger one is a typo or
/// a different kind of model, and would make libtorch try to allocate it).
const SIZES: [(&str, i64); 7] = [
    ("hidden_size", 1 << 16),
    ("num_attention_heads", 1 << 10),
    ("num_hidden_layers", 1 << 10),
    ("intermediate_size", 1 << 18),
    ("vocab_size", 1 << 24),
    ("max_position_embeddings", 1 << 20),
    ("type_vocab_size", 1 << 10),
];

/// The longest safetensors header read (the real one is about 20 KB).
const MAX_HEADER_BYTES: u64 = 64 << 20;

/// Checks every file of the model folder `dir` that the loader will read, before it reads
/// them; see the module documentation for what is checked.
pub fn check(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::ModelMissing {
            path: dir.to_path_buf(),
            hint: "no such folder; pass the folder that holds config.json, model.safetensors and tokenizer.json".into(),
        });
    }
    let config = ModelConfig::read(&dir.join(CONFIG_FILE))?;
    let weights = dir.join(WEIGHTS_FILE);
    check_weights_against_config(&read_safetensors_header(&weights)?, &config, &weights)?;
    check_tokenizer(&dir.join(TOKENIZER_FILE), &config)?;
    let (labels, heads) = (dir.join(SYNTAX_LABELS_FILE), dir.join(SYNTAX_WEIGHTS_FILE));
    match (labels.exists(), heads.exists()) {
        (true, false) => Err(missing(&heads, "syntax.json is there but its weights are not; add them or remove syntax.json")),
        (false, true) => Err(missing(&labels, "syntax.safetensors is there but its labels are not; add them or remove syntax.safetensors")),
        _ => Ok(()),
    }
}

fn missing(path: &Path, hint: &str) -> Error {
    Error::ModelMissing { path: path.to_path_buf(), hint: hint.to_string() }
}

fn invalid(path: &Path, field: &str, reason: String) -> Error {
    Error::ModelInvalid { path: path.to_path_buf(), field: field.to_string(), reason }
}

/// The values of `config.json` the checks need.
#[derive(Debug, Clone)]
struct ModelConfig {
    path: PathBuf,
    sizes: HashMap<&'static str, usize>,
    labels: usize,
}

impl ModelConfig {
    fn size(&self, name: &str) -> usize {
        self.sizes.get(name).copied().unwrap_or(0)
    }

    fn read(path: &Path) -> Result<ModelConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => missing(path, "the folder is not a portavoz model folder"),
            _ => Error::io(path, e),
        })?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: format!("not JSON: {e}") })?;
        let Value::Object(object) = value else {
            return Err(Error::ModelCorrupt { path: path.to_path_buf(), reason: "not a JSON object".into() });
        };
        let mut sizes = HashMap::new();
        for (name, largest) in SIZES {
            let size = match object.get(name) {
                None | Some(Value::Null) => return Err(invalid(path, name, "missing".into())),
                Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid(path, name, format!("{n} is not an integer")))?,
                Some(other) => return Err(invalid(path, name, format!("{other} is not an integer"))),
            };
            if !(1..=largest).contains(&size) {
                return Err(invalid(path, name, format!("{size} is out of range (1 to {largest})")));
            }
            sizes.insert(name, size as usize);
        }
        let (hidden, heads) = (sizes["hidden_size"], sizes["num_attention_heads"]);
        if hidden % heads != 0 {
            return Err(invalid(
                path,
                "num_attention_heads",
                format!("{heads} heads do not divide hidden_size {hidden} (each head needs a whole share of it)"),
            ));
        }
        for name in ["hidden_dropout_prob", "attention_probs_dropout_prob"] {
            match object.get(name) {
                None | Some(Value::Null) => {}
                Some(Value::Number(p)) if p.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p)) => {}
                Some(other) => return Err(invalid(path, name, format!("{other} is not a probability (0 to 1)"))),
            }
        }
        if let Some(activation) = object.get("hidden_act") {
            if serde_json::from_value::<rust_bert::Activation>(activation.clone()).is_err() {
                return Err(invalid(
                    path,
                    "hidden_act",
                    format!("{activation} is not an activation rust-bert knows (gelu, relu, swish, mish, gelu_new, tanh, identity)"),
                ));
            }
        }
        let labels = check_labels(&object, path)?;
        // Whatever else rust-bert reads must have its type too.
        serde_json::from_value::<rust_bert::bert::BertConfig>(Value::Object(object))
            .map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: format!("not a BERT configuration: {e}") })?;
        Ok(ModelConfig { path: path.to_path_buf(), sizes, labels })
    }
}

/// Checks `id2label` (ids 0..n, each once, distinct non-empty names) and, when present,
/// that `label2id` is its inverse. Returns the number of labels.
fn check_labels(object: &Map<String, Value>, path: &Path) -> Result<usize> {
    let Some(Value::Object(id2label)) = object.get("id2label") else {
        return Err(invalid(path, "id2label", "missing or not an object of label names by id".into()));
    };
    if id2label.is_empty() {
        return Err(invalid(path, "id2label", "no labels".into()));
    }
    let mut by_id: BTreeMap<usize, &str> = BTreeMap::new();
    for (key, name) in id2label {
        let id: usize = key.parse().map_err(|_| invalid(path, "id2label", format!("key {key:?} is not a label id")))?;
        let name = name.as_str().filter(|n| !n.is_empty()).ok_or_else(|| invalid(path, "id2label", format!("label {id} is not a name")))?;
        if by_id.insert(id, name).is_some() {
            return Err(invalid(path, "id2label", format!("label id {id} appears twice")));
        }
    }
    let n = by_id.len();
    if let Some((&last, _)) = by_id.iter().next_back().filter(|(&last, _)| last != n - 1) {
        return Err(invalid(path, "id2label", format!("{n} labels numbered up to {last}: ids must be 0 to {}", n - 1)));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = by_id.values().find(|name| !seen.insert(**name)) {
        return Err(invalid(path, "id2label", format!("label {twice:?} appears twice")));
    }
    match object.get("label2id") {
        None | Some(Value::Null) => {}
        Some(Value::Object(label2id)) => {
            for (id, name) in &by_id {
                if label2id.get(*name).and_then(Value::as_u64) != Some(*id as u64) {
                    return Err(invalid(path, "label2id", format!("does not map {name:?} to {id} as id2label does")));
                }
            }
            if label2id.len() != n {
                return Err(invalid(path, "label2id", format!("{} labels, id2label has {n}", label2id.len())));
            }
        }
        Some(_) => return Err(invalid(path, "label2id", "not an object of ids by label name".into())),
    }
    Ok(n)
}

/// Tensor shapes of a safetensors file, from its header (a Q4 table by its `q4:` metadata).
fn read_safetensors_header(path: &Path) -> Result<HashMap<String, Vec<usize>>> {
    let corrupt = |reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
    let mut file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing(path, "the model folder has no weights file"),
        _ => Error::io(path, e),
    })?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut length = [0u8; 8];
    file.read_exact(&mut length).map_err(|_| corrupt("shorter than a safetensors header".into()))?;
    let length = u64::from_le_bytes(length);
    if length > MAX_HEADER_BYTES || length > size - 8 {
        return Err(corrupt(format!("header length {length} is beyond the end of the file ({size} bytes)")));
    }
    let mut header = vec![0u8; length as usize];
    file.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
    let header: Map<String, Value> = serde_json::from_slice(&header).map_err(|e| corrupt(format!("header is not JSON: {e}")))?;
    let metadata = header.get("__metadata__").and_then(Value::as_object);
    let mut shapes = HashMap::new();
    for (name, info) in &header {
        if name == "__metadata__" {
            continue;
        }
        let shape: Vec<usize> = info
            .get("shape")
            .and_then(|s| serde_json::from_value(s.clone()).ok())
            .ok_or_else(|| corrupt(format!("{name}: no shape")))?;
        let q4 = metadata.and_then(|m| m.get(&format!("q4:{name}"))).and_then(Value::as_str);
        let shape = match q4.and_then(|dims| dims.split_once('x')) {
            Some((rows, cols)) => match (rows.parse(), cols.parse()) {
                (Ok(rows), Ok(cols)) => vec![rows, cols],
                _ => return Err(corrupt(format!("{name}: bad q4 shape {}", q4.unwrap_or_default()))),
            },
            None => shape,
        };
        shapes.insert(name.clone(), shape);
    }
    Ok(shapes)
}

/// Compares the sizes of `config.json` with the shapes of the stored weights. A missing
/// tensor is left to the loader (which names it); a tensor whose shape disagrees with
/// `config.json` is reported against `config.json`'s value.
fn check_weights_against_config(shapes: &HashMap<String, Vec<usize>>, config: &ModelConfig, weights: &Path) -> Result<()> {
    let hidden = config.size("hidden_size");
    let disagree = |field: &str, said: usize, tensor: &str, shape: &[usize]| {
        invalid(
            &config.path,
            field,
            format!("{said} disagrees with the weights in {}: {tensor} has shape {shape:?}", weights.display()),
        )
    };
    // (tensor, dimension, config field): the rows of every table, then the hidden size.
    let rows = [
        (WORD_EMBEDDINGS, 0, "vocab_size"),
        ("roberta.embeddings.position_embeddings.weight", 0, "max_position_embeddings"),
        ("roberta.embeddings.token_type_embeddings.weight", 0, "type_vocab_size"),
        ("roberta.encoder.layer.0.intermediate.dense.weight", 0, "intermediate_size"),
        ("roberta.embeddings.LayerNorm.weight", 0, "hidden_size"),
        (WORD_EMBEDDINGS, 1, "hidden_size"),
    ];
    for (tensor, dim, field) in rows {
        if let Some(shape) = shapes.get(tensor) {
            if shape.get(dim) != Some(&config.size(field)) {
                return Err(disagree(field, config.size(field), tensor, shape));
            }
        }
    }
    if let Some(shape) = shapes.get("classifier.weight") {
        if shape.first() != Some(&config.labels) {
            return Err(invalid(
                &config.path,
                "id2label",
                format!("{} labels disagree with the weights in {}: classifier.weight has shape {shape:?}", config.labels, weights.display()),
            ));
        }
        if shape.get(1) != Some(&hidden) {
            return Err(disagree("hidden_size", hidden, "classifier.weight", shape));
        }
    }
    let layers: HashSet<usize> = shapes
        .keys()
        .filter_map(|name| name.strip_prefix("roberta.encoder.layer.")?.split('.').next()?.parse().ok())
        .collect();
    if !layers.is_empty() && layers.len() != config.size("num_hidden_layers") {
        return Err(invalid(
            &config.path,
            "num_hidden_layers",
            format!("{} disagrees with the weights in {}: they hold {} layers", config.size("num_hidden_layers"), weights.display(), layers.len()),
        ));
    }
    Ok(())
}

/// Checks that `tokenizer.json` exists and gives no token id beyond `vocab_size`.
fn check_tokenizer(path: &Path, config: &ModelConfig) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => missing(path, "the model folder has no tokenizer.json"),
        _ => Error::io(path, e),
    })?;
    let corrupt = |reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
    let tokenizer: Value = serde_json::from_str(&text).map_err(|e| corrupt(format!("not JSON: {e}")))?;
    let vocab = tokenizer.get("model").and_then(|m| m.get("vocab"));
    let mut largest = match vocab {
        // Unigram: a list of [piece, score]; the id is the place in the list.
        Some(Value::Array(pieces)) => pieces.len().checked_sub(1),
        // WordPiece, BPE: piece -> id.
        Some(Value::Object(ids)) => ids.values().filter_map(Value::as_u64).max().map(|id| id as usize),
        _ => return Err(corrupt("no model.vocab".into())),
    };
    for token in tokenizer.get("added_tokens").and_then(Value::as_array).into_iter().flatten() {
        if let Some(id) = token.get("id").and_then(Value::as_u64) {
            largest = largest.max(Some(id as usize));
        }
    }
    let vocab_size = config.size("vocab_size");
    match largest {
        Some(id) if id >= vocab_size => Err(invalid(
            path,
            "model.vocab",
            format!("token ids go up to {id}, beyond the model's vocabulary (vocab_size {vocab_size} in {})", config.path.display()),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A tiny model folder whose files agree: hidden 8, 2 heads, 1 layer, 3 labels, 10 tokens.
    struct Folder {
        dir: tempfile::TempDir,
        config: Value,
        shapes: Vec<(String, Vec<usize>)>,
    }

    impl Folder {
        fn new() -> Folder {
            let config = json!({
                "hidden_act": "gelu", "attention_probs_dropout_prob": 0.1, "hidden_dropout_prob": 0.1,
                "hidden_size": 8, "initializer_range": 0.02, "intermediate_size": 16,
                "max_position_embeddings": 6, "num_attention_heads": 2, "num_hidden_layers": 1,
                "type_vocab_size": 1, "vocab_size": 10,
                "id2label": {"0": "O", "1": "B-PER", "2": "I-PER"},
                "label2id": {"O": 0, "B-PER": 1, "I-PER": 2}
            });
            let shapes = [
                (WORD_EMBEDDINGS, vec![10, 8]),
                ("roberta.embeddings.position_embeddings.weight", vec![6, 8]),
                ("roberta.embeddings.token_type_embeddings.weight", vec![1, 8]),
                ("roberta.embeddings.LayerNorm.weight", vec![8]),
                ("roberta.encoder.layer.0.intermediate.dense.weight", vec![16, 8]),
                ("classifier.weight", vec![3, 8]),
            ];
            let shapes = shapes.into_iter().map(|(n, s)| (n.to_string(), s)).collect();
            Folder { dir: tempfile::tempdir().unwrap(), config, shapes }
        }

        fn set(mut self, field: &str, value: Value) -> Folder {
            self.config[field] = value;
            self
        }

        /// Writes the folder and checks it.
        fn check(&self) -> Result<()> {
            let dir = self.dir.path();
            std::fs::write(dir.join(CONFIG_FILE), self.config.to_string()).unwrap();
            let mut header = Map::new();
            for (name, shape) in &self.shapes {
                header.insert(name.clone(), json!({"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}));
            }
            let header = Value::Object(header).to_string();
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            std::fs::write(dir.join(WEIGHTS_FILE), bytes).unwrap();
            let vocab: Vec<Value> = (0..10).map(|i| json!([format!("t{i}"), 0.0])).collect();
            let tokenizer = json!({"model": {"type": "Unigram", "vocab": vocab}, "added_tokens": [{"id": 3, "content": "<unk>"}]});
            std::fs::write(dir.join(TOKENIZER_FILE), tokenizer.to_string()).unwrap();
            check(dir)
        }
    }

    /// The error's file name and field.
    fn fault(result: Result<()>) -> (String, String) {
        match result {
            Err(Error::ModelInvalid { path, field, .. }) => (path.file_name().unwrap().to_string_lossy().into_owned(), field),
            other => panic!("expected ModelInvalid, got {other:?}"),
        }
    }

    fn config_fault(field: &str) -> (String, String) {
        (CONFIG_FILE.to_string(), field.to_string())
    }

    #[test]
    fn a_consistent_folder_passes() {
        Folder::new().check().unwrap();
    }

    #[test]
    fn the_shipped_model_passes() {
        check(&crate::model_location::crate_model_dir()).unwrap();
    }

    #[test]
    fn zero_attention_heads() {
        assert_eq!(fault(Folder::new().set("num_attention_heads", json!(0)).check()), config_fault("num_attention_heads"));
    }

    #[test]
    fn heads_that_do_not_divide_the_hidden_size() {
        let err = Folder::new().set("num_attention_heads", json!(3)).check().unwrap_err().to_string();
        assert!(err.contains("num_attention_heads: 3 heads do not divide hidden_size 8"), "{err}");
    }

    #[test]
    fn every_size_must_be_a_positive_integer_in_range() {
        for (field, _) in SIZES {
            for bad in [json!(0), json!(-4), json!(2.5), json!("8"), json!(1u64 << 40), Value::Null] {
                assert_eq!(fault(Folder::new().set(field, bad.clone()).check()), config_fault(field), "{field} = {bad}");
            }
        }
    }

    #[test]
    fn dropout_and_activation() {
        assert_eq!(fault(Folder::new().set("hidden_dropout_prob", json!(1.5)).check()), config_fault("hidden_dropout_prob"));
        assert_eq!(fault(Folder::new().set("hidden_act", json!("softplus")).check()), config_fault("hidden_act"));
    }

    #[test]
    fn labels_numbered_0_to_n_and_consistent() {
        let gap = json!({"0": "O", "1": "B-PER", "5": "I-PER"});
        assert_eq!(fault(Folder::new().set("id2label", gap).check()), config_fault("id2label"));
        let twice = json!({"0": "O", "1": "B-PER", "2": "B-PER"});
        assert_eq!(fault(Folder::new().set("id2label", twice).check()), config_fault("id2label"));
        assert_eq!(fault(Folder::new().set("id2label", json!({})).check()), config_fault("id2label"));
        assert_eq!(fault(Folder::new().set("id2label", json!({"x": "O"})).check()), config_fault("id2label"));
        let swapped = json!({"O": 0, "B-PER": 2, "I-PER": 1});
        assert_eq!(fault(Folder::new().set("label2id", swapped).check()), config_fault("label2id"));
        let four = json!({"0": "O", "1": "B-PER", "2": "I-PER", "3": "B-LOC"});
        let folder = Folder::new().set("id2label", four).set("label2id", Value::Null);
        assert_eq!(fault(folder.check()), config_fault("id2label"), "4 labels, a classifier of 3");
    }

    #[test]
    fn a_config_that_disagrees_with_the_weights_is_named_not_the_weights() {
        for (field, value) in [
            ("hidden_size", 16),
            ("vocab_size", 12),
            ("max_position_embeddings", 7),
            ("type_vocab_size", 2),
            ("intermediate_size", 32),
            ("num_hidden_layers", 2),
        ] {
            let result = Folder::new().set(field, json!(value)).check();
            assert_eq!(fault(result), config_fault(field), "{field}");
        }
        let err = Folder::new().set("hidden_size", json!(16)).check().unwrap_err().to_string();
        assert!(err.contains("config.json") && err.contains("model.safetensors"), "{err}");
    }

    #[test]
    fn a_broken_weights_header_is_the_weights_fault() {
        let folder = Folder::new();
        folder.check().unwrap();
        let weights = folder.dir.path().join(WEIGHTS_FILE);
        std::fs::write(&weights, [255u8; 12]).unwrap();
        assert!(matches!(check(folder.dir.path()), Err(Error::ModelCorrupt { path, .. }) if path == weights));
        std::fs::write(&weights, b"\x04\0\0\0\0\0\0\0nope").unwrap();
        assert!(matches!(check(folder.dir.path()), Err(Error::ModelCorrupt { path, .. }) if path == weights));
    }

    #[test]
    fn files_that_are_not_json_or_missing() {
        let folder = Folder::new();
        folder.check().unwrap();
        let config = folder.dir.path().join(CONFIG_FILE);
        std::fs::write(&config, "{\"hidden_size\": ").unwrap();
        assert!(matches!(check(folder.dir.path()), Err(Error::ModelCorrupt { path, .. }) if path == config));
        std::fs::write(&config, "[1, 2]").unwrap();
        assert!(matches!(check(folder.dir.path()), Err(Error::ModelCorrupt { path, .. }) if path == config));
        std::fs::remove_file(&config).unwrap();
        assert!(matches!(check(folder.dir.path()), Err(Error::ModelMissing { path, .. }) if path == config));
        assert!(matches!(check(&folder.dir.path().join("nope")), Err(Error::ModelMissing { .. })));
    }

    #[test]
    fn a_config_field_of_the_wrong_type_is_the_configs_fault() {
        let folder = Folder::new().set("output_attentions", json!("yes"));
        assert!(matches!(folder.check(), Err(Error::ModelCorrupt { path, .. }) if path.ends_with(CONFIG_FILE)));
    }

    #[test]
    fn token_ids_beyond_the_vocabulary() {
        let folder = Folder::new();
        folder.check().unwrap();
        let tokenizer = json!({"model": {"type": "Unigram", "vocab": []}, "added_tokens": [{"id": 10, "content": "<mask>"}]});
        std::fs::write(folder.dir.path().join(TOKENIZER_FILE), tokenizer.to_string()).unwrap();
        let result = check(folder.dir.path());
        assert_eq!(fault(result), (TOKENIZER_FILE.to_string(), "model.vocab".to_string()));
    }

    #[test]
    fn syntax_files_come_in_pairs() {
        let folder = Folder::new();
        folder.check().unwrap();
        std::fs::write(folder.dir.path().join(SYNTAX_LABELS_FILE), "{}").unwrap();
        let result = check(folder.dir.path());
        assert!(matches!(result, Err(Error::ModelMissing { path, .. }) if path.ends_with(SYNTAX_WEIGHTS_FILE)));
    }
}
