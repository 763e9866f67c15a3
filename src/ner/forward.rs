//! The inference forward pass over packed rows (see [`super::pack`]): XLM-R with one fused
//! query/key/value product, libtorch's scaled-dot-product attention and GELU, in f32, bf16 or
//! int8, on the tagger's own variables (shared, not copied). It computes what rust-bert's
//! `RobertaForTokenClassification::forward_t` computes in eval mode, with a block-diagonal
//! attention mask so that inputs sharing a row never see each other.
use std::collections::BTreeMap;
use std::path::Path;

/// Name of the word embedding matrix in the checkpoint.
pub const WORD_EMBEDDINGS: &str = "roberta.embeddings.word_embeddings.weight";

use tch::{nn, Kind, Tensor};

use super::e5s1::{dequantize_q4, Q4_BLOCK, Q4_BLOCK_BYTES};
use super::op_profile::{timed, Op};
use super::store::{self, NamedTensor, TensorData};
use crate::error::{Error, Result};

/// rust-bert's BERT/RoBERTa layer-norm epsilon.
const LAYER_NORM_EPS: f64 = 1e-12;
/// XLM-R's padding id; positions are counted from it.
pub const PADDING_IDX: i64 = 1;
/// The additive attention mask value rust-bert uses (finite, so no NaN ever appears).
const MASKED: f64 = -10000.0;

/// Hidden states a forward pass hands back beside the logits. State 0 is the embedding
/// output, state `i` the output of layer `i` (1-based).
#[derive(Debug, Clone, Copy)]
pub enum HiddenTap<'a> {
    None,
    /// Every state, in order.
    All,
    /// One tensor: the sum of the states weighted by these weights (missing ones count 0).
    Mix(&'a [f32]),
}

/// Packed rows as flat row-major `[rows, width]` arrays.
#[derive(Debug, Clone, Copy)]
pub struct PackedRows<'a> {
    pub rows: usize,
    pub width: usize,
    /// Subword ids (`<pad>` after the last input of a row).
    pub ids: &'a [i64],
    /// XLM-R position ids: 2, 3, ... from the start of each input; 1 at padding.
    pub positions: &'a [i64],
    /// 0 at padding, else the 1-based number of the input within its row.
    pub segments: &'a [i64],
}

impl PackedRows<'_> {
    pub fn shape(&self) -> [i64; 2] {
        [self.rows as i64, self.width as i64]
    }

    /// `[rows, width, width]` int64: 1 where query and key belong to the same input.
    pub fn attention_mask(&self) -> Tensor {
        let seg = Tensor::from_slice(self.segments).view(self.shape());
        let same = seg.unsqueeze(2).eq_tensor(&seg.unsqueeze(1));
        same.logical_and(&seg.unsqueeze(1).ne(0)).to_kind(Kind::Int64)
    }
}

/// The word-embedding table kept as the base model's Q4_0 blocks: rows are expanded only for
/// the ids of a batch, so the 175 MB f32 table is never built at inference.
pub struct Q4Table {
    pub blocks: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
}

impl Q4Table {
    /// `[ids.len(), cols]` f32 embeddings; an out-of-range id gets `<unk>`'s row (id 3).
    pub fn lookup(&self, ids: &[i64]) -> Vec<f32> {
        let row_bytes = self.cols / Q4_BLOCK * Q4_BLOCK_BYTES;
        let mut out = vec![0f32; ids.len() * self.cols];
        for (&id, values) in ids.iter().zip(out.chunks_exact_mut(self.cols)) {
            let id = if (0..self.rows as i64).contains(&id) { id as usize } else { 3 };
            dequantize_q4(&self.blocks[id * row_bytes..(id + 1) * row_bytes], values);
        }
        out
    }
}

/// How much of the input's range SmoothQuant moves into the weights. Chosen on AnCora dev and
/// CoNLL-2002 testa among 0.8 / 0.9 / 1.0 (F1 change from f32: −0.25/+0.25, −0.19/−0.06,
/// −0.20/−0.16; the smallest worst case); 0.5, the paper's default, cost 0.7 F1 on AnCora.
pub const SMOOTHING_ALPHA: f32 = 0.9;

