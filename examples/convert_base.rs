//! Converts the base encoder from its registry packages into a rust-bert model folder.
//!
//!     cargo run --release --example convert_base -- E5S1_BIN TOKENIZER_JSON OUT_DIR
use std::path::PathBuf;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.len() != 3 {
        eprintln!("usage: convert_base E5S1_BIN TOKENIZER_JSON OUT_DIR");
        std::process::exit(2);
    }
    match portavoz::ner::convert::convert_e5s1(&args[0], &args[1], &args[2]) {
        Ok(r) => println!(
            "converted {} tensors; vocabulary pruned from {} to {} pieces; wrote {}",
            r.tensors,
            r.pieces_before,
            r.pieces_kept,
            args[2].display()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
