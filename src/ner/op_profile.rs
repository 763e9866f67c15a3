//! An opt-in wall-clock profile of the model stage by kind of operation (the encoder's matrix
//! products, attention, layer norms, GELU, number-format conversions, the syntax heads' parts),
//! with the floating-point work of each product, so that the achieved FLOP/s can be set beside
//! the CPU's peak. libtorch runs CPU operations synchronously, so the time between two calls
//! is the time of the operations between them.
//!
//! Off unless [`enable`]d (the throughput benchmark's `--profile`); off, a timed operation costs
//! one relaxed atomic load.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// What a timed stretch of the model stage does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Word-embedding rows expanded from the 4-bit table, positions added, embedding norm.
    Embeddings,
    /// The block-diagonal attention mask of packed rows.
    Mask,
    /// The fused query/key/value product.
    QkvProduct,
    /// Scaled dot-product attention and the heads' re-layout.
    Attention,
    /// The attention output product.
    AttentionOutProduct,
    /// The FFN input product (384 -> 1536).
    FfnInProduct,
    GeLU,
    /// The FFN output product (1536 -> 384).
    FfnOutProduct,
    /// Residual additions and layer norms after attention and after the FFN.
    ResidualNorm,
    /// The syntax heads' mix of hidden states, summed in f32.
    HiddenMix,
    /// The entity classifier and log-softmax.
    Classifier,
    /// Results copied out of libtorch (log-probabilities, mixed states) and per-word gathering.
    CopyOut,
    /// The syntax heads' inputs: multiword split, spelling features, tensors.
    SyntaxInput,
    /// The syntax heads' word BiLSTM.
    SyntaxLstm,
    /// The syntax heads' MLPs and biaffine arc scores.
    SyntaxScores,
    /// Maximum spanning trees.
    TreeDecode,
    /// Relation scores at the chosen heads.
    Relations,
    /// Labels, lemma edit scripts and the words' records.
    SyntaxOutput,
}

impl Op {
    pub const ALL: [Op; 18] = [
        Op::Embeddings,
        Op::Mask,
        Op::QkvProduct,
        Op::Attention,
        Op::AttentionOutProduct,
        Op::FfnInProduct,
        Op::GeLU,
        Op::FfnOutProduct,
        Op::ResidualNorm,
        Op::HiddenMix,
        Op::Classifier,
        Op::CopyOut,
        Op::SyntaxInput,
        Op::SyntaxLstm,
        Op::SyntaxScores,
        Op::TreeDecode,
        Op::Relations,
        Op::SyntaxOutput,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::Embeddings => "embeddings",
            Op::Mask => "attention mask",
            Op::QkvProduct => "product: query/key/value",
            Op::Attention => "attention",
            Op::AttentionOutProduct => "product: attention output",
            Op::FfnInProduct => "product: FFN input",
            Op::GeLU => "GELU",
            Op::FfnOutProduct => "product: FFN output",
            Op::ResidualNorm => "residual + layer norm",
            Op::HiddenMix => "hidden-state mix (f32)",
            Op::Classifier => "classifier + log-softmax",
            Op::CopyOut => "copies out of libtorch",
            Op::SyntaxInput => "syntax: inputs",
            Op::SyntaxLstm => "syntax: word BiLSTM",
            Op::SyntaxScores => "syntax: MLPs + biaffine arcs",
            Op::TreeDecode => "syntax: spanning trees",
            Op::Relations => "syntax: relations",
            Op::SyntaxOutput => "syntax: labels and lemmas",
        }
    }

    /// Whether the operation belongs to the encoder pass (as opposed to the syntax heads).
    pub fn is_encoder(self) -> bool {
        !matches!(self, Op::SyntaxInput | Op::SyntaxLstm | Op::SyntaxScores | Op::TreeDecode | Op::Relations | Op::SyntaxOutput)
    }

    /// Whether the operation is one of the encoder's dense matrix products.
    pub fn is_product(self) -> bool {
        matches!(self, Op::QkvProduct | Op::AttentionOutProduct | Op::FfnInProduct | Op::FfnOutProduct)
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
static CALLS: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];
static FLOPS: [AtomicU64; 18] = [const { AtomicU64::new(0) }; 18];

/// Turns the profile on or off (it keeps what it has gathered).
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Forgets everything gathered so far.
pub fn reset() {
    for a in NANOS.iter().chain(&CALLS).chain(&FLOPS) {
        a.store(0, Ordering::Relaxed);
    }
}

/// Runs `f`, and with the profile on adds its wall time and `flops` to `op`.
#[inline]
pub fn timed<T>(op: Op, flops: u64, f: impl FnOnce() -> T) -> T {
    let span = Span::start(op);
    let out = f();
    if span.start.is_some() {
        FLOPS[op as usize].fetch_add(flops, Ordering::Relaxed);
    }
    out
}

/// Times from its start to its drop (for stretches with early exits or many statements).
pub struct Span {
    op: Op,
    start: Option<Instant>,
}

impl Span {
    pub fn start(op: Op) -> Self {
        Span { op, start: is_enabled().then(Instant::now) }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            let i = self.op as usize;
            NANOS[i].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
            CALLS[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What one kind of operation took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpTime {
    pub op: Op,
    pub seconds: f64,
    pub calls: u64,
    /// Floating-point operations counted for it (products: 2·m·n·k; 0 where not counted).
    pub flops: u64,
}

/// Everything gathered since the last [`reset`], one entry per kind (zeros included).
pub fn snapshot() -> Vec<OpTime> {
    Op::ALL
        .iter()
        .map(|&op| {
            let i = op as usize;
            OpTime {
                op,
                seconds: NANOS[i].load(Ordering::Relaxed) as f64 * 1e-9,
                calls: CALLS[i].load(Ordering::Relaxed),
                flops: FLOPS[i].load(Ordering::Relaxed),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_it_gathers_nothing_and_on_it_counts_calls_and_work() {
        // One test touches the global counters, so that parallel tests cannot interleave.
        enable(false);
        reset();
        assert_eq!(timed(Op::GeLU, 10, || 7), 7);
        assert!(snapshot().iter().all(|t| t.calls == 0 && t.flops == 0));
        enable(true);
        timed(Op::GeLU, 10, || std::thread::sleep(std::time::Duration::from_millis(2)));
        timed(Op::GeLU, 5, || ());
        enable(false);
        let gelu = snapshot().into_iter().find(|t| t.op == Op::GeLU).unwrap();
        assert_eq!((gelu.calls, gelu.flops), (2, 15));
        assert!(gelu.seconds >= 0.002);
        assert_eq!(Op::ALL.iter().map(|&op| op as usize).collect::<Vec<_>>(), (0..Op::ALL.len()).collect::<Vec<_>>());
        reset();
    }
}