/// Which linear layers of each encoder layer run in int8 (the rest stay in the weights' kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int8Layers {
    pub qkv: bool,
    pub attention_out: bool,
    pub intermediate: bool,
    pub output: bool,
}

impl Int8Layers {
    pub const NONE: Int8Layers = Int8Layers { qkv: false, attention_out: false, intermediate: false, output: false };
}

/// A linear layer: in the weights' kind, or int8 weights for fbgemm.
enum Linear {
    Plain { weight: Tensor, bias: Tensor },
    /// Weights quantized per output channel, symmetric: `w[o, i] ≈ q[o, i] * scale[o]`. fbgemm
    /// runs the u8 x s8 product with unit weight scale (its activations are quantized per call)
    /// and the channel scales and bias are applied after, in one pass. With `input_scale`, the
    /// input is multiplied by it first (the weights were divided by it before quantizing).
    Int8 { weight: Tensor, packed: Tensor, col_offsets: Tensor, scales: Tensor, bias: Tensor, zero_bias: Tensor, input_scale: Option<Tensor> },
}

impl Linear {
    fn new(weight: Tensor, bias: Tensor, int8: bool) -> std::result::Result<Self, String> {
        if int8 {
            Self::int8(weight, bias, None)
        } else {
            Ok(Linear::Plain { weight, bias })
        }
    }

