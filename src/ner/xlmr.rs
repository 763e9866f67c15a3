//! The XLM-RoBERTa token classifier (rust-bert's `RobertaForTokenClassification` on libtorch)
//! and its weights on disk: `config.json` (rust-bert's `BertConfig`) and `model.safetensors`.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rust_bert::bert::BertConfig;
use rust_bert::roberta::RobertaForTokenClassification;
use rust_bert::Activation;
use tch::{nn, Device, Kind, Tensor};

use super::e5s1::{f16_to_f32, Q4_BLOCK, Q4_BLOCK_BYTES};
pub use super::forward::WORD_EMBEDDINGS;
use super::forward::{FusedEncoder, HiddenTap, Int8Calibration, Int8Layers, PackedRows, Q4Table, PADDING_IDX};
use super::store::{self, NamedTensor, TensorData};
use crate::error::{Error, Result};

/// Name of the word-embedding table, which stays frozen and is stored in 4 bits.
/// The tag set: O and B-/I- of PER, LOC, ORG, MISC.
pub const LABELS: [&str; 9] = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"];

pub const CONFIG_FILE: &str = "config.json";
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// Optional: activation ranges that let int8 quantize every linear layer (see
/// [`super::forward::Int8Calibration`] and `examples/calibrate_int8.rs`).
pub const INT8_CALIBRATION_FILE: &str = "int8-calibration.safetensors";

/// Number format of the model's weights and activations at inference time.
///
/// Every format runs the same fused forward pass (see [`super::forward`]); the logits are cast
/// to f32 before the softmax, so scores and decoding are always in f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Precision {
    /// The fastest format that keeps the model's F1 (within 0.5 of fp32) on this machine:
    /// `Bf16` where the CPU has AMX tiles for bfloat16, else `Int8` where it has AVX-512 VNNI
    /// (and the model folder has its int8 calibration), else `Fp32`. The environment variable
    /// `PORTAVOZ_PRECISION` (fp32, bf16 or int8) overrides the choice. See [`Precision::resolve`].
    #[default]
    Auto,
    /// IEEE single precision everywhere (the reference numbers).
    Fp32,
    /// bfloat16 weights and activations (oneDNN: AMX or AVX-512 BF16 where present).
    Bf16,
    /// The encoder's linear layers in int8 (weights quantized once, per output channel;
    /// activations per call; fbgemm's u8 x s8 kernels, AVX-512 VNNI where present); embeddings,
    /// layer norms, attention and the classifier stay in f32.
    Int8,
}

impl Precision {
    /// The format [`Precision::Auto`] stands for on this machine (for a model folder with an
    /// int8 calibration); the others stand for themselves.
    pub fn resolve(self) -> Precision {
        if self != Precision::Auto {
            return self;
        }
        if let Some(chosen) = std::env::var("PORTAVOZ_PRECISION").ok().and_then(|v| Precision::parse(v.trim())) {
            if chosen != Precision::Auto {
                return chosen;
            }
        }
        if cpu_has_amx_bf16() {
            Precision::Bf16
        } else if cpu_has_avx512_vnni() {
            Precision::Int8
        } else {
            Precision::Fp32
        }
    }

    /// The libtorch element kind of the weights.
    pub fn kind(self) -> Kind {
        match self.resolve() {
            Precision::Bf16 => Kind::BFloat16,
            _ => Kind::Float,
        }
    }

