//! The XLM-RoBERTa token classifier (rust-bert's `RobertaForTokenClassification` on libtorch)
//! and its weights on disk: `config.json` (rust-bert's `BertConfig`) and `model.safetensors`.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_bert::bert::BertConfig;
use rust_bert::roberta::RobertaForTokenClassification;
use rust_bert::Activation;
use tch::{nn, Device, Kind, Tensor};

use super::store::{self, NamedTensor, TensorData};
use crate::error::{Error, Result};

/// Name of the word-embedding table, which stays frozen and is stored in 4 bits.
pub const WORD_EMBEDDINGS: &str = "roberta.embeddings.word_embeddings.weight";
/// The tag set: O and B-/I- of PER, LOC, ORG, MISC.
pub const LABELS: [&str; 9] = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"];

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// Architecture figures of an XLM-R encoder.
#[derive(Debug, Clone, Copy)]
pub struct Architecture {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
}

/// rust-bert configuration of a token classifier with [`LABELS`].
pub fn token_classifier_config(arch: Architecture) -> BertConfig {
    let id2label: HashMap<i64, String> = LABELS.iter().enumerate().map(|(i, l)| (i as i64, l.to_string())).collect();
    let label2id = id2label.iter().map(|(i, l)| (l.clone(), *i)).collect();
    BertConfig {
        hidden_act: Activation::gelu,
        attention_probs_dropout_prob: 0.1,
        hidden_dropout_prob: 0.1,
        hidden_size: arch.hidden as i64,
        initializer_range: 0.02,
        intermediate_size: arch.ffn as i64,
        // XLM-R numbers positions from padding_idx + 1 = 2.
        max_position_embeddings: arch.max_positions as i64 + 2,
        num_attention_heads: arch.heads as i64,
        num_hidden_layers: arch.layers as i64,
        type_vocab_size: arch.type_vocab as i64,
        vocab_size: arch.vocab as i64,
        output_attentions: None,
        output_hidden_states: None,
        is_decoder: None,
        id2label: Some(id2label),
        label2id: Some(label2id),
    }
}

/// An XLM-R encoder with a token classification head.
pub struct XlmrTagger {
    pub vs: nn::VarStore,
    pub model: RobertaForTokenClassification,
    pub config: BertConfig,
    labels: Vec<String>,
    /// The frozen word-embedding table as the base model's Q4_0 bytes, written back on save.
    word_embeddings_q4: Option<Vec<u8>>,
}

impl XlmrTagger {
    /// A model with freshly initialised weights (seed with `tch::manual_seed` first).
    pub fn new(config: BertConfig, device: Device) -> Result<Self> {
        let vs = nn::VarStore::new(device);
        let model = RobertaForTokenClassification::new(vs.root(), &config)
            .map_err(|e| Error::Config(format!("token classifier: {e}")))?;
        let mut ids: Vec<(i64, String)> = config.id2label.clone().unwrap_or_default().into_iter().collect();
        ids.sort();
        let labels = ids.into_iter().map(|(_, l)| l).collect();
        Ok(XlmrTagger { vs, model, config, labels, word_embeddings_q4: None })
    }

    /// Loads `config.json` and `model.safetensors` from a model folder.
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let config_path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&config_path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::ModelMissing {
                path: config_path.clone(),
                hint: format!("{} is not a portavoz model folder", dir.display()),
            },
            _ => Error::io(&config_path, e),
        })?;
        let config: BertConfig = serde_json::from_str(&text)
            .map_err(|e| Error::ModelCorrupt { path: config_path.clone(), reason: e.to_string() })?;
        let mut tagger = Self::new(config, device)?;
        let weights = dir.join(WEIGHTS_FILE);
        let (tensors, _) = store::read(&weights)?;
        tagger.set_weights(tensors, false, &weights)?;
        Ok(tagger)
    }

    /// Tag names in id order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Copies stored tensors into the model's variables. Every variable must be present, with
    /// its shape, except the classifier head when `allow_missing_head` (a base encoder).
    pub fn set_weights(&mut self, tensors: Vec<NamedTensor>, allow_missing_head: bool, source: &Path) -> Result<()> {
        let corrupt = |reason: String| Error::ModelCorrupt { path: source.to_path_buf(), reason };
        let mut by_name: HashMap<String, NamedTensor> = tensors.into_iter().map(|t| (t.name.clone(), t)).collect();
        let mut variables: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, mut var) in variables {
            let Some(stored) = by_name.remove(&name) else {
                if allow_missing_head && name.starts_with("classifier.") {
                    continue;
                }
                return Err(corrupt(format!("no weights for {name}")));
            };
            let want: Vec<usize> = var.size().iter().map(|&d| d as usize).collect();
            if stored.shape != want {
                return Err(corrupt(format!("{name} has shape {:?}, the model expects {want:?}", stored.shape)));
            }
            let values = Tensor::from_slice(&stored.to_f32()).view(var.size().as_slice()).to_device(var.device());
            tch::no_grad(|| var.copy_(&values));
            if name == WORD_EMBEDDINGS {
                self.word_embeddings_q4 = match stored.data {
                    TensorData::Q4(bytes) => Some(bytes),
                    _ => None,
                };
            }
        }
        if let Some(extra) = by_name.keys().next() {
            return Err(corrupt(format!("unexpected tensor {extra} (a different architecture?)")));
        }
        Ok(())
    }

    /// Stops gradients to the word-embedding table (96% of the parameters; training it buys no F1).
    pub fn freeze_word_embeddings(&self) {
        if let Some(t) = self.vs.variables().remove(WORD_EMBEDDINGS) {
            let _ = t.set_requires_grad(false);
        }
    }

    /// All weights as stored tensors: F16 when `half`, else F32; the word embeddings as their
    /// original Q4_0 bytes when they came from a 4-bit file.
    pub fn export(&self, half: bool) -> Vec<NamedTensor> {
        let mut variables: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        variables
            .into_iter()
            .map(|(name, var)| {
                let shape: Vec<usize> = var.size().iter().map(|&d| d as usize).collect();
                if name == WORD_EMBEDDINGS {
                    if let Some(q4) = &self.word_embeddings_q4 {
                        return NamedTensor { name, shape, data: TensorData::Q4(q4.clone()) };
                    }
                }
                let flat = var.detach().to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1]);
                let values: Vec<f32> = Vec::<f32>::try_from(&flat).unwrap_or_default();
                let t = NamedTensor { name, shape, data: TensorData::F32(values) };
                if half {
                    t.into_f16()
                } else {
                    t
                }
            })
            .collect()
    }

    /// Writes `config.json` and `model.safetensors` into `dir` (created if needed).
    pub fn save(&self, dir: &Path, half: bool, metadata: &BTreeMap<String, String>) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let config_path = dir.join(CONFIG_FILE);
        std::fs::write(&config_path, serde_json::to_string_pretty(&self.config)?).map_err(|e| Error::io(&config_path, e))?;
        store::write(&dir.join(WEIGHTS_FILE), &self.export(half), metadata)
    }

    /// Logits `[batch, seq, labels]` for padded input ids and attention mask `[batch, seq]`.
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor, train: bool) -> Tensor {
        self.model.forward_t(Some(input_ids), Some(attention_mask), None, None, None, train).logits
    }

    /// Last hidden states of the encoder (no head), for checking the conversion.
    pub fn device(&self) -> Device {
        self.vs.device()
    }
}