    /// An int8 layer; with `input_max` (the largest |x_j| of each input channel seen in
    /// calibration), outlier input channels are first moved into the weights (SmoothQuant):
    /// `x·Wᵀ = (x / s)·(W s)ᵀ` with `s_j = max|x_j|^α / max|W_·j|^(1-α)`, α = [`SMOOTHING_ALPHA`].
    fn int8(weight: Tensor, bias: Tensor, input_max: Option<&[f32]>) -> std::result::Result<Self, String> {
        let (n, k) = weight.size2().map_err(|e| e.to_string())?;
        let mut values: Vec<f32> = Vec::<f32>::try_from(weight.to_kind(Kind::Float).contiguous().view([-1])).map_err(|e| e.to_string())?;
        let input_scale = match input_max {
            Some(x_max) if x_max.len() == k as usize => {
                let mut w_max = vec![0f32; k as usize];
                for row in values.chunks(k as usize) {
                    for (m, &w) in w_max.iter_mut().zip(row) {
                        *m = m.max(w.abs());
                    }
                }
                let s: Vec<f32> = x_max.iter().zip(&w_max).map(|(&x, &w)| if x > 0.0 && w > 0.0 {
                            (x.powf(SMOOTHING_ALPHA) / w.powf(1.0 - SMOOTHING_ALPHA)).clamp(1e-3, 1e3)
                        } else {
                            1.0
                        }).collect();
                for row in values.chunks_mut(k as usize) {
                    row.iter_mut().zip(&s).for_each(|(w, &s)| *w *= s);
                }
                let inverse: Vec<f32> = s.iter().map(|&s| 1.0 / s).collect();
                Some(Tensor::from_slice(&inverse))
            }
            Some(x_max) => return Err(format!("calibration has {} channels for a layer of {k} inputs", x_max.len())),
            None => None,
        };
        let mut q = Vec::with_capacity(values.len());
        let mut scales = Vec::with_capacity(n as usize);
        let mut offsets = Vec::with_capacity(n as usize);
        for row in values.chunks(k as usize) {
            let max = row.iter().fold(0f32, |m, &w| m.max(w.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            let start = q.len();
            q.extend(row.iter().map(|&w| (w / scale).round().clamp(-127.0, 127.0) as i8));
            offsets.push(q[start..].iter().map(|&x| x as i32).sum::<i32>());
            scales.push(scale);
        }
        let weight = Tensor::from_slice(&q).view([n, k]);
        silence_fbgemm_deprecation_warnings();
        let packed = weight.fbgemm_pack_quantized_matrix();
        Ok(Linear::Int8 {
            weight,
            packed,
            col_offsets: Tensor::from_slice(&offsets),
            scales: Tensor::from_slice(&scales),
            bias: bias.to_kind(Kind::Float).contiguous(),
            zero_bias: Tensor::zeros([n], (Kind::Float, tch::Device::Cpu)),
            input_scale,
        })
    }

    /// Multiply-adds per input row (inputs × outputs).
    fn work(&self) -> u64 {
        let weight = match self {
            Linear::Plain { weight, .. } | Linear::Int8 { weight, .. } => weight,
        };
        weight.size().iter().product::<i64>().max(0) as u64
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Linear::Plain { weight, bias } => x.linear(weight, Some(bias)),
            Linear::Int8 { weight, packed, col_offsets, scales, bias, zero_bias, input_scale } => {
                let smoothed;
                let x = match input_scale {
                    Some(s) => {
                        smoothed = x * s;
                        &smoothed
                    }
                    None => x,
                };
                let unscaled = x.fbgemm_linear_int8_weight_fp32_activation(
                    weight,
                    packed,
                    col_offsets,
                    tch::Scalar::float(1.0),
                    tch::Scalar::int(0),
                    zero_bias,
                );
                bias.addcmul(&unscaled, scales)
            }
        }
    }
}

/// libtorch prints a one-time "is deprecated" warning on stderr at the first call of each fbgemm
/// int8 op, which would land in users' output (and break `--quiet`). The first calls are made
/// here, on a tiny matrix, with stderr pointed at /dev/null for their duration.
fn silence_fbgemm_deprecation_warnings() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        let warm_up = || {
            let weight = Tensor::ones([2, 2], (Kind::Int8, tch::Device::Cpu));
            let packed = weight.fbgemm_pack_quantized_matrix();
            let offsets = Tensor::from_slice(&[2i32, 2]);
            let bias = Tensor::zeros([2], (Kind::Float, tch::Device::Cpu));
            let x = Tensor::ones([1, 2], (Kind::Float, tch::Device::Cpu));
            let _ = x.fbgemm_linear_int8_weight_fp32_activation(&weight, &packed, &offsets, tch::Scalar::float(1.0), tch::Scalar::int(0), &bias);
        };
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            extern "C" {
                fn dup(fd: i32) -> i32;
                fn dup2(from: i32, to: i32) -> i32;
                fn close(fd: i32) -> i32;
            }
            const STDERR: i32 = 2;
            let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else { return warm_up() };
            // SAFETY: plain POSIX calls on file descriptors this function owns (`saved`, `null`)
            // and on fd 2, which is restored before returning.
            unsafe {
                let saved = dup(STDERR);
                if saved < 0 {
                    return warm_up();
                }
                dup2(null.as_raw_fd(), STDERR);
                warm_up();
                dup2(saved, STDERR);
                close(saved);
            }
        }
        #[cfg(not(unix))]
        warm_up();
    });
}

/// Per-channel largest |x| of the input of each layer's FFN output product (the GELU output,
/// whose few outlier channels ruin a per-tensor int8 range), measured in f32 on calibration
/// text by [`FusedEncoder::record_ffn_input_max`]; int8 uses it to smooth that product.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Calibration {
    /// One vector of `intermediate` channels per encoder layer.
    pub ffn_output_input_max: Vec<Vec<f32>>,
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: (Tensor, Tensor),
    intermediate: Linear,
    output: Linear,
    output_norm: (Tensor, Tensor),
}

impl Int8Calibration {
    /// Reads a calibration file written by [`Int8Calibration::write`].
    pub fn read(path: &Path) -> Result<Self> {
        let (tensors, _) = store::read(path)?;
        let mut layers: Vec<(usize, Vec<f32>)> = Vec::new();
        for t in tensors {
            let layer = t.name.strip_prefix("layer.").and_then(|r| r.strip_suffix(".ffn_output_input_max")).and_then(|i| i.parse().ok());
            let Some(layer) = layer else {
                return Err(Error::ModelCorrupt { path: path.to_path_buf(), reason: format!("unexpected tensor {}", t.name) });
            };
            layers.push((layer, t.to_f32()));
        }
        layers.sort_by_key(|l| l.0);
        if layers.iter().enumerate().any(|(i, l)| l.0 != i) {
            return Err(Error::ModelCorrupt { path: path.to_path_buf(), reason: "layers are not numbered 0..n".into() });
        }
        Ok(Int8Calibration { ffn_output_input_max: layers.into_iter().map(|l| l.1).collect() })
    }

