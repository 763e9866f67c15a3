//! The XLM-RoBERTa token classifier (rust-bert's `RobertaForTokenClassification` on libtorch)
//! and its weights on disk: `config.json` (rust-bert's `BertConfig`) and `model.safetensors`.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_bert::bert::BertConfig;
use rust_bert::roberta::RobertaForTokenClassification;
use rust_bert::Activation;
use tch::{nn, Device, Kind, Tensor};

use super::e5s1::{f16_to_f32, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::store::{self, NamedTensor, TensorData};
use crate::error::{Error, Result};

/// Name of the word-embedding table, which stays frozen and is stored in 4 bits.
pub const WORD_EMBEDDINGS: &str = "roberta.embeddings.word_embeddings.weight";
/// The tag set: O and B-/I- of PER, LOC, ORG, MISC.
pub const LABELS: [&str; 9] = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"];

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// Number format of the model's weights and activations at inference time.
///
/// `Bf16` stores every floating-point weight in bfloat16 and runs the encoder in it (libtorch
/// sends its matrix products to oneDNN, which uses AVX-512 BF16 / AMX where the CPU has them);
/// the logits are cast back to f32 before the softmax, so scores and decoding stay in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Precision {
    /// IEEE single precision everywhere (the reference numbers).
    #[default]
    Fp32,
    /// bfloat16 weights and activations; half the weight memory.
    Bf16,
}

impl Precision {
    /// The libtorch element kind of the weights.
    pub fn kind(self) -> Kind {
        match self {
            Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
    }

    /// Parses `fp32`/`f32`/`float` or `bf16`/`bfloat16` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "fp32" | "f32" | "float" | "float32" => Some(Precision::Fp32),
            "bf16" | "bfloat16" => Some(Precision::Bf16),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Precision::parse(s).ok_or_else(|| format!("unknown precision {s:?} (expected fp32 or bf16)"))
    }
}

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
    precision: Precision,
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
        Ok(XlmrTagger { vs, model, config, labels, word_embeddings_q4: None, precision: Precision::Fp32 })
    }

    /// Loads `config.json` and `model.safetensors` from a model folder (f32 weights).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        Self::load_with(dir, device, Precision::Fp32)
    }

    /// Loads a model folder with its weights in `precision`.
    ///
    /// Faster and leaner than [`XlmrTagger::new`] + [`XlmrTagger::set_weights`]: the module
    /// tree is built with a two-row word-embedding table (so libtorch does not draw 44M random
    /// values only to overwrite them), and every stored tensor is turned straight into a
    /// libtorch tensor of the target kind that then *becomes* the variable (`set_data`), with no
    /// f32 copy in between; the Q4_0 table is dequantized into the tensor's own memory.
    pub fn load_with(dir: &Path, device: Device, precision: Precision) -> Result<Self> {
        let config = read_config(dir)?;
        let weights = dir.join(WEIGHTS_FILE);
        let (tensors, _) = store::read(&weights)?;
        let mut shell = config.clone();
        shell.vocab_size = 2;
        let mut tagger = Self::new(shell, device)?;
        tagger.config = config;
        tagger.install_weights(tensors, precision, &weights)?;
        Ok(tagger)
    }

    /// Weights and activations format.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Converts every floating-point weight to `precision` (in place; the variables keep their
    /// identity, so modules and optimizers holding them see the change).
    pub fn set_precision(&mut self, precision: Precision) {
        if precision == self.precision {
            return;
        }
        match precision {
            Precision::Fp32 => self.vs.float(),
            Precision::Bf16 => self.vs.bfloat16(),
        }
        self.precision = precision;
    }

    /// [`XlmrTagger::load_with`]'s weight installation: each variable's data is replaced by a
    /// tensor built from the stored one, in `precision`; the word-embedding table may differ in
    /// rows from the variable (the shell has two), every other shape must match.
    fn install_weights(&mut self, tensors: Vec<NamedTensor>, precision: Precision, source: &Path) -> Result<()> {
        let corrupt = |reason: String| Error::ModelCorrupt { path: source.to_path_buf(), reason };
        let kind = precision.kind();
        let vocab = self.config.vocab_size as usize;
        let mut by_name: HashMap<String, NamedTensor> = tensors.into_iter().map(|t| (t.name.clone(), t)).collect();
        let mut variables: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        let _guard = tch::no_grad_guard();
        for (name, mut var) in variables {
            let Some(stored) = by_name.remove(&name) else {
                return Err(corrupt(format!("no weights for {name}")));
            };
            let mut want: Vec<usize> = var.size().iter().map(|&d| d as usize).collect();
            if name == WORD_EMBEDDINGS {
                want[0] = vocab;
            }
            if stored.shape != want {
                return Err(corrupt(format!("{name} has shape {:?}, the model expects {want:?}", stored.shape)));
            }
            let values = tensor_of(&stored, kind);
            let values = if var.device() == Device::Cpu { values } else { values.to_device(var.device()) };
            var.set_data(&values);
            if name == WORD_EMBEDDINGS {
                if let TensorData::Q4(bytes) = stored.data {
                    self.word_embeddings_q4 = Some(bytes);
                }
            }
        }
        if let Some(extra) = by_name.keys().next() {
            return Err(corrupt(format!("unexpected tensor {extra} (a different architecture?)")));
        }
        self.precision = precision;
        Ok(())
    }

    /// Tag names in id order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Copies stored tensors into the model's variables. Every variable must be present, with
    /// its shape, except the classifier head when `allow_missing_head` (a base encoder).
    /// The variables keep their kind (f32 unless [`XlmrTagger::set_precision`] changed it).
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
            let values = tensor_of(&stored, var.kind()).to_device(var.device());
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

    /// Logits `[batch, seq, labels]` for padded input ids and attention mask `[batch, seq]`,
    /// in the model's precision (bf16 logits from a bf16 model: cast before a softmax).
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor, train: bool) -> Tensor {
        self.model.forward_t(Some(input_ids), Some(attention_mask), None, None, None, train).logits
    }

    /// Last hidden states of the encoder (no head), for checking the conversion.
    pub fn device(&self) -> Device {
        self.vs.device()
    }
}

