//! Throughput of the whole pipeline (segment -> NER -> rule layer) on a corpus of readouts,
//! against the Hugging Face transformers token-classification pipeline on the same weights.
//!
//! The corpus: the readouts in examples/data/*.txt and the texts of
//! ../shared/eval/readouts-dev.jsonl (read here, at run time; identical texts kept once),
//! repeated until it holds at least `--min-words` words (whitespace-separated, counted the same
//! way for every engine). Each precision runs in a child process of its own (so each peak RSS
//! is its own), one document per `annotate_batch` call (`--docs-per-call`), after one warm-up
//! document. Then benches/reference/reference.py runs the same documents in Python, in fp32 and
//! in bf16, and every ratio is taken against the faster of the two.
//!
//!     cargo run --release --example throughput -- --docs-per-call 16     (what `make bench` runs)
//!     cargo run --release --example throughput -- --precision auto --no-reference --profile
//!     cargo run --release --example throughput -- --precision int8 --no-reference
//!     cargo run --release --example throughput -- --model DIR --threads 2 --min-words 100000
//!
//! Printed per engine: words/s, subword tokens/s, per-document latency p50/p95, model load
//! time, peak RSS (VmHWM), and for portavoz where the time went (segmentation, word split,
//! tokenization, forward passes, decoding, rule layer); then the ratios portavoz / reference.
//! With `--profile` (`make profile`), the model stage's time by kind of operation (each dense
//! product, attention, GELU, norms, the hidden-state mix, copies, the syntax heads' parts), the
//! TFLOP/s the products and the whole forward pass achieve, and the CPU's peak measured by
//! libtorch on a large product in the same number format.
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use portavoz::ner::{op_profile, Forward, Precision};
use portavoz::pipeline::StageTimes;
use portavoz::{Document, Pipeline, PipelineConfig};
use serde_json::{json, Value};