    /// Parses `auto`, `fp32`/`f32`/`float`, `bf16`/`bfloat16` or `int8` (any case).
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "auto" => Some(Precision::Auto),
            "fp32" | "f32" | "float" | "float32" => Some(Precision::Fp32),
            "bf16" | "bfloat16" => Some(Precision::Bf16),
            "int8" | "i8" | "q8" => Some(Precision::Int8),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// Whether the CPU has AVX-512 VNNI (fbgemm's fast u8 x s8 products).
pub fn cpu_has_avx512_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the CPU has AMX tiles with bfloat16 products (CPUID leaf 7: AMX-BF16 and AMX-TILE)
/// and the OS has enabled their register state (XCR0 bits 17 and 18).
pub fn cpu_has_amx_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__cpuid, __cpuid_count};
        // SAFETY: CPUID is available on every x86_64 CPU; leaf 7 is only read when leaf 0 says
        // it exists, and XGETBV only when CPUID says OSXSAVE is set.
        unsafe {
            if __cpuid(0).eax < 7 {
                return false;
            }
            let leaf7 = __cpuid_count(7, 0);
            let (amx_bf16, amx_tile) = (leaf7.edx & (1 << 22) != 0, leaf7.edx & (1 << 24) != 0);
            let osxsave = __cpuid(1).ecx & (1 << 27) != 0;
            if !(amx_bf16 && amx_tile && osxsave) {
                return false;
            }
            let xcr0 = std::arch::x86_64::_xgetbv(0);
            xcr0 & (0b11 << 17) == 0b11 << 17
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Which implementation of the forward pass runs at inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Forward {
    /// portavoz's fused pass over packed rows (the default; every precision).
    #[default]
    Fused,
    /// rust-bert's `RobertaForTokenClassification::forward_t` on the same packed rows (f32 or
    /// bf16; the cross-check of the fused pass, and what training runs).
    RustBert,
}

impl std::fmt::Display for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Forward::Fused => "fused",
            Forward::RustBert => "rust-bert",
        })
    }
}