/// Reads and parses `config.json` of a model folder.
fn read_config(dir: &Path) -> Result<BertConfig> {
    let config_path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::ModelMissing {
            path: config_path.clone(),
            hint: format!("{} is not a portavoz model folder", dir.display()),
        },
        _ => Error::io(&config_path, e),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::ModelCorrupt { path: config_path.clone(), reason: e.to_string() })
}

/// A CPU tensor of `kind` (Float or BFloat16; Half data may stay Half) holding a stored
/// tensor's values, built without an intermediate `Vec<f32>`.
fn tensor_of(stored: &NamedTensor, kind: Kind) -> Tensor {
    let shape: Vec<i64> = stored.shape.iter().map(|&d| d as i64).collect();
    match &stored.data {
        TensorData::F32(v) => {
            let t = Tensor::from_slice(v).view(shape.as_slice());
            if kind == Kind::Float {
                t
            } else {
                t.to_kind(kind)
            }
        }
        TensorData::F16(v) => {
            // SAFETY: a u16 slice viewed as its bytes (libtorch reads them as little-endian
            // halves, which is how they were stored and how this x86/ARM host holds them).
            let bytes = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, v.len() * 2) };
            Tensor::from_data_size(bytes, &shape, Kind::Half).to_kind(kind)
        }
        TensorData::Q4(blocks) => {
            let kind = if kind == Kind::BFloat16 { Kind::BFloat16 } else { Kind::Float };
            let t = Tensor::empty(shape.as_slice(), (kind, Device::Cpu));
            let n = stored.numel();
            if kind == Kind::BFloat16 {
                // SAFETY: a fresh contiguous BFloat16 tensor of n elements (2 bytes each).
                let out = unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut u16, n) };
                dequantize_q4_parallel(blocks, out, |x| bf16_bits(x));
            } else {
                // SAFETY: a fresh contiguous Float tensor of n elements.
                let out = unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut f32, n) };
                dequantize_q4_parallel(blocks, out, |x| x);
            }
            t
        }
    }
}

/// f32 to bfloat16 bits, rounding to nearest even (as libtorch does; no NaNs here).
#[inline]
fn bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    (b.wrapping_add(0x7FFF + ((b >> 16) & 1)) >> 16) as u16
}

/// Dequantizes Q4_0 blocks (see [`super::e5s1::dequantize_q4`]) into `out`, converting each
/// value with `convert`, split across the machine's cores (a load-time cost of ~44M values).
fn dequantize_q4_parallel<T: Copy + Send>(blocks: &[u8], out: &mut [T], convert: impl Fn(f32) -> T + Sync) {
    let n_blocks = out.len() / Q4_BLOCK;
    if n_blocks == 0 {
        return;
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8).min(n_blocks.max(1));
    let per = n_blocks.div_ceil(workers);
    let convert = &convert;
    std::thread::scope(|scope| {
        for (blocks, out) in blocks.chunks(per * Q4_BLOCK_BYTES).zip(out.chunks_mut(per * Q4_BLOCK)) {
            scope.spawn(move || {
                for (block, values) in blocks.chunks_exact(Q4_BLOCK_BYTES).zip(out.chunks_exact_mut(Q4_BLOCK)) {
                    let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
                    let (lo, hi) = values.split_at_mut(Q4_BLOCK / 2);
                    for ((&q, a), b) in block[2..].iter().zip(lo).zip(hi) {
                        *a = convert(((q & 0x0F) as i32 - 8) as f32 * d);
                        *b = convert(((q >> 4) as i32 - 8) as f32 * d);
                    }
                }
            });
        }
    });
}
