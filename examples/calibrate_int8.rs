//! Writes a model folder's int8 calibration (`int8-calibration.safetensors`): the per-channel
//! largest |input| of each layer's FFN output product, measured in f32 on AnCora train
//! sentences. With it, `--precision int8` quantizes every linear layer (smoothing that
//! product's outlier channels into its weights); without it, that product stays in f32.
//!
//!     cargo run --release --example calibrate_int8 -- [--model models/portavoz-ner-es] [--sentences 2000]
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use portavoz::corpus::read_conll;
use portavoz::ner::xlmr::INT8_CALIBRATION_FILE;
use portavoz::ner::{Forward, InferenceOptions, NerModel, Precision};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models/portavoz-ner-es"))]
    model: PathBuf,
    /// Calibration text: a CoNLL/AnCora file (word in the first column).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/train.tsv"))]
    data: PathBuf,
    /// Sentences used, taken evenly across the file.
    #[arg(long, default_value_t = 2000)]
    sentences: usize,
    #[arg(long, default_value_t = 2)]
    threads: i32,
}

fn main() -> Result<(), portavoz::Error> {
    let args = Args::parse();
    tch::set_num_threads(args.threads);
    let options = InferenceOptions {
        precision: Precision::Fp32,
        forward: Forward::Fused,
        ..Default::default()
    };
    let model = NerModel::load_on(&args.model, tch::Device::Cpu, options)?;
    let all = read_conll(&args.data)?;
    let step = (all.len() / args.sentences.max(1)).max(1);
    let sentences: Vec<Vec<String>> = all
        .iter()
        .step_by(step)
        .take(args.sentences)
        .map(|s| s.words.clone())
        .collect();
    let t = Instant::now();
    let calibration = model.calibrate_int8(&sentences)?;
    let path = args.model.join(INT8_CALIBRATION_FILE);
    let mut metadata = BTreeMap::new();
    metadata.insert(
        "data".to_string(),
        args.data
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    metadata.insert("sentences".to_string(), sentences.len().to_string());
    metadata.insert("every_nth_sentence".to_string(), step.to_string());
    calibration.write(&path, &metadata)?;
    println!(
        "{} sentences of {} (every {step}th) in {:.1}s; {} layers; wrote {}",
        sentences.len(),
        args.data.display(),
        t.elapsed().as_secs_f64(),
        calibration.ffn_output_input_max.len(),
        path.display()
    );
    Ok(())
}