impl std::str::FromStr for Forward {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "fused" => Ok(Forward::Fused),
            "rust-bert" | "rustbert" => Ok(Forward::RustBert),
            _ => Err(format!("unknown forward {s:?} (expected fused or rust-bert)")),
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
        Precision::parse(s).ok_or_else(|| format!("unknown precision {s:?} (expected auto, fp32, bf16 or int8)"))
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
    /// The frozen word-embedding table as the base model's Q4_0 blocks, when it came from a
    /// 4-bit file: written back on save, and the source of the embeddings at inference when
    /// `table_in_variable` is false.
    word_table: Option<Q4Table>,
    /// Whether the word-embedding variable holds the whole table (training needs it; an
    /// inference load keeps only the Q4 blocks).
    table_in_variable: bool,
    precision: Precision,
    forward: Forward,
    /// The fused inference pass, built on the variables above.
    fused: Option<FusedEncoder>,
    /// The model folder's int8 calibration, when it has one.
    int8_calibration: Option<Int8Calibration>,
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
        Ok(XlmrTagger {
            vs,
            model,
            config,
            labels,
            word_table: None,
            table_in_variable: true,
            precision: Precision::Fp32,
            forward: Forward::RustBert,
            fused: None,
            int8_calibration: None,
        })
    }

    /// Loads `config.json` and `model.safetensors` from a model folder: f32 weights, the whole
    /// word-embedding table in its variable (for training or conversion checks).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let config = read_config(dir)?;
        let weights = dir.join(WEIGHTS_FILE);
        let (tensors, _) = store::read(&weights)?;
        let mut tagger = Self::new(config, device)?;
        tagger.set_weights(tensors, false, &weights)?;
        Ok(tagger)
    }

    /// Loads a model folder for inference, with its weights in `precision` (`Auto` resolved
    /// for this machine) and the given forward pass.
    ///
    /// Faster and leaner than [`XlmrTagger::load`]: the module tree is built with a two-row
    /// word-embedding table, a 4-bit table stays in its Q4 blocks (rows are expanded per batch),
    /// and every other stored tensor is turned straight into a libtorch tensor of the target
    /// kind that then *becomes* the variable (`set_data`), with no f32 copy in between.
    pub fn load_for_inference(dir: &Path, device: Device, precision: Precision, forward: Forward) -> Result<Self> {
        let calibration = dir.join(INT8_CALIBRATION_FILE);
        let precision = match (precision, precision.resolve()) {
            // Without its calibration, int8 is not within 0.5 F1 and fast enough for Auto.
            (Precision::Auto, Precision::Int8) if !calibration.exists() => Precision::Fp32,
            (Precision::Auto, Precision::Int8) if forward == Forward::RustBert => Precision::Fp32,
            (_, resolved) => resolved,
        };
        if precision == Precision::Int8 && forward == Forward::RustBert {
            return Err(Error::Config("int8 runs only in the fused forward pass".into()));
        }
        let config = read_config(dir)?;
        let weights = dir.join(WEIGHTS_FILE);
        let (tensors, _) = store::read(&weights)?;
        let mut shell = config.clone();
        shell.vocab_size = 2;
        let mut tagger = Self::new(shell, device)?;
        tagger.config = config;
        tagger.forward = forward;
        if precision == Precision::Int8 && calibration.exists() {
            tagger.int8_calibration = Some(Int8Calibration::read(&calibration)?);
        }
        tagger.install_weights(tensors, precision, &weights)?;
        Ok(tagger)
    }

    /// Weights and activations format.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Converts every floating-point weight to `precision` (in place; the variables keep their
    /// identity, so modules and optimizers holding them see the change) and builds the fused
    /// inference pass for it.
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        let precision = precision.resolve();
        match precision {
            Precision::Bf16 => self.vs.bfloat16(),
            _ => self.vs.float(),
        }
        self.precision = precision;
        self.forward = Forward::Fused;
        self.rebuild_fused()
    }

    fn rebuild_fused(&mut self) -> Result<()> {
        self.fused = match (self.forward, self.precision) {
            (Forward::RustBert, _) => None,
            (Forward::Fused, precision) => {
                // The FFN output product loses F1 in int8 unless calibration smooths its input.
                let int8 = match precision {
                    Precision::Int8 => Int8Layers { qkv: true, attention_out: true, intermediate: true, output: self.int8_calibration.is_some() },
                    _ => Int8Layers::NONE,
                };
                let c = &self.config;
                let calibration = self.int8_calibration.as_ref();
                Some(FusedEncoder::new(&self.vs, c.num_hidden_layers, c.num_attention_heads, c.hidden_size, int8, calibration).map_err(Error::Config)?)
            }
        };
        Ok(())
    }

    /// [`XlmrTagger::load_for_inference`]'s weight installation: each variable's data is
    /// replaced by a tensor built from the stored one, in `precision`; a Q4 word-embedding table
    /// is kept as blocks (its variable gets two placeholder rows of the right kind), every other
    /// shape must match.
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
            if name == WORD_EMBEDDINGS {
                if let TensorData::Q4(blocks) = stored.data {
                    if blocks.len() != vocab * want[1] / Q4_BLOCK * Q4_BLOCK_BYTES {
                        return Err(corrupt(format!("{name} has {} bytes of Q4 blocks for {want:?}", blocks.len())));
                    }
                    var.set_data(&Tensor::zeros(var.size(), (kind, var.device())));
                    self.word_table = Some(Q4Table { blocks, rows: vocab, cols: want[1] });
                    self.table_in_variable = false;
                    continue;
                }
            }
            let values = tensor_of(&stored, kind);
            let values = if var.device() == Device::Cpu { values } else { values.to_device(var.device()) };
            var.set_data(&values);
        }
        if let Some(extra) = by_name.keys().next() {
            return Err(corrupt(format!("unexpected tensor {extra} (a different architecture?)")));
        }
        self.precision = precision;
        self.rebuild_fused()
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
        if !self.table_in_variable {
            return Err(Error::Config("set_weights needs a tagger built by XlmrTagger::new or ::load".into()));
        }
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
                self.word_table = match stored.data {
                    TensorData::Q4(blocks) => Some(Q4Table { blocks, rows: want[0], cols: want[1] }),
                    _ => None,
                };
            }
        }
        if let Some(extra) = by_name.keys().next() {
            return Err(corrupt(format!("unexpected tensor {extra} (a different architecture?)")));
        }
        self.rebuild_fused()
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
                    if let Some(table) = &self.word_table {
                        return NamedTensor { name, shape: vec![table.rows, table.cols], data: TensorData::Q4(table.blocks.clone()) };
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

    /// rust-bert's forward pass on padded input ids and attention mask `[batch, seq]`: logits
    /// `[batch, seq, labels]` in the model's kind. Training runs this (with `train`, dropout on).
    pub fn logits(&self, input_ids: &Tensor, attention_mask: &Tensor, train: bool) -> Tensor {
        if self.table_in_variable {
            return self.model.forward_t(Some(input_ids), Some(attention_mask), None, None, None, train).logits;
        }
        let shape = input_ids.size();
        let ids: Vec<i64> = Vec::<i64>::try_from(input_ids.to_device(Device::Cpu).reshape([-1])).unwrap_or_default();
        let embeds = self.embed_words(&ids, &shape);
        let not_pad = input_ids.ne(PADDING_IDX).to_kind(Kind::Int64);
        let positions = not_pad.cumsum(1, Kind::Int64) * &not_pad + PADDING_IDX;
        self.model.forward_t(None, Some(attention_mask), None, Some(&positions), Some(&embeds), train).logits
    }

    /// Logits `[rows, width, labels]` of packed rows (see [`super::pack`]), in the model's kind,
    /// from the forward pass chosen at load time.
    pub fn packed_logits(&self, input: &PackedRows) -> Tensor {
        let shape = input.shape();
        let embeds = self.embed_words(input.ids, &shape);
        match &self.fused {
            Some(fused) => fused.logits(input, embeds),
            None => {
                let device = self.device();
                let positions = Tensor::from_slice(input.positions).view(shape).to_device(device);
                let mask = input.attention_mask().to_device(device);
                self.model.forward_t(None, Some(&mask), None, Some(&positions), Some(&embeds), false).logits
            }
        }
    }

    /// Logits and the hidden states `tap` asks for. Hidden states come only from the fused
    /// pass: with rust-bert's forward the list is empty.
    pub fn packed_logits_and_hidden(&self, input: &PackedRows, tap: HiddenTap) -> (Tensor, Vec<Tensor>) {
        match (&self.fused, tap) {
            (Some(fused), _) => fused.logits_and_hidden(input, self.embed_words(input.ids, &input.shape()), tap),
            (None, _) => (self.packed_logits(input), Vec::new()),
        }
    }

    /// Whether the forward pass can hand back hidden states (the fused pass can).
    pub fn has_hidden_states(&self) -> bool {
        self.fused.is_some()
    }

    /// Runs the fused f32 pass on packed rows and raises `maxes` to the per-channel largest
    /// |input| of each layer's FFN output product (for [`Int8Calibration`]).
    pub fn record_ffn_input_max(&self, input: &PackedRows, maxes: &mut Vec<Vec<f32>>) -> Result<()> {
        match &self.fused {
            Some(fused) if self.precision == Precision::Fp32 => {
                fused.record_ffn_input_max(input, self.embed_words(input.ids, &input.shape()), maxes);
                Ok(())
            }
            _ => Err(Error::Config("calibration runs on a model loaded in fp32 with the fused forward".into())),
        }
    }

    /// Word embeddings of `ids` (laid out as `shape`, then hidden), in the model's kind.
    fn embed_words(&self, ids: &[i64], shape: &[i64]) -> Tensor {
        let _span = super::op_profile::Span::start(super::op_profile::Op::Embeddings);
        let device = self.device();
        let mut full: Vec<i64> = shape.to_vec();
        full.push(self.config.hidden_size);
        match (&self.word_table, self.table_in_variable) {
            (Some(table), false) => {
                Tensor::from_slice(&table.lookup(ids)).view(full.as_slice()).to_kind(self.precision.kind()).to_device(device)
            }
            _ => {
                let ids = Tensor::from_slice(ids).view(shape).to_device(device);
                let table = self.vs.variables().remove(WORD_EMBEDDINGS).expect("the word-embedding variable");
                Tensor::embedding(&table, &ids, PADDING_IDX, false, false)
            }
        }
    }

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
