//! Words to subword ids, and sentences to model inputs ("chunks": one window of one sentence,
//! framed by `<s>` and `</s>`), keeping for every word the position of its first subword, so
//! alignment back to the words is never guessed.
use std::path::Path;

use tokenizers::Tokenizer;

use super::window::{self, Window};
use crate::error::{Error, Result};

pub const BOS_ID: i64 = 0;
pub const PAD_ID: i64 = 1;
pub const EOS_ID: i64 = 2;
pub const UNK_ID: u32 = 3;

/// Subword ids of a sentence's words.
#[derive(Debug, Clone, Default)]
pub struct EncodedWords {
    /// Subword ids of each word (never empty: a word the tokenizer drops becomes `<unk>`).
    pub pieces: Vec<Vec<u32>>,
}

/// One model input.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Index of the sentence it comes from.
    pub sentence: usize,
    pub window: Window,
    /// `<s>`, the window's subwords, `</s>`.
    pub ids: Vec<i64>,
    /// For each word `window.start..window.end`, the position of its first subword in `ids`.
    pub first_subword: Vec<usize>,
}

/// The SentencePiece tokenizer of a model folder.
pub struct WordEncoder {
    tokenizer: Tokenizer,
}

impl WordEncoder {
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(Error::ModelMissing { path: path.to_path_buf(), hint: "the model folder has no tokenizer.json".into() });
        }
        let tokenizer = Tokenizer::from_file(path).map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: e.to_string() })?;
        Ok(WordEncoder { tokenizer })
    }

    /// Subword ids of each word, the words tokenized as one pre-split sequence.
    pub fn encode_words<S: AsRef<str>>(&self, words: &[S]) -> Result<EncodedWords> {
        let mut pieces = vec![Vec::new(); words.len()];
        if words.is_empty() {
            return Ok(EncodedWords { pieces });
        }
        let refs: Vec<&str> = words.iter().map(|w| w.as_ref()).collect();
        let encoding = self.tokenizer.encode(refs.as_slice(), false).map_err(|e| Error::Tokenizer(e.to_string()))?;
        for (id, word) in encoding.get_ids().iter().zip(encoding.get_word_ids()) {
            if let Some(w) = word {
                if let Some(p) = pieces.get_mut(*w as usize) {
                    p.push(*id);
                }
            }
        }
        for p in &mut pieces {
            if p.is_empty() {
                p.push(UNK_ID);
            }
        }
        Ok(EncodedWords { pieces })
    }

    pub fn vocab_size(&self) -> usize {
        self.tokenizer.get_vocab_size(true)
    }
}

/// Cuts encoded sentences into model inputs of at most `max_len` positions (specials
/// included); consecutive windows of a long sentence share about `overlap` subwords.
pub fn chunks(sentences: &[EncodedWords], max_len: usize, overlap: usize) -> Vec<Chunk> {
    let body = max_len.saturating_sub(2).max(1);
    let mut out = Vec::new();
    for (s, enc) in sentences.iter().enumerate() {
        let lens: Vec<usize> = enc.pieces.iter().map(|p| p.len()).collect();
        for w in window::plan(&lens, body, overlap) {
            let mut ids = vec![BOS_ID];
            let mut first_subword = Vec::with_capacity(w.end - w.start);
            for pieces in &enc.pieces[w.start..w.end] {
                first_subword.push(ids.len());
                ids.extend(pieces.iter().take(body).map(|&p| p as i64));
            }
            ids.push(EOS_ID);
            out.push(Chunk { sentence: s, window: w, ids, first_subword });
        }
    }
    out
}