const RESULT_TAG: &str = "THROUGHPUT_JSON ";
const REFERENCE_TAG: &str = "REFERENCE_JSON ";

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value_os_t = portavoz::default_model_dir())]
    model: PathBuf,
    /// Precisions to run, comma-separated (auto, fp32, bf16, int8).
    #[arg(long, default_value = "fp32,bf16,int8", value_delimiter = ',')]
    precision: Vec<Precision>,
    /// Forward-pass implementation for every precision run: fused or rust-bert.
    #[arg(long, default_value = "fused")]
    forward: Forward,
    /// libtorch intra-op threads (and torch.set_num_threads for the reference).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Model inputs per forward pass.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Documents per annotate_batch call (and per reference pipeline call).
    #[arg(long, default_value_t = 1)]
    docs_per_call: usize,
    #[arg(long, default_value_t = 100_000)]
    min_words: usize,
    /// The dev readouts (JSONL with a "text" field).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/readouts-dev.jsonl"))]
    dev: PathBuf,
    /// Python of the set-up venv (torch 2.4.0 + transformers 4.44.2).
    #[arg(long)]
    python: Option<PathBuf>,
    /// Skip the Python reference.
    #[arg(long)]
    no_reference: bool,
    /// Also time the model stage by kind of operation (products, attention, norms, GELU,
    /// conversions, the syntax heads' parts) and set the achieved FLOP/s beside the CPU's peak.
    /// The timing itself costs a little, so the words/s of a profiled run are not the ones to quote.
    #[arg(long)]
    profile: bool,
    /// Internal: run one precision on a corpus file and print its figures as JSON.
    #[arg(long, hide = true)]
    child_corpus: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match &args.child_corpus {
        Some(corpus) => child(&args, corpus),
        None => parent(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the corpus, runs one child per precision and the reference, prints the comparison.
fn parent(args: &Args) -> Result<(), String> {
    let texts = read_texts(&args.dev)?;
    let distinct_words: usize = texts.iter().map(|t| words(t)).sum();
    if distinct_words == 0 {
        return Err("the corpus is empty".into());
    }
    let mut docs = Vec::new();
    let mut total = 0;
    let mut round = 0;
    while total < args.min_words {
        for (i, t) in texts.iter().enumerate() {
            docs.push(json!({"id": format!("r{round}-d{i}"), "text": t}));
            total += words(t);
        }
        round += 1;
    }
    let tmp = std::env::temp_dir().join(format!("portavoz-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let corpus = tmp.join("corpus.jsonl");
    let mut lines = String::new();
    for d in &docs {
        lines.push_str(&d.to_string());
        lines.push('\n');
    }
    std::fs::write(&corpus, lines).map_err(|e| format!("{}: {e}", corpus.display()))?;
    println!(
        "corpus: {} distinct readouts ({distinct_words} words) x {round} = {} documents, {total} words; \
         {} threads, batches of {}, {} document(s) per call",
        texts.len(),
        docs.len(),
        args.threads,
        args.batch,
        args.docs_per_call
    );

    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rows: Vec<(String, Value)> = Vec::new();
    for &precision in &args.precision {
        let output = Command::new(&exe)
            .arg("--model")
            .arg(&args.model)
            .arg("--precision")
            .arg(precision.name())
            .arg("--forward")
            .arg(args.forward.to_string())
            .arg("--threads")
            .arg(args.threads.to_string())
            .arg("--batch")
            .arg(args.batch.to_string())
            .arg("--docs-per-call")
            .arg(args.docs_per_call.to_string())
            .args(args.profile.then_some("--profile"))
            .arg("--child-corpus")
            .arg(&corpus)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        match tagged_json(&output.stdout, RESULT_TAG) {
            Some(v) if output.status.success() => {
                rows.push((engine_name(precision, args.forward), v))
            }
            _ => return Err(format!("the {precision} run failed ({})", output.status)),
        }
    }
    if !args.no_reference {
        for dtype in ["fp32", "bf16"] {
            match reference(args, &corpus, dtype) {
                Ok(v) => rows.push((format!("reference {dtype}"), v)),
                Err(e) => eprintln!("reference {dtype}: {e}"),
            }
        }
    }
    std::fs::remove_dir_all(&tmp).ok();

    println!();
    println!(
        "{:<24} {:>9} {:>11} {:>8} {:>8} {:>7} {:>8} {:>8}",
        "engine", "words/s", "subwords/s", "p50 ms", "p95 ms", "load s", "RSS MB", "rules %"
    );
    for (name, v) in &rows {
        let rules = v
            .get("rules_share")
            .and_then(Value::as_f64)
            .map_or("-".to_string(), |s| format!("{:.1}", 100.0 * s));
        println!(
            "{:<24} {:>9.0} {:>11.0} {:>8.1} {:>8.1} {:>7.2} {:>8.0} {:>8}",
            name,
            num(v, "words_per_s"),
            num(v, "subwords_per_s"),
            num(v, "latency_p50_ms"),
            num(v, "latency_p95_ms"),
            num(v, "load_s"),
            num(v, "peak_rss_mb"),
            rules
        );
    }
    for (name, v) in &rows {
        if let Some(stages) = v.get("stages") {
            println!("{name} time shares: {}", share_line(stages));
        }
    }
    for (name, v) in &rows {
        if let Some(profile) = v.get("profile") {
            print_profile(name, profile);
        }
    }
    // Ratios against the fastest reference configuration, never a slower one.
    let fastest = rows
        .iter()
        .filter(|(n, _)| n.starts_with("reference"))
        .max_by(|a, b| num(&a.1, "words_per_s").total_cmp(&num(&b.1, "words_per_s")));
    if let Some((reference_name, r)) = fastest {
        for (name, v) in rows.iter().filter(|(n, _)| n.starts_with("portavoz")) {
            println!(
                "{name} / {reference_name} (the fastest reference): {:.2}x words/s, {:.2}x subwords/s, {:.2}x p50 latency (lower is better)",
                num(v, "words_per_s") / num(r, "words_per_s"),
                num(v, "subwords_per_s") / num(r, "subwords_per_s"),
                num(v, "latency_p50_ms") / num(r, "latency_p50_ms")
            );
        }
    }
    Ok(())
}

/// The row name of a portavoz run: precision (what `auto` chose), and the forward pass if not fused.
fn engine_name(precision: Precision, forward: Forward) -> String {
    let mut name = match precision {
        Precision::Auto => format!("portavoz auto={}", precision.resolve()),
        p => format!("portavoz {p}"),
    };
    if forward == Forward::RustBert {
        name.push_str(" rust-bert");
    }
    name
}

/// One precision: load, warm up, annotate every document, print the figures.
fn child(args: &Args, corpus: &Path) -> Result<(), String> {
    let precision = *args.precision.first().ok_or("no precision")?;
    let text = std::fs::read_to_string(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let docs: Vec<Document> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let config = PipelineConfig::default()
        .model_dir(&args.model)
        .threads(args.threads)
        .batch_size(args.batch)
        .precision(precision)
        .forward(args.forward);
    let t = Instant::now();
    let pipeline = Pipeline::new(config).map_err(|e| e.to_string())?;
    let load = t.elapsed();
    let rss_after_load = peak_rss_mb();
    pipeline
        .annotate_batch(&docs[..1])
        .map_err(|e| e.to_string())?;
    op_profile::reset();
    op_profile::enable(args.profile);

    let mut stages = StageTimes::default();
    let mut latencies = Vec::new();
    let (mut entities, mut claims) = (0, 0);
    let t = Instant::now();
    for group in docs.chunks(args.docs_per_call.max(1)) {
        let t = Instant::now();
        let (annotations, times) = pipeline
            .annotate_batch_profiled(group)
            .map_err(|e| e.to_string())?;
        latencies.push(t.elapsed());
        stages.add(&times);
        entities += annotations.iter().map(|a| a.entities.len()).sum::<usize>();
        claims += annotations.iter().map(|a| a.claims.len()).sum::<usize>();
    }
    let secs = t.elapsed().as_secs_f64();
    op_profile::enable(false);
    let n_words: usize = docs.iter().map(|d| words(&d.text)).sum();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    latencies.sort();
    let total = stages.total().as_secs_f64().max(1e-9);
    let share = |d: Duration| d.as_secs_f64() / total;
    let mut result = json!({
        "engine": engine_name(precision, args.forward),
        "threads": args.threads,
        "docs": docs.len(),
        "words": n_words,
        "subwords": stages.ner.subwords,
        "model_words": stages.ner.words,
        "sentences": stages.ner.sentences,
        "entities": entities,
        "claims": claims,
        "seconds": secs,
        "words_per_s": n_words as f64 / secs,
        "subwords_per_s": stages.ner.subwords as f64 / secs,
        "forward_subwords_per_s": stages.ner.subwords as f64 / stages.ner.forward.as_secs_f64().max(1e-9),
        "latency_p50_ms": ms(percentile(&latencies, 50.0)),
        "latency_p95_ms": ms(percentile(&latencies, 95.0)),
        "load_s": load.as_secs_f64(),
        "peak_rss_after_load_mb": rss_after_load,
        "peak_rss_mb": peak_rss_mb(),
        "rules_share": share(stages.rules),
        "stages": {
            "segment": share(stages.segment),
            "split": share(stages.ner.split),
            "tokenize": share(stages.ner.tokenize),
            "forward": share(stages.ner.forward),
            "decode": share(stages.ner.decode),
            "syntax": share(stages.ner.syntax),
            "rules": share(stages.rules),
        },
    });
    if args.profile {
        let ops: Vec<Value> = op_profile::snapshot()
            .iter()
            .filter(|t| t.calls > 0)
            .map(|t| json!({"op": t.op.name(), "seconds": t.seconds, "calls": t.calls, "flops": t.flops, "encoder": t.op.is_encoder(), "product": t.op.is_product()}))
            .collect();
        let kind = precision.kind();
        result["profile"] = json!({
            "ops": ops,
            "forward_seconds": stages.ner.forward.as_secs_f64(),
            "syntax_seconds": stages.ner.syntax.as_secs_f64(),
            "peak_kind": format!("{kind:?}"),
            "peak_square_tflops": product_rate(kind, 2048, 2048, 2048),
            "peak_model_shape_tflops": product_rate(kind, 4096, 384, 1536),
            "theoretical_amx_tflops": theoretical_amx_tflops(args.threads),
        });
    }
    eprintln!(
        "portavoz {precision}: {} docs, {n_words} words, {} subwords in {secs:.1}s: {:.0} words/s, {:.0} subwords/s \
         ({:.0} in the forward passes), p50 {:.0} ms, p95 {:.0} ms, load {:.2}s, peak RSS {:.0} MB; {entities} entities, {claims} claims",
        docs.len(),
        stages.ner.subwords,
        num(&result, "words_per_s"),
        num(&result, "subwords_per_s"),
        num(&result, "forward_subwords_per_s"),
        num(&result, "latency_p50_ms"),
        num(&result, "latency_p95_ms"),
        load.as_secs_f64(),
        num(&result, "peak_rss_mb"),
    );
    let mut out = std::io::stdout().lock();
    writeln!(out, "{RESULT_TAG}{result}").map_err(|e| e.to_string())
}

/// TFLOP/s of libtorch's `m×k · k×n` product in `kind` (best of 5 after a warm-up).
fn product_rate(kind: tch::Kind, m: i64, k: i64, n: i64) -> f64 {
    let _guard = tch::no_grad_guard();
    let options = (kind, tch::Device::Cpu);
    let (a, b) = (
        tch::Tensor::randn([m, k], options),
        tch::Tensor::randn([k, n], options),
    );
    let _ = a.matmul(&b);
    let best = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = a.matmul(&b);
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    2.0 * (m * k * n) as f64 / best / 1e12
}

/// AMX's bf16 peak for `cores` cores at the clock /proc/cpuinfo reports: 1,024 FLOP per cycle
/// and core (16 × 16 × 32 multiply-adds per tile product, one every 16 cycles); `None` without AMX.
fn theoretical_amx_tflops(cores: usize) -> Option<f64> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    if !info.contains(" amx_bf16") {
        return None;
    }
    let mhz: f64 = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    Some(cores as f64 * mhz * 1e6 * 1024.0 / 1e12)
}

/// The per-operation table of a `--profile` run.
fn print_profile(name: &str, profile: &Value) {
    let Some(ops) = profile.get("ops").and_then(Value::as_array) else {
        return;
    };
    let forward = num(profile, "forward_seconds");
    let syntax = num(profile, "syntax_seconds");
    let model = forward + syntax;
    println!();
    println!("{name}: where the model stage's {model:.2} s went (forward passes {forward:.2} s, syntax heads {syntax:.2} s)");
    println!(
        "{:<30} {:>9} {:>8} {:>9} {:>9}",
        "operation", "seconds", "share", "GFLOP", "TFLOP/s"
    );
    let (mut timed, mut encoder_flops, mut product_secs, mut product_flops) = (0.0, 0.0, 0.0, 0.0);
    for op in ops {
        let (secs, flops) = (num(op, "seconds"), num(op, "flops"));
        timed += secs;
        if op.get("encoder").and_then(Value::as_bool) == Some(true) {
            encoder_flops += flops;
        }
        if op.get("product").and_then(Value::as_bool) == Some(true) {
            product_secs += secs;
            product_flops += flops;
        }
        let rate = if flops > 0.0 {
            format!("{:.2}", flops / secs / 1e12)
        } else {
            "-".into()
        };
        println!(
            "{:<30} {:>9.3} {:>7.1}% {:>9.1} {:>9}",
            op.get("op").and_then(Value::as_str).unwrap_or("?"),
            secs,
            100.0 * secs / model,
            flops / 1e9,
            rate
        );
    }
    println!(
        "{:<30} {:>9.3} {:>7.1}%",
        "not timed (framework, glue)",
        model - timed,
        100.0 * (model - timed) / model
    );
    println!(
        "achieved: dense products {:.2} TFLOP/s, whole forward pass {:.2} TFLOP/s ({:.1} GFLOP in {forward:.2} s, attention included, padding counted)",
        product_flops / product_secs / 1e12,
        encoder_flops / forward / 1e12,
        encoder_flops / 1e9,
    );
    let theoretical = profile
        .get("theoretical_amx_tflops")
        .and_then(Value::as_f64)
        .map_or(String::new(), |t| {
            format!("; AMX bf16 nominal {t:.1} TFLOP/s")
        });
    println!(
        "peak on this CPU ({}, libtorch, same threads): {:.2} TFLOP/s on a 2048x2048x2048 product, {:.2} on the FFN's 4096x384x1536{theoretical}",
        profile.get("peak_kind").and_then(Value::as_str).unwrap_or("?"),
        num(profile, "peak_square_tflops"),
        num(profile, "peak_model_shape_tflops"),
    );
}

/// Runs benches/reference/reference.py on the corpus.
fn reference(args: &Args, corpus: &Path, dtype: &str) -> Result<Value, String> {
    let python = args.python.clone().unwrap_or_else(default_python);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/reference/reference.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg("--model")
        .arg(&args.model)
        .arg("--corpus")
        .arg(corpus)
        .arg("--threads")
        .arg(args.threads.to_string())
        .arg("--batch-size")
        .arg(args.batch.to_string())
        .arg("--docs-per-call")
        .arg(args.docs_per_call.to_string())
        .arg("--dtype")
        .arg(dtype)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e} (pass --python)", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}); it needs `{} -m pip install transformers==4.44.2`",
            script.display(),
            output.status,
            python.display()
        ));
    }
    tagged_json(&output.stdout, REFERENCE_TAG)
        .ok_or_else(|| "no figures in the reference's output".into())
}