    /// Writes the calibration as a small safetensors file (f32), with `metadata`.
    pub fn write(&self, path: &Path, metadata: &BTreeMap<String, String>) -> Result<()> {
        let tensors: Vec<NamedTensor> = self
            .ffn_output_input_max
            .iter()
            .enumerate()
            .map(|(i, v)| NamedTensor { name: format!("layer.{i}.ffn_output_input_max"), shape: vec![v.len()], data: TensorData::F32(v.clone()) })
            .collect();
        store::write(path, &tensors, metadata)
    }
}

/// The encoder and head for inference (see the module docs).
pub struct FusedEncoder {
    /// The word-embedding variable, used when the table is not kept in Q4 form.
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: (Tensor, Tensor),
    layers: Vec<Layer>,
    classifier: (Tensor, Tensor),
    heads: i64,
    hidden: i64,
    /// Activations' kind (f32 for int8 layers).
    kind: Kind,
}

impl FusedEncoder {
    /// Builds the pass over `vs` (f32 or bf16 variables); `int8` names the layers to quantize
    /// (f32 variables only), `calibration` smooths the int8 FFN output products.
    pub fn new(vs: &nn::VarStore, layers: i64, heads: i64, hidden: i64, int8: Int8Layers, calibration: Option<&Int8Calibration>) -> std::result::Result<Self, String> {
        Self::build(vs, layers, heads, hidden, int8, calibration, false)
    }

    /// The same pass in f32 with gradients flowing into `vs`'s variables, for fine-tuning.
    /// It holds the concatenated query/key/value weights it was built with: build it again
    /// after every optimizer step.
    pub fn trainable(vs: &nn::VarStore, layers: i64, heads: i64, hidden: i64) -> std::result::Result<Self, String> {
        Self::build(vs, layers, heads, hidden, Int8Layers::NONE, None, true)
    }

