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
    /// The encoder's linear layers in int8 (weights quantized once, per tensor, symmetric;
    /// activations quantized per call; fbgemm's u8 x s8 kernels, AVX-512 VNNI where present);
    /// embeddings, layer norms, attention and the classifier stay in f32.
    Int8,
    /// f32 like `Fp32`, through portavoz's fused inference forward (one Q/K/V product,
    /// libtorch's fused attention and GELU) instead of rust-bert's layer-by-layer forward;
    /// the same weights and the same math, in a different order of floating-point operations.
    Fused32,
}

impl Precision {
    /// The libtorch element kind of the weights.
    pub fn kind(self) -> Kind {
        match self {
            Precision::Fp32 | Precision::Int8 | Precision::Fused32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
    }

    /// Parses `fp32`/`f32`/`float`, `bf16`/`bfloat16` or `int8` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "fp32" | "f32" | "float" | "float32" => Some(Precision::Fp32),
            "bf16" | "bfloat16" => Some(Precision::Bf16),
            "int8" | "i8" | "q8" => Some(Precision::Int8),
            "fused" | "fused32" | "fp32-fused" => Some(Precision::Fused32),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
            Precision::Fused32 => "fused",
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
        Precision::parse(s).ok_or_else(|| format!("unknown precision {s:?} (expected fp32, fused, bf16 or int8)"))
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
    /// The inference-only forward pass (see [`FastEncoder`]), built on the variables above.
    fast: Option<FastEncoder>,
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
        Ok(XlmrTagger { vs, model, config, labels, word_embeddings_q4: None, precision: Precision::Fp32, fast: None })
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
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        if precision == self.precision {
            return Ok(());
        }
        match precision {
            Precision::Fp32 | Precision::Int8 | Precision::Fused32 => self.vs.float(),
            Precision::Bf16 => self.vs.bfloat16(),
        }
        self.precision = precision;
        self.rebuild_fast()
    }