/// The venv made by scripts/setup.sh.
fn default_python() -> PathBuf {
    portavoz::ner::convert::cache_dir().join("venv/bin/python")
}

/// The distinct texts of examples/data/*.txt and of the dev JSONL, in that order.
fn read_texts(dev: &Path) -> Result<Vec<String>, String> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&data)
        .map_err(|e| format!("{}: {e}", data.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().map_or(false, |x| x == "txt"))
        .collect();
    paths.sort();
    let mut texts = Vec::new();
    for p in paths {
        texts.push(std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?);
    }
    match std::fs::read_to_string(dev) {
        Ok(jsonl) => {
            for (i, line) in jsonl
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let v: Value = serde_json::from_str(line)
                    .map_err(|e| format!("{}:{}: {e}", dev.display(), i + 1))?;
                if let Some(t) = v.get("text").and_then(Value::as_str) {
                    texts.push(t.to_string());
                }
            }
        }
        Err(e) => eprintln!("warning: {}: {e}; using examples/data only", dev.display()),
    }
    let mut seen = HashSet::new();
    texts.retain(|t| !t.trim().is_empty() && seen.insert(t.trim().to_string()));
    Ok(texts)
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let k = (sorted.len() - 1) as f64 * p / 100.0;
    let (lo, hi) = (
        k.floor() as usize,
        (k.ceil() as usize).min(sorted.len() - 1),
    );
    sorted[lo] + (sorted[hi].saturating_sub(sorted[lo])).mul_f64(k - lo as f64)
}

/// Peak resident set size of this process (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn tagged_json(stdout: &[u8], tag: &str) -> Option<Value> {
    String::from_utf8_lossy(stdout).lines().rev().find_map(|l| {
        l.strip_prefix(tag)
            .and_then(|j| serde_json::from_str(j).ok())
    })
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn share_line(stages: &Value) -> String {
    [
        "segment", "split", "tokenize", "forward", "decode", "syntax", "rules",
    ]
    .iter()
    .map(|k| format!("{k} {:.1}%", 100.0 * num(stages, k)))
    .collect::<Vec<_>>()
    .join(", ")
}