    fn build(
        vs: &nn::VarStore,
        layers: i64,
        heads: i64,
        hidden: i64,
        int8: Int8Layers,
        calibration: Option<&Int8Calibration>,
        trainable: bool,
    ) -> std::result::Result<Self, String> {
        let vars = vs.variables();
        let get = |name: &str| -> std::result::Result<Tensor, String> {
            vars.get(name).map(|t| if trainable { t.shallow_clone() } else { t.detach() }).ok_or_else(|| format!("no variable {name}"))
        };
        let norm = |prefix: &str| -> std::result::Result<(Tensor, Tensor), String> { Ok((get(&format!("{prefix}.weight"))?, get(&format!("{prefix}.bias"))?)) };
        let linear = |prefix: &str, int8: bool| -> std::result::Result<Linear, String> {
            Linear::new(get(&format!("{prefix}.weight"))?, get(&format!("{prefix}.bias"))?, int8)
        };
        let word = get(WORD_EMBEDDINGS)?;
        let kind = word.kind();
        if int8 != Int8Layers::NONE && kind != Kind::Float {
            return Err("int8 layers need f32 weights".into());
        }
        let _guard = (!trainable).then(tch::no_grad_guard);
        let mut built = Vec::new();
        for i in 0..layers {
            let p = format!("roberta.encoder.layer.{i}");
            let part = |w: &str| get(&format!("{p}.attention.self.{w}"));
            let qkv_weight = Tensor::cat(&[part("query.weight")?, part("key.weight")?, part("value.weight")?], 0);
            let qkv_bias = Tensor::cat(&[part("query.bias")?, part("key.bias")?, part("value.bias")?], 0);
            built.push(Layer {
                qkv: Linear::new(qkv_weight, qkv_bias, int8.qkv)?,
                attention_out: linear(&format!("{p}.attention.output.dense"), int8.attention_out)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(&format!("{p}.intermediate.dense"), int8.intermediate)?,
                output: match (int8.output, calibration) {
                    (true, Some(c)) => {
                        let input_max = c.ffn_output_input_max.get(i as usize).ok_or("calibration has too few layers")?;
                        Linear::int8(get(&format!("{p}.output.dense.weight"))?, get(&format!("{p}.output.dense.bias"))?, Some(input_max))?
                    }
                    (output, _) => linear(&format!("{p}.output.dense"), output)?,
                },
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(FusedEncoder {
            word,
            position: get("roberta.embeddings.position_embeddings.weight")?,
            token_type: get("roberta.embeddings.token_type_embeddings.weight")?.get(0),
            embedding_norm: norm("roberta.embeddings.LayerNorm")?,
            layers: built,
            classifier: (get("classifier.weight")?, get("classifier.bias")?),
            heads,
            hidden,
            kind,
        })
    }

    /// Word embeddings `[rows, width, hidden]` in the activations' kind: from `table` when the
    /// tagger keeps one, else from the embedding variable.
    pub fn word_embeddings(&self, input: &PackedRows, table: Option<&Q4Table>) -> Tensor {
        let [rows, width] = input.shape();
        match table {
            Some(table) => Tensor::from_slice(&table.lookup(input.ids)).view([rows, width, self.hidden]).to_kind(self.kind),
            None => Tensor::embedding(&self.word, &Tensor::from_slice(input.ids).view([rows, width]), PADDING_IDX, false, false),
        }
    }

    /// Logits `[rows, width, labels]` in the activations' kind.
    pub fn logits(&self, input: &PackedRows, word_embeddings: Tensor) -> Tensor {
        self.run(input, word_embeddings, None, HiddenTap::None).0
    }

    /// Logits, and the hidden states `tap` asks for (`[rows, width, hidden]` each, in the
    /// activations' kind).
    pub fn logits_and_hidden(&self, input: &PackedRows, word_embeddings: Tensor, tap: HiddenTap) -> (Tensor, Vec<Tensor>) {
        self.run(input, word_embeddings, None, tap)
    }

    /// Runs the pass and raises `maxes[layer][j]` to the largest |x_j| of the input of each
    /// layer's FFN output product, over the real (non-padding) positions.
    pub fn record_ffn_input_max(&self, input: &PackedRows, word_embeddings: Tensor, maxes: &mut Vec<Vec<f32>>) {
        let mut recorded = Vec::new();
        let _logits = self.run(input, word_embeddings, Some(&mut recorded), HiddenTap::None);
        maxes.resize(recorded.len(), Vec::new());
        for (total, layer) in maxes.iter_mut().zip(recorded) {
            if total.is_empty() {
                *total = layer;
            } else {
                total.iter_mut().zip(layer).for_each(|(t, x)| *t = t.max(x));
            }
        }
    }

    fn run(&self, input: &PackedRows, word_embeddings: Tensor, mut record: Option<&mut Vec<Vec<f32>>>, tap: HiddenTap) -> (Tensor, Vec<Tensor>) {
        let [rows, width] = input.shape();
        let (h, heads) = (self.hidden, self.heads);
        let mut x = timed(Op::Embeddings, 0, || {
            let positions = Tensor::from_slice(input.positions).view([rows, width]);
            let x = word_embeddings + Tensor::embedding(&self.position, &positions, PADDING_IDX, false, false) + &self.token_type;
            x.layer_norm([h], Some(&self.embedding_norm.0), Some(&self.embedding_norm.1), LAYER_NORM_EPS, false)
        });
        let mut hidden = Vec::new();
        let mut take = |state: usize, x: &Tensor| match tap {
            HiddenTap::None => {}
            HiddenTap::All => hidden.push(x.shallow_clone()),
            HiddenTap::Mix(weights) => {
                if let Some(&w) = weights.get(state).filter(|w| **w != 0.0) {
                    timed(Op::HiddenMix, 0, || {
                        // Summed in f32 whatever the activations' kind: 13 bf16 roundings add up.
                        match hidden.last_mut() {
                            Some(sum) => {
                                let _ = sum.g_add_(&(x.to_kind(Kind::Float) * f64::from(w)));
                            }
                            None => hidden.push(x.to_kind(Kind::Float) * f64::from(w)),
                        }
                    })
                }
            }
        };
        take(0, &x);
        let mask = timed(Op::Mask, 0, || {
            let allowed = input.attention_mask();
            ((allowed.ones_like() - allowed) * MASKED).to_kind(self.kind).unsqueeze(1)
        });
        let positions_count = (rows * width) as u64;
        let product = |op: Op, linear: &Linear, x: &Tensor| timed(op, 2 * positions_count * linear.work(), || linear.forward(x));
        let attention_flops = 4 * (rows * width * width * h) as u64;
        for (state, layer) in self.layers.iter().enumerate() {
            let qkv = product(Op::QkvProduct, &layer.qkv, &x);
            let context = timed(Op::Attention, attention_flops, || {
                let qkv = qkv.view([rows, width, 3, heads, h / heads]).permute([2, 0, 3, 1, 4]);
                let context = Tensor::scaled_dot_product_attention(&qkv.get(0), &qkv.get(1), &qkv.get(2), Some(&mask), 0.0, false, None);
                context.transpose(1, 2).contiguous().view([rows, width, h])
            });
            let attended = product(Op::AttentionOutProduct, &layer.attention_out, &context);
            let mut attended = attended;
            let a = timed(Op::ResidualNorm, 0, || {
                let _ = attended.g_add_(&x);
                attended.layer_norm([h], Some(&layer.attention_norm.0), Some(&layer.attention_norm.1), LAYER_NORM_EPS, false)
            });
            let mut inner = product(Op::FfnInProduct, &layer.intermediate, &a);
            timed(Op::GeLU, 0, || {
                // In place at inference; GELU's backward needs its input.
                if inner.requires_grad() {
                    inner = inner.gelu("none");
                } else {
                    let _ = inner.gelu_("none");
                }
            });
            if let Some(record) = record.as_deref_mut() {
                let real = Tensor::from_slice(input.segments).view([rows, width, 1]).ne(0).to_kind(inner.kind());
                let max = (inner.abs() * real).amax([0, 1], false).to_kind(Kind::Float);
                record.push(Vec::<f32>::try_from(max).unwrap_or_default());
            }
            let mut out = product(Op::FfnOutProduct, &layer.output, &inner);
            x = timed(Op::ResidualNorm, 0, || {
                let _ = out.g_add_(&a);
                out.layer_norm([h], Some(&layer.output_norm.0), Some(&layer.output_norm.1), LAYER_NORM_EPS, false)
            });
            take(state + 1, &x);
        }
        let logits = timed(Op::Classifier, 0, || x.linear(&self.classifier.0, Some(&self.classifier.1)));
        (logits, hidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::e5s1::f32_to_f16;

    #[test]
    fn q4_lookup_matches_full_dequantization() {
        let (rows, cols) = (5, 64);
        let mut blocks = Vec::new();
        for b in 0..rows * cols / Q4_BLOCK {
            blocks.extend(f32_to_f16(0.01 * (b as f32 + 1.0)).to_le_bytes());
            blocks.extend((0..16).map(|j| ((b * 7 + j * 3) % 256) as u8));
        }
        let mut full = vec![0f32; rows * cols];
        dequantize_q4(&blocks, &mut full);
        let table = Q4Table { blocks, rows, cols };
        let got = table.lookup(&[4, 0, 2, 99]);
        assert_eq!(&got[..cols], &full[4 * cols..5 * cols]);
        assert_eq!(&got[cols..2 * cols], &full[..cols]);
        assert_eq!(&got[2 * cols..3 * cols], &full[2 * cols..3 * cols]);
        assert_eq!(&got[3 * cols..], &full[3 * cols..4 * cols], "out of range -> <unk>");
    }
}