    /// Rebuilds the inference forward pass after the weights or their kind changed.
    fn rebuild_fast(&mut self) -> Result<()> {
        self.fast = match self.precision {
            Precision::Int8 | Precision::Fused32 => {
                Some(FastEncoder::new(&self.vs, &self.config, self.precision == Precision::Int8).map_err(Error::Config)?)
            }
            _ => None,
        };
        Ok(())
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
        if matches!(precision, Precision::Int8 | Precision::Fused32) {
            self.fast = Some(FastEncoder::new(&self.vs, &self.config, precision == Precision::Int8).map_err(corrupt)?);
        }
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
        self.rebuild_fast()
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
        match &self.fast {
            Some(fast) if !train => fast.logits(input_ids, attention_mask),
            _ => self.model.forward_t(Some(input_ids), Some(attention_mask), None, None, None, train).logits,
        }
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

/// A CPU tensor of `kind` holding a stored tensor's values, built without an intermediate
/// `Vec<f32>`: F16 and Q4_0 values are converted straight into the tensor's memory (in Rust, so
/// ~200 small tensors do not each pay for a libtorch parallel region).
fn tensor_of(stored: &NamedTensor, kind: Kind) -> Tensor {
    let shape: Vec<i64> = stored.shape.iter().map(|&d| d as i64).collect();
    let n = stored.numel();
    match (&stored.data, kind) {
        (TensorData::F32(v), Kind::Float) => Tensor::from_slice(v).view(shape.as_slice()),
        (TensorData::F32(v), Kind::BFloat16) => filled(&shape, Kind::BFloat16, n, |out: &mut [u16]| {
            out.iter_mut().zip(v).for_each(|(o, &x)| *o = bf16_bits(x))
        }),
        (TensorData::F16(v), Kind::Float) => filled(&shape, Kind::Float, n, |out: &mut [f32]| {
            out.iter_mut().zip(v).for_each(|(o, &h)| *o = f16_to_f32(h))
        }),
        (TensorData::F16(v), Kind::BFloat16) => filled(&shape, Kind::BFloat16, n, |out: &mut [u16]| {
            out.iter_mut().zip(v).for_each(|(o, &h)| *o = bf16_bits(f16_to_f32(h)))
        }),
        (TensorData::Q4(blocks), Kind::BFloat16) => {
            filled(&shape, Kind::BFloat16, n, |out: &mut [u16]| dequantize_q4_parallel(blocks, out, bf16_bits))
        }
        (TensorData::Q4(blocks), Kind::Float) => filled(&shape, Kind::Float, n, |out: &mut [f32]| dequantize_q4_parallel(blocks, out, |x| x)),
        _ => tensor_of(stored, Kind::Float).to_kind(kind),
    }
}

/// A fresh contiguous CPU tensor of `n` elements of `kind`, written by `fill` as a slice of `T`
/// (`T` must have the element size of `kind`: f32 for Float, u16 for BFloat16).
fn filled<T>(shape: &[i64], kind: Kind, n: usize, fill: impl FnOnce(&mut [T])) -> Tensor {
    let t = Tensor::empty(shape, (kind, Device::Cpu));
    assert_eq!(kind.elt_size_in_bytes(), std::mem::size_of::<T>());
    assert_eq!(t.numel(), n);
    if n > 0 {
        // SAFETY: `t` is a new contiguous tensor of n elements of size_of::<T>() bytes each,
        // nothing else refers to it yet, and every bit pattern is a valid f32 / bf16.
        let out = unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut T, n) };
        fill(out);
    }
    t
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

/// A linear layer of the inference forward pass: f32, or int8 weights for fbgemm.
enum FastLinear {
    F32 { weight: Tensor, bias: Tensor },
    Int8 { weight: Tensor, packed: Tensor, col_offsets: Tensor, scale: f64, bias: Tensor },
}

impl FastLinear {
    /// `weight` `[out, in]` f32 and `bias` `[out]`; quantized when `int8`.
    fn new(weight: Tensor, bias: Tensor, int8: bool) -> std::result::Result<Self, String> {
        if !int8 {
            return Ok(FastLinear::F32 { weight, bias });
        }
        let (n, k) = weight.size2().map_err(|e| e.to_string())?;
        let values: Vec<f32> = Vec::<f32>::try_from(weight.contiguous().view([-1])).map_err(|e| e.to_string())?;
        // Symmetric per-tensor quantization (zero point 0): q = round(w / scale), |q| <= 127.
        let max = values.iter().fold(0f32, |m, &w| m.max(w.abs()));
        let scale = if max > 0.0 { max as f64 / 127.0 } else { 1.0 };
        let q: Vec<i8> = values.iter().map(|&w| ((w as f64 / scale).round().clamp(-127.0, 127.0)) as i8).collect();
        // fbgemm's column offsets: the sum of each output row's quantized weights.
        let offsets: Vec<i32> = q.chunks(k as usize).map(|row| row.iter().map(|&x| x as i32).sum()).collect();
        let weight = Tensor::from_slice(&q).view([n, k]);
        let packed = weight.fbgemm_pack_quantized_matrix();
        Ok(FastLinear::Int8 { weight, packed, col_offsets: Tensor::from_slice(&offsets), scale, bias: bias.contiguous() })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            FastLinear::F32 { weight, bias } => x.linear(weight, Some(bias)),
            FastLinear::Int8 { weight, packed, col_offsets, scale, bias } => x.fbgemm_linear_int8_weight_fp32_activation(
                weight,
                packed,
                col_offsets,
                tch::Scalar::float(*scale),
                tch::Scalar::int(0),
                bias,
            ),
        }
    }
}

struct FastLayer {
    /// Query, key and value projections fused into one `[3H, H]` product.
    qkv: FastLinear,
    attention_out: FastLinear,
    attention_norm: (Tensor, Tensor),
    intermediate: FastLinear,
    output: FastLinear,
    output_norm: (Tensor, Tensor),
}

/// An inference-only XLM-R forward pass over the tagger's own variables (shared, not copied,
/// except the fused QKV weights and the int8 ones): the same arithmetic as rust-bert's
/// `RobertaForTokenClassification::forward_t` in eval mode, with fused query/key/value,
/// libtorch's scaled-dot-product attention and fused GELU, and optionally int8 linear layers.
struct FastEncoder {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: (Tensor, Tensor),
    layers: Vec<FastLayer>,
    classifier: (Tensor, Tensor),
    heads: i64,
    hidden: i64,
}

/// rust-bert's BERT/RoBERTa layer-norm epsilon.
const LAYER_NORM_EPS: f64 = 1e-12;
/// XLM-R's padding id, from which position ids are counted.
const PADDING_IDX: i64 = 1;

impl FastEncoder {
    fn new(vs: &nn::VarStore, config: &BertConfig, int8: bool) -> std::result::Result<Self, String> {
        let vars = vs.variables();
        let get = |name: &str| -> std::result::Result<Tensor, String> {
            vars.get(name).map(|t| t.detach()).ok_or_else(|| format!("no variable {name}"))
        };
        let norm = |prefix: &str| -> std::result::Result<(Tensor, Tensor), String> {
            Ok((get(&format!("{prefix}.weight"))?, get(&format!("{prefix}.bias"))?))
        };
        let linear = |prefix: &str, int8: bool| -> std::result::Result<FastLinear, String> {
            FastLinear::new(get(&format!("{prefix}.weight"))?, get(&format!("{prefix}.bias"))?, int8)
        };
        let mut layers = Vec::new();
        let _guard = tch::no_grad_guard();
        for i in 0..config.num_hidden_layers {
            let p = format!("roberta.encoder.layer.{i}");
            let part = |w: &str| get(&format!("{p}.attention.self.{w}"));
            let qkv_weight = Tensor::cat(&[part("query.weight")?, part("key.weight")?, part("value.weight")?], 0);
            let qkv_bias = Tensor::cat(&[part("query.bias")?, part("key.bias")?, part("value.bias")?], 0);
            layers.push(FastLayer {
                qkv: FastLinear::new(qkv_weight, qkv_bias, int8)?,
                attention_out: linear(&format!("{p}.attention.output.dense"), int8)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(&format!("{p}.intermediate.dense"), int8)?,
                output: linear(&format!("{p}.output.dense"), int8)?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(FastEncoder {
            word: get(WORD_EMBEDDINGS)?,
            position: get("roberta.embeddings.position_embeddings.weight")?,
            token_type: get("roberta.embeddings.token_type_embeddings.weight")?.get(0),
            embedding_norm: norm("roberta.embeddings.LayerNorm")?,
            layers,
            classifier: (get("classifier.weight")?, get("classifier.bias")?),
            heads: config.num_attention_heads,
            hidden: config.hidden_size,
        })
    }

    fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Tensor {
        let (batch, len) = input_ids.size2().expect("input ids [batch, seq]");
        let (h, heads) = (self.hidden, self.heads);
        let not_pad = input_ids.ne(PADDING_IDX).to_kind(Kind::Int64);
        let positions = not_pad.cumsum(1, Kind::Int64) * &not_pad + PADDING_IDX;
        let x = Tensor::embedding(&self.word, input_ids, PADDING_IDX, false, false)
            + Tensor::embedding(&self.position, &positions, PADDING_IDX, false, false)
            + &self.token_type;
        let mut x = x.layer_norm([h], Some(&self.embedding_norm.0), Some(&self.embedding_norm.1), LAYER_NORM_EPS, false);
        // Additive mask as rust-bert builds it: 0 where attended, -10000 at padding.
        let mask = ((attention_mask.ones_like() - attention_mask) * -10000.0).to_kind(Kind::Float).view([batch, 1, 1, len]);
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x).view([batch, len, 3, heads, h / heads]).permute([2, 0, 3, 1, 4]);
            let context = Tensor::scaled_dot_product_attention(&qkv.get(0), &qkv.get(1), &qkv.get(2), Some(&mask), 0.0, false, None);
            let context = context.transpose(1, 2).contiguous().view([batch, len, h]);
            let a = (layer.attention_out.forward(&context) + &x).layer_norm(
                [h],
                Some(&layer.attention_norm.0),
                Some(&layer.attention_norm.1),
                LAYER_NORM_EPS,
                false,
            );
            let inner = layer.intermediate.forward(&a).gelu("none");
            x = (layer.output.forward(&inner) + &a).layer_norm([h], Some(&layer.output_norm.0), Some(&layer.output_norm.1), LAYER_NORM_EPS, false);
        }
        x.linear(&self.classifier.0, Some(&self.classifier.1))
    }
}
